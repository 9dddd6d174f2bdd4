"""Settings → Do not disturb: the desktop and Teams during focus, and the mail that always
comes through (issue 14, docs/do-not-disturb.md).

What this computer offers is detected on a background thread (a D-Bus look on Linux) and
said in one plain sentence under the checkbox, including "Windows: no supported way" — the
checkbox is never offered as if it would work where it cannot.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from focusguard.app.values import Detection, Settings
from focusguard.ui.future_relay import FutureRelay, run_in_thread
from focusguard.ui.plain_text import plain_label

DETECTING = "Looking for your desktop's Do Not Disturb…"
TEAMS_NOTE = (
    "Microsoft 365 accounts only. Needs the Presence.ReadWrite permission: sign in again "
    "after switching it on (your IT may have to consent). Teams goes back by itself at the "
    "end of the block, even if FocusGuard is not running."
)
EXCEPTIONS_NOTE = (
    "Mail that is never held, whoever sent it — one entry per line. Off when empty. "
    "Subject keywords need 3 or more characters."
)

Detect = Callable[[Settings], Detection]


class FocusTab(QWidget):
    """The tab's widgets; `load` and `document` move values between them and the file."""

    def __init__(self, detect: Detect, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detect = detect
        self.desktop = QCheckBox("Quiet my desktop's notifications during focus", self)
        self.desktop.setAccessibleName("Quiet desktop notifications during focus")
        self.detected = plain_label(DETECTING, self)
        self.detected.setWordWrap(True)
        self.detected.setAccessibleName("Desktop Do Not Disturb on this computer")
        self.teams = QCheckBox('Show me as "Do not disturb" in Teams during focus', self)
        self.teams.setAccessibleName("Teams Do not disturb during focus")
        teams_note = plain_label(TEAMS_NOTE, self)
        teams_note.setWordWrap(True)
        self.shortcut_on = QLineEdit(self)
        self.shortcut_on.setAccessibleName("macOS Shortcut that switches Focus on")
        self.shortcut_off = QLineEdit(self)
        self.shortcut_off.setAccessibleName("macOS Shortcut that switches Focus off")
        self.keywords = QPlainTextEdit(self)
        self.keywords.setAccessibleName("Subject keywords that come straight through")
        self.keywords.setPlaceholderText("[PAGER-\nINC-")
        self.sent_to = QPlainTextEdit(self)
        self.sent_to.setAccessibleName("Addresses of yours whose mail comes straight through")
        self.sent_to.setPlaceholderText("support-urgent@corp.example")
        for edit in (self.keywords, self.sent_to):
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(80)
        exceptions_note = plain_label(EXCEPTIONS_NOTE, self)
        exceptions_note.setWordWrap(True)

        form = QFormLayout(self)
        form.addRow("", self.desktop)
        form.addRow(self.detected)
        if sys.platform == "darwin":
            form.addRow("Shortcut at focus start:", self.shortcut_on)
            form.addRow("Shortcut at focus end:", self.shortcut_off)
        else:  # kept (their values survive saving), never shown off macOS
            self.shortcut_on.hide()
            self.shortcut_off.hide()
        form.addRow("", self.teams)
        form.addRow(teams_note)
        form.addRow(exceptions_note)
        form.addRow("Subject keywords:", self.keywords)
        form.addRow("Mail sent to:", self.sent_to)

        self._relay = FutureRelay(self)
        self._relay.done.connect(self._detected)
        self._generation = 0

    def load(self, s: Settings) -> None:
        dnd, exceptions = s.do_not_disturb, s.exceptions
        self.desktop.setChecked(dnd.desktop)
        self.teams.setChecked(dnd.teams)
        self.shortcut_on.setText(dnd.macos_shortcut_on)
        self.shortcut_off.setText(dnd.macos_shortcut_off)
        self.keywords.setPlainText("\n".join(exceptions.subject_keywords))
        self.sent_to.setPlainText("\n".join(exceptions.sent_to))
        self.detect(s)

    def detect(self, s: Settings) -> None:
        """Look again (on a background thread) for what this computer offers."""
        self._generation += 1
        self.detected.setText(DETECTING)
        detect = self._detect
        self._relay.watch(
            run_in_thread(lambda: detect(s), "focusguard-dnd-detect"), self._generation
        )

    def _detected(self, generation: object, future: Future[Detection]) -> None:
        if generation != self._generation:
            return  # an older look finished after a newer one started
        error = future.exception()
        if error is not None:
            self.detected.setText(
                f"Could not tell what this desktop offers ({type(error).__name__})."
            )
            return
        found = future.result()
        prefix = "This computer: " if found.available else "Not available here: "
        self.detected.setText(prefix + found.detail)
        self.detected.setProperty("available", found.available)

    def document(self, base: dict[str, Any]) -> dict[str, Any]:
        """The [do_not_disturb] and [exceptions] tables over `base` (the loaded document)."""
        dnd = dict(base.get("do_not_disturb", {}))
        dnd.update(
            {
                "desktop": self.desktop.isChecked(),
                "teams": self.teams.isChecked(),
                "macos_shortcut_on": self.shortcut_on.text().strip(),
                "macos_shortcut_off": self.shortcut_off.text().strip(),
            }
        )
        exceptions = dict(base.get("exceptions", {}))
        exceptions.update(
            {"subject_keywords": _lines(self.keywords), "sent_to": _lines(self.sent_to)}
        )
        return {"do_not_disturb": dnd, "exceptions": exceptions}


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]
