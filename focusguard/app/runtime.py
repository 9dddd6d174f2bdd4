"""The engine's life on its worker thread: connecting (and retrying), deciding arrivals in
batches, waking on time, beating for the fail-safe, hearing the watcher's health — and
telling the front-ends what happened, as events (app/events.py).

The runtime builds nothing: the builder (app/builder.py) hands it the engine, the worker and
the timers, so tests bring stand-ins without patching. Front-ends never call it directly:
they go through the service (app/service.py), which runs its work here.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from focusguard.app.events import (
    Connected,
    Events,
    FocusChanged,
    Notice,
    Problem,
    StatusChanged,
)
from focusguard.app.values import Snapshot
from focusguard.core import facts, failsafe
from focusguard.core.clock import SystemClock
from focusguard.core.engine import Engine
from focusguard.core.ports import AuthError, MailError, MailItem
from focusguard.core.worker import Worker

log = logging.getLogger(__name__)

T = TypeVar("T")

CLOSE_TIMEOUT_S = 10.0


class _Unknown(enum.Enum):
    UNKNOWN = "unknown"


_UNKNOWN = _Unknown.UNKNOWN


@dataclass(frozen=True, slots=True)
class Retry:
    """How soon a failing server is asked again: `first` after the first failure, doubling
    up to `most`. A rejected sign-in at start-up is retried too (an admin may re-consent, a
    locked account be unlocked), but never sooner than `after_auth`: each try of a wrong
    password counts towards the directory's account lockout."""

    first: float = 5.0
    most: float = 300.0
    after_auth: float = 30.0


class Timers(Protocol):
    """When the engine next has something to do (core/scheduler.py `Ticker`)."""

    def start(self, tick: Callable[[str], None], on_beat: Callable[[], None] | None = None) -> None:
        """Call `tick(reason)` at the wake times asked for and on a clock jump, `on_beat()`
        every heartbeat; both from the timers' own thread."""

    def stop(self) -> None: ...

    def wake_at(self, when: datetime | None, now: datetime) -> datetime: ...


class Runtime:
    def __init__(
        self,
        engine: Engine,
        worker: Worker,
        timers: Timers,
        events: Events,
        *,
        retry: Retry | None = None,
        do_not_disturb: Callable[[], Mapping[str, object] | None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._do_not_disturb = do_not_disturb  # what Do Not Disturb is doing, for status
        self._worker = worker
        self._timers = timers
        self._events = events
        self._policy = retry or Retry()
        self._retry = self._policy.first
        self._retry_timer: threading.Timer | None = None
        self._stopping = threading.Event()
        self._connected = False
        self._pending: list[MailItem] = []
        self._pending_lock = threading.Lock()
        self._drain_queued = False
        self._status_queued = False  # worker thread only
        # The focus as last published; _UNKNOWN until the first status, so the first one
        # always says whether focus is on (Do Not Disturb restores at start from it).
        self._focus_until: datetime | _Unknown | None = _UNKNOWN
        self._problem: str | None = None  # connecting, or the engine's last work
        self._watch_problem: str | None = None  # the mail watcher, until it works again

    # -- what the service reads (worker thread) --------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine; use it only from jobs running on the worker."""
        return self._engine

    @property
    def connected(self) -> bool:
        """The first connection succeeded (commands that change the mailbox need it)."""
        return self._connected

    @property
    def problem(self) -> str | None:
        """What is wrong now, if anything: connecting or engine work first, then watching."""
        return self._problem or self._watch_problem

    def snapshot(self) -> Snapshot:
        """The status and the problem (worker thread)."""
        status = self._engine.status()
        return Snapshot(status, self.problem or status.problem, self._do_not_disturb())

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start threads and connect in the background; never blocks on the network."""
        self._worker.start()
        self._worker.submit(self._beat)
        self._worker.submit(self._report_failsafe)
        self._timers.start(self._tick, on_beat=self._beat_soon)
        self._worker.submit(self._connect)

    def stop(self) -> None:
        self._stopping.set()
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        self._timers.stop()
        try:
            self._worker.call(self._engine.backend.close, timeout=CLOSE_TIMEOUT_S)
        except Exception:  # closing is best effort; the server times out on its own
            log.debug("backend close failed", exc_info=True)
        try:
            # A clean exit: the fail-safe need not wait for the heartbeat to go stale.
            self._worker.call(lambda: self._beat(running=False), timeout=5)
        except Exception:
            log.debug("could not record the clean exit", exc_info=True)
        self._worker.stop()

    def switch(self, engine: Engine) -> None:
        """Run on `engine` from now on (new settings; worker thread): the old one stops
        watching, the new one connects as at start-up. Held mail stays in the ledger and on
        the server; the new engine's first reconcile picks it up."""
        old, self._engine = self._engine, engine
        if old.backend is not engine.backend:
            try:
                old.backend.close()
            except Exception:  # best effort, as at stop
                log.debug("closing the previous backend failed", exc_info=True)
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        with self._pending_lock:
            self._pending = []  # item ids of the previous mailbox mean nothing to this one
        self._connected = False
        self._problem = self._watch_problem = None
        self._retry = self._policy.first
        self._connect()

    # -- the fail-safe's view of this app (core/failsafe.py) -------------------------------
    def _beat_soon(self) -> None:
        # Written by the worker, not the timer thread: a worker stuck on a hung call stops
        # beating, which is what the fail-safe should see.
        self._worker.submit(self._beat)

    def _beat(self, running: bool = True) -> None:
        # The wall clock, whatever clock the engine runs on: the fail-safe process compares
        # it with its own.
        beat = failsafe.Heartbeat(SystemClock().now(), os.getpid(), running)
        try:
            self._engine.store.set_fact(facts.HEARTBEAT, facts.encode_heartbeat(beat))
        except Exception as exc:  # StoreError (disk full...): the fail-safe then waits
            log.warning("could not write the heartbeat: %s", exc)

    def _report_failsafe(self) -> None:
        """Say what the fail-safe did while this app was not running, once."""
        store = self._engine.store
        runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
        if not runs:
            return
        store.set_fact(facts.FAILSAFE_RUNS, facts.encode_runs([]))
        zone = ZoneInfo(self._engine.settings.schedule.timezone)
        report = failsafe.startup_report(runs, zone, self._engine.clock.now())
        if report is not None:
            log.info("%s: %s", *report)
            self._events.publish(Notice(*report))

    # -- connecting ------------------------------------------------------------------------
    def _connect(self) -> None:
        if self._stopping.is_set():
            return
        try:
            self._engine.start(
                on_new=self._new_mail, on_resync=self._resync, on_health=self._watch_health
            )
        except AuthError as exc:
            self._report(exc)
            # The user has to act (or an admin): retry slowly, so the fix is picked up.
            self._schedule_retry(minimum=self._policy.after_auth)
            return
        except MailError as exc:
            self._report(exc)
            self._schedule_retry()
            return
        self._connected = True
        self._problem = None
        self._retry = self._policy.first
        self._events.publish(Connected())
        self._arm()
        self._changed()

    def _schedule_retry(self, minimum: float = 0.0) -> None:
        if self._stopping.is_set():
            return
        delay = max(self._retry, minimum)
        self._retry = min(delay * 2, self._policy.most)
        engine = self._engine
        self._retry_timer = threading.Timer(
            delay, lambda: self._worker.submit(self._retry_connect(engine))
        )
        self._retry_timer.daemon = True
        self._retry_timer.start()

    def _retry_connect(self, engine: Engine) -> Callable[[], None]:
        def retry() -> None:
            if self._engine is engine and not self._connected:  # not switched meanwhile
                self._connect()

        return retry

    def _report(self, exc: MailError) -> None:
        text = f"{exc.title}: {exc.message}"
        if text != self.problem:
            # One notification per distinct problem, then quiet until the state changes.
            self._events.publish(Problem(exc.title, exc.message))
        self._problem = text
        self._changed()

    def _watch_health(self, error: MailError | None) -> None:
        """From the watcher's thread: handled on the worker, in order with engine work."""
        if not self._stopping.is_set():
            self._worker.submit(lambda: self._apply_watch_health(error))

    def _apply_watch_health(self, error: MailError | None) -> None:
        # A watcher that fails is never silent (issue 9): status, tray, log, one notification
        # per distinct problem. It keeps retrying by itself; on recovery it resyncs, so mail
        # that arrived meanwhile is decided then.
        if error is None:
            if self._watch_problem is not None:
                log.info("watching for new mail again")
                self._watch_problem = None
                self._changed()
            return
        text = f"{error.title}: {error.message}"
        if text == self._watch_problem:
            return
        log.warning("not watching for new mail (FocusGuard keeps trying): %s", text)
        if text != self.problem:
            self._events.publish(Problem(error.title, error.message))
        self._watch_problem = text
        self._changed()

    # -- engine work, always on the worker thread ------------------------------------------
    def _new_mail(self, item: MailItem) -> None:
        # Arrivals queue up while the worker is busy and are decided together: under a
        # burst, holding costs one bulk move instead of one request per message.
        with self._pending_lock:
            self._pending.append(item)
            if self._drain_queued:
                return
            self._drain_queued = True
        self._worker.submit(self._drain)

    def _drain(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
            self._drain_queued = False
        if batch:
            engine = self._engine
            self._guarded(lambda: engine.on_new_mails(batch))

    def _resync(self) -> None:
        self._worker.submit(lambda: self._guarded(self._engine.resync))

    def _tick(self, reason: str) -> None:
        self._worker.submit(lambda: self._reconcile(reason))

    def _reconcile(self, reason: str) -> None:
        if not self._connected:
            return
        engine = self._engine
        self._guarded(lambda: engine.reconcile(engine.clock.now(), kind=reason))
        self._arm()

    def _guarded(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except MailError as exc:
            self._report(exc)
        else:
            if self._problem is not None and self._engine.status().problem is None:
                self._problem = None
                self._retry = self._policy.first
        self._changed()

    def _arm(self) -> None:
        now = self._engine.clock.now()
        when = self._engine.next_wake(now)
        if self._problem is not None and when is not None:
            # The server is failing: retry overdue work with back-off, not every second.
            when = max(when, now + timedelta(seconds=self._retry))
            self._retry = min(self._retry * 2, self._policy.most)
        self._timers.wake_at(when, now)

    # -- telling the front-ends ------------------------------------------------------------
    def _changed(self) -> None:
        # At most one status read queued at a time: a burst of changes (a release of fifty
        # messages) costs one or two reads, not fifty.
        if not self._status_queued:
            self._status_queued = True
            self._worker.submit(self._publish_status)

    def _publish_status(self) -> None:
        self._status_queued = False
        try:
            snapshot = self.snapshot()
        except Exception:  # the store failed: keep the last status; the next change retries
            log.exception("status read failed")
            return
        status = snapshot.status
        assert status is not None
        if status.focus_until != self._focus_until:
            self._focus_until = status.focus_until
            self._events.publish(FocusChanged(status.focus_until))
        self._events.publish(StatusChanged(snapshot))

    # -- work from the service (any thread) ------------------------------------------------
    def submit(self, job: Callable[[], T], *, changes: bool = True) -> Future[T]:
        """Run `job` on the worker; when it `changes` anything, timers are re-armed and the
        front-ends hear the new status once it is done (a query must not: a status read
        that announced a change would announce itself forever)."""
        if not changes:
            return self._worker.submit(job)

        def run() -> T:
            try:
                return job()
            finally:
                self._arm()
                self._changed()

        return self._worker.submit(run)
