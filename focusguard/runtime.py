"""The running app without its face: engine on its worker thread, timers, the mail
watcher and the local control channel. The tray app and `run --headless` both wrap this.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from focusguard.control import ControlServer
from focusguard.core import command_args
from focusguard.core.clock import SystemClock
from focusguard.core.engine import Engine, Outcome, Release, Status
from focusguard.core.ports import AuthError, Clock, MailBackend, MailError, MailItem, Notifier
from focusguard.core.records import StateStore
from focusguard.core.scheduler import Ticker
from focusguard.core.settings import Settings
from focusguard.core.status_text import status_line
from focusguard.core.worker import Worker

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_FIRST = 5.0
RETRY_MAX = 300.0


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
    ) -> None:
        self.settings = settings
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
        self.ticker = Ticker(self._tick)
        self.control = ControlServer(self.handle, control_root) if control else None
        self._started = False
        self._retry = RETRY_FIRST
        self._retry_timer: threading.Timer | None = None
        self._stopping = threading.Event()
        self._pending: list[MailItem] = []
        self._pending_lock = threading.Lock()
        self._drain_queued = False
        self.problem: str | None = None

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
        self.worker.start()
        self.ticker.start()
        self.worker.submit(self._connect)

    def stop(self) -> None:
        self._stopping.set()
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        self.ticker.stop()
        if self.control is not None:
            self.control.stop()
        try:
            self.worker.call(self.backend.close, timeout=10)
        except Exception:  # closing is best effort; the server times out on its own
            log.debug("backend close failed", exc_info=True)
        self.worker.stop()

    def _connect(self) -> None:
        if self._stopping.is_set():
            return
        try:
            self.engine.start(on_new=self._new_mail, on_resync=self._resync)
        except AuthError as exc:
            self._report(exc)
            return  # a wrong password is not retried: the user has to act
        except MailError as exc:
            self._report(exc)
            self._schedule_retry()
            return
        self._started = True
        self.problem = None
        self._retry = RETRY_FIRST
        hooks, self._when_connected = self._when_connected, []
        for fn in hooks:
            self._guarded(fn)
        self._arm()
        self._changed()

    def _schedule_retry(self) -> None:
        if self._stopping.is_set():
            return
        delay, self._retry = self._retry, min(self._retry * 2, RETRY_MAX)
        self._retry_timer = threading.Timer(delay, lambda: self.worker.submit(self._connect))
        self._retry_timer.daemon = True
        self._retry_timer.start()

    def _report(self, exc: MailError) -> None:
        text = f"{exc.title}: {exc.message}"
        if text != self.problem:
            # One notification per distinct problem, then quiet until the state changes.
            self.notifier.notify(exc.title, exc.message, kind="error")
        self.problem = text
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
            if self.problem is not None and self.engine.status().problem is None:
                self.problem = None
                self._retry = RETRY_FIRST
        self._changed()

    def _arm(self) -> None:
        now = self.clock.now()
        when = self.engine.next_wake(now)
        if self.problem is not None and when is not None:
            # The server is failing: retry overdue work with back-off, not every second.
            when = max(when, now + timedelta(seconds=self._retry))
            self._retry = min(self._retry * 2, RETRY_MAX)
        self.ticker.wake_at(when, now)

    def _changed(self) -> None:
        for fn in self._change_listeners:
            fn()

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
