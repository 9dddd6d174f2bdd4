"""What the digest says about each message, built by the real service on a real engine and
SQLite store (issue 12 §2): bulk mail apart from customers, chases by sender and by thread,
new customers against the mailbox's history, reply-by times and what the auto-reply said."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from focusguard.app.values import PromiseStatus, Section
from focusguard.core.clock import VirtualClock
from focusguard.core.ports import HistoryFolder, HistoryItem
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import StillTimers, build_app, drain
from tests.fakes import OFFICE_CONFIG
from tests.ui.digest_fixtures import MORNING

PROMISE = (
    OFFICE_CONFIG
    + """
[promise]
reply_within = "4h"
release_margin = "1h"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"
"""
)


class Rig:
    def __init__(self, tmp: Path, config: str = PROMISE) -> None:
        self.clock = VirtualClock(MORNING)  # Tuesday 08:00 London, before the first check-in
        self.mailbox = MemoryMailbox()
        self.app = build_app(
            settings_from_toml(config), self.mailbox, tmp, clock=self.clock, timers=StillTimers()
        )
        self.app.start()
        drain(self.app)
        self.n = 0

    def mail(self, sender: str, headers: dict[str, str] | None = None, after: int = 1) -> str:
        self.n += 1
        self.clock.advance(timedelta(minutes=after))
        mid = f"<t{self.n}@test>"
        self.mailbox.deliver(mid, sender, f"Subject {self.n}", self.clock.now(), headers)
        drain(self.app)
        return mid

    def notes(self) -> dict[str, object]:
        snap = self.app.service.digest()
        return {r.message_id: snap.triage.notes[r.entry] for r in snap.records}  # type: ignore[index]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.app.stop()


def test_bulk_mail_is_not_a_customer_and_colleagues_have_their_section(rig: Rig) -> None:
    news = rig.mail("Shop News <news@shop.example>", {"List-Id": "<news.shop.example>"})
    robot = rig.mail("Tickets <no-reply@vendor.example>")
    auto = rig.mail("Ann <ann@client.example>", {"Auto-Submitted": "auto-generated"})
    person = rig.mail("Cy <cy@client.example>")
    notes = rig.notes()
    assert notes[news].section is Section.BULK  # type: ignore[attr-defined]
    assert notes[robot].section is Section.BULK  # type: ignore[attr-defined]
    assert notes[auto].section is Section.BULK  # type: ignore[attr-defined]
    assert notes[person].section is Section.CUSTOMERS  # type: ignore[attr-defined]
    # Bulk mail has no reply-by: nobody is waiting for an answer.
    assert notes[news].reply_by is None  # type: ignore[attr-defined]


def test_chases_by_sender_and_by_thread(rig: Rig) -> None:
    first = rig.mail("Ann <ann@client.example>")
    second = rig.mail("Ann <ann@client.example>")
    # A colleague of Ann's answers in the same thread: the same chase.
    third = rig.mail("Bo <bo@client.example>", {"In-Reply-To": first, "References": first})
    alone = rig.mail("Cy <cy@other.example>")
    snap = rig.app.service.digest()
    by_id = {r.message_id: snap.triage.notes[r.entry] for r in snap.records}  # type: ignore[index]
    chain = by_id[first].chain
    assert chain is not None
    assert by_id[second].chain == chain and by_id[third].chain == chain
    assert by_id[alone].chain is None
    assert snap.triage.chain_notes[chain] == "3rd mail from bo@client.example since 08:01"


def test_new_customers_are_those_the_history_never_saw(rig: Rig) -> None:
    old = MORNING - timedelta(days=30)
    rig.app.store.note_history(
        [
            _history(HistoryFolder.INBOX, "Ann <ann@known.example>", old),
            _history(HistoryFolder.SENT, "", old, to=("Joe <joe@written.example>",)),
        ]
    )
    colleague_of_known = rig.mail("Kim <kim@known.example>")
    written_to = rig.mail("Joe <joe@written.example>")
    stranger = rig.mail("Dee <dee@new.example>")
    twice = rig.mail("Dee <dee@new.example>")
    notes = rig.notes()
    assert not notes[colleague_of_known].new_customer  # type: ignore[attr-defined]
    assert not notes[written_to].new_customer  # type: ignore[attr-defined]
    # Their second mail does not make them known: it is part of the same first contact.
    assert notes[stranger].new_customer and notes[twice].new_customer  # type: ignore[attr-defined]


def test_reply_by_at_risk_and_what_the_auto_reply_said(rig: Rig) -> None:
    # Working hours are 09:00-17:30 by default: mail at 08:01 starts the clock at 09:00.
    ann = rig.mail("Ann <ann@client.example>")
    notes = rig.notes()[ann]
    assert notes.reply_by is not None  # type: ignore[attr-defined]
    assert notes.reply_by.astimezone(MORNING.tzinfo).strftime("%H:%M") == "13:00"  # type: ignore[attr-defined]
    assert notes.promise is PromiseStatus.ON_TRACK  # type: ignore[attr-defined]
    assert notes.autoreply == "09:30 GMT today"  # type: ignore[attr-defined]
    rig.clock.advance(timedelta(hours=3))  # 11:02 London: 2h02 of 4h used — still on track
    rig.clock.advance(timedelta(hours=1))  # 12:02: 3h02 used, over three quarters
    assert rig.notes()[ann].promise is PromiseStatus.AT_RISK  # type: ignore[attr-defined]


def _history(folder: HistoryFolder, sender: str, at: object, to: tuple[str, ...] = ()) -> object:
    from focusguard.core.history_sync import to_entry

    item = HistoryItem(
        folder=folder,
        item_id=f"h-{folder.value}-{sender}",
        message_id=f"<h-{folder.value}-{len(sender)}@old>",
        sender=sender,
        recipients=to,
        position=at,  # type: ignore[arg-type]
        at=at,  # type: ignore[arg-type]
    )
    return to_entry(item, None)
