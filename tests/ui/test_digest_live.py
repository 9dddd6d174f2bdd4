"""An open digest follows the held mail live (issue 15): new held mail appears without
reopening the window, and releases leave the held list, on the real engine."""

from __future__ import annotations

from focusguard.app.values import HeldState


def _held_subjects(shell) -> list[str]:  # type: ignore[no-untyped-def]
    digest = shell._digest
    return [r.subject for g in digest.model.groups for r in g.records if r.state is HeldState.HELD]


def test_new_held_mail_shows_in_the_open_digest(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    shell.open_digest()
    with qtbot.waitSignal(shell._digest.loaded):
        pass
    assert _held_subjects(shell) == []

    ui_rig.deliver(1, subject="Order 4711")
    qtbot.waitUntil(lambda: _held_subjects(shell) == ["Order 4711"])

    ui_rig.deliver(2, sender="Bob <bob@bigclient.com>", subject="Invoice")
    qtbot.waitUntil(lambda: sorted(_held_subjects(shell)) == ["Invoice", "Invoice", "Order 4711"])


def test_a_burst_of_holds_is_one_refresh(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    shell.open_digest()
    with qtbot.waitSignal(shell._digest.loaded):
        pass
    asked: list[int] = []
    digest = shell._digest
    real = digest.refresh
    digest.refresh = lambda: (asked.append(1), real())  # type: ignore[method-assign]
    ui_rig.deliver(20)
    qtbot.waitUntil(lambda: len(_held_subjects(shell)) == 20)
    assert 1 <= len(asked) < 20  # one batch of arrivals: not one snapshot per message
