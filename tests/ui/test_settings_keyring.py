"""Settings → Account with no safe keyring: nothing is saved, and the dialog says why and how
to fix it (issue 9 §3) — never "stored" in a plaintext file behind the user's back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import keyring
import pytest
from pytestqt.qtbot import QtBot

from focusguard.ui.settings_dialog import SettingsDialog
from tests.keyring_file import FileKeyring
from tests.ui.digest_fixtures import CONFIG, LONDON

ENV_VAR = "PYTHON_KEYRING_BACKEND"
NOW = datetime(2026, 3, 24, 10, 0, tzinfo=LONDON)


def test_saving_a_password_without_a_safe_keyring_is_refused_with_the_fix(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no keyringrc.cfg either
    plain = FileKeyring(tmp_path / "plain.json")
    keyring.set_keyring(plain)
    config = tmp_path / "focusguard.toml"
    config.write_text(CONFIG, encoding="utf-8")
    dialog = SettingsDialog(config, now=lambda: NOW)
    qtbot.addWidget(dialog)
    dialog.folder.setText("Later")
    dialog.account.password.setText("s3cret-password")
    assert dialog.save() is False
    shown = dialog.problems.text()
    assert "Not saved. No safe keyring" in shown and "GNOME Keyring or KWallet" in shown
    assert not plain.path.exists()
    assert config.read_text(encoding="utf-8") == CONFIG  # the settings were not written either
    # The field promises only what holds whichever keyring is in use.
    assert dialog.account.password.placeholderText() == (
        "Kept in your keyring, never in the settings file"
    )
