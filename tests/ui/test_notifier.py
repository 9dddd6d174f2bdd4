"""Notifications: thread-safe, plain text, one per problem, clicks open the right window.
(What is said about releases and urgent mail is the app's: tests/app/test_notices.py.)"""

from __future__ import annotations

import threading
from datetime import timedelta

from PySide6.QtWidgets import QSystemTrayIcon

from focusguard.app.events import Notice, Problem
from focusguard.app.notices import release_notice
from focusguard.app.values import Snapshot
from focusguard.core.engine import Release
from focusguard.core.records import HeldRecord
from focusguard.ui.notifier import TrayNotifier, plain_for_platform
from tests.ui.conftest import HOSTILE, START, RecordingSink


def make(qtbot, **kw) -> tuple[TrayNotifier, RecordingSink]:
    sink = RecordingSink()
    return TrayNotifier(sink, platform=kw.pop("platform", "linux"), **kw), sink


def settle(qtbot, notifier: TrayNotifier, sink: RecordingSink) -> None:
    """Queued notifications before this marker have been handled once it shows."""
    notifier.notify("marker", "")
    qtbot.waitUntil(lambda: bool(sink.shown) and sink.shown[-1].title == "marker")
    sink.shown.pop()


def test_notify_from_a_worker_thread_shows_on_the_gui_thread(qtbot) -> None:
    notifier, sink = make(qtbot)
    t = threading.Thread(target=lambda: notifier.notify("Hello", "from a thread"))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(sink.shown) == 1)
    assert sink.shown[0].thread is threading.main_thread()


def test_the_same_problem_is_shown_once_until_the_state_changes(qtbot) -> None:
    notifier, sink = make(qtbot)
    for _ in range(10):
        notifier.notify("Cannot reach Exchange", "Check the network.", kind="error")
    settle(qtbot, notifier, sink)
    assert [s.title for s in sink.shown] == ["Cannot reach Exchange"]

    notifier.notify("Password rejected", "Update it in Settings → Account.", kind="error")
    notifier.notify("Password rejected", "Update it in Settings → Account.", kind="error")
    settle(qtbot, notifier, sink)
    assert len(sink.shown) == 2

    notifier.on_snapshot(Snapshot(None, problem="still broken"))  # not ok yet
    notifier.notify("Password rejected", "Update it in Settings → Account.", kind="error")
    settle(qtbot, notifier, sink)
    assert len(sink.shown) == 2

    notifier.on_snapshot(Snapshot(None))  # all well again: the next problem is news
    notifier.notify("Password rejected", "Update it in Settings → Account.", kind="error")
    settle(qtbot, notifier, sink)
    assert len(sink.shown) == 3
    assert sink.shown[-1].icon == QSystemTrayIcon.MessageIcon.Critical


def test_mail_text_is_escaped_for_freedesktop_servers(qtbot) -> None:
    notifier, sink = make(qtbot, platform="linux")
    notifier.notify(f"From {HOSTILE}", f"Subject: {HOSTILE}")
    qtbot.waitUntil(lambda: len(sink.shown) == 1)
    shown = sink.shown[0]
    assert shown.body == ("Subject: &lt;b&gt;x&lt;/b&gt;&lt;img src=http://127.0.0.1/x&gt;")
    assert "<" not in shown.title and shown.title == "From x"


def test_windows_and_mac_get_the_text_as_is() -> None:
    assert plain_for_platform("a <b>", "c <i>", "win32") == ("a <b>", "c <i>")
    assert plain_for_platform("a <b>", "c <i>", "darwin") == ("a <b>", "c <i>")


def test_the_real_tray_receives_escaped_text(qtbot, ui_rig, make_shell, monkeypatch) -> None:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda self, t, b, *a: seen.append((t, b)))
    shell = make_shell(tray_available=True, record=False)
    ui_rig.notifier.notify("Held", HOSTILE)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [("Held", "&lt;b&gt;x&lt;/b&gt;&lt;img src=http://127.0.0.1/x&gt;")]
    assert shell.tray is not None


def released(*senders: str) -> Release:
    recs = tuple(
        HeldRecord(
            message_id=f"<{i}@t>",
            item_id=f"id{i}",
            sender=s,
            address=s.split("<")[-1][:-1],
            subject=HOSTILE,
            category="customer",
            received=START,
            held_at=START,
            release_at=START + timedelta(hours=2),
            reason="held",
        )
        for i, s in enumerate(senders)
    )
    return Release("check-in", recs, 0)


def test_check_in_release_says_how_much_and_click_opens_the_digest(qtbot) -> None:
    notifier, sink = make(qtbot)
    opened: list[str] = []
    notifier.on_open_digest = lambda: opened.append("digest")
    notifier.on_open_settings = lambda: opened.append("settings")
    release = released(
        "Ann <ann@a.com>", "Ann <ann@a.com>", f"{HOSTILE} <x@b.com>", "Cy <cy@c.com>"
    )
    notice = release_notice(release)
    assert notice is not None
    notifier.notice(notice)
    assert sink.shown[-1].body == "4 customer emails from 3 customers"
    notifier.clicked()
    assert opened == ["digest"]
    notifier.clicked()  # a second click on nothing new does nothing
    assert opened == ["digest"]

    notifier.problem(Problem("Password rejected", "Update it in Settings."))
    assert len(sink.shown) == 2
    notifier.clicked()
    assert opened == ["digest", "settings"]
    notifier.notice(Notice("Holding mail on this computer", "..."))
    notifier.clicked()  # a notice about nothing to open
    assert opened == ["digest", "settings"]


def test_engine_release_reaches_the_notification(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    ui_rig.deliver(2, f"{HOSTILE} <evil@bigclient.com>")
    qtbot.waitUntil(lambda: shell.feed.current.held == 2)
    shell.intents.run("checkin")
    qtbot.waitUntil(lambda: bool(ui_rig.sink.shown))
    assert ui_rig.sink.shown[-1].body == "2 customer emails from 1 customer"
