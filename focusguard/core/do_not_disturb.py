"""Do Not Disturb beyond the mailbox (issue 14): the desktop's and Teams', switched on for a
focus block and restored after it, on quit, and after a crash.

Input is one thing: "focus now runs until `until`" or "no focus" (`focus_changed`), plus
`restore()` on quit. The runtime calls `focus_changed` after every piece of engine work (it
is idempotent: the same `until` twice does nothing); the application layer's typed "focus
changed" event is meant to feed it the same way.

What must be undone is remembered in the store (`facts.DND_STATE`) *before* anything is
switched, so a crash at any point leaves enough to restore: GNOME's previous `show-banners`
value, that a macOS Shortcut was run, that Teams presence was set (and until when). At the
next start the first `focus_changed` restores what no longer applies (or keeps it, with the
remembered previous value, when the block still runs); the fail-safe run, which acts only
while FocusGuard is not running, calls `restore_after_crash`. KDE's inhibition belongs to the
D-Bus connection that asked for it and ends with the process by itself.

Nothing here may break holding mail: an adapter failure is logged and notified once (title +
message with the fix), never raised into the engine.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from focusguard.core.errors import FocusGuardError
from focusguard.core.ports import Clock, Notifier

log = logging.getLogger(__name__)

DND_STATE = "dnd_state"  # a fact: what FocusGuard switched and how to undo it (JSON)

Saved = dict[str, object]
T = TypeVar("T")


class DndError(FocusGuardError):
    """Switching Do Not Disturb failed: `title` + a message that says what to do."""


@dataclass(frozen=True, slots=True)
class Detection:
    """What desktop Do Not Disturb this computer offers FocusGuard (Settings, status --json)."""

    kind: str  # "gnome" | "kde" | "macos" | "windows" | "none"
    available: bool  # FocusGuard can switch it here
    detail: str  # one sentence for a person: what is used, or why nothing is

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "available": self.available, "detail": self.detail}


class DesktopDnd(Protocol):
    """One desktop's Do Not Disturb (focusguard/platform/dnd/). Calls may block briefly (a
    D-Bus call, a `gsettings` run) and raise DndError."""

    @property
    def detection(self) -> Detection: ...

    def snapshot(self) -> Saved:
        """What `restore` will need, read *before* `switch_on` (GNOME: the current value)."""

    def switch_on(self, until: datetime) -> None: ...

    def restore(self, saved: Mapping[str, object]) -> None:
        """Put back what `snapshot` saw (possibly saved by an earlier, crashed process)."""

    def alert(self, title: str, body: str) -> bool:
        """Show a notification with the highest urgency the desktop lets through its Do Not
        Disturb (freedesktop urgency=critical); False when there is none to use. `title` and
        `body` are plain text (mail-derived: the adapter escapes what its server renders)."""

    def close(self) -> None: ...


class PresenceDnd(Protocol):
    """Teams presence (mail/graph/presence.py). Calls may block on the network."""

    def set_dnd(self, until: datetime, now: datetime) -> bool:
        """Preferred presence Do Not Disturb, expiring at `until`. False when it was left
        alone because the user had set Do Not Disturb already (then it is not ours to clear)."""

    def clear(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _State:
    """The fact: what is switched on now, by FocusGuard, and how to undo it."""

    desktop_kind: str | None = None
    desktop_saved: Saved | None = None
    teams_until: datetime | None = None  # ours, expiring then on the server
    teams_skipped: datetime | None = None  # a block during which Teams was left alone

    def encode(self) -> str:
        return json.dumps(
            {
                "desktop": None
                if self.desktop_kind is None
                else {"kind": self.desktop_kind, "saved": self.desktop_saved or {}},
                "teams_until": _iso(self.teams_until),
                "teams_skipped": _iso(self.teams_skipped),
            }
        )

    @classmethod
    def decode(cls, text: str | None) -> _State:
        """Never fails: a damaged value is "nothing switched" (logged)."""
        if not text:
            return cls()
        try:
            raw = json.loads(text)
            desktop = raw.get("desktop")
            kind = saved = None
            if isinstance(desktop, dict) and isinstance(desktop.get("kind"), str):
                kind = desktop["kind"]
                saved = desktop.get("saved") if isinstance(desktop.get("saved"), dict) else {}
            return cls(
                kind, saved, _instant(raw.get("teams_until")), _instant(raw.get("teams_skipped"))
            )
        except (ValueError, TypeError, AttributeError):
            log.warning("the remembered Do Not Disturb state is damaged; nothing to restore")
            return cls()


class FactStore(Protocol):
    def get_fact(self, key: str) -> str | None: ...

    def set_fact(self, key: str, value: str) -> None: ...


class DndController:
    """Turns focus changes into Do Not Disturb on/off. Single-threaded: the runtime runs it on
    a worker of its own (a slow `gsettings` or Graph call must not hold up mail)."""

    def __init__(
        self,
        store: FactStore,
        clock: Clock,
        notifier: Notifier,
        *,
        desktop: DesktopDnd | None = None,
        desktop_enabled: bool = True,
        presence: PresenceDnd | None = None,
        restorer: Callable[[str], DesktopDnd | None] | None = None,
    ) -> None:
        """`desktop`: this computer's adapter, switched only when `desktop_enabled` (it is
        shown either way). `restorer(kind)`: an adapter that can undo what a process on
        another desktop kind switched (platform/dnd/detect.py)."""
        self.store = store
        self.clock = clock
        self.notifier = notifier
        self.desktop = desktop
        self.desktop_enabled = desktop_enabled
        self.presence = presence
        self._restorer = restorer
        self._desktop_live = False  # switched on by this process (KDE: this connection)
        self._reported: set[tuple[str, str]] = set()
        self.focus_until: datetime | None = None  # as last told

    # -- what the desktop shows -------------------------------------------------------------
    @property
    def quiet(self) -> bool:
        """The desktop is in Do Not Disturb by FocusGuard's doing now."""
        return self._desktop_live

    def describe(self) -> dict[str, object]:
        """For `status --json` (and Settings)."""
        state = self._state()
        detection = self.desktop.detection if self.desktop is not None else None
        return {
            "desktop": None if detection is None else detection.as_json(),
            "desktop_enabled": self.desktop_enabled and detection is not None,
            "desktop_on": self._desktop_live,
            "teams": self.presence is not None,
            "teams_until": _iso(state.teams_until),
        }

    # -- input -------------------------------------------------------------------------------
    def focus_changed(self, until: datetime | None) -> None:
        """Focus runs until `until` now, or not at all (None). Idempotent."""
        self.focus_until = until
        state = self._state()
        if until is None:
            self._restore(state)
            return
        state = self._desktop_on(state, until)
        self._teams_on(state, until)

    def restore(self) -> None:
        """Quit: put everything back, whatever the focus."""
        self.focus_until = None
        self._restore(self._state())
        if self.desktop is not None:
            self._did(self.desktop.close)

    def restore_after_crash(self) -> None:
        """The fail-safe's run, while FocusGuard is not running: put the desktop back (nothing
        would restore it while FocusGuard is down). Teams ends on its own at the expiry."""
        self._restore(self._state(), teams=False)

    def urgent_mail(self, title: str, body: str) -> None:
        """Urgent mail came through while the desktop is quiet: FocusGuard's own notification,
        as urgent as the desktop allows through Do Not Disturb; the tray's otherwise."""
        desktop = self.desktop
        shown = desktop is not None and bool(self._try(lambda: desktop.alert(title, body)))
        if not shown:
            self.notifier.notify(title, body, kind="warning")

    # -- the parts ---------------------------------------------------------------------------
    def _desktop_on(self, state: _State, until: datetime) -> _State:
        desktop = self.desktop
        if desktop is None or not self.desktop_enabled or self._desktop_live:
            return state
        if not desktop.detection.available:
            return state
        kind = desktop.detection.kind
        if state.desktop_kind is None or state.desktop_kind != kind:
            saved = self._try(desktop.snapshot)
            if saved is None:
                return state
            # Remembered before anything changes: a crash from here on can be undone.
            state = _replace(state, desktop_kind=kind, desktop_saved=saved)
            self._save(state)
        # else: an earlier process switched it and crashed; what it saw is what to restore.
        if self._did(lambda: desktop.switch_on(until)):
            self._desktop_live = True
            log.info("desktop Do Not Disturb on (%s) until %s", kind, until.isoformat())
        return state

    def _teams_on(self, state: _State, until: datetime) -> None:
        presence = self.presence
        if presence is None or until in (state.teams_until, state.teams_skipped):
            return
        now = self.clock.now()
        if until <= now:
            return
        ours = self._try(lambda: presence.set_dnd(until, now))
        if ours is None:
            return
        if ours:
            self._save(_replace(state, teams_until=until, teams_skipped=None))
            log.info("Teams presence Do Not Disturb until %s", until.isoformat())
        else:
            self._save(_replace(state, teams_until=None, teams_skipped=until))
            log.info("Teams presence already Do Not Disturb: left alone")

    def _restore(self, state: _State, *, teams: bool = True) -> None:
        if state.desktop_kind is not None:
            kind = state.desktop_kind
            desktop = self.desktop
            if desktop is None or desktop.detection.kind != kind:
                # Switched by a process on another desktop, or before a crash.
                desktop = self._restorer(kind) if self._restorer is not None else None
            if desktop is not None:
                undo, saved = desktop, state.desktop_saved or {}
                if not self._did(lambda: undo.restore(saved)):
                    return  # remembered: tried again at the next change, quit or start
                log.info("desktop Do Not Disturb restored (%s)", kind)
            else:
                # KDE: the inhibition ended with the process that held it.
                log.info("desktop Do Not Disturb (%s) ended with its process", kind)
            self._desktop_live = False
            state = _replace(state, desktop_kind=None, desktop_saved=None)
            self._save(state)
        if not teams or (state.teams_until is None and state.teams_skipped is None):
            return
        presence = self.presence
        if state.teams_until is not None and state.teams_until > self.clock.now():
            if presence is None or not self._did(presence.clear):
                return
            log.info("Teams presence cleared")
        self._save(_replace(state, teams_until=None, teams_skipped=None))

    # -- plumbing ----------------------------------------------------------------------------
    def _state(self) -> _State:
        return _State.decode(self.store.get_fact(DND_STATE))

    def _save(self, state: _State) -> None:
        self.store.set_fact(DND_STATE, state.encode())

    def _try(self, fn: Callable[[], T]) -> T | None:
        """`fn()`; None after a DndError (logged, notified once per distinct problem)."""
        try:
            return fn()
        except DndError as exc:
            log.warning("Do Not Disturb: %s: %s", exc.title, exc.message)
            key = (exc.title, exc.message)
            if key not in self._reported:
                self._reported.add(key)
                self.notifier.notify(exc.title, exc.message, kind="warning")
            return None

    def _did(self, fn: Callable[[], object]) -> bool:
        """`fn()` went through (False after a DndError, as `_try`)."""
        return self._try(lambda: (fn(), True)[1]) is True


def _replace(state: _State, **changes: object) -> _State:
    return replace(state, **changes)  # type: ignore[arg-type]


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    t = datetime.fromisoformat(value)
    return t if t.tzinfo is not None else None
