"""The tray menu: what the person can ask for, rebuilt from the cached snapshot.

`entries()` describes the menu as plain data from a `Snapshot`, so the tray's QMenu and the
no-tray status window show the same actions. `Intents` turns a click into engine work via
`runtime.submit` — it never waits for the engine, so a stuck mail server cannot freeze the
GUI. A failure comes back through the bridge and becomes one notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu

from focusguard.core.ports import MailError
from focusguard.runtime import Runtime
from focusguard.ui.autostart import Autostart
from focusguard.ui.bridge import Bridge, Snapshot

log = logging.getLogger(__name__)

FOCUS_PRESETS = (25, 50, 90)
PAUSE_MORNING = time(8, 0)  # "until tomorrow" ends at 08:00 local the next day
MAX_CUSTOM_MINUTES = 12 * 60


def tomorrow_morning(now: datetime, zone: ZoneInfo) -> datetime:
    """08:00 on the next calendar day in `zone` (aware; DST-safe via zoneinfo)."""
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=1)
    return datetime.combine(day, PAUSE_MORNING, tzinfo=zone)


def ask_custom_minutes() -> int | None:
    minutes, ok = QInputDialog.getInt(
        None, "Start focus", "Focus for how many minutes?", 45, 1, MAX_CUSTOM_MINUTES, 5
    )
    return minutes if ok else None


class Intents:
    """What the menu's items do. Every engine call goes through `runtime.submit`."""

    def __init__(
        self,
        runtime: Runtime,
        bridge: Bridge,
        *,
        open_digest: Callable[[], None],
        open_settings: Callable[[], None] | None,
        quit_app: Callable[[], None],
        ask_minutes: Callable[[], int | None] = ask_custom_minutes,
        autostart: Autostart | None = None,
    ) -> None:
        self._runtime = runtime
        self._bridge = bridge
        self.open_digest = open_digest
        self.open_settings = open_settings
        self.quit = quit_app
        self._ask_minutes = ask_minutes
        self.autostart = autostart

    def starts_at_login(self) -> bool | None:
        """Whether FocusGuard starts at login; None where that cannot be set."""
        if self.autostart is None:
            return None
        try:
            return self.autostart.enabled()
        except OSError:
            return None

    def toggle_start_at_login(self) -> None:
        if self.autostart is None:
            return
        try:
            if self.autostart.enabled():
                self.autostart.disable()
            else:
                self.autostart.enable()
        except OSError as exc:
            self._bridge.post_failure("Could not change start at login", str(exc))

    def _submit(self, what: str, fn: Callable[[], object]) -> Future[object]:
        future = self._runtime.submit(fn)
        bridge = self._bridge

        def done(f: Future[object]) -> None:  # worker thread
            exc = f.exception()
            if exc is None:
                return
            if isinstance(exc, MailError):
                bridge.post_failure(exc.title, exc.message)
            else:
                log.error("%s failed", what, exc_info=exc)
                bridge.post_failure(
                    f"Could not {what}", "Something went wrong; details are in the log."
                )

        future.add_done_callback(done)
        return future

    def start_focus(self, minutes: int | None) -> Future[object]:
        engine = self._runtime.engine
        return self._submit("start focus", lambda: engine.focus_start(minutes))

    def start_custom_focus(self) -> Future[object] | None:
        minutes = self._ask_minutes()
        return None if minutes is None else self.start_focus(minutes)

    def end_focus(self) -> Future[object]:
        return self._submit("end focus", self._runtime.engine.focus_end)

    def check_in(self) -> Future[object]:
        return self._submit("check in", self._runtime.engine.check_in_now)

    def release_all(self) -> Future[object]:
        return self._submit("release held mail", self._runtime.engine.release_all)

    def pause_hours(self, hours: float) -> Future[object]:
        runtime = self._runtime
        # The end is computed on the worker, from the runtime's clock, like every other time.
        return self._submit(
            "pause FocusGuard",
            lambda: runtime.engine.pause(runtime.clock.now() + timedelta(hours=hours)),
        )

    def pause_until_tomorrow(self) -> Future[object]:
        runtime = self._runtime
        zone = ZoneInfo(runtime.settings.schedule.timezone)
        return self._submit(
            "pause FocusGuard",
            lambda: runtime.engine.pause(tomorrow_morning(runtime.clock.now(), zone)),
        )

    def resume(self) -> Future[object]:
        return self._submit("resume FocusGuard", self._runtime.engine.resume)


@dataclass(frozen=True, slots=True)
class Entry:
    """One menu item; `children` makes a submenu, `text == ""` a separator."""

    text: str
    run: Callable[[], object] | None = None
    enabled: bool = True
    children: tuple[Entry, ...] = field(default_factory=tuple)
    checked: bool | None = None  # None: not a checkable item

    @property
    def is_separator(self) -> bool:
        return not self.text


SEPARATOR = Entry("")


def entries(snap: Snapshot, intents: Intents) -> list[Entry]:
    """The menu for this snapshot (like vorta's tray_menu: rebuilt, never patched)."""
    focus = Entry(
        "&Start focus",
        children=(
            *(Entry(f"&{m} min", _bind(intents.start_focus, m)) for m in FOCUS_PRESETS),
            Entry("Until next &check-in", _bind(intents.start_focus, None)),
            Entry("C&ustom…", intents.start_custom_focus),
        ),
        enabled=not snap.paused,
    )
    if snap.paused:
        pause = Entry("&Resume FocusGuard", intents.resume)
    else:
        pause = Entry(
            "&Pause FocusGuard",
            children=(
                Entry("For 1 &hour", _bind(intents.pause_hours, 1.0)),
                Entry("Until &tomorrow (08:00)", intents.pause_until_tomorrow),
            ),
        )
    held = snap.held
    return [
        # "&" in a menu text is a mnemonic marker; a problem text may contain one.
        Entry(snap.line.replace("&", "&&"), enabled=False),
        SEPARATOR,
        focus,
        Entry("&End focus", intents.end_focus, enabled=snap.in_focus),
        Entry("Check &in now", intents.check_in, enabled=held > 0),
        Entry(f"&Held mail ({held})…" if held else "&Held mail…", intents.open_digest),
        SEPARATOR,
        pause,
        Entry("Se&ttings…", intents.open_settings, enabled=intents.open_settings is not None),
        *_start_at_login(intents),
        SEPARATOR,
        Entry("&Quit FocusGuard", intents.quit),
    ]


def _start_at_login(intents: Intents) -> tuple[Entry, ...]:
    checked = intents.starts_at_login()
    if checked is None:
        return ()
    return (Entry("Start at &login", intents.toggle_start_at_login, checked=checked),)


def _bind(fn: Callable[..., object], *args: object) -> Callable[[], object]:
    return lambda: fn(*args)


def populate(menu: QMenu, items: Sequence[Entry]) -> None:
    """Fill `menu` from scratch with `items`."""
    menu.clear()
    # clear() drops actions but not the submenus made last time: delete them, or every
    # opening of the menu would leak a few.
    for old in menu.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly):
        old.deleteLater()
    for item in items:
        if item.is_separator:
            menu.addSeparator()
        elif item.children:
            sub = menu.addMenu(item.text)
            sub.setEnabled(item.enabled)
            populate(sub, item.children)
        else:
            action = QAction(item.text, menu)
            action.setEnabled(item.enabled and item.run is not None)
            if item.checked is not None:
                action.setCheckable(True)
                action.setChecked(item.checked)
            if item.run is not None:
                run = item.run
                action.triggered.connect(lambda _checked=False, run=run: run())
            menu.addAction(action)


def find_action(menu: QMenu, *path: str) -> QAction:
    """The action at `path` of texts, ignoring `&` mnemonics (tests and the status window)."""
    current: QMenu | None = menu
    action: QAction | None = None
    for wanted in path:
        if current is None:
            raise KeyError(f"{wanted!r} is not in a submenu")
        action = next((a for a in current.actions() if a.text().replace("&", "") == wanted), None)
        if action is None:
            raise KeyError(f"no menu item {wanted!r} in {' ▸ '.join(path)!r}")
        sub = action.menu()
        current = sub if isinstance(sub, QMenu) else None
    if action is None:
        raise KeyError("empty path")
    return action
