"""Settings → Do not disturb (issue 14): what this computer offers is detected off the GUI
thread and said plainly (Windows: no supported way), and the desktop, Teams and the
exceptions are saved to the file and read back."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from focusguard.app.values import Detection, Settings
from focusguard.core.settings import load_settings
from focusguard.platform.dnd.detect import desktop_dnd
from focusguard.ui.settings_dialog import TABS, SettingsDialog
from focusguard.ui.settings_focus import DETECTING
from tests.ui.digest_fixtures import CONFIG, LONDON

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=LONDON)


def dialog_for(qtbot: QtBot, tmp_path: Path, detect, text: str = CONFIG) -> SettingsDialog:  # type: ignore[no-untyped-def]
    config = tmp_path / "focusguard.toml"
    config.write_text(text, encoding="utf-8")
    dialog = SettingsDialog(config, now=lambda: NOW, detect_dnd=detect)
    qtbot.addWidget(dialog)
    return dialog


def test_windows_says_there_is_no_supported_way(qtbot: QtBot, tmp_path: Path) -> None:
    def windows(s: Settings) -> Detection:
        return desktop_dnd(s.do_not_disturb, platform="win32").detection

    dialog = dialog_for(qtbot, tmp_path, windows)
    qtbot.waitUntil(lambda: dialog.focus.detected.text() != DETECTING, timeout=10_000)
    text = dialog.focus.detected.text()
    assert text.startswith("Not available here: ") and "Windows" in text


def test_detection_runs_off_the_gui_thread_and_the_newest_look_wins(
    qtbot: QtBot, tmp_path: Path
) -> None:
    threads: list[str] = []
    gate = threading.Event()

    def slow(s: Settings) -> Detection:
        threads.append(threading.current_thread().name)
        gate.wait(10)
        return Detection("kde", True, "KDE Plasma: notifications are inhibited during focus.")

    dialog = dialog_for(qtbot, tmp_path, slow)
    assert dialog.focus.detected.text() == DETECTING  # the window is up, the look goes on
    gate.set()
    qtbot.waitUntil(lambda: dialog.focus.detected.text() != DETECTING, timeout=10_000)
    assert dialog.focus.detected.text().startswith("This computer: KDE Plasma")
    assert threads and threading.main_thread().name not in threads


def test_the_tab_saves_and_reads_back(qtbot: QtBot, tmp_path: Path) -> None:
    def kde(s: Settings) -> Detection:
        return Detection("kde", True, "KDE Plasma")

    dialog = dialog_for(qtbot, tmp_path, kde)
    assert "&Do not disturb" in [label for label, _ in TABS]
    dialog.focus.desktop.setChecked(True)
    dialog.focus.teams.setChecked(True)
    dialog.focus.keywords.setPlainText("[PAGER-\n\n  INC-  \n")
    dialog.focus.sent_to.setPlainText("support-urgent@corp.example")
    assert dialog.save()
    saved = load_settings(tmp_path / "focusguard.toml")
    assert saved.do_not_disturb.desktop and saved.do_not_disturb.teams
    assert saved.exceptions.subject_keywords == ("[PAGER-", "INC-")
    assert saved.exceptions.sent_to == ("support-urgent@corp.example",)
    again = dialog_for(qtbot, tmp_path / "..", kde, (tmp_path / "focusguard.toml").read_text())
    assert again.focus.desktop.isChecked() and again.focus.teams.isChecked()
    assert again.focus.keywords.toPlainText() == "[PAGER-\nINC-"


def test_a_too_short_keyword_is_refused_with_the_reason(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = dialog_for(qtbot, tmp_path, lambda s: Detection("none", False, "no desktop"))
    dialog.focus.keywords.setPlainText("ab")
    assert not dialog.save()
    assert "subject_keywords" in dialog.problems.text()
    assert dialog.tabs.currentIndex() == len(TABS) - 1  # the tab with the problem is shown
