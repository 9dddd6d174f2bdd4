"""Settings window: a `[privacy]` setting it does not show survives saving (issue 9 §3)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from focusguard.core.settings import load_settings
from focusguard.ui.settings_dialog import SettingsDialog
from tests.ui.digest_fixtures import CONFIG, LONDON

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=LONDON)


def test_keep_days_survives_saving_from_the_settings_window(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "focusguard.toml"
    config.write_text(CONFIG + "\n[privacy]\nkeep_days = 7\n", encoding="utf-8")
    dialog = SettingsDialog(config, now=lambda: NOW)
    qtbot.addWidget(dialog)
    dialog.folder.setText("Later")
    assert dialog.save()
    saved = load_settings(config)
    assert saved.holding.folder == "Later"
    assert saved.privacy.keep_days == 7
