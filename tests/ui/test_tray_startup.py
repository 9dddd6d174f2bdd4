"""Start-up: one instance, readable start-up errors, the demo's title."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from focusguard import gui
from focusguard.app.control import ControlServer
from focusguard.app.setup import SettingsFile
from focusguard.app.values import SettingsNeedFixing
from focusguard.ui import icon_first, main
from focusguard.ui.settings_dialog import SettingsDialog
from tests.waiting import wait_until


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
        # The icon comes first and the app is built meanwhile (issue 15): Settings opens
        # once the build has found the problem, so look again until it is there.
        dialogs = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, SettingsDialog) and w.isVisible()
        ]
        if not dialogs:
            QTimer.singleShot(20, look_then_close)
            return
        [dialog] = dialogs
        seen["tab"] = dialog.tabs.tabText(dialog.tabs.currentIndex())
        seen["banner"] = dialog.banner.text()
        dialog.reject()

    QTimer.singleShot(0, look_then_close)
    assert gui.run(config) == 1
    assert shown == []
    assert seen["tab"] == "&Schedule"
    assert "schedule.check_ins" in seen["banner"]
    app = QApplication.instance()
    # On Linux the application name is the app id: Qt's tray reports it as the
    # StatusNotifierItem's Id (issue 12 §2, tests/ui/test_tray_sni.py).
    assert app.applicationName() == "io.focusguard.FocusGuard"
    assert app.applicationDisplayName() == "FocusGuard"
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

    started: list[bool] = []

    def on_started() -> None:
        started.append(ui_rig.app.running)
        # The app is built on a thread while the icon shows (issue 15): look once it runs.
        QTimer.singleShot(0, look_then_quit)

    code = main.run_tray(
        lambda: ui_rig.app, SettingsFile(config), started=on_started, title="FocusGuard (demo)"
    )
    assert code == 0 and started == [True]
    # Offscreen has no tray: the status window stands in, titled for the demo.
    assert "FocusGuard (demo)" in seen["titles"]
    assert not ui_rig.app.running  # run_tray stopped it


def _tray_host(monkeypatch) -> list[QSystemTrayIcon]:
    """Offscreen has no tray: say there is one, and keep the start-up icons made."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    made: list[QSystemTrayIcon] = []

    def keep(title: str) -> QSystemTrayIcon | None:
        icon = icon_first.first_icon(title)
        if icon is not None:
            made.append(icon)
        return icon

    monkeypatch.setattr(main, "first_icon", keep)
    return made


def test_the_icon_is_shown_while_the_app_is_built_and_the_tray_keeps_it(
    qtbot, ui_rig, tmp_path, monkeypatch
) -> None:
    made = _tray_host(monkeypatch)
    config = tmp_path / "focusguard.toml"
    config.write_text("", encoding="utf-8")
    gui_ticks: list[int] = []
    tick = QTimer()
    tick.timeout.connect(lambda: gui_ticks.append(1))
    tick.start(5)
    seen: dict[str, object] = {}

    def slow_build() -> object:
        seen["icon_before_build"] = [i.isVisible() for i in made]
        seen["thread"] = threading.current_thread()
        # The GUI thread goes on handling events while the app is built (the tray host
        # embeds and paints the icon meanwhile): its timer keeps ticking.
        before = len(gui_ticks)
        wait_until(lambda: len(gui_ticks) >= before + 3, what="the GUI thread to tick")
        return ui_rig.app

    launcher = main.Launcher(QApplication.instance(), slow_build, SettingsFile(config))
    try:
        assert launcher.launch() is None
        assert seen["icon_before_build"] == [True]
        assert seen["thread"] is not threading.main_thread()
        shell = launcher.shell
        assert shell is not None and shell.tray is not None
        assert shell.tray.icon is made[0]  # the same icon: no second one in the tray
        assert shell.tray.icon.isVisible()
        # Before the mailbox answers, the tray says it is connecting.
        assert "Connecting" in shell.tray.icon.toolTip() or ui_rig.app.runtime.connected
    finally:
        tick.stop()
        launcher.stop()


def test_the_icon_shows_while_the_mail_server_does_not_answer(
    qtbot, ui_rig, tmp_path, monkeypatch
) -> None:
    made = _tray_host(monkeypatch)
    config = tmp_path / "focusguard.toml"
    config.write_text("", encoding="utf-8")
    ui_rig.mailbox.gate.clear()  # the server hangs: connecting does not complete
    launcher = main.Launcher(QApplication.instance(), lambda: ui_rig.app, SettingsFile(config))
    try:
        assert launcher.launch() is None
        wait_until(ui_rig.mailbox.blocked.is_set, what="connecting to hang at the server")
        assert made and made[0].isVisible()
        assert not ui_rig.app.runtime.connected
        assert made[0].toolTip().endswith("Connecting…")
    finally:
        ui_rig.mailbox.gate.set()
        launcher.stop()


def test_quit_while_the_app_is_built_exits_with_its_code_and_stops_the_app(
    qtbot, ui_rig, tmp_path, monkeypatch
) -> None:
    made = _tray_host(monkeypatch)
    config = tmp_path / "focusguard.toml"
    config.write_text("", encoding="utf-8")
    release = threading.Event()

    def build_until_released() -> object:
        release.wait(10)
        return ui_rig.app

    def quit_meanwhile() -> None:
        QApplication.exit(3)  # a signal, the demo's --duration timer...
        release.set()

    QTimer.singleShot(0, quit_meanwhile)
    try:
        assert main.run_tray(build_until_released, SettingsFile(config)) == 3
        assert not ui_rig.app.running
        assert made and not made[0].isVisible()
    finally:
        # exit() outside QApplication.exec() leaves Qt's "quit now" flag set for the thread
        # (a process would end here); one exec() clears it for the tests that follow.
        QTimer.singleShot(0, lambda: QApplication.exit(0))
        QApplication.exec()
