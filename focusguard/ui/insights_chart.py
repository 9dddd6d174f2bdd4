"""The Insights window's weekly chart, drawn with QPainter (issue 13 §3): customer messages
per week as bars, the median first-response time (working time) as a line, and the promise
as a dashed line. No chart module: QtCharts would add megabytes to the bundle and to the
start-up for four bars and a line.

Colours come from the palette (text, highlight, link), so the chart reads on light and dark
themes alike; the promise line is the palette's own "negative" colour mixed for contrast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    label: str  # "6 Apr"
    messages: int
    median: timedelta | None  # first-response time, working time


NICE = (1, 1.5, 2, 3, 4, 5, 6, 8, 10)
# How many parts an axis ending at k × 10^n is divided in, for round labels.
PARTS = {1: 5, 1.5: 3, 2: 4, 3: 3, 4: 4, 5: 5, 6: 3, 8: 4, 10: 5}


def nice_top(value: float) -> float:
    """A round axis end at or above `value` (1, 1.5, 2, 3, 4, 5, 6, 8 × 10^n), so the
    tallest bar fills most of the height."""
    if value <= 0:
        return 1.0
    scale = 1.0
    while scale * 10 <= value:
        scale *= 10
    while scale > value:
        scale /= 10
    return next(k * scale for k in NICE if k * scale >= value)


def parts(top: float) -> int:
    """How many parts to divide an axis ending at `top` (a `nice_top`) in."""
    scale = 1.0
    while scale * 10 <= top:
        scale *= 10
    while scale > top:
        scale /= 10
    return PARTS.get(round(top / scale, 1), 4)


class WeeklyChart(QWidget):
    """Bars of messages per week and the median response line against the promise."""

    MARGIN_LEFT = 44
    MARGIN_RIGHT = 52
    MARGIN_TOP = 28
    MARGIN_BOTTOM = 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: tuple[WeekPoint, ...] = ()
        self.promise: timedelta | None = None
        self.setMinimumSize(QSize(360, 190))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Weekly chart")

    def set_data(self, points: tuple[WeekPoint, ...], promise: timedelta | None) -> None:
        self.points = points
        self.promise = promise
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        """The chart in words (screen readers, the tooltip)."""
        parts = [
            f"{p.label}: {p.messages} messages, median "
            + ("none" if p.median is None else f"{p.median / HOUR:.1f} h")
            for p in self.points
        ]
        return "; ".join(parts)

    def sizeHint(self) -> QSize:
        return QSize(560, 220)

    # -- scales ----------------------------------------------------------------------------
    def hours_top(self) -> float:
        values = [p.median / HOUR for p in self.points if p.median is not None]
        if self.promise is not None:
            values.append(self.promise / HOUR)
        return nice_top(max(values, default=1.0) * 1.1)

    def messages_top(self) -> float:
        return nice_top(max((p.messages for p in self.points), default=1) * 1.1)

    def plot_rect(self) -> QRectF:
        return QRectF(
            self.MARGIN_LEFT,
            self.MARGIN_TOP,
            max(1, self.width() - self.MARGIN_LEFT - self.MARGIN_RIGHT),
            max(1, self.height() - self.MARGIN_TOP - self.MARGIN_BOTTOM),
        )

    def hours_y(self, hours: float) -> float:
        plot = self.plot_rect()
        return plot.bottom() - plot.height() * hours / self.hours_top()

    # -- drawing ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw(painter)
        finally:
            painter.end()

    def colours(self) -> tuple[QColor, QColor, QColor, QColor]:
        """(text, bars, median line, promise line) from the palette."""
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        bars = QColor(pal.color(QPalette.ColorRole.Highlight))
        bars.setAlpha(110)
        line = pal.color(QPalette.ColorRole.Link)
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        promise = QColor("#ff8a80") if dark else QColor("#c62828")
        return text, bars, line, promise

    def _draw(self, painter: QPainter) -> None:
        text, bars, line, promise_colour = self.colours()
        plot = self.plot_rect()
        painter.setPen(QPen(text, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        metrics = painter.fontMetrics()
        # Legend.
        x = plot.left()
        for colour, label, dashed, bar in (
            (bars, "messages", False, True),
            (line, "median reply (working time)", False, False),
            (promise_colour, "promise", True, False),
        ):
            if bar:
                painter.fillRect(QRectF(x, 8, 14, 10), bars)
            else:
                pen = QPen(colour, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
                painter.setPen(pen)
                painter.drawLine(QPointF(x, 13), QPointF(x + 14, 13))
            painter.setPen(QPen(text, 1))
            painter.drawText(QPointF(x + 18, 18), label)
            x += 18 + metrics.horizontalAdvance(label) + 16
        if not self.points:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No weeks to show yet")
            return
        # Grid lines at round numbers of messages (left); hours on the right.
        grid = QColor(text)
        grid.setAlpha(50)
        top, n = self.messages_top(), parts(self.messages_top())
        for k in range(n + 1):
            y = plot.bottom() - plot.height() * k / n
            if k:
                painter.setPen(QPen(grid, 1))
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QPen(text, 1))
            painter.drawText(
                QRectF(0, y - 8, self.MARGIN_LEFT - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{top * k / n:g}",
            )
        hours, m = self.hours_top(), parts(self.hours_top())
        for k in range(m + 1):
            y = self.hours_y(hours * k / m)
            painter.drawLine(QPointF(plot.right(), y), QPointF(plot.right() + 4, y))
            painter.drawText(
                QRectF(plot.right() + 7, y - 8, self.MARGIN_RIGHT - 7, 16),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{hours * k / m:g} h",
            )
        slot = plot.width() / len(self.points)
        centres: list[QPointF | None] = []
        for i, p in enumerate(self.points):
            left = plot.left() + i * slot
            height = plot.height() * p.messages / self.messages_top()
            painter.fillRect(
                QRectF(left + slot * 0.2, plot.bottom() - height, slot * 0.6, height), bars
            )
            painter.setPen(QPen(text, 1))
            painter.drawText(
                QRectF(left, plot.bottom() + 4, slot, self.MARGIN_BOTTOM - 4),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                p.label,
            )
            centre = left + slot / 2
            centres.append(
                None if p.median is None else QPointF(centre, self.hours_y(p.median / HOUR))
            )
        if self.promise is not None:
            y = self.hours_y(self.promise / HOUR)
            painter.setPen(QPen(promise_colour, 2, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QPen(line, 2.5))
        previous: QPointF | None = None
        for point in centres:
            if point is not None and previous is not None:
                painter.drawLine(previous, point)
            previous = point
        painter.setBrush(line)
        for point in centres:
            if point is not None:
                painter.drawEllipse(point, 3.5, 3.5)
