"""Do Not Disturb wired to the running app (issue 14): builds the `DndController` for the
settings (this computer's desktop adapter, Teams presence on a Graph account) and runs it on
a worker thread of its own, so a slow `gsettings`, D-Bus or Graph call never holds up mail.

The runtime feeds it with `focus_changed(until)` after engine work, `urgent(outcome)` for
each decision, and `stop()` on quit. That is the hook the application layer's typed events
replace when they land: "focus changed" -> `focus_changed`, "decided" -> `urgent`, quit ->
`stop`. `urgent_listeners` is the tray's hook: called (on this link's thread) with each
urgent outcome that reached the Inbox while the desktop was quiet, so the tray icon can show
it (docs/do-not-disturb.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from focusguard.core.do_not_disturb import DndController
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
        """The mailbox connection works: Teams presence (which goes through it) may follow."""
        with self._lock:
            self._teams_ready = True

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
