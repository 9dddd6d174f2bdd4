"""Saving settings applies them: the engine runs on what the file says, without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from exchangelib.protocol import close_connections
from PySide6.QtWidgets import QApplication

from focusguard import gui
from focusguard.app.backends import simulator_account
from focusguard.app.setup import SettingsFile
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
    return (
        simulator_account("ews", url)
        + f"""
[schedule]
timezone = "UTC"
check_ins = ["{check_in}"]

[holding]
mode = "client-move"
"""
    )


def test_saved_settings_apply_to_the_running_app(qtbot, sim: EwsSimulator, tmp_path: Path) -> None:
    config = tmp_path / "focusguard.toml"
    save_settings(settings_from_toml(config_text(sim.url, "09:30")), config)
    Keyring().set("me@corp.example", "secret")
    qt = QApplication.instance()
    launcher = Launcher(qt, lambda: gui._build(config), SettingsFile(config))  # type: ignore[arg-type]
    assert launcher.launch() is None
    shell = launcher.shell
    assert shell is not None
    try:
        qtbot.waitUntil(lambda: shell.feed.current.status is not None, timeout=10000)
        assert [t.strftime("%H:%M") for t in shell.service.settings.schedule.check_ins] == ["09:30"]
        # What the settings window does on Save: write the file, then hand the settings on.
        save_settings(settings_from_toml(config_text(sim.url, "14:15")), config)
        applied = shell.apply_settings(load_settings(config))
        qtbot.waitUntil(applied.done, timeout=10000)
        assert applied.result().text == "Settings applied"
        assert launcher.shell is shell  # the same tray: nothing restarted
        assert shell.service.settings == load_settings(config)
        qtbot.waitUntil(
            lambda: shell.feed.current.status.next_check_in.strftime("%H:%M") == "14:15",
            timeout=10000,
        )
        assert shell.feed.current.problem is None
    finally:
        launcher.stop()
