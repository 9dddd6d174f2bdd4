"""Folders and messages through the real exchangelib over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from exchangelib import Folder
from exchangelib.errors import ErrorFolderExists, ErrorFolderNotFound

from focusguard.sim.ews import EwsSimulator

pytestmark = pytest.mark.timeout(30)


def test_inbox_and_folder_create_find(sim: EwsSimulator, account) -> None:
    assert account.inbox.name == "Inbox"
    with pytest.raises(ErrorFolderNotFound):
        account.inbox // "FocusGuard Held"
    held = Folder(parent=account.inbox, name="FocusGuard Held").save()
    assert (account.inbox // "FocusGuard Held").id == held.id
    with pytest.raises(ErrorFolderExists):
        Folder(parent=account.inbox, name="focusguard held").save()
    assert "FocusGuard Held" in sim.mailbox_snapshot()
    assert sim.schema_errors == []


def test_deliver_find_and_get_with_headers(sim: EwsSimulator, account) -> None:
    imid = sim.deliver(
        "Ann Customer <ann@client.example>",
        "Order 4711",
        headers={"X-Ticket": "4711", "Auto-Submitted": "no"},
        importance="High",
        body="When will it ship?",
    )
    msgs = list(account.inbox.all())
    assert len(msgs) == 1
    msg = msgs[0]
    assert msg.subject == "Order 4711"
    assert msg.sender.email_address == "ann@client.example"
    assert msg.sender.name == "Ann Customer"
    assert msg.author.email_address == "ann@client.example"
    assert msg.message_id == imid
    assert msg.importance == "High"
    assert msg.body == "When will it ship?"
    [full] = account.fetch([msg], only_fields=["headers", "author", "subject"])
    headers = {h.name: h.value for h in full.headers}
    assert headers["X-Ticket"] == "4711"
    assert headers["Message-ID"] == imid
    assert sim.popups[0]["internet_message_id"] == imid
    assert sim.schema_errors == []


def test_filters_and_paging(sim: EwsSimulator, account) -> None:
    base = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    for i in range(25):
        sim.deliver(f"c{i}@client.example", f"msg {i:02d}", received=base + dt.timedelta(minutes=i))
    cutoff = base + dt.timedelta(minutes=20)
    newer = account.inbox.filter(datetime_received__gte=cutoff).only("subject")
    assert sorted(m.subject for m in newer) == [f"msg {i:02d}" for i in range(20, 25)]
    exact = account.inbox.filter(subject="msg 03")
    assert [m.subject for m in exact] == ["msg 03"]
    # __contains is case-sensitive (ContainmentComparison Exact), __icontains is not.
    assert len(list(account.inbox.filter(subject__contains="msg 1"))) == 10
    assert len(list(account.inbox.filter(subject__contains="MSG 1"))) == 0
    assert len(list(account.inbox.filter(subject__icontains="MSG 1"))) == 10
    ordered = account.inbox.all().order_by("-datetime_received").only("subject")[:3]
    assert [m.subject for m in ordered] == ["msg 24", "msg 23", "msg 22"]
    # Paging through IndexedPageItemView in pages of 10.
    qs = account.inbox.all().only("subject")
    qs.page_size = 10
    assert len(list(qs)) == 25
    assert account.inbox.filter(datetime_received__lt=base).count() == 0
    assert sim.schema_errors == []


def test_move_changes_ids_and_bulk_move(sim: EwsSimulator, account) -> None:
    held = Folder(parent=account.inbox, name="Held").save()
    for i in range(100):
        sim.deliver("ann@client.example", f"bulk {i}")
    items = list(account.inbox.all().only("id", "changekey"))
    assert len(items) == 100
    results = account.bulk_move([(i.id, i.changekey) for i in items], to_folder=held)
    assert len(results) == 100
    assert all(isinstance(r, tuple) for r in results)
    old_ids = {i.id for i in items}
    new_ids = {r[0] for r in results}
    assert not old_ids & new_ids
    assert held.all().count() == 100
    assert account.inbox.all().count() == 0
    assert len(sim.moves) == 100
    # A stale (pre-move) id is now unknown, like on Exchange.
    stale = account.bulk_move([(items[0].id, items[0].changekey)], to_folder=account.inbox)
    assert isinstance(stale[0], Exception)
    # Moving back is not a pop-up.
    popups_before = len(sim.popups)
    held.all().move(to_folder=account.inbox)
    assert account.inbox.all().count() == 100
    assert len(sim.popups) == popups_before
    assert sim.schema_errors == []


def test_delete_and_calendar_view(sim: EwsSimulator, account) -> None:
    sim.deliver("ann@client.example", "to delete")
    [msg] = list(account.inbox.all())
    msg.delete()
    assert account.inbox.all().count() == 0
    day = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    sim.add_calendar_item("Focus time", day + dt.timedelta(hours=9), day + dt.timedelta(hours=11))
    sim.add_calendar_item(
        "Tomorrow", day + dt.timedelta(days=1, hours=9), day + dt.timedelta(days=1, hours=10)
    )
    view = list(account.calendar.view(start=day, end=day + dt.timedelta(days=1)))
    assert [i.subject for i in view] == ["Focus time"]
    assert view[0].start == day + dt.timedelta(hours=9)
    assert view[0].legacy_free_busy_status == "Busy"
    assert sim.schema_errors == []
