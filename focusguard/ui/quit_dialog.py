"""Quit while mail is held: "Release now" / "Keep holding (the fail-safe releases at HH:MM)" /
"Cancel" (issue 9). Quitting must never leave mail behind without saying when it comes back.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from focusguard import APP_NAME
from focusguard.app.values import FailsafeRelease
from focusguard.domain.clock_time import format_clock


class Choice(enum.Enum):
    RELEASE = "release"
    KEEP = "keep"
    CANCEL = "cancel"


def keep_label(release: FailsafeRelease) -> str:
    """The "keep holding" button: when the mail comes back if FocusGuard is not running
    (`Service.failsafe_release`)."""
    if release.at is None:
        return "&Keep holding (released when FocusGuard starts again)"
    when = format_clock(release.at, release.zone, release.now)
    # "at 13:00", but "tomorrow 09:30" / "Mon 09:30" without the "at".
    return f"&Keep holding (the fail-safe releases {'' if ' ' in when else 'at '}{when})"


class QuitDialog(QMessageBox):
    """Non-blocking (`open()`): `choice(button)` tells which of the three was clicked."""

    def __init__(self, held: int, keep: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Quit {APP_NAME}")
        self.setIcon(QMessageBox.Icon.Question)
        self.setTextFormat(Qt.TextFormat.PlainText)
        noun = "email is" if held == 1 else "emails are"
        self.setText(f"{held} {noun} held in your mailbox.")
        self.setInformativeText(
            "Release them to your Inbox now, or keep them held until their check-in."
        )
        self.release_button = self.addButton("&Release now", QMessageBox.ButtonRole.AcceptRole)
        self.keep_button = self.addButton(keep, QMessageBox.ButtonRole.DestructiveRole)
        self.cancel_button = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.release_button)
        self.setEscapeButton(self.cancel_button)

    def choice(self, button: QAbstractButton | None) -> Choice:
        if button is self.release_button:
            return Choice.RELEASE
        if button is self.keep_button:
            return Choice.KEEP
        return Choice.CANCEL
