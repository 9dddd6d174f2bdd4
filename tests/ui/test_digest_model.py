"""The digest's item model: grouping, order, counts, waiting times, filter, plain text."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt

from focusguard.core.engine import Release
from focusguard.core.records import HeldRecord, HeldState
from focusguard.ui.digest_model import (
    FILTER_ROLE,
    MESSAGE_ID_ROLE,
    UNKNOWN_SENDER,
    Column,
    DigestFilter,
    DigestModel,
    DigestSnapshot,
    customer_key,
    group_records,
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


def model_of(records: list) -> DigestModel:
    model = DigestModel()
    model.set_snapshot(DigestSnapshot(tuple(records), NOW, LONDON))
    return model


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


def test_customer_key_domain_freemail_and_unknown() -> None:
    assert customer_key(record(1, "ann@Client.example".lower())) == "client.example"
    assert customer_key(record(2, "joe@gmail.com")) == "joe@gmail.com"
    assert customer_key(record(3, None, sender="garbage")) == UNKNOWN_SENDER


def test_groups_busiest_first_with_counts_and_handled_listed() -> None:
    recs = [record(i, f"u{i}@big.example") for i in range(10)]
    recs += [record(20, "a@small.example"), record(21, "b@small.example")]
    recs += [
        record(30, "x@mid.example"),
        record(31, "y@mid.example"),
        record(32, "z@mid.example", state=HeldState.RELEASED),
    ]
    # Handled mail is in the Inbox, dealt with: still listed, counted as released.
    recs += [record(40, "done@mid.example", state=HeldState.HANDLED)]
    recs += [record(50, None, sender="undisclosed")] * 5  # same entry five times: one row
    groups = group_records(recs)
    assert [(g.key, len(g.records), g.held, g.handled) for g in groups] == [
        ("big.example", 10, 10, 0),
        ("mid.example", 4, 2, 1),
        ("small.example", 2, 2, 0),
        (UNKNOWN_SENDER, 1, 1, 0),
    ]
    # Within a customer the longest-waiting message comes first.
    big = groups[0].records
    assert [r.received for r in big] == sorted(r.received for r in big)


def test_entries_with_one_message_id_are_rows_of_their_own() -> None:
    # Two items in the held folder with one Message-ID (a duplicate, or a copy that reuses
    # it) are two messages: neither hides the other (issue 9).
    real = record(1, "ann@client.example")
    copy = replace(record(2, "ann@client.example"), message_id=real.message_id)
    [group] = group_records([real, copy])
    assert [r.entry for r in group.records] == [copy.entry, real.entry]
    assert group.held == 2
    model = model_of([real, copy])
    assert model.index(0, Column.STATE).data(D) == "2 held"


def test_group_state_names_released_and_handled_apart() -> None:
    model = model_of(
        [
            record(1, "a@client.example"),
            record(2, "b@client.example", state=HeldState.RELEASED),
            record(3, "c@client.example", state=HeldState.HANDLED),
        ]
    )
    assert model.index(0, Column.STATE).data(D) == "1 held, 1 released, 1 handled"
    group = model.index(0, 0)
    states = {model.index(r, Column.STATE, group).data(D) for r in range(3)}
    assert states == {"held", "released", "handled"}
    assert (
        summary_text(model.groups) == "1 email held from 1 customer; 2 released today (1 handled)"
    )


def test_model_structure_and_text() -> None:
    released = record(
        2,
        "b@client.example",
        received=NOW - timedelta(hours=3),
        state=HeldState.RELEASED,
        released_at=NOW - timedelta(hours=1, minutes=55),
    )
    held = record(
        1, "a@client.example", received=NOW - timedelta(hours=2, minutes=5), subject="Invoice"
    )
    model = model_of([held, released])
    assert model.rowCount() == 1
    group = model.index(0, 0)
    assert group.data(D) == "client.example (2)"
    assert model.index(0, Column.STATE).data(D) == "1 held, 1 released"
    assert model.rowCount(group) == 2
    first, second = model.index(0, 0, group), model.index(1, 0, group)
    assert model.parent(first) == group
    assert model.parent(group) == QModelIndex()
    assert model.rowCount(first) == 0
    # released waited from receipt to release; held waits until now
    assert second.data(MESSAGE_ID_ROLE) == held.message_id
    assert second.siblingAtColumn(Column.WAITED).data(D) == "2 h 5 min"
    assert first.siblingAtColumn(Column.WAITED).data(D) == "1 h 5 min"
    assert first.siblingAtColumn(Column.STATE).data(D) == "released"
    assert second.siblingAtColumn(Column.STATE).data(D) == "held"
    assert second.siblingAtColumn(Column.SUBJECT).data(D) == "Invoice"
    assert second.siblingAtColumn(Column.RECEIVED).data(D) == "08:55"
    other = model_of([record(3, "c@client.example", received=NOW - timedelta(days=1))])
    assert other.index(0, Column.RECEIVED, other.index(0, 0)).data(D) == "Mon 23 Mar 11:00"


def test_hostile_text_is_plain_in_display_and_escaped_in_tooltips() -> None:
    rec = record(1, "evil@bad.example", sender=HOSTILE_SENDER, subject=HOSTILE_SUBJECT)
    model = model_of([rec])
    msg = model.index(0, Column.SENDER, model.index(0, 0))
    subject = msg.siblingAtColumn(Column.SUBJECT)
    assert msg.data(D) == HOSTILE_SENDER
    assert subject.data(D) == HOSTILE_SUBJECT
    assert msg.data(Qt.ItemDataRole.ToolTipRole) == html.escape(HOSTILE_SENDER, quote=True)
    assert subject.data(Qt.ItemDataRole.ToolTipRole) == html.escape(HOSTILE_SUBJECT, quote=True)
    assert "<" not in subject.data(Qt.ItemDataRole.ToolTipRole)


def test_filter_is_case_insensitive_over_sender_and_subject_and_keeps_the_customer() -> None:
    recs = [
        record(1, "ann@alpha.example", sender="Ann Smith <ann@alpha.example>", subject="Quote"),
        record(2, "bob@alpha.example", sender="Bob <bob@alpha.example>", subject="Invoice 7"),
        record(3, "cy@beta.example", sender="Cy <cy@beta.example>", subject="INVOICE 9"),
    ]
    model = model_of(recs)
    proxy = DigestFilter()
    proxy.setSourceModel(model)

    def visible() -> dict[str, list[str]]:
        out = {}
        for g in range(proxy.rowCount()):
            group = proxy.index(g, 0)
            out[group.data(D)] = [
                proxy.index(r, 1, group).data(D) for r in range(proxy.rowCount(group))
            ]
        return out

    assert len(visible()) == 2
    proxy.set_text("invoice")
    assert visible() == {"alpha.example (2)": ["Invoice 7"], "beta.example (1)": ["INVOICE 9"]}
    proxy.set_text("ann SMITH")
    assert visible() == {"alpha.example (2)": ["Quote"]}
    proxy.set_text("beta.example")  # the address is part of the sender text
    assert visible() == {"beta.example (1)": ["INVOICE 9"]}
    proxy.set_text("nothing like this")
    assert visible() == {}
    proxy.set_text("")
    assert len(visible()) == 2
    assert model.index(0, 0).data(FILTER_ROLE) == ""


def test_records_under_expands_customers_and_dedupes() -> None:
    recs = [record(1, "a@x.example"), record(2, "b@x.example"), record(3, "c@y.example")]
    model = model_of(recs)
    x = model.index(0, 0)
    picked = records_under(model, [x, model.index(0, 0, x), model.index(0, 0, model.index(1, 0))])
    assert [r.message_id for r in picked] == ["<m2@test>", "<m1@test>", "<m3@test>"]


def test_ten_thousand_rows_build_correctly() -> None:
    recs = many_records(10_000)
    model = model_of(recs)
    assert model.message_count() == 10_000
    sizes = [model.rowCount(model.index(g, 0)) for g in range(model.rowCount())]
    assert sum(sizes) == 10_000
    assert sizes == sorted(sizes, reverse=True)  # busiest customer first
    busiest = model.index(0, 0)
    assert busiest.data(D) == f"c499.example ({sizes[0]})"
    ids = {
        model.index(r, 0, model.index(g, 0)).data(MESSAGE_ID_ROLE)
        for g in range(model.rowCount())
        for r in range(model.rowCount(model.index(g, 0)))
    }
    assert len(ids) == 10_000
    proxy = DigestFilter()
    proxy.setSourceModel(model)
    proxy.set_text("Subject 9999")
    assert proxy.rowCount() == 1
    group = proxy.index(0, 0)
    assert proxy.rowCount(group) == 1
    assert proxy.index(0, 1, group).data(D) == "Subject 9999"


def test_summary_counts_only_customers_as_customers() -> None:
    from dataclasses import replace

    records = [
        record(1, "ann@client.example"),
        record(2, "bob@client.example"),
        replace(record(3, "pat@corp.example"), category="internal"),
        record(4, "eve@other.example", state=HeldState.RELEASED),
    ]
    assert summary_text(group_records(records)) == (
        "3 emails held: 2 from 1 customer, 1 other; 1 released today"
    )
    assert summary_text(group_records(records[:2])) == "2 emails held from 1 customer"
    assert summary_text(group_records([])) == "No held mail. Nothing released today."


def test_a_group_waited_for_as_long_as_its_oldest_held_mail() -> None:
    model = model_of(
        [record(1, "a@x.example", received=NOW - timedelta(hours=2)), record(2, "b@x.example")]
    )
    assert model.index(0, Column.WAITED).data(D) == "up to 2 h"


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ('"Carol (BigClient)" <carol@bigclient.com>', "Carol (BigClient) <carol@bigclient.com>"),
        ("ann@client.example", "ann@client.example"),
        ("Ann <ann@client.example>", "Ann <ann@client.example>"),
        ("not an address", "not an address"),
        (HOSTILE_SENDER, HOSTILE_SENDER),
    ],
)
def test_sender_display(header: str, shown: str) -> None:
    assert sender_display(header) == shown


def customer_record(n: int, address: str | None) -> HeldRecord:
    sender = f"P{n} <{address}>" if address else "garbage"
    return HeldRecord(
        f"<{n}@t>", f"i{n}", sender, address, "s", "customer", NOW, NOW, None, "held", entry=n
    )


def test_the_notification_and_the_digest_count_the_same_customers() -> None:
    """The release notification counted addresses ("6 customers") while the digest grouped
    by domain (5 groups): both count with domain/customers.py now."""
    records = (
        customer_record(1, "ann@bigclient.com"),
        customer_record(2, "bob@bigclient.com"),
        customer_record(3, "joe@gmail.com"),
        customer_record(4, "sue@gmail.com"),
        customer_record(5, "cy@small.example"),
        customer_record(6, None),
    )
    groups = group_records(records)
    assert Release("check-in", records, 0).summary == "6 customer emails from 5 customers"
    assert len(groups) == 5
    assert summary_text(groups) == "6 emails held from 5 customers"
