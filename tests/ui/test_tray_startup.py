"""Start-up: one instance, readable start-up errors, the demo's title."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from focusguard import gui
from focusguard.app.control import ControlServer
from focusguard.app.setup import SettingsFile
from focusguard.ui import main


def test_second_start_asks_the_first_to_show_itself(qtbot, tmp_path) -> None:
    asked: list[dict] = []

    def handler(request: dict) -> dict:
        asked.append(request)
        return {"ok": True, "text": "shown"}

    server = ControlServer(handler)
    server.start()
    try:
        assert gui.run(tmp_path / "focusguard.toml") == 0
    finally:
        server.stop()
    assert asked == [{"cmd": "show"}]


def test_bad_settings_show_title_and_message_and_exit_1(qtbot, tmp_path, monkeypatch) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(main, "show_startup_error", lambda t, m: shown.append((t, m)))
    config = tmp_path / "focusguard.toml"
    config.write_text('[schedule]\ncheck_ins = ["25:00"]\nholdng = 1\n')
    assert gui.run(config) == 1
    ((title, message),) = shown
    assert title == f"Settings in {config} need fixing"
    assert "focusguard config check" in message
    app = QApplication.instance()
    assert app.applicationName() == "FocusGuard"
    assert app.quitOnLastWindowClosed() is False
    assert app.desktopFileName() == "io.focusguard.FocusGuard"


def test_run_tray_around_a_built_app_as_the_demo_does(qtbot, ui_rig, tmp_path) -> None:
    seen: dict[str, object] = {}
    config = tmp_path / "focusguard.toml"
    config.write_text("", encoding="utf-8")

    def look_then_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.windowTitle()]
        seen["titles"] = [w.windowTitle() for w in windows if w.isVisible()]
        QApplication.exit(0)

    QTimer.singleShot(0, look_then_quit)
    started: list[bool] = []
    code = main.run_tray(
        lambda: ui_rig.app,
        SettingsFile(config),
        started=lambda: started.append(ui_rig.app.running),
        title="FocusGuard (demo)",
    )
    assert code == 0 and started == [True]
    # Offscreen has no tray: the status window stands in, titled for the demo.
    assert "FocusGuard (demo)" in seen["titles"]
    assert not ui_rig.app.running  # run_tray stopped it
