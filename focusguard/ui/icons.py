"""Tray icon states and their pictures.

The SVGs in resources/icons/ are the design source and are rendered with QtSvg (it ships in
PySide6-Essentials and works offscreen). The held-mail count is a badge painted on top at
render time, so one SVG serves every count. Each icon is rendered at several pixel sizes
because tray hosts ask for 16-24 px on Linux/Windows and 32+ px on HiDPI panels, and a
pre-rendered size looks crisper than a scaled one.
"""

from __future__ import annotations

import enum
import logging

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from focusguard import resource_files
from focusguard.app.values import Status

log = logging.getLogger(__name__)

SIZES = (16, 22, 24, 32, 48, 64)
BADGE_FILL = QColor("#d32f2f")
# Held customer mail against the promise (issue 12 §1): a "!" disc at the top left, amber
# while mail is at risk, red once some is overdue. Tray panels have any colour, so the
# disc has a white ring like the badge.
PROMISE_FILL = {"at-risk": QColor("#f59e0b"), "overdue": QColor("#b91c1c")}


def promise_mark(status: Status | None) -> str:
    """ "overdue", "at-risk" or "" for the icon's promise mark."""
    if status is None:
        return ""
    if status.overdue:
        return "overdue"
    return "at-risk" if status.at_risk else ""


class IconState(enum.Enum):
    OPEN = "open"  # nothing held, no focus
    FOCUS = "focus"  # a focus block is running
    HOLDING = "holding"  # mail held, no focus right now
    CHECK_IN = "checkin"  # a check-in window is open
    PAUSED = "paused"  # FocusGuard paused: holding nothing
    ERROR = "error"  # not connected / a problem the person must fix

    @property
    def resource(self) -> str:
        return f"icons/{self.value}.svg"


def state_for(status: Status | None, problem: str | None) -> IconState:
    """Which picture the tray shows; a problem outranks everything, since it needs action."""
    if problem or (status is not None and status.problem):
        return IconState.ERROR
    if status is None:
        return IconState.OPEN
    if status.paused_until is not None:
        return IconState.PAUSED
    if status.focus_until is not None:
        return IconState.FOCUS
    if status.in_check_in:
        return IconState.CHECK_IN
    if status.held:
        return IconState.HOLDING
    return IconState.OPEN


def badge_text(count: int) -> str:
    """Short enough to stay legible on a 16 px icon."""
    if count <= 0:
        return ""
    return str(count) if count < 10 else "9+"


_renderers: dict[IconState, QSvgRenderer] = {}
_icons: dict[tuple[IconState, str, str], QIcon] = {}


def renderer(state: IconState) -> QSvgRenderer:
    cached = _renderers.get(state)
    if cached is None:
        data = resource_files.read_bytes(state.resource)
        cached = QSvgRenderer(QByteArray(data))
        if not cached.isValid():
            raise ValueError(f"FocusGuard icon {state.resource} is not a valid SVG")
        _renderers[state] = cached
    return cached


def pixmap(state: IconState, size: int, badge: str = "", promise: str = "") -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer(state).render(painter, QRectF(0, 0, size, size))
        if badge:
            _paint_badge(painter, size, badge)
        if promise in PROMISE_FILL:
            _paint_promise(painter, size, PROMISE_FILL[promise])
    finally:
        painter.end()
    return pm


def _paint_badge(painter: QPainter, size: int, text: str) -> None:
    # Bottom-right disc, about half the icon: a white ring keeps it apart from the shield
    # on any panel colour.
    d = max(9.0, size * 0.55)
    rect = QRectF(size - d, size - d, d, d).adjusted(0.5, 0.5, -0.5, -0.5)
    painter.setPen(QPen(QColor("#ffffff"), max(1.0, size / 20)))
    painter.setBrush(BADGE_FILL)
    painter.drawEllipse(rect)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(7, int(d * (0.62 if len(text) == 1 else 0.5))))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _paint_promise(painter: QPainter, size: int, fill: QColor) -> None:
    d = max(8.0, size * 0.45)
    rect = QRectF(0, 0, d, d).adjusted(0.5, 0.5, -0.5, -0.5)
    painter.setPen(QPen(QColor("#ffffff"), max(1.0, size / 20)))
    painter.setBrush(fill)
    painter.drawEllipse(rect)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(7, int(d * 0.7)))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "!")


def icon(state: IconState, count: int = 0, promise: str = "") -> QIcon:
    """The tray icon for `state`, with a badge for `count` held messages (0: no badge) and
    the promise mark ("at-risk", "overdue"; "" for none)."""
    badge = badge_text(count)
    key = (state, badge, promise)
    cached = _icons.get(key)
    if cached is None:
        cached = QIcon()
        for size in SIZES:
            cached.addPixmap(pixmap(state, size, badge, promise))
        _icons[key] = cached
    return cached


def app_icon() -> QIcon:
    return icon(IconState.OPEN)
