"""Validation as you type: the same rules as `focusguard config check`, one field at a time.

The checks call the settings' own validation (`SenderPattern.parse`, `setup.check`), so
a field that looks fine here can never be refused on Save for a different reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QPalette, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit

from focusguard.app import setup
from focusguard.app.values import ConfigError
from focusguard.domain.senders import SenderPattern

# Red and green that stay readable: dark shades on a light palette, light ones on a dark
# palette (the fixed dark shades were unreadable on a dark theme, issue 12 §2).
_ON_LIGHT = {"error": "#b00020", "ok": "#1b5e20", "error_bg": QColor(255, 205, 205)}
_ON_DARK = {"error": "#ff8a80", "ok": "#a5d6a7", "error_bg": QColor(110, 30, 30)}


def _shades(palette: QPalette) -> dict[str, object]:
    return _ON_DARK if palette.color(QPalette.ColorRole.Window).lightness() < 128 else _ON_LIGHT


def outcome_style(palette: QPalette, ok: bool) -> str:
    """A style sheet colouring a label for success or failure, readable on `palette`."""
    return f"color: {_shades(palette)['ok' if ok else 'error']};"


def error_background(palette: QPalette) -> QColor:
    colour = _shades(palette)["error_bg"]
    assert isinstance(colour, QColor)
    return colour


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int  # 1-based, as a person counts
    text: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


def list_entries(text: str) -> list[str]:
    """One entry per line; blank lines and lines starting with # are ignored."""
    out = []
    for raw in text.splitlines():
        entry = raw.strip()
        if entry and not entry.startswith("#"):
            out.append(entry)
    return out


def sender_line_problems(text: str) -> list[LineProblem]:
    """Every line that is not an address or domain, with settings' own wording."""
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        if SenderPattern.parse(entry) is None:
            problems.append(
                LineProblem(
                    number,
                    entry,
                    f'"{entry}" is not an email address or domain '
                    '(use "name@example.com" or "example.com")',
                )
            )
    return problems


def template_problems(template: str) -> list[str]:
    """Problems with an auto-reply template (unknown placeholders, stray braces...)."""
    try:
        setup.check({"autoreply": {"template": template}})
    except ConfigError as exc:
        return [p.message for p in exc.problems if p.key == "autoreply.template"]
    return []


def show_error(label: QLabel, messages: list[str]) -> None:
    """Fill an error label (plain text, red) or hide it when there is nothing to say."""
    label.setText("\n".join(messages))
    label.setStyleSheet(outcome_style(label.palette(), ok=False) if messages else "")
    label.setVisible(bool(messages))


class SenderListValidator(QObject):
    """Checks a one-entry-per-line editor as it changes: bad lines get a red background and
    the label names each of them."""

    changed = Signal(bool)  # True when every line is valid

    def __init__(self, editor: QPlainTextEdit, message: QLabel) -> None:
        super().__init__(editor)
        self._editor = editor
        self._message = message
        self.problems: list[LineProblem] = []
        editor.textChanged.connect(self.check)
        self.check()

    def check(self) -> None:
        self.problems = sender_line_problems(self._editor.toPlainText())
        selections = []
        doc = self._editor.document()
        for p in self.problems:
            fmt = QTextCharFormat()
            fmt.setBackground(error_background(self._editor.palette()))
            fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel = QTextEdit.ExtraSelection()
            sel.cursor = QTextCursor(doc.findBlockByNumber(p.line - 1))
            sel.format = fmt
            selections.append(sel)
        self._editor.setExtraSelections(selections)
        show_error(self._message, [str(p) for p in self.problems])
        self._editor.setAccessibleDescription("; ".join(str(p) for p in self.problems))
        self.changed.emit(not self.problems)
