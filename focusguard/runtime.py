"""The running app without its face: engine on its worker thread, timers, the mail
watcher and the local control channel. The tray app and `run --headless` both wrap this.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from focusguard.control import ControlServer
from focusguard.core import command_args, facts, failsafe
from focusguard.core.clock import SystemClock
from focusguard.core.engine import Engine, Outcome, Release, Status
from focusguard.core.ports import AuthError, Clock, MailBackend, MailError, MailItem, Notifier
from focusguard.core.records import StateStore
from focusguard.core.scheduler import Ticker
from focusguard.core.settings import Settings
from focusguard.core.status_text import status_line
from focusguard.core.worker import Worker

if TYPE_CHECKING:
    from focusguard.dnd_wiring import DndLink

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_FIRST = 5.0
RETRY_MAX = 300.0
# A rejected sign-in at start-up is retried too (an admin may re-consent, a locked account
# be unlocked), but never sooner than this: each try of a wrong password counts towards the
# directory's account lockout.
AUTH_RETRY_FIRST = 30.0


class Runtime:
    def __init__(
        self,
        settings: Settings,
        backend: MailBackend,
        store: StateStore,
        notifier: Notifier,
        *,
        clock: Clock | None = None,
        control_root: Path | None = None,
        control: bool = True,
        on_outcome: Callable[[Outcome], object] | None = None,
        on_release: Callable[[Release], object] | None = None,
        on_change: Callable[[], object] | None = None,
        on_show: Callable[[], object] | None = None,
        dnd: DndLink | None = None,
    ) -> None:
        self.settings = settings
        # Do Not Disturb beyond the mailbox (issue 14, focusguard/dnd_wiring.py): told the
        # focus after every piece of engine work (`_tell_dnd`), each decision, and quit.
        self.dnd = dnd
        self.backend = backend
        self.store = store
        self._notifier = notifier
        self.clock = clock or SystemClock()
        self.worker = Worker()
        self._outcome_listeners: list[Callable[[Outcome], object]] = []
        self._release_listeners: list[Callable[[Release], object]] = []
        self._change_listeners: list[Callable[[], object]] = []
        self._show_listeners: list[Callable[[], object]] = []
        self._when_connected: list[Callable[[], object]] = []
        self.listen(
            on_outcome=on_outcome, on_release=on_release, on_change=on_change, on_show=on_show
        )
        self.engine = Engine(
            settings,
            backend,
            store,
            self.clock,
            _NotifierSlot(self),
            on_outcome=self._emit_outcome,
            on_release=self._emit_release,
        )
        self.ticker = Ticker(self._tick, on_beat=self._beat_soon)
        if dnd is not None:
            self.listen(on_outcome=dnd.urgent)
            self._when_connected.append(dnd.connected)
        self.control = ControlServer(self.handle, control_root) if control else None
        self._started = False
        self._retry = RETRY_FIRST
        self._retry_timer: threading.Timer | None = None
        self._stopping = threading.Event()
        self._pending: list[MailItem] = []
        self._pending_lock = threading.Lock()
        self._drain_queued = False
        self._problem: str | None = None  # connecting, or the engine's last work
        self._watch_problem: str | None = None  # the mail watcher, until it works again

    @property
    def problem(self) -> str | None:
        """What is wrong now, if anything: connecting or engine work first, then watching."""
        return self._problem or self._watch_problem

    # -- listeners (any thread may register; they are called from the worker thread) -------
    @property
    def notifier(self) -> Notifier:
        return self._notifier

    @notifier.setter
    def notifier(self, notifier: Notifier) -> None:
        """Swap where notifications go (the tray replaces the console notifier)."""
        self._notifier = notifier

    def listen(
        self,
        *,
        on_outcome: Callable[[Outcome], object] | None = None,
        on_release: Callable[[Release], object] | None = None,
        on_change: Callable[[], object] | None = None,
        on_show: Callable[[], object] | None = None,
    ) -> None:
        for fn, listeners in (
            (on_outcome, self._outcome_listeners),
            (on_release, self._release_listeners),
            (on_change, self._change_listeners),
            (on_show, self._show_listeners),
        ):
            if fn is not None:
                listeners.append(fn)  # type: ignore[arg-type]

    def when_connected(self, fn: Callable[[], object]) -> None:
        """Run `fn` on the worker once the first connection succeeded (the demo starts its
        focus block this way)."""
        self._when_connected.append(fn)

    def _emit_outcome(self, outcome: Outcome) -> None:
        for fn in self._outcome_listeners:
            fn(outcome)

    def _emit_release(self, release: Release) -> None:
        for fn in self._release_listeners:
            fn(release)

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start threads and connect in the background; never blocks on the network."""
        if self.control is not None:
            self.control.start()
        if self.dnd is not None:
            self.dnd.start()
        self.worker.start()
        self.worker.submit(self._beat)
        self.worker.submit(self._report_failsafe)
        self.ticker.start()
        self.worker.submit(self._connect)

    def stop(self) -> None:
        self._stopping.set()
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        self.ticker.stop()
        if self.control is not None:
            self.control.stop()
        if self.dnd is not None:
            self.dnd.stop()  # before the backend closes: clearing Teams presence needs it
        try:
            self.worker.call(self.backend.close, timeout=10)
        except Exception:  # closing is best effort; the server times out on its own
            log.debug("backend close failed", exc_info=True)
        try:
            # A clean exit: the fail-safe need not wait for the heartbeat to go stale.
            self.worker.call(lambda: self._beat(running=False), timeout=5)
        except Exception:
            log.debug("could not record the clean exit", exc_info=True)
        self.worker.stop()

    # -- the fail-safe's view of this app (core/failsafe.py) -------------------------------
    def _beat_soon(self) -> None:
        # Written by the worker, not the timer thread: a worker stuck on a hung call stops
        # beating, which is what the fail-safe should see.
        self.worker.submit(self._beat)

    def _beat(self, running: bool = True) -> None:
        # The wall clock, whatever clock the engine runs on: the fail-safe process compares
        # it with its own.
        beat = failsafe.Heartbeat(SystemClock().now(), os.getpid(), running)
        try:
            self.store.set_fact(facts.HEARTBEAT, facts.encode_heartbeat(beat))
        except Exception as exc:  # StoreError (disk full...): the fail-safe then waits
            log.warning("could not write the heartbeat: %s", exc)

    def _report_failsafe(self) -> None:
        """Say what the fail-safe did while this app was not running, once."""
        runs = facts.decode_runs(self.store.get_fact(facts.FAILSAFE_RUNS))
        if not runs:
            return
        self.store.set_fact(facts.FAILSAFE_RUNS, facts.encode_runs([]))
        zone = ZoneInfo(self.settings.schedule.timezone)
        report = failsafe.startup_report(runs, zone, self.clock.now())
        if report is not None:
            log.info("%s: %s", *report)
            self.notifier.notify(*report, kind="info")

    def _connect(self) -> None:
        if self._stopping.is_set():
            return
        try:
            self.engine.start(
                on_new=self._new_mail, on_resync=self._resync, on_health=self._watch_health
            )
        except AuthError as exc:
            self._report(exc)
            # The user has to act (or an admin): retry slowly, so the fix is picked up.
            self._schedule_retry(minimum=AUTH_RETRY_FIRST)
            return
        except MailError as exc:
            self._report(exc)
            self._schedule_retry()
            return
        self._started = True
        self._problem = None
        self._retry = RETRY_FIRST
        hooks, self._when_connected = self._when_connected, []
        for fn in hooks:
            self._guarded(fn)
        self._arm()
        self._changed()

    def _schedule_retry(self, minimum: float = 0.0) -> None:
        if self._stopping.is_set():
            return
        delay = max(self._retry, minimum)
        self._retry = min(delay * 2, RETRY_MAX)
        self._retry_timer = threading.Timer(delay, lambda: self.worker.submit(self._connect))
        self._retry_timer.daemon = True
        self._retry_timer.start()

    def _report(self, exc: MailError) -> None:
        text = f"{exc.title}: {exc.message}"
        if text != self.problem:
            # One notification per distinct problem, then quiet until the state changes.
            self.notifier.notify(exc.title, exc.message, kind="error")
        self._problem = text
        self._changed()

    def _watch_health(self, error: MailError | None) -> None:
        """From the watcher's thread: handled on the worker, in order with engine work."""
        if not self._stopping.is_set():
            self.worker.submit(lambda: self._apply_watch_health(error))

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
            self.notifier.notify(error.title, error.message, kind="error")
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
        self.worker.submit(self._drain)

    def _drain(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
            self._drain_queued = False
        if batch:
            self._guarded(lambda: self.engine.on_new_mails(batch))

    def _resync(self) -> None:
        self.worker.submit(lambda: self._guarded(self.engine.resync))

    def _tick(self, reason: str) -> None:
        self.worker.submit(lambda: self._reconcile(reason))

    def _reconcile(self, reason: str) -> None:
        if not self._started:
            return
        self._guarded(lambda: self.engine.reconcile(self.clock.now(), kind="check-in"))
        self._arm()

    def _guarded(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except AuthError as exc:
            self._report(exc)
        except MailError as exc:
            self._report(exc)
        else:
            if self._problem is not None and self.engine.status().problem is None:
                self._problem = None
                self._retry = RETRY_FIRST
        self._changed()

    def _arm(self) -> None:
        now = self.clock.now()
        when = self.engine.next_wake(now)
        if self._problem is not None and when is not None:
            # The server is failing: retry overdue work with back-off, not every second.
            when = max(when, now + timedelta(seconds=self._retry))
            self._retry = min(self._retry * 2, RETRY_MAX)
        self.ticker.wake_at(when, now)

    def _changed(self) -> None:
        self._tell_dnd()
        for fn in self._change_listeners:
            fn()

    def _tell_dnd(self) -> None:
        """The focus as it stands, to Do Not Disturb (on the worker: the engine's state)."""
        if self.dnd is None or self._stopping.is_set():
            return
        if not self.worker.is_current:
            self.worker.submit(self._tell_dnd)
            return
        self.dnd.focus_changed(self._focus_until())

    def _focus_until(self) -> datetime | None:
        now = self.clock.now()
        paused = self.engine.paused_until
        if paused is not None and paused > now:
            return None
        focus = self.engine.policy.timeline.focus_at(now)
        return None if focus is None else focus.end

    # -- intents (any thread; they wait for the worker) ------------------------------------
    def call(self, fn: Callable[[], T], timeout: float = 60.0) -> T:
        result = self.worker.call(fn, timeout)
        self._arm_soon()
        self._changed()
        return result

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Queue engine work without waiting (the GUI's way in); listeners hear of the
        change when it is done."""

        def job() -> T:
            try:
                return fn()
            finally:
                self._arm()
                self._changed()

        return self.worker.submit(job)

    def _arm_soon(self) -> None:
        self.worker.submit(self._arm)

    def status(self) -> Status:
        status = self.worker.call(self.engine.status, timeout=30)
        return status

    def handle(self, request: dict[str, object]) -> dict[str, object]:
        """The control channel's commands (see `focusguard --help`)."""
        cmd = request.get("cmd")
        engine = self.engine
        if cmd == "status":
            status = self.status()
            data = status.as_json()
            data["problem"] = data["problem"] or self.problem
            data["do_not_disturb"] = None if self.dnd is None else self.dnd.describe()
            return {"ok": True, "status": data, "text": status_line(status, self.problem)}
        if cmd == "show":
            for fn in self._show_listeners:
                fn()
            return {"ok": True, "text": "shown"}
        if not self._started:
            return {"ok": False, "error": self.problem or "FocusGuard is still connecting"}
        if cmd == "focus-start":
            try:
                minutes = command_args.focus_minutes(request.get("minutes"))
            except command_args.ArgumentProblem as exc:
                return {"ok": False, "error": str(exc)}
            block = self.call(lambda: engine.focus_start(minutes))
            return {"ok": True, "text": f"Focus until {engine.describe(block.end)}"}
        if cmd == "focus-end":
            release = self.call(engine.focus_end)
            return {"ok": True, "text": _released("Focus ended", release)}
        if cmd == "checkin":
            return {"ok": True, "text": _released("Checked in", self.call(engine.check_in_now))}
        if cmd == "release-all":
            return {"ok": True, "text": _released("Released", self.call(engine.release_all))}
        if cmd == "pause":
            try:
                hours = command_args.pause_hours(
                    request.get("hours", command_args.PAUSE_HOURS_DEFAULT)
                )
            except command_args.ArgumentProblem as exc:
                return {"ok": False, "error": str(exc)}
            until = self.clock.now() + timedelta(hours=hours)
            release = self.call(lambda: engine.pause(until))
            return {
                "ok": True,
                "text": _released(f"Paused until {engine.describe(until)}", release),
            }
        if cmd == "resume":
            self.call(engine.resume)
            return {"ok": True, "text": "FocusGuard is holding mail again"}
        return {"ok": False, "error": f"unknown command {cmd!r}"}


def _released(prefix: str, release: object) -> str:
    if isinstance(release, Release) and release.released:
        text = f"{prefix}: released {release.summary}"
        if release.failed:
            text += f" ({release.failed} could not be moved yet; FocusGuard will retry)"
        return text
    return f"{prefix}: nothing to release"


class _NotifierSlot:
    """The engine's notifier: whatever the runtime's notifier is at the time."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        self._runtime.notifier.notify(title, message, kind=kind)
