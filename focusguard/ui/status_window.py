"""Where there is no system tray (some GNOME set-ups, minimal window managers, offscreen):
a small window stands in, shows the status line and offers the menu's actions as buttons.

The buttons come from the same `menu.entries()` as the tray menu, so both always agree.
Notifications have no balloon to go to here; the latest one is shown in the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from focusguard import APP_NAME
from focusguard.app.values import Snapshot
from focusguard.ui import icons
from focusguard.ui.menu import Entry, Intents, entries, populate

NO_TRAY = "No system tray found — FocusGuard runs in this window"


def plain_label(text: str = "") -> QLabel:
    """A label that never renders markup: mail-derived text is untrusted."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    return label


class StatusWindow(QWidget):
    def __init__(
        self,
        intents: Intents,
        snapshot: Callable[[], Snapshot],
        *,
        title: str = APP_NAME,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._intents = intents
        self._snapshot = snapshot
        self.setWindowTitle(title)
        self.note = plain_label(NO_TRAY)
        self.status = plain_label()
        self.message = plain_label()
        self.message.hide()
        self._buttons = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons)
        self.show_snapshot(snapshot())

    @Slot(object)
    def show_snapshot(self, snap: object) -> None:
        assert isinstance(snap, Snapshot)
        state = icons.state_for(snap.status, snap.problem)
        self.setWindowIcon(icons.icon(state, snap.held))
        self.status.setText(snap.line)
        self._rebuild(entries(snap, self._intents))

    def _rebuild(self, items: list[Entry]) -> None:
        while (old := self._buttons.takeAt(0)) is not None:
            widget = old.widget()
            if widget is not None:
                widget.deleteLater()
        # The first entry is the status line, shown above already.
        for item in items[1:]:
            if item.is_separator:
                continue
            button = QPushButton(item.text, self)
            button.setEnabled(item.enabled and (item.run is not None or bool(item.children)))
            if item.children:
                menu = QMenu(button)
                populate(menu, item.children)
                button.setMenu(menu)
            elif item.run is not None:
                run = item.run
                button.clicked.connect(lambda _checked=False, run=run: run())
            self._buttons.addWidget(button)

    def buttons(self) -> list[QPushButton]:
        items = (self._buttons.itemAt(i) for i in range(self._buttons.count()))
        return [
            w for item in items if item is not None and isinstance(w := item.widget(), QPushButton)
        ]

    def button(self, text: str) -> QPushButton:
        for b in self.buttons():
            if b.text().replace("&", "") == text:
                return b
        raise KeyError(text)

    def show_message(
        self, title: str, body: str, icon: QSystemTrayIcon.MessageIcon, msecs: int
    ) -> None:
        """The notifier's sink when there is no tray: the text goes in the window."""
        # Plain text in a PlainText label: the notifier does not escape for this sink.
        self.message.setText(f"{title}\n{body}")
        self.message.show()

    def show_and_raise(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The person closing the only window would leave no way back in: minimise instead;
        # Quit quits. Closes the program makes itself (not spontaneous) go ahead.
        if not event.spontaneous():
            event.accept()
            return
        event.ignore()
        self.showMinimized()
