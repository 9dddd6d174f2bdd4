"""The Insights window (issue 13 §3): are my customers trained? A weekly chart, the customers
busiest and most demanding first, the new customers, the before/after sentence, and last
week replayed with the settings in use.

Everything comes from the service on the engine's worker (`.later`, results through a
FutureRelay): the GUI thread never waits. The history is read in steps of a few pages
(`Service.read_history`), so the engine's own work runs between them, the progress bar
moves, and "Stop reading" stops after the current step; "Continue reading" goes on from
where it stopped (what was read is kept). Figures from what was read earlier show at once.

Customer names, addresses and every sentence are mail-derived or built from it: shown as
plain text only (plain labels, table items, QPainter text).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from focusguard.app.service import Service
from focusguard.app.values import FocusGuardError, HistoryRead, InsightsReport, PreviewReport
from focusguard.ui.future_relay import FutureRelay
from focusguard.ui.insights_chart import WeeklyChart, WeekPoint
from focusguard.ui.plain_text import plain_label

log = logging.getLogger(__name__)

WEEKS = 4
PROGRESS_STEPS = 1000  # the progress bar's range


class InsightsWindow(QWidget):
    """Opened from the tray menu ("Insights…"); closing hides it, the tray keeps it."""

    loaded = Signal()  # figures shown (tests, the screenshot)
    reading_finished = Signal(str)  # "complete", "stopped" or "failed"

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._service = service
        self._reading = False
        self._stop_asked = False
        self._progress = 0.0  # share of the history read in this run, 0..1
        self._read = 0  # messages read in this run
        self._generation = 0
        self.report: InsightsReport | None = None
        self.preview: PreviewReport | None = None
        self.setWindowTitle("Insights — FocusGuard")
        self.setAccessibleName("Insights")
        self.resize(860, 720)

        self.reading_label = plain_label("", self)
        self.reading_label.setAccessibleName("Reading the mailbox")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("History read")
        self.read_button = QPushButton("&Stop reading", self)
        self.read_button.setAccessibleName("Stop or continue reading")
        self.read_button.clicked.connect(self._read_clicked)

        self.trained = _heading(plain_label("Loading…", self))
        self.trained.setAccessibleName("Are my customers trained")
        self.overall = _wrapping(plain_label("", self))
        self.overall.setAccessibleName("Overall")
        self.preview_sentence = _wrapping(plain_label("", self))
        self.preview_sentence.setAccessibleName("Last week with these settings")
        self.preview_details = _wrapping(plain_label("", self))
        self.chart = WeeklyChart(self)

        self.table = QTableWidget(0, len(InsightsReport.customer_header), self)
        self.table.setHorizontalHeaderLabels(list(InsightsReport.customer_header))
        self.table.setAccessibleName("Customers, busiest and most demanding first")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.table.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.new_customers = _wrapping(plain_label("", self))
        self.new_customers.setAccessibleName("New customers")

        self.png_button = QPushButton("Export &PNG…", self)
        self.csv_button = QPushButton("Export &CSV…", self)
        self.close_button = QPushButton("Close", self)
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button.clicked.connect(self._ask_csv)
        self.close_button.clicked.connect(self.close)
        self.png_button.setEnabled(False)
        self.csv_button.setEnabled(False)

        self._layout()
        self._relay = FutureRelay(self)
        self._relay.done.connect(self._future_done)

    def _layout(self) -> None:
        reading = QHBoxLayout()
        reading.addWidget(self.reading_label, 1)
        reading.addWidget(self.progress, 1)
        reading.addWidget(self.read_button)

        week = QGroupBox("Weeks", self)
        week_box = QVBoxLayout(week)
        week_box.addWidget(self.chart)
        week_box.addWidget(self.overall)

        preview = QGroupBox("Last week, replayed with your settings", self)
        preview_box = QVBoxLayout(preview)
        preview_box.addWidget(self.preview_sentence)
        preview_box.addWidget(self.preview_details)

        customers = QGroupBox("Customers", self)
        customers_box = QVBoxLayout(customers)
        customers_box.addWidget(self.table, 1)
        customers_box.addWidget(self.new_customers)

        buttons = QHBoxLayout()
        buttons.addWidget(self.png_button)
        buttons.addWidget(self.csv_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(reading)
        layout.addWidget(self.trained)
        layout.addWidget(week)
        layout.addWidget(preview)
        layout.addWidget(customers, 1)
        layout.addLayout(buttons)

    # -- what the tray calls ---------------------------------------------------------------
    def show_and_raise(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()
        self.refresh()
        if not self._reading:
            self.start_reading()

    def refresh(self) -> None:
        """Ask for the figures (and the preview) from what is read so far."""
        self._generation += 1
        self._relay.watch(
            self._service.insights_figures.later(WEEKS), ("figures", self._generation)
        )
        self._relay.watch(self._service.preview_with.later(), ("preview", self._generation))

    def start_reading(self) -> None:
        """Bring the history up to date, a step at a time (continues an interrupted read)."""
        self._reading, self._stop_asked = True, False
        self._progress, self._read = 0.0, 0
        self.progress.setValue(0)
        self.progress.show()
        self.read_button.setText("&Stop reading")
        self.read_button.setEnabled(True)
        self.reading_label.setText("Reading the mailbox's history…")
        self._step()

    def stop_reading(self) -> None:
        """Stop after the step under way (what it reads is kept)."""
        if self._reading:
            self._stop_asked = True
            self.read_button.setEnabled(False)
            self.reading_label.setText("Stopping after this page…")

    @property
    def reading(self) -> bool:
        return self._reading

    def _step(self) -> None:
        self._relay.watch(self._service.read_history.later(), ("read", 0))

    def _read_clicked(self) -> None:
        if self._reading:
            self.stop_reading()
        else:
            self.start_reading()

    # -- results (GUI thread, via the relay) -----------------------------------------------
    def _future_done(self, tag: tuple[str, int], future: Future[Any]) -> None:
        kind, generation = tag
        error = future.exception()
        if error is not None and not isinstance(error, FocusGuardError):
            log.warning("insights: %s failed", kind, exc_info=error)
        if kind == "read":
            self._read_done(future, error)
        elif generation != self._generation:
            return  # an older answer after a newer request
        elif kind == "figures":
            if error is not None:
                self.trained.setText(f"Could not compute the insights: {_describe(error)}")
                return
            self.show_report(future.result())
        elif kind == "preview":
            if error is not None:
                self.preview_sentence.setText(f"Could not replay last week: {_describe(error)}")
                self.preview_details.setText("")
                return
            self.show_preview(future.result())

    def _read_done(self, future: Future[Any], error: BaseException | None) -> None:
        if error is not None:
            self._reading = False
            self.reading_label.setText(
                f"{_describe(error)} What was read so far is kept; Continue reading goes on "
                "from there."
            )
            self.read_button.setText("&Continue reading")
            self.read_button.setEnabled(True)
            self.reading_finished.emit("failed")
            self.refresh()
            return
        step: HistoryRead = future.result()
        self._read += step.read
        # Each step reports the share it read of what remained when it began.
        self._progress = 1 - (1 - self._progress) * (1 - min(1.0, max(0.0, step.done)))
        self.progress.setValue(round(self._progress * PROGRESS_STEPS))
        if step.complete:
            self._reading = False
            self.progress.setValue(PROGRESS_STEPS)
            self.progress.hide()
            self.reading_label.setText(
                f"History up to date ({self._read} new message{'s' if self._read != 1 else ''})."
            )
            self.read_button.setText("Read &again")
            self.read_button.setEnabled(True)
            self.reading_finished.emit("complete")
            self.refresh()
        elif self._stop_asked:
            self._reading = False
            self.reading_label.setText(
                f"Stopped after {self._read} messages; the figures show what was read. "
                "Continue reading goes on from there."
            )
            self.read_button.setText("&Continue reading")
            self.read_button.setEnabled(True)
            self.reading_finished.emit("stopped")
            self.refresh()
        else:
            self.reading_label.setText(f"Reading the mailbox's history… {self._read} messages")
            self._step()

    def show_report(self, report: InsightsReport) -> None:
        self.report = report
        self.trained.setText(report.trained)
        self.overall.setText(report.overall)
        self.chart.set_data(
            tuple(
                WeekPoint(report.week_label(w), w.responses.received, w.responses.working.median)
                for w in report.weeks
            ),
            report.promised,
        )
        rows = report.customer_rows()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)  # items are plain text
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        new = report.new_customers()
        self.new_customers.setText(
            "New customers:\n" + "\n".join(new) if new else "No new customers in these weeks."
        )
        self.png_button.setEnabled(True)
        self.csv_button.setEnabled(True)
        self.loaded.emit()

    def show_preview(self, preview: PreviewReport) -> None:
        self.preview = preview
        self.preview_sentence.setText(preview.sentence)
        self.preview_details.setText("\n".join(preview.summary.details()))

    # -- export ----------------------------------------------------------------------------
    def export_png(self, path: Path) -> None:
        """The window as it shows now (chart, sentences and table) as a PNG."""
        if not self.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")

    def export_csv(self, path: Path) -> None:
        if self.report is None:
            raise OSError("nothing to export yet")
        path.write_text(self.report.csv_text(), encoding="utf-8")

    def _ask_png(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export insights as PNG", "focusguard-insights.png", "PNG image (*.png)"
        )
        if name:
            self._export(self.export_png, Path(name))

    def _ask_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export insights as CSV", "focusguard-insights.csv", "CSV (*.csv)"
        )
        if name:
            self._export(self.export_csv, Path(name))

    def _export(self, write: Any, path: Path) -> None:
        try:
            write(path)
        except OSError as exc:
            self.reading_label.setText(f"Could not export: {exc.strerror or exc}")
        else:
            self.reading_label.setText(f"Exported {path.name}")

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing stops reading after the step under way; the tray keeps the window.
        self.stop_reading()
        super().closeEvent(event)


def _wrapping(label: Any) -> Any:
    label.setWordWrap(True)
    return label


def _heading(label: Any) -> Any:
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return _wrapping(label)


def _describe(error: BaseException) -> str:
    if isinstance(error, FocusGuardError):
        return f"{error.title}: {error.message}"
    return "Something went wrong; details are in the log."
