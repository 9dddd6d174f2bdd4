"""Listing, bulk moves, auto-replies, the calendar, and riding out a busy server."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from focusguard.core.ports import UNKNOWN_TIME, Folder, MailItem
from focusguard.domain.autoreply import REPLY_HEADERS
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator
from tests.mail.ews.conftest import EMAIL

pytestmark = pytest.mark.timeout(60)

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def test_list_folder_gives_what_the_engine_needs(sim: EwsSimulator, backend: EwsBackend) -> None:
    imid = sim.deliver(
        "Ann Customer <ann@client.example>",
        "Order 4711",
        headers={"Precedence": "bulk", "References": "<a@x> <b@x>"},
        received=NOW - dt.timedelta(minutes=10),
    )
    sim.deliver('"Smith, John" <john@client.example>', "Second", received=NOW)
    items = backend.list_folder(Folder.INBOX)
    assert [i.subject for i in items] == ["Order 4711", "Second"]
    first = items[0]
    assert first.message_id == imid
    assert first.folder is Folder.INBOX
    assert first.sender == "Ann Customer <ann@client.example>"
    assert first.received == NOW - dt.timedelta(minutes=10)
    assert first.received.tzinfo is not None
    assert first.headers["Precedence"] == "bulk"
    assert items[1].sender == '"Smith, John" <john@client.example>'
    recent = backend.list_folder(Folder.INBOX, since=NOW - dt.timedelta(minutes=1))
    assert [i.subject for i in recent] == ["Second"]


def test_a_look_at_known_items_is_one_finditem_and_fetches_only_the_unknown(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    """Issue 15: the engine's look at a held folder of 1,000 cost 5 FindItem and 10 GetItem
    requests (the headers) and a Message object per item. Items it knows by id come back
    brief from one FindItem; the others complete, headers included."""
    for n in range(1200):
        sim.deliver(f"C{n} <c{n}@client.example>", f"m{n}", received=NOW)
    everything = backend.list_folder(Folder.INBOX)
    known = {i.item_id for i in everything[:1100]}
    before = len(sim.operations())
    listed = backend.list_folder(Folder.INBOX, known=known)
    assert sim.operations()[before:] == ["FindItem", "FindItem", "GetItem"]  # 1,000 a page
    assert [i.item_id for i in listed] == [i.item_id for i in everything]
    brief = [i for i in listed if i.item_id in known]
    assert len(brief) == 1100
    assert all(
        (i.message_id, i.sender, i.subject, dict(i.headers), i.folder)
        == ("", "", "", {}, Folder.INBOX)
        for i in brief
    )
    assert all(i.received == UNKNOWN_TIME for i in brief)
    assert listed[1100:] == everything[1100:]  # complete, as without `known`
    assert listed[-1].headers and listed[-1].sender == "C1199 <c1199@client.example>"


def test_move_250_items_in_three_requests_with_new_ids(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    for n in range(250):
        sim.deliver(f"C{n} <c{n}@client.example>", f"m{n}", received=NOW)
    items = backend.list_folder(Folder.INBOX)
    assert len(items) == 250
    moves_before = sim.operations().count("MoveItem")
    result = backend.move(items, Folder.HELD)
    assert sim.operations().count("MoveItem") - moves_before == 3
    assert set(result.moved) == {i.item_id for i in items}
    assert not result.failed
    assert not set(result.moved.values()) & set(result.moved)
    held = backend.list_folder(Folder.HELD)
    assert {i.item_id for i in held} == set(result.moved.values())
    assert {i.message_id for i in held} == {i.message_id for i in items}


def test_a_vanished_item_is_a_per_id_failure(sim: EwsSimulator, backend: EwsBackend) -> None:
    sim.deliver("A <a@client.example>", "one", received=NOW)
    sim.deliver("B <b@client.example>", "two", received=NOW)
    items = backend.list_folder(Folder.INBOX)
    first = backend.move(items[:1], Folder.HELD)
    assert len(first.moved) == 1
    again = backend.move(items, Folder.HELD)  # items[0]'s old id is gone now
    assert list(again.failed) == [items[0].item_id]
    assert "ErrorItemNotFound" in again.failed[items[0].item_id]
    assert list(again.moved) == [items[1].item_id]


def test_server_busy_back_off_is_honoured(sim: EwsSimulator, backend: EwsBackend) -> None:
    sim.fault("server_busy", count=1, operation="FindItem", backoff_ms=1500)
    start = time.monotonic()
    assert backend.list_folder(Folder.INBOX) == []
    assert time.monotonic() - start >= 1.5
    assert sim.operations().count("FindItem") == 2


def test_503_is_retried(sim: EwsSimulator, backend: EwsBackend) -> None:
    sim.fault("http_503", count=1, operation="FindItem", retry_after_s=1)
    start = time.monotonic()
    assert backend.list_folder(Folder.HELD) == []
    assert time.monotonic() - start >= 1.0
    assert sim.operations().count("FindItem") == 2


def test_send_reply_is_threaded_and_marked_automatic(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    imid = sim.deliver(
        "Ann Customer <ann@client.example>", "Order 4711", headers={"References": "<older@x>"}
    )
    (item,) = backend.list_folder(Folder.INBOX)
    backend.send_reply(item, "Thanks - I will reply after 13:00.", REPLY_HEADERS)
    (sent,) = sim.sent()
    assert sent["to"] == ["ann@client.example"]
    assert sent["subject"] == "Re: Order 4711"
    assert sent["body"] == "Thanks - I will reply after 13:00."
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert headers["auto-submitted"] == "auto-replied"
    assert headers["x-auto-response-suppress"] == "All"
    # Threaded on the wire: the reply names the message it answers and its ancestors.
    assert sent["in_reply_to"] == imid
    assert sent["references"] == f"<older@x> {imid}"
    assert headers["in-reply-to"] == imid
    # A reply must not depend on the held item's id: ids change on every move.
    stale = type(item)(
        "stale-id",
        item.message_id,
        Folder.HELD,
        item.sender,
        item.subject,
        item.received,
        item.headers,
    )
    backend.send_reply(stale, "again", REPLY_HEADERS)
    assert len(sim.sent()) == 2


def test_send_reply_needs_a_sender_address(backend: EwsBackend) -> None:
    from focusguard.core.ports import MailError

    item = MailItem("id", "<m@x>", Folder.HELD, "Nobody", "s", NOW)
    with pytest.raises(MailError, match="no usable sender"):
        backend.send_reply(item, "x", REPLY_HEADERS)


def test_calendar_focus_returns_only_matching_events(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    day = NOW.replace(hour=0, minute=0, second=0)
    sim.add_calendar_item("Focus time", day + dt.timedelta(hours=9), day + dt.timedelta(hours=11))
    sim.add_calendar_item(
        "  focus TIME ", day + dt.timedelta(hours=14), day + dt.timedelta(hours=15)
    )
    sim.add_calendar_item(
        "Focus time prep", day + dt.timedelta(hours=12), day + dt.timedelta(hours=13)
    )
    sim.add_calendar_item("Team sync", day + dt.timedelta(hours=10), day + dt.timedelta(hours=12))
    sim.add_calendar_item(
        "Focus time", day + dt.timedelta(days=3), day + dt.timedelta(days=3, hours=1)
    )
    blocks = backend.calendar_focus("Focus time", day, day + dt.timedelta(days=1))
    assert [(b.start, b.end) for b in blocks] == [
        (day + dt.timedelta(hours=9), day + dt.timedelta(hours=11)),
        (day + dt.timedelta(hours=14), day + dt.timedelta(hours=15)),
    ]
    assert all(b.start.tzinfo is dt.UTC for b in blocks)


def test_mailbox_address_is_the_configured_one(backend: EwsBackend) -> None:
    assert backend.email == EMAIL
