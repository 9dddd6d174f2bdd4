"""The tray icon: picture, tooltip and menu from the latest snapshot; the menu is brought up
to date on open too (what it shows beyond the snapshot: start at login).

Everything here runs on the GUI thread and reads only the cached snapshot; the engine is
reached through `Intents` (the service, without waiting), never called directly.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtGui
from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from focusguard import APP_NAME
from focusguard.app.values import Snapshot
from focusguard.ui import icons
from focusguard.ui.menu import Entry, Intents, entries, populate


def safe_tooltip(text: str) -> str:
    """Tooltips render rich text when the text looks like HTML (Qt.mightBeRichText), and a
    problem or sender text is untrusted: text with any "<" is converted to escaped HTML,
    which displays literally. Ordinary text stays as it is (KDE's tray shows tooltips raw,
    so escaping everything would show entities there). Any "<" — not only one before the
    first line break, which is all Qt's heuristic looks at — because other tray hosts may
    apply their own rules."""
    # These helpers live in QtGui's Qt namespace in PySide6, not QtCore's.
    if "<" in text or QtGui.Qt.mightBeRichText(text):
        return str(QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal))
    return text


class Tray(QObject):
    def __init__(
        self,
        intents: Intents,
        snapshot: Callable[[], Snapshot],
        *,
        title: str = APP_NAME,
        icon: QSystemTrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`icon`: one already shown (start-up shows it before the app is built); else a new
        one, shown by `show()`."""
        super().__init__(parent)
        self._intents = intents
        self._snapshot = snapshot
        self.title = title
        self.icon = icon or QSystemTrayIcon()
        self.icon.setParent(self)
        self.menu = QMenu()  # no parent widget: a tray menu is top-level
        self.menu.setTitle(title)
        self.menu.aboutToShow.connect(self.rebuild_menu)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.state = icons.IconState.OPEN
        self.promise = ""
        self.show_snapshot(snapshot())

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    @Slot()
    def rebuild_menu(self) -> None:
        populate(self.menu, self.entries())

    def entries(self) -> list[Entry]:
        return entries(self._snapshot(), self._intents)

    @Slot(object)
    def show_snapshot(self, snap: object) -> None:
        assert isinstance(snap, Snapshot)
        self.state = icons.state_for(snap.status, snap.problem)
        badge = snap.held if self.state in (icons.IconState.HOLDING, icons.IconState.FOCUS) else 0
        self.promise = icons.promise_mark(snap.status)
        self.icon.setIcon(icons.icon(self.state, badge, self.promise))
        self.icon.setToolTip(safe_tooltip(f"{self.title}\n{snap.line}"))
        # Kept current, not only filled on open: a StatusNotifierItem host fetches the
        # layout before it announces the opening (AboutToShow), and some show the layout
        # they fetched without announcing it at all; an empty or stale menu there
        # (issue 12 §2). The first snapshot fills it before the icon is shown.
        populate(self.menu, entries(snap, self._intents))

    def show_message(
        self, title: str, body: str, icon: QSystemTrayIcon.MessageIcon, msecs: int
    ) -> None:
        """The notifier's sink."""
        self.icon.showMessage(title, body, icon, msecs)

    def window_icon(self) -> QIcon:
        return self.icon.icon()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A left click opens the held mail; the context menu has everything else.
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self._intents.open_digest()

    def dispose(self) -> None:
        self.icon.hide()
        self.icon.setContextMenu(None)  # type: ignore[arg-type]
        self.menu.deleteLater()
