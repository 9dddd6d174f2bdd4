"""From the runtime's threads to the GUI thread.

The runtime calls `on_change`, `on_release`, `on_outcome` and `on_show` from its worker,
scheduler and control threads. Qt widgets may only be touched from the GUI thread, so each
`post_*` method here (safe from any thread) emits a private signal connected with
`QueuedConnection` to a slot of this object, which lives in the GUI thread; the slot then
emits the public signal there. Listeners of the public signals therefore always run on the
GUI thread, whatever they are (widgets, lambdas, plain functions).

`StatusFeed` keeps the UI's cached `Snapshot`: on every change it asks the engine's worker
for a fresh `Status` without waiting, and publishes the answer when it comes. The menu and
tooltip render the cached snapshot, so a stuck mail server never stalls them.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot

from focusguard.core.engine import Outcome, Release, Status
from focusguard.core.status_text import status_line
from focusguard.runtime import Runtime

log = logging.getLogger(__name__)

QUEUED = Qt.ConnectionType.QueuedConnection


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the UI shows: an immutable status plus the runtime's current problem."""

    status: Status | None  # None until the worker first answers
    problem: str | None = None

    @property
    def line(self) -> str:
        if self.status is None:
            return f"Connecting… · ⚠ {self.problem}" if self.problem else "Connecting…"
        return status_line(self.status, self.problem)

    @property
    def in_focus(self) -> bool:
        return self.status is not None and self.status.focus_until is not None

    @property
    def paused(self) -> bool:
        return self.status is not None and self.status.paused_until is not None

    @property
    def held(self) -> int:
        return 0 if self.status is None else self.status.held


class Bridge(QObject):
    """Signals that always arrive on the GUI thread. Create it on the GUI thread."""

    changed = Signal()
    released = Signal(object)  # Release
    outcome = Signal(object)  # Outcome
    show_requested = Signal()
    snapshot = Signal(object)  # Snapshot, from StatusFeed
    failed = Signal(str, str)  # title, message of an intent that failed

    _changed = Signal()
    _released = Signal(object)
    _outcome = Signal(object)
    _show = Signal()
    _snapshot = Signal(object)
    _failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._changed.connect(self._relay_changed, QUEUED)
        self._released.connect(self._relay_released, QUEUED)
        self._outcome.connect(self._relay_outcome, QUEUED)
        self._show.connect(self._relay_show, QUEUED)
        self._snapshot.connect(self._relay_snapshot, QUEUED)
        self._failed.connect(self._relay_failed, QUEUED)

    # -- any thread ------------------------------------------------------------------------
    def post_change(self) -> None:
        self._changed.emit()

    def post_release(self, release: Release) -> None:
        self._released.emit(release)

    def post_outcome(self, outcome: Outcome) -> None:
        self._outcome.emit(outcome)

    def post_show(self) -> None:
        self._show.emit()

    def post_snapshot(self, snap: Snapshot) -> None:
        self._snapshot.emit(snap)

    def post_failure(self, title: str, message: str) -> None:
        self._failed.emit(title, message)

    # -- GUI thread ------------------------------------------------------------------------
    @Slot()
    def _relay_changed(self) -> None:
        self.changed.emit()

    @Slot(object)
    def _relay_released(self, release: object) -> None:
        self.released.emit(release)

    @Slot(object)
    def _relay_outcome(self, outcome: object) -> None:
        self.outcome.emit(outcome)

    @Slot()
    def _relay_show(self) -> None:
        self.show_requested.emit()

    @Slot(object)
    def _relay_snapshot(self, snap: object) -> None:
        self.snapshot.emit(snap)

    @Slot(str, str)
    def _relay_failed(self, title: str, message: str) -> None:
        self.failed.emit(title, message)


class StatusFeed(QObject):
    """The cached snapshot, refreshed on every change without ever blocking the GUI."""

    def __init__(self, runtime: Runtime, bridge: Bridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self._bridge = bridge
        self.current = Snapshot(None)
        self._in_flight = False
        self._dirty = False
        bridge.changed.connect(self.refresh)
        bridge.snapshot.connect(self._arrived)

    @Slot()
    def refresh(self) -> None:
        # At most one status read queued at a time: a burst of changes (a release of fifty
        # messages) costs two reads, not fifty.
        if self._in_flight:
            self._dirty = True
            return
        self._in_flight = True
        runtime = self._runtime
        # worker.submit, not runtime.submit: runtime.submit reports a change when the job is
        # done, and a status read reporting a change would refresh itself forever.
        future = runtime.worker.submit(lambda: Snapshot(runtime.engine.status(), runtime.problem))
        future.add_done_callback(self._done)

    def _done(self, future: Future[Snapshot]) -> None:  # worker thread
        try:
            snap = future.result()
        except Exception:  # keep showing the last snapshot; the next change retries
            log.exception("status read failed")
            snap = self.current
        self._bridge.post_snapshot(snap)

    @Slot(object)
    def _arrived(self, snap: object) -> None:
        assert isinstance(snap, Snapshot)
        self._in_flight = False
        self.current = snap
        if self._dirty:
            self._dirty = False
            self.refresh()
