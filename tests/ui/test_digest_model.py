"""The digest's item model: sections, reply-by order, chases, marks, sorting, filter, plain
text (issue 12 §2)."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt

from focusguard.app.values import DigestSnapshot, MessageNotes, PromiseStatus, Section, Triage
from focusguard.core.engine import Release
from focusguard.core.records import HeldRecord, HeldState
from focusguard.ui.digest_model import (
    FILTER_ROLE,
    MESSAGE_ID_ROLE,
    PROMISE_ROLE,
    Column,
    DigestFilter,
    DigestModel,
    humanise,
    records_under,
    sender_display,
    summary_text,
)
from tests.ui.digest_fixtures import (
    HOSTILE_SENDER,
    HOSTILE_SUBJECT,
    LONDON,
    NOW,
    many_records,
    record,
)

D = Qt.ItemDataRole.DisplayRole


def model_of(records: list[HeldRecord], triage: Triage | None = None) -> DigestModel:
    model = DigestModel()
    model.set_snapshot(DigestSnapshot(tuple(records), NOW, LONDON, triage or Triage()))
    return model


def rows(model: DigestModel, parent: QModelIndex | None = None, column: int = 0) -> list[str]:
    parent = parent or QModelIndex()
    return [model.index(r, column, parent).data(D) for r in range(model.rowCount(parent))]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "under 1 min"),
        (0.5, "under 1 min"),
        (1, "1 min"),
        (59, "59 min"),
        (60, "1 h"),
        (125, "2 h 5 min"),
        (24 * 60, "1 d"),
        (27 * 60 + 4, "1 d 3 h"),
        (-5, "under 1 min"),
    ],
)
def test_humanise(minutes: float, text: str) -> None:
    assert humanise(timedelta(minutes=minutes)) == text


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ('"Carol (BigClient)" <carol@bigclient.com>', "carol@bigclient.com (Carol (BigClient))"),
        # A display name that looks like an address never reads as that address.
        ('"boss@corp.example" <evil@bad.example>', "evil@bad.example (boss@corp.example)"),
        ("ann@client.example", "ann@client.example"),
        ("Ann <ann@client.example>", "ann@client.example (Ann)"),
        ("not an address", "not an address"),
        (HOSTILE_SENDER, HOSTILE_SENDER),
    ],
)
def test_sender_display_puts_the_address_first(header: str, shown: str) -> None:
    assert sender_display(header) == shown


def scene() -> tuple[list[HeldRecord], Triage]:
    """Customers with reply-by times (one at risk, one overdue), a chase, a new customer,
    a colleague and a newsletter."""
    late = record(1, "ann@client.example", received=NOW - timedelta(hours=5))
    risky = record(2, "cy@beta.example", received=NOW - timedelta(hours=3))
    fresh = record(3, "dee@new.example", received=NOW - timedelta(minutes=10))
    chase1 = record(4, "eve@chase.example", received=NOW - timedelta(hours=1), subject="Q?")
    chase2 = record(5, "eve@chase.example", received=NOW - timedelta(minutes=30), subject="Q??")
    colleague = replace(record(6, "pat@corp.example"), category="internal")
    bulk = record(7, "news@list.example", subject="Weekly news")
    notes = {
        2: MessageNotes(Section.CUSTOMERS, NOW - timedelta(hours=1), PromiseStatus.BREACHED),
        3: MessageNotes(
            Section.CUSTOMERS, NOW + timedelta(minutes=30), PromiseStatus.AT_RISK, "13:00 GMT today"
        ),
        4: MessageNotes(Section.CUSTOMERS, NOW + timedelta(hours=4), new_customer=True),
        5: MessageNotes(Section.CUSTOMERS, NOW + timedelta(hours=2), chain=1),
        6: MessageNotes(Section.CUSTOMERS, NOW + timedelta(hours=3), chain=1),
        7: MessageNotes(Section.COLLEAGUES),
        8: MessageNotes(Section.BULK),
    }
    triage = Triage(notes, {1: "2nd mail from eve@chase.example since 10:00"}, True)
    return [bulk, colleague, chase2, fresh, late, chase1, risky], triage


def test_customers_first_by_reply_by_then_colleagues_then_bulk() -> None:
    records, triage = scene()
    model = model_of(records, triage)
    assert rows(model) == [
        "Customers (5)",
        "Colleagues (1)",
        "Automated and bulk mail (1)",
    ]
    customers = model.index(0, 0)
    assert rows(model, customers) == [
        "ann@client.example (Person 1)",
        "cy@beta.example (Person 2)",
        "eve@chase.example (Person 5)",
        "dee@new.example (Person 3)",
    ]
    reply_by = rows(model, customers, Column.REPLY_BY)
    assert reply_by == ["‼ 10:00 overdue", "⚠ 11:30 at risk", "13:00", "15:00"]
    assert rows(model, customers, Column.AUTOREPLY)[1] == "13:00 GMT today"
    assert rows(model, customers, Column.NOTES) == [
        "",
        "",
        "2nd mail from eve@chase.example since 10:00",
        "New customer",
    ]
    assert model.index(0, 0, customers).data(PROMISE_ROLE) is PromiseStatus.BREACHED
    assert model.index(0, 0, customers).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(0, Column.REPLY_BY).data(D) == "‼ 1 overdue, ⚠ 1 at risk"
    # The chase folds its messages, oldest first.
    chase = model.index(2, 0, customers)
    assert rows(model, chase, Column.SUBJECT) == ["Q?", "Q??"]
    assert model.index(2, Column.SUBJECT, customers).data(D) == "Q??"  # the latest
    assert model.parent(model.index(0, 0, chase)) == chase
    assert model.parent(chase) == customers
    assert rows(model, model.index(2, 0), Column.SUBJECT) == ["Weekly news"]
    assert summary_text(model.records, model.triage) == (
        "7 emails held: 5 from 4 customers, 2 others; 1 overdue; 1 at risk"
    )


def test_sorting_reorders_within_sections_and_keeps_the_sections() -> None:
    records, triage = scene()
    model = model_of(records, triage)
    model.sort(Column.SENDER, Qt.SortOrder.DescendingOrder)
    assert rows(model) == ["Customers (5)", "Colleagues (1)", "Automated and bulk mail (1)"]
    assert [t.split(" ")[0] for t in rows(model, model.index(0, 0))] == [
        "eve@chase.example",
        "dee@new.example",
        "cy@beta.example",
        "ann@client.example",
    ]
    model.sort(Column.RECEIVED, Qt.SortOrder.AscendingOrder)
    assert rows(model, model.index(0, 0), Column.RECEIVED) == ["06:00", "08:00", "10:00", "10:50"]
    model.sort(Column.REPLY_BY, Qt.SortOrder.AscendingOrder)
    assert rows(model, model.index(0, 0), Column.REPLY_BY)[0] == "‼ 10:00 overdue"


def test_without_triage_customers_go_by_category_and_arrival() -> None:
    a = record(1, "a@x.example", received=NOW - timedelta(minutes=5))
    b = record(2, "b@y.example", received=NOW - timedelta(minutes=50))
    released = record(3, "c@z.example", received=NOW - timedelta(hours=3), state=HeldState.RELEASED)
    model = model_of([a, released, b])
    customers = model.index(0, 0)
    # Held before released; the longest waiting first.
    assert [t.split(" ")[0] for t in rows(model, customers)] == [
        "b@y.example",
        "a@x.example",
        "c@z.example",
    ]
    assert model.index(0, Column.STATE).data(D) == "2 held, 1 released"
    assert model.index(0, Column.WAITED).data(D) == "up to 50 min"
    assert rows(model, customers, Column.WAITED)[2] == "30 min"  # until released


def test_entries_with_one_message_id_are_rows_of_their_own() -> None:
    # Two items in the held folder with one Message-ID (a duplicate, or a copy that reuses
    # it) are two messages: neither hides the other (issue 9).
    real = record(1, "ann@client.example")
    copy = replace(record(2, "ann@client.example"), message_id=real.message_id)
    model = model_of([real, copy, real])
    assert model.message_count() == 2
    assert model.index(0, Column.STATE).data(D) == "2 held"


def test_hostile_text_is_plain_in_display_and_escaped_in_tooltips() -> None:
    rec = record(1, "evil@bad.example", sender=HOSTILE_SENDER, subject=HOSTILE_SUBJECT)
    model = model_of([rec])
    msg = model.index(0, Column.SENDER, model.index(0, 0))
    subject = msg.siblingAtColumn(Column.SUBJECT)
    assert msg.data(D) == HOSTILE_SENDER
    assert subject.data(D) == HOSTILE_SUBJECT
    assert msg.data(Qt.ItemDataRole.ToolTipRole) == html.escape(HOSTILE_SENDER, quote=True)
    assert subject.data(Qt.ItemDataRole.ToolTipRole) == html.escape(HOSTILE_SUBJECT, quote=True)


def test_filter_is_case_insensitive_and_keeps_sections_and_chases() -> None:
    records, triage = scene()
    model = model_of(records, triage)
    proxy = DigestFilter()
    proxy.setSourceModel(model)
    proxy.set_text("q??")
    assert proxy.rowCount() == 1
    chase = proxy.index(0, 0, proxy.index(0, 0))
    assert [proxy.index(r, 1, chase).data(D) for r in range(proxy.rowCount(chase))] == ["Q??"]
    proxy.set_text("BETA.example")  # the address is searched too
    assert proxy.rowCount(proxy.index(0, 0)) == 1
    proxy.set_text("nothing like this")
    assert proxy.rowCount() == 0
    assert model.index(0, 0).data(FILTER_ROLE) == ""


def test_records_under_a_section_or_chase_are_its_messages() -> None:
    records, triage = scene()
    model = model_of(records, triage)
    customers = model.index(0, 0)
    chase = model.index(2, 0, customers)
    assert [r.entry for r in records_under(model, [chase, model.index(0, 0, chase)])] == [5, 6]
    assert len(records_under(model, [customers])) == 5
    assert model.index(0, 0, chase).data(MESSAGE_ID_ROLE) == "<m4@test>"


def test_ten_thousand_rows_build_correctly() -> None:
    recs = many_records(10_000)
    model = model_of(recs)
    customers = model.index(0, 0)
    assert model.rowCount(customers) == 10_000
    got = rows(model, customers, Column.RECEIVED)
    assert len(got) == 10_000
    proxy = DigestFilter()
    proxy.setSourceModel(model)
    proxy.set_text("Subject 9999")
    assert proxy.rowCount(proxy.index(0, 0)) == 1


def customer_record(n: int, address: str | None) -> HeldRecord:
    sender = f"P{n} <{address}>" if address else "garbage"
    return HeldRecord(
        f"<{n}@t>", f"i{n}", sender, address, "s", "customer", NOW, NOW, None, "held", entry=n
    )


def test_the_notification_and_the_digest_count_the_same_customers() -> None:
    """The release notification and the digest's summary count with domain/customers.py."""
    records = (
        customer_record(1, "ann@bigclient.com"),
        customer_record(2, "bob@bigclient.com"),
        customer_record(3, "joe@gmail.com"),
        customer_record(4, "sue@gmail.com"),
        customer_record(5, "cy@small.example"),
        customer_record(6, None),
    )
    assert Release("check-in", records, 0).summary == "6 customer emails from 5 customers"
    assert summary_text(records) == "6 emails held from 5 customers"
    assert summary_text(()) == "No held mail. Nothing released today."
