"""The digest around the running app (issues 12 §2 and 15): it opens by itself at a check-in
(a setting, on by default), and an open one follows the held mail live — new held mail
appears without reopening the window, a burst of holds is one refresh — on the real engine."""

from __future__ import annotations

from dataclasses import replace

from focusguard.app.events import Decided
from focusguard.app.values import HeldState


def _held_subjects(shell) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.subject for r in shell._digest.model.records if r.state is HeldState.HELD]


def test_the_digest_opens_itself_at_a_check_in(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    ui_rig.deliver(2)
    qtbot.waitUntil(lambda: shell.feed.current.held == 2)
    assert shell._digest is None  # nothing opened while mail was only held
    shell.service.check_in.later()  # "Check in now"
    qtbot.waitUntil(lambda: shell._digest is not None and shell._digest.isVisible())
    qtbot.waitUntil(lambda: shell._digest.model.message_count() == 2)


def test_a_release_by_hand_does_not_open_it(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    ui_rig.deliver(1)
    qtbot.waitUntil(lambda: shell.feed.current.held == 1)
    shell.service.release_all.later().result(10)  # "Release all now": no check-in
    qtbot.waitUntil(lambda: [s.title for s in ui_rig.sink.shown][-1:] == ["Released to your Inbox"])
    assert shell._digest is None


def test_the_setting_off_keeps_it_closed(qtbot, ui_rig, make_shell) -> None:
    settings = ui_rig.app.service.settings
    off = replace(
        settings, notifications=replace(settings.notifications, open_digest_at_check_in=False)
    )
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    ui_rig.app.service.apply_settings.later(off).result(10)
    ui_rig.deliver(1)
    qtbot.waitUntil(lambda: shell.feed.current.held == 1)
    shell.service.check_in.later().result(10)
    qtbot.waitUntil(lambda: any(s.title == "Released to your Inbox" for s in ui_rig.sink.shown))
    assert shell._digest is None


def test_an_open_digest_follows_new_mail(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    shell.open_digest()
    qtbot.waitUntil(lambda: shell._digest.summary.text() != "Loading…")
    assert shell._digest.model.message_count() == 0
    ui_rig.deliver(3)
    qtbot.waitUntil(lambda: shell._digest.model.message_count() == 3)


def test_new_held_mail_shows_in_the_open_digest(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    shell.open_digest()
    _wait_loaded(qtbot, shell)
    assert _held_subjects(shell) == []

    ui_rig.deliver(1, subject="Order 4711")
    qtbot.waitUntil(lambda: _held_subjects(shell) == ["Order 4711"])

    ui_rig.deliver(2, sender="Bob <bob@bigclient.com>", subject="Invoice")
    qtbot.waitUntil(lambda: sorted(_held_subjects(shell)) == ["Invoice", "Invoice", "Order 4711"])


def test_a_burst_of_holds_is_one_refresh(qtbot, ui_rig, make_shell) -> None:
    """Decided events that reach the GUI thread in one pass of its event loop (a batch of
    arrivals) ask for one snapshot, not one each. Replayed on the GUI thread, so the count
    does not depend on how the machine's load spreads the events out."""
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    heard: list[Decided] = []
    ui_rig.app.events.subscribe(Decided, heard.append)
    ui_rig.deliver(1)
    qtbot.waitUntil(lambda: any(e.outcome.decision.held for e in heard))
    held = next(e for e in heard if e.outcome.decision.held)
    shell.open_digest()
    _wait_loaded(qtbot, shell)
    asked: list[int] = []
    digest = shell._digest
    real = digest.refresh
    digest.refresh = lambda: (asked.append(1), real())  # type: ignore[method-assign]
    for _ in range(20):
        shell._decided(held)
    qtbot.waitUntil(lambda: len(asked) == 1)
    qtbot.wait(50)  # later passes of the event loop: nothing more was queued
    assert len(asked) == 1


def _wait_loaded(qtbot, shell) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: shell._digest.summary.text() != "Loading…", timeout=10_000)
