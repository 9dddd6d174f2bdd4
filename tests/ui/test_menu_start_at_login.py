"""Start at login from the tray menu: off by default, a real autostart entry when ticked."""

from __future__ import annotations

from pathlib import Path

from focusguard.platform.autostart import XdgAutostart
from focusguard.ui.menu import find_action


def test_start_at_login_toggles_a_real_autostart_entry(
    qtbot, ui_rig, make_shell, tmp_path: Path
) -> None:
    autostart = XdgAutostart(["focusguard"], config_home=tmp_path / "xdg")
    shell = make_shell(tray_available=True, autostart=autostart)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)

    menu = shell.tray.menu
    menu.aboutToShow.emit()
    action = find_action(menu, "Start at login")
    assert action.isCheckable() and not action.isChecked()  # off by default
    entry = tmp_path / "xdg" / "autostart"
    assert not any(entry.glob("*.desktop"))

    action.trigger()
    assert autostart.enabled()
    [desktop] = entry.glob("*.desktop")
    assert "Exec=focusguard" in desktop.read_text(encoding="utf-8")
    menu.aboutToShow.emit()
    assert find_action(menu, "Start at login").isChecked()

    find_action(menu, "Start at login").trigger()
    assert not autostart.enabled()


def test_no_entry_without_an_autostart_mechanism(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    shell.tray.menu.aboutToShow.emit()
    texts = [a.text().replace("&", "") for a in shell.tray.menu.actions()]
    assert "Start at login" not in texts
