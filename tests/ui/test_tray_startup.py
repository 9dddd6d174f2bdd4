"""Start-up: one instance, readable start-up errors, the demo's title."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from focusguard import gui
from focusguard.app.control import ControlServer
from focusguard.app.setup import SettingsFile
from focusguard.app.values import SettingsNeedFixing
from focusguard.ui import main
from focusguard.ui.settings_dialog import SettingsDialog


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


def test_bad_settings_open_settings_at_the_first_problem(qtbot, tmp_path, monkeypatch) -> None:
    """No dead end with only an OK button: Settings opens at the first problem (issue 11);
    closing it without saving ends as before, with exit code 1."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(main, "show_startup_error", lambda t, m: shown.append((t, m)))
    config = tmp_path / "focusguard.toml"
    config.write_text('[schedule]\ncheck_ins = ["25:00"]\n')
    seen: dict[str, str] = {}

    def look_then_close() -> None:
        [dialog] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, SettingsDialog) and w.isVisible()
        ]
        seen["tab"] = dialog.tabs.tabText(dialog.tabs.currentIndex())
        seen["banner"] = dialog.banner.text()
        dialog.reject()

    QTimer.singleShot(0, look_then_close)
    assert gui.run(config) == 1
    assert shown == []
    assert seen["tab"] == "&Schedule"
    assert "schedule.check_ins" in seen["banner"]
    app = QApplication.instance()
    assert app.applicationName() == "FocusGuard"
    assert app.quitOnLastWindowClosed() is False
    assert app.desktopFileName() == "io.focusguard.FocusGuard"


def test_fixed_settings_start_the_app(qtbot, ui_rig, tmp_path) -> None:
    config = tmp_path / "focusguard.toml"
    config.write_text('[schedule]\ncheck_ins = ["25:00"]\ntimezone = "UTC"\n')
    calls: list[int] = []

    def start() -> main.Running:
        calls.append(1)
        if len(calls) == 1:
            raise SettingsNeedFixing("Settings need fixing", "x", ("schedule.check_ins: bad",))
        return ui_rig.app

    launcher = main.Launcher(QApplication.instance(), start, SettingsFile(config))
    assert launcher.launch() is None
    dialog = launcher._wizard
    assert isinstance(dialog, SettingsDialog)
    dialog.check_ins.set_times([])
    dialog.check_ins.add_current()
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    try:
        assert launcher.shell is not None and ui_rig.app.running
    finally:
        launcher.stop()


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
