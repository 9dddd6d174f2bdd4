"""Do Not Disturb wired to the running app (issue 14): builds the `DndController` for the
settings (this computer's desktop adapter, Teams presence on a Graph account) and runs it on
a worker thread of its own, so a slow `gsettings`, D-Bus or Graph call never holds up mail.

`DoNotDisturb` is what the builder gives an app: it hears the app's events — `FocusChanged`
switches the desktop and Teams, `Decided` raises the critical notification for urgent mail
that came through while the desktop is quiet, `Connected` lets Teams presence (which goes
through the mailbox connection) follow — and `use()` builds a new link when the settings
(and with them the backend) change. `urgent_listeners` is the tray's hook: called (on the
link's thread) with each urgent outcome that reached the Inbox while the desktop was quiet
(docs/do-not-disturb.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from focusguard.app.events import Connected, Decided, Events, FocusChanged
from focusguard.core.do_not_disturb import Detection, DndController
from focusguard.core.engine import Outcome
from focusguard.core.ports import Clock, MailBackend, Notifier
from focusguard.core.records import StateStore
from focusguard.core.settings import Settings
from focusguard.core.worker import Worker
from focusguard.domain.policy import Action
from focusguard.domain.senders import Category

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 20.0
URGENT_TITLE = "Urgent email in your Inbox"


def build(
    settings: Settings, store: StateStore, backend: MailBackend, notifier: Notifier, clock: Clock
) -> DndLink:
    """The link for `settings`: the desktop adapter is detected (and shown) even when
    do_not_disturb.desktop is off; Teams presence only on a Graph account with it on."""
    from focusguard.platform.dnd import detect

    dnd = settings.do_not_disturb
    presence = None
    if dnd.teams:
        teams = getattr(backend, "teams_presence", None)
        if teams is None:
            log.warning("do_not_disturb.teams needs a Microsoft 365 (graph) account; ignored")
        else:
            presence = teams()
    controller = DndController(
        store,
        clock,
        notifier,
        desktop=detect.desktop_dnd(dnd),
        desktop_enabled=dnd.desktop,
        presence=presence,
        restorer=lambda kind: detect.restorer(kind, dnd),
    )
    return DndLink(controller)


def desktop_detection(settings: Settings) -> Detection:
    """What desktop Do Not Disturb this computer offers, for Settings (no running app
    needed): the same detection the running app uses. May take a moment (a D-Bus look)."""
    from focusguard.platform.dnd import detect

    return detect.desktop_dnd(settings.do_not_disturb).detection


def restore_after_crash(settings: Settings, store: StateStore, notifier: Notifier) -> None:
    """The fail-safe run (FocusGuard not running): put back what a crashed FocusGuard left
    switched on the desktop. Cheap when nothing was: one fact read."""
    from focusguard.core.clock import SystemClock
    from focusguard.platform.dnd import detect

    dnd = settings.do_not_disturb
    DndController(
        store, SystemClock(), notifier, restorer=lambda kind: detect.restorer(kind, dnd)
    ).restore_after_crash()


class DndLink:
    """Runs a DndController on its own thread; every method may be called from any thread."""

    def __init__(self, controller: DndController) -> None:
        self.controller = controller
        self._worker = Worker("focusguard-dnd")
        self._lock = threading.Lock()
        self._told: tuple[datetime | None, bool] | None = None
        self._teams_ready = False
        self._stopped = False
        self.urgent_listeners: list[Callable[[Outcome], object]] = []

    def start(self) -> None:
        self._worker.start()

    def connected(self) -> None:
        """The mailbox connection works: Teams presence (which goes through it) may follow,
        for the focus as last told."""
        with self._lock:
            self._teams_ready = True
            told = self._told
        if told is not None:
            self.focus_changed(told[0])

    def focus_changed(self, until: datetime | None) -> None:
        """Focus runs until `until` (None: no focus). Repeats are dropped here."""
        with self._lock:
            key = (until, self._teams_ready)
            if key == self._told or self._stopped:
                return
            self._told = key
            teams = self._teams_ready
        self._worker.submit(lambda: self._apply(until, teams))

    def _apply(self, until: datetime | None, teams: bool) -> None:
        presence = self.controller.presence
        if not teams and presence is not None:
            self.controller.presence = None  # not connected yet: the desktop goes first
            try:
                self.controller.focus_changed(until)
            finally:
                self.controller.presence = presence
        else:
            self.controller.focus_changed(until)

    def urgent(self, outcome: Outcome) -> None:
        """An urgent message reached the Inbox: FocusGuard's own critical notification when
        the desktop is quiet (its own notifications would hide it otherwise)."""
        d = outcome.decision
        if d.category is not Category.URGENT or d.action is not Action.DELIVER:
            return
        self._worker.submit(lambda: self._alert(outcome))

    def _alert(self, outcome: Outcome) -> None:
        if not self.controller.quiet:
            return
        why = outcome.decision.reason.removeprefix("delivered: ")
        self.controller.urgent_mail(
            URGENT_TITLE,
            f"It came through your focus block ({why}). Your desktop stays quiet otherwise.",
        )
        for fn in self.urgent_listeners:
            fn(outcome)

    def describe(self) -> dict[str, object]:
        return self.controller.describe()

    def stop(self) -> None:
        """Quit: restore everything (waits for it, within a deadline), then end the thread.
        Focus changes after this are dropped: nothing may quiet the desktop after quit."""
        with self._lock:
            self._stopped = True
        try:
            self._worker.call(self.controller.restore, timeout=STOP_TIMEOUT_S)
        except Exception:  # a hung call: the fact stays, and the next start restores
            log.warning(
                "Do Not Disturb was not restored on quit; the next start will", exc_info=True
            )
        self._worker.stop()


class DoNotDisturb:
    """The app's Do Not Disturb: one link at a time (`use`), fed by the app's events."""

    def __init__(self, events: Events, store: StateStore, notifier: Notifier, clock: Clock) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock
        self._lock = threading.Lock()
        self._link: DndLink | None = None
        self._until: datetime | None = None  # the focus as last heard
        self._running = False
        events.subscribe(FocusChanged, self._focus_changed)
        events.subscribe(Decided, self._decided)
        events.subscribe(Connected, self._connected)

    def use(self, settings: Settings, backend: MailBackend) -> None:
        """A link for these settings and this (not yet connected) backend: at build, and
        for new settings before their engine connects. The previous link restores what it
        switched first; `Connected` then lets the new one's Teams presence follow."""
        link = build(settings, self._store, backend, self._notifier, self._clock)
        with self._lock:
            old, self._link = self._link, link
            running, until = self._running, self._until
        if old is not None and running:
            old.stop()
        if running:
            link.start()
            link.focus_changed(until)

    def start(self) -> None:
        with self._lock:
            self._running = True
            link = self._link
        if link is not None:
            link.start()

    def stop(self) -> None:
        """Quit: everything restored; before the backend closes (clearing Teams presence
        needs it)."""
        with self._lock:
            self._running = False
            link = self._link
        if link is not None:
            link.stop()

    def describe(self) -> dict[str, object] | None:
        """What was detected and what is on (`focusguard status --json`)."""
        with self._lock:
            link = self._link
        return None if link is None else link.describe()

    def _running_link(self) -> DndLink | None:
        with self._lock:
            return self._link if self._running else None

    def _focus_changed(self, event: FocusChanged) -> None:
        with self._lock:
            self._until = event.until
        link = self._running_link()
        if link is not None:
            link.focus_changed(event.until)

    def _decided(self, event: Decided) -> None:
        link = self._running_link()
        if link is not None:
            link.urgent(event.outcome)

    def _connected(self, event: Connected) -> None:
        link = self._running_link()
        if link is not None:
            link.connected()
