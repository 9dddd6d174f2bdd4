"""The engine on the in-memory mailbox, a real SQLite store and a virtual clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine, Outcome, Release
from focusguard.core.ports import Folder, MailError, MailItem, MoveResult
from focusguard.core.records import HeldState
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.domain.schedule import Interval
from focusguard.mail.memory import MemoryMailbox
from focusguard.store import Store
from tests.fakes import OFFICE_CONFIG, RecordingNotifier

LONDON = ZoneInfo("Europe/London")

CONFIG = (
    OFFICE_CONFIG
    + """
[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"
"""
)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    """A London wall-clock time in the week of Mon 2026-03-23."""
    return datetime(2026, 3, day, hh, mm, tzinfo=LONDON)


class Rig:
    def __init__(self, tmp: Path, start: datetime, config: str = CONFIG) -> None:
        self.settings: Settings = settings_from_toml(config)
        self.clock = VirtualClock(start)
        self.mailbox = MemoryMailbox()
        self.store = Store.open(tmp / "state.sqlite3")
        self.notes = RecordingNotifier()
        self.outcomes: dict[str, Outcome] = {}
        self.releases: list[Release] = []
        self.engine = Engine(
            self.settings,
            self.mailbox,
            self.store,
            self.clock,
            self.notes,
            on_outcome=lambda o: self.outcomes.setdefault(o.message_id, o),
            on_release=self.releases.append,
        )
        self.engine.start()
        self._n = 0

    def mail(self, sender: str, subject: str = "hello", **headers: str) -> str:
        self._n += 1
        mid = f"<m{self._n}@test>"
        self.mailbox.deliver(mid, sender, subject, self.clock.now(), headers)
        return mid

    def go(self, t: datetime) -> None:
        self.clock.set(t)
        self.engine.reconcile(t)

    def where(self, mid: str) -> list[Folder]:
        return self.mailbox.where(mid)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path, at(24, 8, 0))  # Tuesday 08:00


def test_customer_held_until_check_in_and_released_there(rig: Rig) -> None:
    mid = rig.mail("Ann <ann@client.example>")
    assert rig.where(mid) == [Folder.HELD]
    assert rig.outcomes[mid].decision.reason == "held: customer, next check-in 09:30"
    rig.go(at(24, 9, 29))
    assert rig.where(mid) == [Folder.HELD]
    rig.go(at(24, 9, 30))
    assert rig.where(mid) == [Folder.INBOX]
    rec = rig.store.get_held(mid)
    assert rec is not None and rec.state is HeldState.RELEASED
    assert rec.released_at == at(24, 9, 30)


def test_urgent_and_internal_go_straight_through_outside_focus(rig: Rig) -> None:
    boss = rig.mail("boss@corp.example")
    bob = rig.mail("Bob <bob@corp.example>")
    assert rig.where(boss) == [Folder.INBOX]
    assert rig.where(bob) == [Folder.INBOX]
    assert rig.store.get_held(bob) is None


def test_spoofed_display_name_is_not_urgent(rig: Rig) -> None:
    mid = rig.mail('"boss@corp.example" <evil@bad.example>')
    assert rig.where(mid) == [Folder.HELD]
    assert rig.outcomes[mid].decision.category.value == "customer"


def test_adhoc_focus_holds_internal_until_it_ends_and_early_end_releases(rig: Rig) -> None:
    rig.clock.set(at(24, 8, 10))
    block = rig.engine.focus_start(50)
    assert block.end == at(24, 9, 0)
    rig.clock.set(at(24, 8, 20))
    bob = rig.mail("bob@corp.example")
    boss = rig.mail("boss@corp.example")
    assert rig.where(bob) == [Folder.HELD]
    assert rig.where(boss) == [Folder.INBOX]
    rig.clock.set(at(24, 8, 30))
    release = rig.engine.focus_end()
    assert release is not None and [r.message_id for r in release.released] == [bob]
    assert rig.where(bob) == [Folder.INBOX]


def test_focus_over_check_in_postpones_it(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    rig.clock.set(at(24, 9, 0))
    rig.engine.focus_start(60)  # 09:00-10:00 covers the 09:30 check-in
    rig.go(at(24, 9, 30))
    assert rig.where(ann) == [Folder.HELD]
    rig.go(at(24, 10, 0))
    assert rig.where(ann) == [Folder.INBOX]


def test_check_in_now_releases_customers_only(rig: Rig) -> None:
    rig.engine.focus_start(120)
    ann = rig.mail("ann@client.example")
    bob = rig.mail("bob@corp.example")
    release = rig.engine.check_in_now()
    assert release is not None and release.summary == "1 customer email from 1 customer"
    assert rig.where(ann) == [Folder.INBOX]
    assert rig.where(bob) == [Folder.HELD]


def test_pause_releases_everything_and_holds_nothing(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    rig.engine.pause(at(24, 9, 0))
    assert rig.where(ann) == [Folder.INBOX]
    carol = rig.mail("carol@bigclient.com")
    assert rig.where(carol) == [Folder.INBOX]
    assert rig.outcomes[carol].decision.reason == "delivered: FocusGuard paused"
    rig.go(at(24, 9, 1))
    dave = rig.mail("dave@other.example")
    assert rig.where(dave) == [Folder.HELD]


def test_autoreply_once_per_sender_with_rfc3834_headers(rig: Rig) -> None:
    first = rig.mail("Ann <ann@client.example>")
    second = rig.mail("Ann <ann@client.example>")
    assert rig.outcomes[first].autoreplied is True
    assert rig.outcomes[second].autoreplied is False
    [reply] = rig.mailbox.sent
    assert reply.headers["Auto-Submitted"] == "auto-replied"
    assert reply.headers["X-Auto-Response-Suppress"] == "All"
    assert "09:30 GMT today" in reply.body
    assert "+44 20 7946 0000" in reply.body
    # Three days later Ann may hear from us again.
    rig.go(at(27, 8, 0))
    third = rig.mail("Ann <ann@client.example>")
    assert rig.outcomes[third].autoreplied is True


def test_autoreply_once_per_mailbox_across_plus_addresses(rig: Rig) -> None:
    """ann+1@ and ann+2@ are Ann's one mailbox: one auto-reply, not one per alias."""
    first = rig.mail("Ann <ann+orders@client.example>")
    second = rig.mail("Ann <ann+billing@client.example>")
    third = rig.mail("Ann <ann@client.example>")
    assert rig.outcomes[first].autoreplied is True
    assert not rig.outcomes[second].autoreplied and not rig.outcomes[third].autoreplied
    assert len(rig.mailbox.sent) == 1


def test_a_stale_inbox_event_for_held_mail_leaves_it_held(rig: Rig) -> None:
    """Ids that survive moves (Graph immutable ids) bring a late "in the Inbox" event after
    the hold: the ledger follows the held folder, not the event."""
    ann = rig.mail("ann@client.example")
    assert rig.where(ann) == [Folder.HELD]
    (held,) = rig.mailbox.list_folder(Folder.HELD)
    rig.engine.on_new_mails([replace(held, folder=Folder.INBOX)])
    assert rig.store.count_held() == 1 and rig.where(ann) == [Folder.HELD]
    # The user really moving it out is followed: the held folder no longer has it.
    rig.mailbox.move([held], Folder.INBOX)
    rig.engine.on_new_mails([replace(held, folder=Folder.INBOX)])
    assert rig.store.count_held() == 0


def test_a_later_delivery_reusing_a_decided_message_id_is_held(rig: Rig) -> None:
    """A colleague's mail was delivered at 08:00; a customer's mail arriving at 08:30 with the
    same Message-ID (a copy, or forged to walk past the hold) is decided on its own."""
    colleague = rig.mail("Bob <bob@corp.example>")
    assert rig.where(colleague) == [Folder.INBOX]
    (delivered,) = rig.mailbox.list_folder(Folder.INBOX)
    rig.engine.on_new_mails([delivered])  # the same delivery reported again: left alone
    assert rig.where(colleague) == [Folder.INBOX]
    rig.clock.set(at(24, 8, 30))
    rig.mailbox.deliver(colleague, "Mallory <m@client.example>", "pay now", rig.clock.now(), {})
    assert sorted(rig.where(colleague), key=str) == sorted([Folder.INBOX, Folder.HELD], key=str)
    assert rig.store.count_held() == 1


def test_no_autoreply_to_lists_robots_or_internal(rig: Rig) -> None:
    lst = rig.mail("news@vendor.example", **{"List-Id": "<news.vendor.example>"})
    bot = rig.mail("MAILER-DAEMON@mx.example")
    auto = rig.mail("alerts@mon.example", **{"auto-submitted": "auto-generated"})
    assert all(rig.where(m) == [Folder.HELD] for m in (lst, bot, auto))
    assert not any(rig.outcomes[m].autoreplied for m in (lst, bot, auto))
    assert rig.mailbox.sent == []


def test_failed_autoreply_send_writes_no_ledger(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise MailError("Send failed", "server said no")

    monkeypatch.setattr(rig.mailbox, "send_reply", broken)
    mid = rig.mail("ann@client.example")
    assert rig.outcomes[mid].autoreplied is False
    assert rig.store.last_autoreply("ann@client.example") is None


def test_reconcile_is_idempotent_and_catches_up_after_sleep(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    # The laptop slept through 09:30 and 13:00; on wake, one reconcile catches up.
    rig.go(at(24, 14, 5))
    assert rig.where(ann) == [Folder.INBOX]
    moves = rig.mailbox.moves
    rig.engine.reconcile(at(24, 14, 5))
    rig.engine.reconcile(at(24, 14, 5))
    assert rig.mailbox.moves == moves


def test_ledger_follows_a_release_that_a_crash_did_not_record(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0))
    ann = rig.mail("ann@client.example")
    # Simulate: the move back happened on the server, then the process died before the
    # ledger write. A new engine on the same store and mailbox reconciles.
    rec = rig.store.get_held(ann)
    assert rec is not None and rec.item_id is not None
    item = next(i for i in rig.mailbox.list_folder(Folder.HELD) if i.message_id == ann)
    rig.mailbox.move([item], Folder.INBOX)
    engine2 = Engine(rig.settings, rig.mailbox, rig.store, rig.clock, rig.notes)
    engine2.start()
    after = rig.store.get_held(ann)
    assert after is not None and after.state is HeldState.RELEASED
    assert rig.where(ann) == [Folder.INBOX]


def test_mail_found_in_held_folder_is_rechecked_and_wrongly_held_goes_back(rig: Rig) -> None:
    # A server rule's substring match (ContainsSenderStrings "corp.example") caught
    # mail from corp.example.evil.net and the boss; exact rules decide.
    now = rig.clock.now()
    for n, sender in enumerate(["boss@corp.example", "x@corp.example.evil.net"]):
        item = MailItem(f"srv-{n}", f"<s{n}@t>", Folder.HELD, sender, "s", now)
        rig.mailbox.folders[Folder.HELD][item.item_id] = item
        rig.engine.on_new_mail(item)
    assert rig.where("<s0@t>") == [Folder.INBOX]
    assert rig.where("<s1@t>") == [Folder.HELD]  # a customer outside check-in: stays held


def test_partial_move_failures_are_retried_and_nothing_left_behind(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    mids = [rig.mail(f"c{i}@client{i}.example") for i in range(10)]
    real_move = rig.mailbox.move
    calls = {"n": 0}

    def flaky(items: list[MailItem], to: Folder) -> MoveResult:
        calls["n"] += 1
        if calls["n"] == 1 and to is Folder.INBOX:
            # The first bulk move moves only half; the rest fail.
            done = real_move(items[:5], to)
            return MoveResult(done.moved, {i.item_id: "ErrorServerBusy" for i in items[5:]})
        return real_move(items, to)

    monkeypatch.setattr(rig.mailbox, "move", flaky)
    rig.go(at(24, 9, 30))
    assert all(rig.where(m) == [Folder.INBOX] for m in mids)
    assert rig.store.count_held() == 0


def test_calendar_focus_events_become_focus(rig: Rig) -> None:
    rig.mailbox.calendar.append(("Focus time", Interval(at(24, 8, 30), at(24, 9, 15))))
    rig.mailbox.calendar.append(("Lunch", Interval(at(24, 12, 0), at(24, 13, 0))))
    engine = Engine(rig.settings, rig.mailbox, rig.store, rig.clock, rig.notes)
    engine.start()
    rig.clock.set(at(24, 8, 45))
    bob = MailItem("x1", "<cal@t>", Folder.INBOX, "bob@corp.example", "s", rig.clock.now())
    rig.mailbox.folders[Folder.INBOX]["x1"] = bob
    outcome = engine.on_new_mail(bob)
    assert outcome is not None and outcome.decision.reason == "held: internal, focus until 09:15"


def test_status_snapshot(rig: Rig) -> None:
    rig.mail("ann@client.example")
    status = rig.engine.status()
    assert status.held == 1 and status.held_customers == 1
    assert status.next_check_in == at(24, 9, 30)
    assert status.focus_until is None
    data = status.as_json()
    assert data["next_check_in"] == at(24, 9, 30).isoformat()


def test_inbox_mail_from_before_start_is_left_alone(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0))
    early = MailItem("old", "<old@t>", Folder.INBOX, "ann@client.example", "s", at(24, 7, 0))
    rig.mailbox.folders[Folder.INBOX]["old"] = early
    rig.engine.resync()
    assert rig.where("<old@t>") == [Folder.INBOX]


def test_next_wake_names_the_next_boundary(tmp_path: Path) -> None:
    no_calendar = CONFIG.replace("[schedule]\n", '[schedule]\ncalendar_focus_subject = ""\n')
    rig = Rig(tmp_path, at(24, 8, 0), no_calendar)
    assert rig.settings.schedule.calendar_focus_subject == ""
    assert rig.engine.next_wake(at(24, 8, 0)) == at(24, 9, 30)
    rig.mail("bob@corp.example")
    rig.clock.set(at(24, 9, 40))
    rig.engine.focus_start(20)
    assert rig.engine.next_wake(at(24, 9, 40)) == at(24, 10, 0)


def test_state_survives_restart(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0))
    rig.engine.focus_start(90)
    engine2 = Engine(rig.settings, rig.mailbox, rig.store, rig.clock, rig.notes)
    assert engine2.status().focus_until == at(24, 9, 30)


def test_scheduled_block_holds_internal_on_monday(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(23, 10, 30))  # Monday, inside the 10:00-12:00 block
    bob = rig.mail("bob@corp.example")
    assert rig.where(bob) == [Folder.HELD]
    rig.go(at(23, 12, 0))
    assert rig.where(bob) == [Folder.INBOX]


def test_calendar_focus_is_refreshed_every_quarter_hour(rig: Rig) -> None:
    # Nothing held, no focus: the next wake is still no later than the calendar refresh.
    rig.go(at(24, 9, 45))
    assert rig.engine.next_wake(at(24, 9, 45)) == at(24, 10, 0)
    rig.mailbox.calendar.append(("Focus time", Interval(at(24, 10, 5), at(24, 11, 0))))
    rig.go(at(24, 10, 0))
    assert rig.engine.status().focus_until is None
    rig.clock.set(at(24, 10, 10))
    assert rig.engine.status().focus_until == at(24, 11, 0)
