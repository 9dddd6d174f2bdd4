"""The Insights window (issue 13 §3) with real widgets, offscreen: opened from the tray menu
of the real GUI shell on an app reading the EWS simulator's five seeded weeks; the history
read in steps (progress, stop, continue) on the worker while the GUI thread stays free; the
figures, sentences and table as the service computes them; PNG and CSV export; mail-derived
text shown as plain text only."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from focusguard.app.builder import App
from focusguard.app.setup import SettingsFile
from focusguard.core.clock import VirtualClock
from focusguard.core.facts import encode_instant
from focusguard.core.focus_ledger import HOLDING_SINCE
from focusguard.core.ports import HistoryFolder, HistoryItem, HistoryPage
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from focusguard.store import Store
from focusguard.ui.insights import InsightsWindow
from focusguard.ui.insights_chart import WeeklyChart
from focusguard.ui.main import Shell
from focusguard.ui.menu import find_action
from tests.apps import StillTimers, build_app, drain
from tests.fakes import OFFICE_CONFIG
from tests.integration.test_insights_simulators import NOW, PROMISE, Mailbox, make_mailbox

pytestmark = pytest.mark.timeout(300)
READ_TIMEOUT_MS = 120_000


class Rig:
    def __init__(self, box: Mailbox, tmp: Path) -> None:
        self.box = box
        self.store = Store.open(tmp / "state.sqlite3")
        self.store.set_fact(HOLDING_SINCE, encode_instant(box.seeded.holding_since))
        self.app: App = build_app(
            box.settings,
            box.backend,
            tmp,
            store=self.store,
            clock=VirtualClock(NOW),
            timers=StillTimers(),
        )

    def kept(self) -> int:
        """Messages of the seeded history within keep_days."""
        oldest = NOW - timedelta(days=self.box.settings.privacy.keep_days)
        return sum(1 for m in self.box.seeded.messages if m.at >= oldest)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    box, done = make_mailbox("ews")
    r = Rig(box, tmp_path)
    try:
        yield r
    finally:
        r.app.stop()
        r.store.close()
        done()


def shell_for(app: App, tmp: Path) -> Shell:
    return Shell(
        app,
        settings_file=SettingsFile(tmp / "config.toml"),
        tray_available=True,
        autostart=None,
    )


def open_from_tray(shell: Shell) -> InsightsWindow:
    assert shell.tray is not None
    shell.tray.rebuild_menu()
    find_action(shell.tray.menu, "Insights…").trigger()
    window = shell._insights
    assert isinstance(window, InsightsWindow) and window.isVisible()
    return window


def test_opened_from_the_tray_it_reads_in_steps_and_shows_the_services_figures(
    qtbot: QtBot, rig: Rig, tmp_path: Path
) -> None:
    shell = shell_for(rig.app, tmp_path)
    shell.start()
    drain(rig.app)
    steps: list[int] = []
    window = open_from_tray(shell)  # the reading's results come through the event loop
    window.progress.valueChanged.connect(steps.append)
    with qtbot.waitSignal(window.reading_finished, timeout=READ_TIMEOUT_MS) as finished:
        pass
    assert finished.args == ["complete"]
    # The figures asked for once the read was complete (an earlier answer is dropped).
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: window.preview is not None)
    qtbot.waitUntil(lambda: "History up to date" in window.reading_label.text())
    # Several steps, each moving the bar forward.
    assert len(steps) > 2 and steps == sorted(steps)
    assert not window.progress.isVisible() and window.read_button.text() == "Read &again"
    assert f"({rig.kept()} new messages)" in window.reading_label.text()

    want = shell.service.insights_figures(4)
    assert window.report is not None and window.report.figures == want.figures
    rows = [
        [window.table.item(r, c).text() for c in range(window.table.columnCount())]
        for r in range(window.table.rowCount())
    ]
    assert rows == want.customer_rows() and len(rows) > 5
    assert rows[0][0] == "bigclient.example"  # the demanding customer first
    assert window.trained.text().startswith("Your customers are being trained: they chase less")
    # Seeded "three days ago" fell on Sunday: it came at Monday's 09:00, two days ago.
    assert "freshstart.example (nina@freshstart.example): first mail 2 days ago" in (
        window.new_customers.text()
    )
    assert window.preview_sentence.text().startswith("Last week with these settings: ")
    assert "of your 4h promise" in window.preview_sentence.text()
    chart = window.chart
    assert [p.messages for p in chart.points] == [w.responses.received for w in want.weeks]
    assert chart.promise == PROMISE
    shell.stop()


def test_stop_keeps_what_was_read_and_continue_goes_on_from_there(
    qtbot: QtBot, rig: Rig, tmp_path: Path
) -> None:
    rig.app.start()
    drain(rig.app)
    window = InsightsWindow(rig.app.service)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.reading_finished, timeout=READ_TIMEOUT_MS) as finished:
        window.show_and_raise()
        window.read_button.click()  # "Stop reading": after the step under way
        assert not window.read_button.isEnabled()
        assert window.reading_label.text() == "Stopping after this page…"
    assert finished.args == ["stopped"]
    assert not window.reading and window.read_button.text() == "&Continue reading"
    first = window._read
    assert 0 < first < rig.kept()
    # The figures of what was read so far are shown.
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        pass
    assert window.report is not None
    partial = window.report.figures.total.received
    assert partial > 0

    with qtbot.waitSignal(window.reading_finished, timeout=READ_TIMEOUT_MS) as finished:
        window.read_button.click()  # "Continue reading"
    assert finished.args == ["complete"]
    assert first + window._read == rig.kept()  # nothing read twice, nothing missed
    qtbot.waitUntil(
        lambda: window.report is not None and window.report.figures.total.received > partial
    )


class GatedHistory(MemoryMailbox):
    """The in-memory mailbox whose history reads wait on `gate`: a slow server."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def history_page(
        self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
    ) -> HistoryPage:
        self.waiting.set()
        self.gate.wait(30)
        return super().history_page(folder, since, until, limit)


HOSTILE_DOMAIN = "evil.example"
HOSTILE_NAME = "<b>Boss</b><img src=http://127.0.0.1/x>"


def test_a_slow_read_never_blocks_the_gui_and_mail_text_stays_plain(
    qtbot: QtBot, tmp_path: Path
) -> None:
    mailbox = GatedHistory()
    now = datetime(2026, 3, 24, 11, 0, tzinfo=UTC)
    for n in range(3):
        mailbox.add_history(
            HistoryItem(
                HistoryFolder.INBOX,
                f"i{n}",
                f"<m{n}@evil.example>",
                f'"{HOSTILE_NAME}" <ceo@{HOSTILE_DOMAIN}>',
                ("me@corp.example",),
                now - timedelta(days=2, hours=n),
                now - timedelta(days=2, hours=n),
            )
        )
    settings = settings_from_toml(
        OFFICE_CONFIG.replace('customers = ["bigclient.com"]', f'customers = ["{HOSTILE_DOMAIN}"]')
    )
    app = build_app(settings, mailbox, tmp_path, clock=VirtualClock(now), timers=StillTimers())
    app.start()
    drain(app)
    try:
        window = InsightsWindow(app.service)
        qtbot.addWidget(window)
        window.show_and_raise()
        assert mailbox.waiting.wait(10)
        # The worker waits for the server; the GUI thread goes on answering.
        assert window.reading and window.progress.isVisible()
        window.read_button.click()
        QApplication.processEvents()
        assert window.reading_label.text() == "Stopping after this page…"
        with qtbot.waitSignal(window.reading_finished, timeout=30_000) as finished:
            mailbox.gate.set()
        assert finished.args in (["stopped"], ["complete"])
        qtbot.waitUntil(lambda: window.report is not None)
        labels = window.findChildren(QLabel)
        assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels), [
            label.accessibleName()
            for label in labels
            if label.textFormat() != Qt.TextFormat.PlainText
        ]
    finally:
        mailbox.gate.set()
        app.stop()


def test_export_png_and_csv(qtbot: QtBot, rig: Rig, tmp_path: Path) -> None:
    rig.app.start()
    drain(rig.app)
    window = InsightsWindow(rig.app.service)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.reading_finished, timeout=READ_TIMEOUT_MS):
        window.show_and_raise()
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        pass  # the figures asked for once the read was complete
    assert window.png_button.isEnabled() and window.csv_button.isEnabled()
    png, table = tmp_path / "insights.png", tmp_path / "insights.csv"
    window.export_png(png)
    image = QImage(str(png))
    assert not image.isNull() and image.width() == window.width()
    window.export_csv(table)
    rows = list(csv.reader(table.open(encoding="utf-8")))
    assert rows[0][0] == "customer" and len(rows) > 5
    assert window.report is not None
    assert table.read_text(encoding="utf-8") == window.report.csv_text()


@pytest.mark.parametrize("dark", [False, True])
def test_the_chart_takes_its_colours_from_the_palette(qtbot: QtBot, dark: bool) -> None:
    chart = WeeklyChart()
    qtbot.addWidget(chart)
    palette = QPalette(chart.palette())
    window = Qt.GlobalColor.black if dark else Qt.GlobalColor.white
    text = Qt.GlobalColor.white if dark else Qt.GlobalColor.black
    palette.setColor(QPalette.ColorRole.Window, window)
    palette.setColor(QPalette.ColorRole.WindowText, text)
    chart.setPalette(palette)
    chart.resize(500, 220)
    chart.set_data((), None)
    ink, _bars, _line, promise = chart.colours()
    assert ink == palette.color(QPalette.ColorRole.WindowText)
    # The promise line contrasts with the background on either palette.
    assert abs(promise.lightness() - palette.color(QPalette.ColorRole.Window).lightness()) > 60
    image = chart.grab().toImage()
    assert not image.isNull()
