"""The digest around the running app (issue 12 §2): it opens by itself at a check-in (a
setting, on by default), and an open one follows new mail without a click."""

from __future__ import annotations

from dataclasses import replace


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
