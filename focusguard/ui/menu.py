"""The tray menu, built from the cached snapshot each time it opens and each time the
snapshot changes; items that stay where they were are updated in place (issue 12 §2).

The verbs' items come from the service's verb table (app/verbs.py): a verb declared with a
`MenuItem` appears here without any code in this module. Every item sends its verb without
waiting (`.later`), so a stuck mail server cannot freeze the GUI; a failure becomes one
notification.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu

from focusguard.app.service import Service
from focusguard.app.values import Ask, Autostart, FocusGuardError, Preset, Snapshot, Verb

log = logging.getLogger(__name__)


def ask_number(ask: Ask) -> int | None:
    """The Qt dialog for an `Ask` item; None when cancelled."""
    value, ok = QInputDialog.getInt(
        None, ask.title, ask.prompt, ask.default, ask.low, ask.high, ask.step
    )
    return value if ok else None


class Notify(Protocol):
    """Where a failed intent is told (the tray's notifier)."""

    def notify(self, title: str, message: str, *, kind: str = "info") -> None: ...


class Intents:
    """What the menu's items do: a verb of the service (never waiting for it), or a window."""

    def __init__(
        self,
        service: Service,
        notifier: Notify,
        *,
        open_digest: Callable[[], None],
        open_settings: Callable[[], None] | None,
        quit_app: Callable[[], None],
        ask: Callable[[Ask], int | None] = ask_number,
        autostart: Autostart | None = None,
        open_insights: Callable[[], None] | None = None,
    ) -> None:
        self._service = service
        self._notifier = notifier
        self.verbs = {verb.name: verb for verb in service.verbs()}
        self.open_digest = open_digest
        self.open_settings = open_settings
        self.open_insights = open_insights
        self.quit = quit_app
        self.ask = ask
        self.autostart = autostart

    def run(self, name: str, **args: object) -> Future[object]:
        """Send the verb `name` with `args`; its answer (or error) comes in the Future."""
        verb = self.verbs[name]
        method = getattr(self._service, verb.attribute)
        future: Future[object] = method.later(**args)
        notifier = self._notifier

        def done(f: Future[object]) -> None:  # worker thread
            exc = f.exception()
            if exc is None:
                return
            if isinstance(exc, FocusGuardError):
                notifier.notify(exc.title, exc.message, kind="error")
            else:
                log.error("%s failed", verb.doing, exc_info=exc)
                notifier.notify(
                    f"Could not {verb.doing}",
                    "Something went wrong; details are in the log.",
                    kind="error",
                )

        future.add_done_callback(done)
        return future

    def ask_and_run(self, name: str, ask: Ask) -> Future[object] | None:
        value = self.ask(ask)
        return None if value is None else self.run(name, **{ask.arg: value})

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
            self._notifier.notify("Could not change start at login", str(exc), kind="error")


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
    """The menu for this snapshot: the status, the verbs of the "mail" group and the held
    mail, the "pause" group and the settings, Quit."""
    shown = [v for v in intents.verbs.values() if v.menu is not None and v.menu.shown(snap)]
    held = snap.held
    return [
        *status_entries(snap),
        SEPARATOR,
        *(verb_entry(v, snap, intents) for v in shown if _group(v) == "mail"),
        Entry(f"&Held mail ({held})…" if held else "&Held mail…", intents.open_digest),
        *_insights(intents),
        SEPARATOR,
        *(verb_entry(v, snap, intents) for v in shown if _group(v) == "pause"),
        Entry("Se&ttings…", intents.open_settings, enabled=intents.open_settings is not None),
        *_start_at_login(intents),
        SEPARATOR,
        Entry("&Quit FocusGuard", intents.quit),
    ]


STATUS_MAX = 60  # characters: a tray menu as wide as the screen helps nobody (issue 12 §2)
DETAIL_WIDTH = 60


def elide(text: str, limit: int = STATUS_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def status_entries(snap: Snapshot) -> list[Entry]:
    """The status line, elided; with a problem, its whole text in a submenu under it (an
    error message can run to several sentences)."""
    problem = snap.problem or (snap.status.problem if snap.status is not None else None)
    # "&" in a menu text is a mnemonic marker; a problem text may contain one.
    head = Entry(elide(snap.line).replace("&", "&&"), enabled=False)
    if not problem:
        return [head]
    lines = textwrap.wrap(problem, DETAIL_WIDTH) or [problem]
    detail = tuple(Entry(line.replace("&", "&&"), enabled=False) for line in lines)
    return [head, Entry("⚠ What is wrong", children=detail)]


def _group(verb: Verb) -> str:
    return verb.menu.group if verb.menu is not None else ""


def verb_entry(verb: Verb, snap: Snapshot, intents: Intents) -> Entry:
    """A verb's item: runs it as it is, or a submenu of its presets and questions."""
    assert verb.menu is not None
    menu = verb.menu
    enabled = menu.enabled(snap)
    if not menu.choices:
        return Entry(menu.label, _bind(intents.run, verb.name), enabled=enabled)
    children = []
    for choice in menu.choices:
        if isinstance(choice, Preset):
            children.append(Entry(choice.label, _bind(intents.run, verb.name, **choice.args)))
        else:
            children.append(Entry(choice.label, _bind(intents.ask_and_run, verb.name, choice)))
    return Entry(menu.label, children=tuple(children), enabled=enabled)


def _insights(intents: Intents) -> tuple[Entry, ...]:
    if intents.open_insights is None:
        return ()
    return (Entry("I&nsights…", intents.open_insights),)


def _start_at_login(intents: Intents) -> tuple[Entry, ...]:
    checked = intents.starts_at_login()
    if checked is None:
        return ()
    return (Entry("Start at &login", intents.toggle_start_at_login, checked=checked),)


def _bind(fn: Callable[..., object], *args: object, **kwargs: object) -> Callable[[], object]:
    return lambda: fn(*args, **kwargs)


def populate(menu: QMenu, items: Sequence[Entry]) -> None:
    """Make `menu` show `items`. When it already has items of the same kinds in the same
    places (a new count, a new status line), they are updated in place: on a
    StatusNotifierItem host every QAction is a dbusmenu item with an id of its own, and a
    host that is showing the menu, or keeps the layout it fetched, follows changed
    properties of the same ids, not a menu made anew (issue 12 §2)."""
    if _shape_of(menu) == _shape(items):
        _update(menu, items)
        return
    menu.clear()
    # clear() drops actions but not the submenus made last time: delete them, or every
    # rebuild of the menu would leak a few.
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
            # What the item runs is the action's data, so an update can change it; the
            # connection is made once.
            action.triggered.connect(lambda _checked=False, action=action: _trigger(action))
            _set(action, item)
            menu.addAction(action)


_Shape = tuple[object, ...]


def _shape(items: Sequence[Entry]) -> _Shape:
    return tuple(
        "-" if item.is_separator else _shape(item.children) if item.children else "item"
        for item in items
    )


def _shape_of(menu: QMenu) -> _Shape:
    out: list[object] = []
    for action in menu.actions():
        sub = action.menu()
        if action.isSeparator():
            out.append("-")
        elif isinstance(sub, QMenu):
            out.append(_shape_of(sub))
        else:
            out.append("item")
    return tuple(out)


def _update(menu: QMenu, items: Sequence[Entry]) -> None:
    for action, item in zip(menu.actions(), items, strict=True):
        sub = action.menu()
        if isinstance(sub, QMenu):
            if sub.title() != item.text:
                sub.setTitle(item.text)
            sub.setEnabled(item.enabled)
            _update(sub, item.children)
        elif not item.is_separator:
            _set(action, item)


def _set(action: QAction, item: Entry) -> None:
    if action.text() != item.text:  # an unchanged item is not announced as changed
        action.setText(item.text)
    action.setEnabled(item.enabled and item.run is not None)
    action.setCheckable(item.checked is not None)
    if item.checked is not None:
        action.setChecked(item.checked)
    action.setData(item.run)


def _trigger(action: QAction) -> None:
    run = action.data()
    if callable(run):
        run()


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
