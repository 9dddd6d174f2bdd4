"""Settings window: `[promise]`, `schedule.working_hours` and `schedule.holidays`, which it
does not show yet, survive saving the schedule tab (issue 12 §1)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from focusguard.core.settings import load_settings
from focusguard.ui.settings_dialog import SettingsDialog
from tests.ui.digest_fixtures import CONFIG, LONDON

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=LONDON)
PROMISE = '\n[promise]\nreply_within = "3h"\nfocus_wins = true\n'


def test_the_promise_survives_saving_from_the_settings_window(qtbot: QtBot, tmp_path: Path) -> None:
    assert "[schedule]\n" in CONFIG
    text = CONFIG.replace(
        "[schedule]\n",
        '[schedule]\nworking_hours = ["08:00", "16:00"]\nholidays = ["2026-12-25"]\n',
    )
    config = tmp_path / "focusguard.toml"
    config.write_text(text + PROMISE, encoding="utf-8")
    dialog = SettingsDialog(config, now=lambda: NOW)
    qtbot.addWidget(dialog)
    dialog.check_in_minutes.setValue(20)  # an edit on the schedule tab itself
    assert dialog.save()
    saved = load_settings(config)
    assert saved.schedule.check_in_minutes == 20
    assert saved.schedule.working_hours == (time(8), time(16))
    assert saved.schedule.holidays == (date(2026, 12, 25),)
    assert saved.promise.reply_within == timedelta(hours=3)
    assert saved.promise.focus_wins is True
