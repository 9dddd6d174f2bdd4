"""Sending/replying, pull + streaming notifications, SyncFolderItems."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from exchangelib import ExtendedProperty, Folder, FolderCollection, Message
from exchangelib.errors import ErrorInvalidSubscription
from exchangelib.properties import NewMailEvent

from focusguard.sim.ews import EwsSimulator

pytestmark = pytest.mark.timeout(30)


class AutoSubmitted(ExtendedProperty):
    distinguished_property_set_id = "InternetHeaders"
    property_name = "Auto-Submitted"
    property_type = "String"


@pytest.fixture
def auto_submitted():
    Message.register("auto_submitted", AutoSubmitted)
    yield
    Message.deregister("auto_submitted")


def test_send_only_and_save_copy(sim: EwsSimulator, account, auto_submitted) -> None:
    Message(
        account=account,
        subject="Hello",
        body="Hi there",
        to_recipients=["ann@client.example"],
        auto_submitted="auto-replied",
    ).send(save_copy=False)
    Message(
        account=account, subject="Kept", body="copy", to_recipients=["bob@client.example"]
    ).send()
    sent = sim.sent()
    assert [s["subject"] for s in sent] == ["Hello", "Kept"]
    assert sent[0]["headers"]["Auto-Submitted"] == "auto-replied"
    assert sent[0]["to"] == ["ann@client.example"]
    assert [m["subject"] for m in sim.mailbox_snapshot()["sentitems"]] == ["Kept"]
    assert sim.schema_errors == []


def test_reply_derives_threading_headers(sim: EwsSimulator, account) -> None:
    imid = sim.deliver(
        "Ann <ann@client.example>", "Order 4711", headers={"References": "<older@client.example>"}
    )
    [msg] = list(account.inbox.all())
    msg.reply(subject="Re: Order 4711", body="After 14:00.")
    [reply] = sim.sent()
    assert reply["kind"] == "reply"
    assert reply["to"] == ["ann@client.example"]
    assert reply["in_reply_to"] == imid
    assert reply["headers"]["In-Reply-To"] == imid
    assert reply["headers"]["References"] == f"<older@client.example> {imid}"
    assert reply["body"] == "After 14:00."
    assert sim.schema_errors == []


def test_pull_subscription_sees_new_mail_in_inbox_and_custom_folder(
    sim: EwsSimulator, account
) -> None:
    held = Folder(parent=account.inbox, name="Held").save()
    sim.add_user_rule("to held", contains_subject_strings=["[hold]"], move_to="Held")
    folders = FolderCollection(account=account, folders=[account.inbox, held])
    sub_id, watermark = folders.subscribe_to_pull(event_types=["NewMailEvent"])
    sim.deliver("ann@client.example", "plain")
    sim.deliver("ann@client.example", "[hold] later")
    events = [
        e
        for n in account.inbox.get_events(sub_id, watermark)
        for e in n.events
        if isinstance(e, NewMailEvent)
    ]
    assert {e.parent_folder_id.id for e in events} == {account.inbox.id, held.id}
    # Events are not handed out twice once the client moves its watermark on.
    watermark = events[-1].watermark
    again = [
        e
        for n in account.inbox.get_events(sub_id, watermark)
        for e in n.events
        if isinstance(e, NewMailEvent)
    ]
    assert again == []
    account.inbox.unsubscribe(sub_id)
    assert sim.schema_errors == []


def _deliver_later(sim: EwsSimulator, delay: float, *subjects: str) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        for subject in subjects:
            sim.deliver("ann@client.example", subject)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_streaming_subscription_account_wide(sim: EwsSimulator, account) -> None:
    held = Folder(parent=account.inbox, name="Held").save()
    sim.add_user_rule("to held", contains_subject_strings=["[hold]"], move_to="Held")
    sub_id = account.subscribe_to_streaming(event_types=["NewMailEvent"])
    _deliver_later(sim, 0.3, "first", "[hold] second")
    seen = []
    # connection_timeout=1 "minute" = 1 s in this simulator; heartbeats every 0.3 s.
    for notification in account.inbox.get_streaming_events(sub_id, connection_timeout=1):
        seen += [e for e in notification.events if isinstance(e, NewMailEvent)]
    assert {e.parent_folder_id.id for e in seen} == {account.inbox.id, held.id}
    account.unsubscribe(sub_id)
    assert sim.schema_errors == []


def test_streaming_with_nested_fetch(sim: EwsSimulator, account) -> None:
    with account.inbox.streaming_subscription(event_types=["NewMailEvent"]) as sub_id:
        _deliver_later(sim, 0.2, "nested")
        subjects = []
        for notification in account.inbox.get_streaming_events(sub_id, connection_timeout=1):
            for event in notification.events:
                if isinstance(event, NewMailEvent):
                    [item] = account.fetch([event.item_id], only_fields=["subject"])
                    subjects.append(item.subject)
    assert subjects == ["nested"]


def test_dropped_stream_raises_chunked_encoding_error(sim: EwsSimulator, account) -> None:
    sub_id = account.inbox.subscribe_to_streaming(event_types=["NewMailEvent"])
    sim.fault("drop_stream", count=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(account.inbox.get_streaming_events(sub_id, connection_timeout=1))
    # The session pool recovers: the next call works.
    assert account.inbox.all().count() == 0


def test_invalid_subscription(sim: EwsSimulator, account) -> None:
    with pytest.raises(ErrorInvalidSubscription):
        list(account.inbox.get_streaming_events("bogus", connection_timeout=1))


def test_sync_folder_items(sim: EwsSimulator, account) -> None:
    sim.deliver("ann@client.example", "one")
    sim.deliver("ann@client.example", "two")
    inbox = account.inbox
    changes = list(inbox.sync_items(only_fields=["subject"]))
    assert sorted(item.subject for kind, item in changes if kind == "create") == ["one", "two"]
    state = inbox.item_sync_state
    assert list(inbox.sync_items(sync_state=state)) == []
    sim.deliver("ann@client.example", "three")
    [one] = [i for i in inbox.all() if i.subject == "one"]
    one.delete()
    later = list(inbox.sync_items(sync_state=state, only_fields=["subject"]))
    kinds = sorted(kind for kind, _ in later)
    assert kinds == ["create", "delete"]
    # Paging via MaxChangesReturned.
    for i in range(5):
        sim.deliver("ann@client.example", f"bulk {i}")
    state = inbox.item_sync_state
    assert len(list(inbox.sync_items(sync_state=state, max_changes_returned=2))) == 5
    assert sim.schema_errors == []
