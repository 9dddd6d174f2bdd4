"""What the running app tells its front-ends, as typed events, and the one way to hear them.

Each event is a frozen dataclass deriving from `Event`; a new event is one more such type,
published where it happens. `Events.subscribe(kind, listener)` hears every event of `kind`
(`Event` for all of them). The tray's Qt bridge subscribes to `Event` and re-emits each one
on a single queued signal (ui/bridge.py); the headless console, the demo and tests subscribe
to the types they print or count.

Listeners are called on the thread that publishes — mostly the engine's worker — so they must
be quick and must not block (queue the work, as the bridge does). A listener that raises is
logged and skipped: a broken front-end must never break the engine.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from focusguard.app.values import Snapshot
from focusguard.core.engine import Outcome, Release

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    """Something the running app tells its front-ends."""


@dataclass(frozen=True, slots=True)
class Decided(Event):
    """A new message was decided: delivered, or held until when, and why."""

    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Connected(Event):
    """The mailbox answered: the first connection (or the first after new settings)
    succeeded; what goes through the mailbox (Teams presence) may follow."""


@dataclass(frozen=True, slots=True)
class Released(Event):
    """Held mail went to the Inbox (a check-in, the end of focus, a release by hand...)."""

    release: Release


@dataclass(frozen=True, slots=True)
class FocusChanged(Event):
    """Focus started (`until` is its end) or ended (`until` is None): by hand, by the
    schedule or by a "Focus time" event in the calendar."""

    until: datetime | None


@dataclass(frozen=True, slots=True)
class StatusChanged(Event):
    """What FocusGuard is doing now (the tray's icon, tooltip and menu)."""

    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class Problem(Event):
    """Something stopped working (connecting, watching for mail, moving mail): told once per
    distinct problem; `StatusChanged` says when it is gone."""

    title: str
    message: str


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """Something to tell the person: `kind` is "info" or "warning"; `about_held_mail` when
    the person will want to look at the held mail (a click opens the digest)."""

    title: str
    message: str
    kind: str = "info"
    about_held_mail: bool = False


@dataclass(frozen=True, slots=True)
class ShowRequested(Event):
    """Another `focusguard` was started: bring this one's window forward."""


E = TypeVar("E", bound=Event)


class Events:
    """The hub: `publish` from anywhere, `subscribe` to the types you care about."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[tuple[type[Event], Callable[[Event], object]]] = []

    def subscribe(self, kind: type[E], listener: Callable[[E], object]) -> Callable[[], None]:
        """Call `listener` for every event of type `kind`; returns the unsubscribe."""
        entry = (kind, listener)
        with self._lock:
            self._listeners.append(entry)  # type: ignore[arg-type]

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._listeners:
                    self._listeners.remove(entry)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for kind, listener in listeners:
            if isinstance(event, kind):
                try:
                    listener(event)
                except Exception:
                    log.exception("a listener of %s failed", type(event).__name__)


class EventNotifier:
    """The engine's `Notifier` port: what the engine wants said becomes a `Notice` (or a
    `Problem` for an error), so every front-end hears it the same way."""

    def __init__(self, events: Events) -> None:
        self._events = events

    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        if kind == "error":
            self._events.publish(Problem(title, message))
        else:
            self._events.publish(Notice(title, message, kind))
