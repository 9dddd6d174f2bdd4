"""What FocusGuard tells the person (app/notices.py), the same in every mode: one notice per
release, urgent mail that arrived without Outlook's alert, and — only when asked —
urgent mail that came through during focus. `notifications.urgent_during_focus` used to be
honoured by the tray alone; the headless app and the demo ignored it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focusguard.app.builder import App
from focusguard.app.events import Notice
from focusguard.app.notices import outcome_notice, release_notice
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Outcome, Release
from focusguard.core.records import HeldRecord
from focusguard.core.settings import NotificationSettings, settings_from_toml
from focusguard.domain.policy import Action, Decision
from focusguard.domain.senders import Category
from focusguard.mail.memory import MemoryMailbox
from tests.apps import StillTimers, build_app, drain, listen
from tests.fakes import OFFICE_CONFIG

LONDON = ZoneInfo("Europe/London")
URGENT = Decision(Category.URGENT, Action.DELIVER, None, "delivered: urgent sender")
ASKED = NotificationSettings(urgent_during_focus=True)
NOT_ASKED = NotificationSettings(urgent_during_focus=False)


def outcome(*, moved: bool = False, during_focus: bool = False, d: Decision = URGENT) -> Outcome:
    return Outcome("<u@t>", d, autoreplied=False, moved=moved, during_focus=during_focus)


def test_urgent_mail_in_focus_is_told_only_when_asked() -> None:
    assert outcome_notice(outcome(during_focus=True), NOT_ASKED) is None
    assert outcome_notice(outcome(during_focus=False), ASKED) is None
    notice = outcome_notice(outcome(during_focus=True), ASKED)
    assert notice is not None and notice.title == "Urgent email in your Inbox"
    assert notice.kind == "warning" and not notice.about_held_mail


def test_urgent_mail_moved_back_from_the_held_folder_is_always_told() -> None:
    """A server rule held it (boss+tag@ never matches the exact address), FocusGuard moved it
    into the Inbox, and Outlook raises no alert for a move: FocusGuard says so itself."""
    notice = outcome_notice(outcome(moved=True), NOT_ASKED)
    assert notice is not None and "Outlook showed no alert" in notice.message
    colleague = Decision(Category.INTERNAL, Action.DELIVER, None, "delivered: internal")
    assert outcome_notice(outcome(moved=True, d=colleague), ASKED) is None


def test_a_release_is_one_notice_about_the_held_mail() -> None:
    now = datetime(2026, 3, 24, 13, 0, tzinfo=LONDON)
    rec = HeldRecord("<1@t>", "i1", "Ann <a@x.com>", "a@x.com", "s", "customer", now, now, None, "")
    notice = release_notice(Release("check-in", (rec,), failed=2))
    assert notice == Notice(
        "Check-in: your held mail is in the Inbox",
        "1 customer email from 1 customer (2 could not be moved yet; FocusGuard will retry)",
        about_held_mail=True,
    )
    assert release_notice(Release("manual", (), 0)) is None


def test_a_release_to_keep_the_promise_has_its_own_title_and_says_why() -> None:
    now = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)
    rec = HeldRecord("<1@t>", "i1", "Ann <a@x.com>", "a@x.com", "s", "customer", now, now, None, "")
    why = "released early: promised reply by 12:00"
    notice = release_notice(Release("promise", (rec,), 0, reason=why))
    assert notice == Notice(
        "Released early to keep your reply promise",
        f"1 customer email from 1 customer ({why})",
        about_held_mail=True,
    )


def test_a_release_by_hand_says_released_once() -> None:
    from focusguard.app.values import ReleaseDone

    now = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)
    rec = HeldRecord(
        "<1@t>", "i1", "Bo <b@corp.example>", "b@corp.example", "s", "internal", now, now, None, ""
    )
    assert ReleaseDone("Released", Release("manual", (rec,) * 3, 0)).text == (
        "Released 3 other emails"
    )
    assert ReleaseDone("Released", None).text == "There was nothing to release"
    assert ReleaseDone("Checked in", None).text == "Checked in: nothing to release"


# -- every mode: the headless app hears it too ------------------------------------------------
FOCUS_ALL_DAY = """
[[schedule.focus_blocks]]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "00:00"
end = "23:59"
"""


@pytest.fixture
def headless(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[App, MemoryMailbox]]:
    asked = request.param
    text = OFFICE_CONFIG.replace(
        "\n[[schedule.focus_blocks]]", FOCUS_ALL_DAY + "\n[[schedule.focus_blocks]]"
    )
    text += f"\n[notifications]\nurgent_during_focus = {'true' if asked else 'false'}\n"
    mailbox = MemoryMailbox()
    clock = VirtualClock(datetime(2026, 3, 24, 11, 0, tzinfo=LONDON))
    app = build_app(settings_from_toml(text), mailbox, tmp_path, clock=clock, timers=StillTimers())
    app.start()
    drain(app)
    yield app, mailbox
    app.stop()


@pytest.mark.parametrize("headless", [True, False], indirect=True, ids=["asked", "not-asked"])
def test_the_headless_app_honours_urgent_during_focus(headless: tuple[App, MemoryMailbox]) -> None:
    app, mailbox = headless
    heard = listen(app.events)
    now = app.engine.clock.now()
    mailbox.deliver("<boss@t>", "The Boss <boss@corp.example>", "Board pack", now)
    mailbox.deliver("<ann@t>", "Ann <ann@bigclient.com>", "Order", now + timedelta(seconds=1))
    drain(app)
    urgent = [t for _, t, _ in heard.seen if t == "Urgent email in your Inbox"]
    asked = app.service.settings.notifications.urgent_during_focus
    assert urgent == (["Urgent email in your Inbox"] if asked else [])
