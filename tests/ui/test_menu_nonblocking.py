"""The GUI never waits for the mail server: with the backend stuck, the menu still opens at
once, actions still respond, and the event loop keeps turning."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from focusguard.ui.menu import find_action


def test_menu_and_actions_respond_while_the_backend_hangs(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)

    ticks = [0]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start(10)

    # The server hangs (for up to 30 s) from now on; focus_start's reconcile lists the
    # held folder, so the worker gets stuck on the first action.
    ui_rig.mailbox.gate.clear()
    try:
        menu = shell.tray.menu
        t0 = time.perf_counter()
        menu.aboutToShow.emit()
        assert time.perf_counter() - t0 < 0.1

        t0 = time.perf_counter()
        find_action(menu, "Start focus", "25 min").trigger()
        assert time.perf_counter() - t0 < 0.1
        qtbot.waitUntil(ui_rig.mailbox.blocked.is_set)

        # Stuck: the worker is inside list_folder. The GUI still runs...
        seen = ticks[0]
        qtbot.waitUntil(lambda: ticks[0] >= seen + 10)
        # ...the menu opens again at once from the cached snapshot...
        t0 = time.perf_counter()
        menu.aboutToShow.emit()
        assert time.perf_counter() - t0 < 0.1
        assert menu.actions()[0].text().startswith("Open · 0 held")
        # ...and another action is accepted (queued behind the stuck one).
        t0 = time.perf_counter()
        check = find_action(menu, "Pause FocusGuard", "For 1 hour")
        check.trigger()
        assert time.perf_counter() - t0 < 0.1
        seen = ticks[0]
        qtbot.waitUntil(lambda: ticks[0] >= seen + 10)
        assert not shell.feed.current.in_focus
    finally:
        ui_rig.mailbox.gate.set()
        timer.stop()

    # Once the server answers, both actions complete in order and the snapshot follows.
    qtbot.waitUntil(lambda: shell.feed.current.paused, timeout=10_000)
