"""The tray menu: built from the snapshot and the service's verb table, every action sent to
the service without waiting."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from PySide6.QtWidgets import QMenu

from focusguard.app.values import Ask
from focusguard.core.ports import MailError
from focusguard.domain.clock_time import tomorrow_at
from focusguard.ui.menu import find_action
from tests.apps import drain
from tests.ui.conftest import LONDON, START


@pytest.fixture
def shell(qtbot, ui_rig, make_shell):
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    return shell


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions()]


def test_menu_layout_with_mnemonics(shell) -> None:
    shell.tray.menu.aboutToShow.emit()
    menu = shell.tray.menu
    assert texts(menu)[0].startswith("Open · 0 held · next check-in 13:00")
    assert not menu.actions()[0].isEnabled()
    for text in (
        "&Start focus",
        "&End focus",
        "Check &in now",
        "&Held mail…",
        "&Pause FocusGuard",
        "Se&ttings…",
        "&Quit FocusGuard",
    ):
        assert text in texts(menu)
    start = find_action(menu, "Start focus").menu()
    assert texts(start) == ["&25 min", "&50 min", "&90 min", "Until next &check-in", "C&ustom…"]
    pause = find_action(menu, "Pause FocusGuard").menu()
    assert texts(pause) == ["For 1 &hour", "Until &tomorrow (08:00)"]
    assert not find_action(menu, "End focus").isEnabled()  # no focus yet
    assert not find_action(menu, "Check in now").isEnabled()  # nothing held
    assert not find_action(menu, "Settings…").isEnabled()  # demo-like: no settings file


def test_start_focus_25_then_end(qtbot, shell, ui_rig) -> None:
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Start focus", "25 min").trigger()
    qtbot.waitUntil(lambda: shell.feed.current.in_focus)
    assert shell.feed.current.status.focus_until == START + timedelta(minutes=25)
    shell.tray.menu.aboutToShow.emit()  # rebuilt from the new snapshot
    assert shell.tray.menu.actions()[0].text().startswith("Focus until 11:25")
    end = find_action(shell.tray.menu, "End focus")
    assert end.isEnabled()
    end.trigger()
    qtbot.waitUntil(lambda: not shell.feed.current.in_focus)


def test_focus_until_next_check_in(qtbot, shell) -> None:
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Start focus", "Until next check-in").trigger()
    qtbot.waitUntil(lambda: shell.feed.current.in_focus)
    assert shell.feed.current.status.focus_until == START.replace(hour=13)


@pytest.mark.parametrize(("answer", "in_focus"), [(40, True), (None, False)])
def test_custom_focus_asks_for_minutes(qtbot, shell, answer, in_focus) -> None:
    asked: list[Ask] = []
    shell.intents.ask = lambda ask: asked.append(ask) or answer
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Start focus", "Custom…").trigger()
    assert [(a.prompt, a.low, a.high) for a in asked] == [("Focus for how many minutes?", 1, 720)]
    if answer is None:
        drain(shell.app)
        assert not shell.feed.current.in_focus
        return
    future = shell.service.status.later()  # queued behind the focus start
    qtbot.waitUntil(future.done)
    qtbot.waitUntil(future.done)
    qtbot.waitUntil(lambda: shell.feed.current.in_focus is in_focus)
    assert shell.feed.current.status.focus_until == START + timedelta(minutes=40)


def test_check_in_now_releases_and_notifies(qtbot, shell, ui_rig) -> None:
    ui_rig.deliver(2, "Ann <ann@bigclient.com>")
    ui_rig.deliver(1, "Bob <bob@bigclient.com>")
    qtbot.waitUntil(lambda: shell.feed.current.held == 3)
    shell.tray.menu.aboutToShow.emit()
    assert "&Held mail (3)…" in texts(shell.tray.menu)
    find_action(shell.tray.menu, "Check in now").trigger()
    qtbot.waitUntil(lambda: shell.feed.current.held == 0)
    qtbot.waitUntil(lambda: bool(ui_rig.sink.shown))
    # Ann and Bob write from one customer, bigclient.com: the digest shows one group too.
    assert ui_rig.sink.shown[-1].body == "3 customer emails from 1 customer"


def test_pause_for_an_hour_then_resume(qtbot, shell) -> None:
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Pause FocusGuard", "For 1 hour").trigger()
    qtbot.waitUntil(lambda: shell.feed.current.paused)
    assert shell.feed.current.status.paused_until == START + timedelta(hours=1)
    shell.tray.menu.aboutToShow.emit()
    resume = find_action(shell.tray.menu, "Resume FocusGuard")
    assert not find_action(shell.tray.menu, "Start focus").menu().isEnabled()
    resume.trigger()
    qtbot.waitUntil(lambda: not shell.feed.current.paused)


def test_pause_until_tomorrow_is_eight_tomorrow(qtbot, shell) -> None:
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Pause FocusGuard", "Until tomorrow (08:00)").trigger()
    qtbot.waitUntil(lambda: shell.feed.current.paused)
    assert shell.feed.current.status.paused_until == datetime(2026, 3, 25, 8, 0, tzinfo=LONDON)


def test_tomorrow_morning_across_the_spring_switch() -> None:
    # Sat 28 Mar 2026 23:30 GMT; clocks go forward that night: 08:00 BST is 07:00 UTC.
    now = datetime(2026, 3, 28, 23, 30, tzinfo=LONDON)
    until = tomorrow_at(now, time(8), LONDON)
    assert until == datetime(2026, 3, 29, 8, 0, tzinfo=LONDON)
    assert until.astimezone(LONDON).utcoffset() == timedelta(hours=1)


def test_a_failed_action_is_one_plain_notification(qtbot, shell, ui_rig) -> None:
    def broken(minutes):
        raise MailError("Exchange did not answer", "Check the network, then try again.")

    ui_rig.app.engine.focus_start = broken
    futures = [shell.intents.run("focus-start", minutes=25) for _ in range(3)]
    qtbot.waitUntil(lambda: all(f.done() for f in futures))
    # Done-callbacks run on the worker before its next job: once a later job is done,
    # every failure has been posted.
    drain(ui_rig.app)
    # A marker down the same queued path arrives after every failure posted before it.
    ui_rig.notifier.notify("marker", "end of test", kind="error")
    qtbot.waitUntil(lambda: any(s.title == "marker" for s in ui_rig.sink.shown))
    errors = [s for s in ui_rig.sink.shown if s.title == "Exchange did not answer"]
    assert len(errors) == 1


def test_rebuilding_does_not_leak_submenus(shell) -> None:
    menu = shell.tray.menu
    menu.aboutToShow.emit()
    for _ in range(20):
        menu.aboutToShow.emit()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert len(menu.findChildren(QMenu)) <= 4


def test_quit_and_held_mail(shell, monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(shell.intents, "quit", lambda: calls.append("quit"))
    monkeypatch.setattr(shell.intents, "open_digest", lambda: calls.append("digest"))
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Held mail…").trigger()
    find_action(shell.tray.menu, "Quit FocusGuard").trigger()
    assert calls == ["digest", "quit"]


def test_a_new_snapshot_updates_the_same_actions(qtbot, shell, ui_rig) -> None:
    # Issue 12 §2: a StatusNotifierItem host knows the menu's items by id (one per QAction);
    # new counts must change the items' texts, not replace the items, and reach the menu
    # without it being opened (tests/ui/test_tray_sni.py has it over the bus).
    menu = shell.tray.menu
    before = menu.actions()
    held_mail = find_action(menu, "Held mail…")
    ui_rig.deliver(2)
    qtbot.waitUntil(lambda: shell.feed.current.held == 2)
    assert menu.actions() == before
    assert menu.actions()[0].text().startswith("Open · 2 held")
    assert find_action(menu, "Held mail (2)…") is held_mail


def test_populate_in_place_runs_the_new_callables_and_rebuilds_a_new_shape(qapp) -> None:
    from focusguard.ui.menu import SEPARATOR, Entry, populate

    ran: list[str] = []
    menu = QMenu()
    populate(
        menu,
        [
            Entry("A", lambda: ran.append("a1")),
            SEPARATOR,
            Entry("Sub", children=(Entry("B", lambda: ran.append("b1")),)),
        ],
    )
    first = menu.actions()
    populate(
        menu,
        [
            Entry("A2", lambda: ran.append("a2")),
            SEPARATOR,
            Entry("Sub2", children=(Entry("B2", lambda: ran.append("b2")),)),
        ],
    )
    assert menu.actions() == first
    assert texts(menu) == ["A2", "", "Sub2"]
    find_action(menu, "A2").trigger()
    find_action(menu, "Sub2", "B2").trigger()
    assert ran == ["a2", "b2"]
    populate(menu, [Entry("Only", None, checked=True)])
    assert texts(menu) == ["Only"]
    only = menu.actions()[0]
    assert only.isCheckable() and only.isChecked() and not only.isEnabled()
    menu.deleteLater()
