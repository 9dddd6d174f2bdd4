"""Start-up: one instance, readable start-up errors, the demo's title."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from focusguard.control import ControlServer
from focusguard.ui import main


def test_second_start_asks_the_first_to_show_itself(qtbot, tmp_path) -> None:
    asked: list[dict] = []

    def handler(request: dict) -> dict:
        asked.append(request)
        return {"ok": True, "text": "shown"}

    server = ControlServer(handler)
    server.start()
    try:
        assert main.run(tmp_path / "focusguard.toml") == 0
    finally:
        server.stop()
    assert asked == [{"cmd": "show"}]


def test_bad_settings_show_title_and_message_and_exit_1(qtbot, tmp_path, monkeypatch) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(main, "show_startup_error", lambda t, m: shown.append((t, m)))
    config = tmp_path / "focusguard.toml"
    config.write_text('[schedule]\ncheck_ins = ["25:00"]\nholdng = 1\n')
    assert main.run(config) == 1
    ((title, message),) = shown
    assert title == f"Settings in {config} need fixing"
    assert "focusguard config check" in message
    app = QApplication.instance()
    assert app.applicationName() == "FocusGuard"
    assert app.quitOnLastWindowClosed() is False
    assert app.desktopFileName() == "io.focusguard.FocusGuard"


def test_run_with_a_demo_runtime(qtbot, ui_rig) -> None:
    seen: dict[str, object] = {}

    def look_then_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.windowTitle()]
        seen["titles"] = [w.windowTitle() for w in windows if w.isVisible()]
        QApplication.exit(0)

    QTimer.singleShot(0, look_then_quit)
    assert main.run_with(ui_rig.runtime, None, demo=True) == 0
    # Offscreen has no tray: the status window stands in, titled for the demo.
    assert "FocusGuard (demo)" in seen["titles"]
    # run_with stopped the runtime; the rig must not stop it again.
    ui_rig.started = False
