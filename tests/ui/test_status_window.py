"""No system tray (as offscreen): a small window stands in, with the menu's actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon

from focusguard.app.values import Snapshot
from focusguard.ui.menu import entries
from focusguard.ui.status_window import NO_TRAY
from tests.ui.conftest import HOSTILE


def test_offscreen_has_no_tray_so_the_window_stands_in(qtbot, ui_rig, make_shell) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    shell = make_shell(tray_available=None)  # let the shell ask Qt
    assert shell.tray is None and shell.window is not None
    shell.start()
    qtbot.waitUntil(lambda: shell.window.status.text().startswith("Open · 0 held"))
    assert shell.window.isVisible()
    assert shell.window.note.text() == NO_TRAY
    assert NO_TRAY == "No system tray found — FocusGuard runs in this window"


def test_window_offers_the_menus_actions(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=False)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    window = shell.window
    menu_texts = [
        e.text for e in entries(shell.feed.current, shell.intents)[1:] if not e.is_separator
    ]
    assert [b.text() for b in window.buttons()] == menu_texts
    focus_menu = window.button("Start focus").menu()
    assert focus_menu.actions()[0].text() == "&25 min"
    focus_menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: shell.feed.current.in_focus)
    qtbot.waitUntil(lambda: window.button("End focus").isEnabled())
    window.button("End focus").click()
    qtbot.waitUntil(lambda: not shell.feed.current.in_focus)


def test_labels_are_plain_text_and_show_mail_text_literally(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=False)
    window = shell.window
    window.show_snapshot(Snapshot(None, problem=f"Mail from {HOSTILE}"))
    for label in window.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert HOSTILE in window.status.text()

    ui_rig.notifier.notify(f"From {HOSTILE}", HOSTILE)
    qtbot.waitUntil(lambda: HOSTILE in window.message.text())
    # No escaping for a PlainText label: the person reads the sender's name as sent.
    assert window.message.text() == f"From {HOSTILE}\n{HOSTILE}"


def test_closing_the_window_minimises_it(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=False)
    window = shell.window
    window.show()
    qtbot.waitExposed(window)
    from PySide6.QtGui import QCloseEvent

    event = QCloseEvent()
    event.setAccepted(True)
    # What the window manager's close button sends (spontaneous): minimise, do not close.
    QApplication.sendEvent(window, event)  # sendEvent is not spontaneous...
    assert event.isAccepted()  # ...so a close the program asks for goes ahead
    window.show()
    spontaneous = QCloseEvent()
    spontaneous.spontaneous = lambda: True  # type: ignore[method-assign]
    window.closeEvent(spontaneous)
    assert not spontaneous.isAccepted()
    assert window.isVisible()


def test_another_start_brings_the_window_forward(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=False)
    shell.window.hide()
    ui_rig.service.show()  # what a second `focusguard` asks for over the control channel
    qtbot.waitUntil(shell.window.isVisible)
