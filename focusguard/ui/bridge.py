"""From the app's threads to the GUI thread: every event on one queued signal.

The app publishes its events (app/events.py) on the engine's worker and the control thread.
Qt widgets may only be touched from the GUI thread, so the bridge subscribes to all of them
and re-emits each on `happened`, a signal delivered on the GUI thread (a queued connection to
this object, which lives there). `on(kind, slot)` routes one type of event to a slot.

`StatusFeed` keeps the UI's cached `Snapshot`, updated from `StatusChanged` events. The menu
and tooltip render the cached snapshot, so a stuck mail server never stalls them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from focusguard.app.events import Event, Events, StatusChanged
from focusguard.app.service import Service
from focusguard.app.values import Snapshot

log = logging.getLogger(__name__)

QUEUED = Qt.ConnectionType.QueuedConnection
E = TypeVar("E", bound=Event)


class Bridge(QObject):
    """Create it on the GUI thread; `post` may be called from any thread."""

    # An app Event, on the GUI thread. (Not `event`: that is QObject's own event handler.)
    happened = Signal(object)
    _posted = Signal(object)

    def __init__(self, events: Events | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._relay, QUEUED)
        self._unsubscribe = events.subscribe(Event, self.post) if events is not None else None

    def post(self, event: Event) -> None:
        """Any thread: deliver `event` on the GUI thread."""
        self._posted.emit(event)

    def on(self, kind: type[E], slot: Callable[[E], object]) -> None:
        """Call `slot` on the GUI thread for every event of type `kind`."""

        def route(event: object) -> None:
            if isinstance(event, kind):
                slot(event)

        self.happened.connect(route)

    def detach(self) -> None:
        """Stop hearing the app's events (the window they were for is gone)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @Slot(object)
    def _relay(self, event: object) -> None:
        self.happened.emit(event)


class StatusFeed(QObject):
    """The cached snapshot: what the app last said about its status."""

    changed = Signal(object)  # the new Snapshot, on the GUI thread

    def __init__(self, service: Service, bridge: Bridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._bridge = bridge
        self.current = Snapshot(None)
        bridge.on(StatusChanged, lambda event: self._arrived(event.snapshot))

    def refresh(self) -> None:
        """Ask once, without waiting (at start: the answer includes whatever the events
        before this window existed told)."""
        future = self._service.status.later()
        future.add_done_callback(self._done)

    def _done(self, future: Future[Snapshot]) -> None:  # worker thread
        try:
            snapshot = future.result()
        except Exception:  # keep showing the last snapshot; the next change updates it
            log.exception("status read failed")
            return
        self._bridge.post(StatusChanged(snapshot))

    def _arrived(self, snapshot: Snapshot) -> None:
        self.current = snapshot
        self.changed.emit(snapshot)
