"""Saving settings restarts the runtime with them: the engine runs on what the file says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from exchangelib.protocol import close_connections
from PySide6.QtWidgets import QApplication

from focusguard.core.settings import load_settings, save_settings, settings_from_toml
from focusguard.secrets import Keyring
from focusguard.sim.ews import EwsSimulator
from focusguard.ui.main import Launcher


@pytest.fixture
def sim() -> Iterator[EwsSimulator]:
    simulator = EwsSimulator(password="secret").start()
    yield simulator
    simulator.stop()
    close_connections()


def config_text(url: str, check_in: str) -> str:
    return f"""
[account]
kind = "ews"
email = "me@corp.example"
ews_url = "{url}"
auth = "basic"
username = "me"

[schedule]
timezone = "UTC"
check_ins = ["{check_in}"]

[holding]
mode = "client-move"
"""


def test_saved_settings_restart_the_runtime(qtbot, sim: EwsSimulator, tmp_path: Path) -> None:
    config = tmp_path / "focusguard.toml"
    save_settings(settings_from_toml(config_text(sim.url, "09:30")), config)
    Keyring().set("me@corp.example", "secret")
    app = QApplication.instance()
    launcher = Launcher(app, config)  # type: ignore[arg-type]
    assert launcher.start() is None
    first = launcher.shell
    assert first is not None
    try:
        qtbot.waitUntil(lambda: first.feed.current.status is not None, timeout=10000)
        assert [t.strftime("%H:%M") for t in first.runtime.settings.schedule.check_ins] == ["09:30"]
        # What the settings window does on Save: write the file, then say so.
        save_settings(settings_from_toml(config_text(sim.url, "14:15")), config)
        first.settings_saved.emit()
        second = launcher.shell
        assert second is not None and second is not first
        assert second.runtime.settings == load_settings(config)
        qtbot.waitUntil(lambda: second.feed.current.status is not None, timeout=10000)
        assert second.feed.current.status.next_check_in.strftime("%H:%M") == "14:15"
    finally:
        if launcher.shell is not None:
            launcher.shell.stop()
