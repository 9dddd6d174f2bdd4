"""Showing untrusted text (sender names, subjects) without letting Qt render it as HTML.

QLabel and QMessageBox default to Qt.AutoText, which renders anything that *looks* like a tag
as rich text (platform-facts 3.3): a sender named `<img src=http://…>` would make the label
fetch a URL. Every label that may show mail-derived text is made here, plain from birth.
Tooltips always guess rich text, so their text is escaped instead.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets markup or opens links."""
    label = QLabel(parent)
    make_plain(label)
    label.setText(text)
    return label


def make_plain(label: QLabel) -> QLabel:
    """Switch an existing label to plain text (for labels created elsewhere, e.g. by Qt)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def tooltip_text(text: str) -> str:
    """Tooltip-safe text: escaped, because QToolTip auto-detects rich text."""
    return html.escape(text, quote=True)
