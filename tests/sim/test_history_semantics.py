"""The simulators serve a mailbox's history as Microsoft documents it (issue 13 §1):
conversation ids from the thread's first Message-ID and its subject, FindItem without
recipients or headers, Sent Items copies without internet headers, Graph's $filter/$orderby
rule; and `seed_history` fills either deterministically."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from exchangelib import Message

from focusguard.sim.common.conversation import conversation_id, topic
from focusguard.sim.common.history_seed import seed_history
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.sim.conftest import make_account

NOW = dt.datetime(2026, 4, 15, 11, 7, tzinfo=dt.UTC)
T = dt.datetime(2026, 4, 14, 9, 0, tzinfo=dt.UTC)
AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}", "Prefer": 'IdType="ImmutableId"'}


@pytest.fixture
def gsim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


def graph(sim: GraphSimulator, path: str, **params: str) -> requests.Response:
    return requests.get(f"{sim.url}{path}", headers=AUTH, params=params, timeout=5)


def test_conversation_ids_follow_the_first_message_and_the_subject() -> None:
    first = conversation_id("<a@x>", None, None, "Order 4711")
    assert conversation_id("<b@x>", "<a@x>", "<a@x>", "RE: Order 4711") == first
    assert conversation_id("<c@x>", "<b@x>", "<a@x> <b@x>", "AW: RE: order  4711") == first
    # A new subject is a new conversation, though References still name the thread.
    assert conversation_id("<d@x>", "<c@x>", "<a@x> <b@x> <c@x>", "Still waiting") != first
    assert topic("RE: Fwd: AW:  Hello  World") == "hello world"
    assert topic("Re[2]: Hello") == "hello"


def test_ews_conversation_id_sent_items_and_what_find_item_leaves_out(sim: EwsSimulator) -> None:
    imid = sim.deliver("Ann <ann@client.example>", "Order 4711", received=T)
    sim.add_history(
        "sentitems",
        None,
        "RE: Order 4711",
        T + dt.timedelta(hours=1),
        to=["ann@client.example"],
        in_reply_to=imid,
        client_headers={"Auto-Submitted": "auto-replied", "Message-ID": "<chosen@corp.example>"},
    )
    account = make_account(sim)
    [found] = list(account.inbox.all().only("conversation_id", "subject"))
    [copy] = list(account.sent.all().only("conversation_id", "in_reply_to", "references"))
    assert found.conversation_id.id == copy.conversation_id.id
    assert copy.in_reply_to == imid and copy.references == imid
    # GetItem: the Sent Items copy has recipients but no internet headers; Exchange chose
    # its Message-ID (InternetMessageId is read-only to clients).
    [full] = list(account.fetch(ids=[copy], only_fields=["headers", "to_recipients", "message_id"]))
    assert full.headers is None
    assert [r.email_address for r in full.to_recipients] == ["ann@client.example"]
    assert full.message_id != "<chosen@corp.example>"
    snapshot = sim.mailbox_snapshot()["sentitems"][0]
    assert snapshot["headers"] == {}


def test_ews_find_item_never_returns_recipients_or_headers(sim: EwsSimulator) -> None:
    sim.deliver("Ann <ann@client.example>", "Hello", received=T, headers={"List-Id": "x"})
    account = make_account(sim)
    from exchangelib.services import FindItem

    fields = [Message.get_field_by_fieldname(n) for n in ("to_recipients", "headers", "subject")]
    from exchangelib.fields import FieldPath

    service = FindItem(account=account)
    [item] = list(
        service.call(
            folders=[account.inbox],
            additional_fields={FieldPath(field=f) for f in fields},
            restriction=None,
            order_fields=None,
            shape="IdOnly",
            query_string=None,
            depth="Shallow",
            calendar_view=None,
            max_items=10,
            offset=0,
        )
    )
    assert item.subject == "Hello"
    assert item.to_recipients is None and item.headers is None


def test_ews_send_keeps_no_headers_in_the_saved_copy(sim: EwsSimulator) -> None:
    account = make_account(sim)
    Message(account=account, subject="Hi", body="x", to_recipients=["ann@client.example"]).send(
        save_copy=True
    )
    [copy] = sim.mailbox_snapshot()["sentitems"]
    assert copy["headers"] == {}
    assert sim.sent()[0]["headers"]["Subject"] == "Hi"  # what went on the wire had them


def test_graph_conversation_ids_and_sent_items_without_headers(gsim: GraphSimulator) -> None:
    imid = gsim.deliver("Ann <ann@client.example>", "Order 4711", received=T)
    gsim.add_history(
        "sentitems",
        None,
        "RE: Order 4711",
        T + dt.timedelta(hours=1),
        to=["ann@client.example"],
        in_reply_to=imid,
        client_headers={"Message-ID": "<chosen@corp.example>", "X-Mine": "1", "Keywords": "no"},
    )
    select = "conversationId,internetMessageId,internetMessageHeaders,sentDateTime"
    inbox = graph(gsim, "/me/mailFolders/inbox/messages", **{"$select": select}).json()["value"]
    sent = graph(gsim, "/me/mailFolders/sentitems/messages", **{"$select": select}).json()["value"]
    assert inbox[0]["conversationId"] == sent[0]["conversationId"] != ""
    assert sent[0]["internetMessageId"] == "<chosen@corp.example>"
    assert "internetMessageHeaders" not in sent[0]
    assert sent[0]["sentDateTime"] == "2026-04-14T10:00:00Z"
    names = {h["name"] for h in inbox[0]["internetMessageHeaders"]}
    assert {"Message-ID", "From"} <= names
    # A reply made with createReply is in the original's conversation.
    draft = requests.post(
        f"{gsim.url}/me/messages/{inbox[0]['id']}/createReply", headers=AUTH, timeout=5
    ).json()
    assert draft["conversationId"] == inbox[0]["conversationId"]


def test_graph_filter_ranges_and_orderby(gsim: GraphSimulator) -> None:
    for h in range(5):
        gsim.deliver("Ann <ann@client.example>", f"m{h}", received=T + dt.timedelta(hours=h))
    flt = "receivedDateTime ge 2026-04-14T10:00:00Z and receivedDateTime lt 2026-04-14T13:00:00Z"
    body = graph(
        gsim,
        "/me/mailFolders/inbox/messages",
        **{"$filter": flt, "$orderby": "receivedDateTime asc", "$select": "subject", "$top": "2"},
    ).json()
    assert [m["subject"] for m in body["value"]] == ["m1", "m2"]
    assert "@odata.nextLink" in body
    later = requests.get(body["@odata.nextLink"], headers=AUTH, timeout=5).json()
    assert [m["subject"] for m in later["value"]] == ["m3"]
    desc = graph(gsim, "/me/mailFolders/inbox/messages", **{"$orderby": "receivedDateTime desc"})
    assert [m["subject"] for m in desc.json()["value"]] == ["m4", "m3", "m2", "m1", "m0"]


def test_graph_orderby_must_lead_the_filter(gsim: GraphSimulator) -> None:
    gsim.deliver("Ann <ann@client.example>", "m", received=T)
    bad = graph(
        gsim,
        "/me/mailFolders/inbox/messages",
        **{"$filter": "sentDateTime ge 2026-04-14T00:00:00Z", "$orderby": "receivedDateTime"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "InefficientFilter"
    unsupported = graph(gsim, "/me/mailFolders/inbox/messages", **{"$filter": "isRead eq false"})
    assert unsupported.status_code == 400


def snapshot_without_ids(sim: Any) -> list[tuple[str, str, str]]:
    snap = sim.mailbox_snapshot()
    return sorted(
        (folder, m["received"], m["subject"]) for folder, items in snap.items() for m in items
    )


def test_seed_history_is_deterministic_and_has_its_cast() -> None:
    runs = []
    for cls in (EwsSimulator, GraphSimulator, EwsSimulator):
        sim = cls()
        runs.append(seed_history(sim, weeks=4, seed=5, now=NOW))
    a, b, c = runs
    assert [(m.kind, m.at, m.sender, m.folder) for m in a.messages] == [
        (m.kind, m.at, m.sender, m.folder) for m in c.messages
    ]
    # Same cast and times on both servers (only the ids each server chose differ).
    assert [(m.kind, m.at) for m in a.messages] == [(m.kind, m.at) for m in b.messages]
    kinds = Counter(m.kind for m in a.messages)
    assert {"customer", "chaser", "reply", "autoreply", "bulk", "robot", "colleague"} <= set(kinds)
    senders = {m.sender for m in a.messages}
    assert "Dana Drummond <dana@bigclient.example>" in senders
    assert "Nina Newman <nina@freshstart.example>" in senders
    assert all(m.at.second == 0 for m in a.messages)
    assert all(m.kind != "autoreply" or m.at >= a.holding_since for m in a.messages)
    assert any(m.folder == a.held_folder for m in a.messages)
    # Every reply answers a message of its own thread.
    by_id = {m.message_id: m for m in a.messages}
    for m in a.messages:
        if m.in_reply_to is not None:
            assert by_id[m.in_reply_to].thread == m.thread
    assert seed_history(EwsSimulator(), weeks=4, seed=6, now=NOW).messages != a.messages


def test_seeded_history_makes_no_pop_ups_and_records_no_sends() -> None:
    sim = EwsSimulator()
    seed_history(sim, weeks=1, seed=1, now=NOW)
    assert sim.popups == [] and sim.sent() == [] and sim.deliveries == []


@pytest.mark.parametrize("cls", [EwsSimulator, GraphSimulator])
def test_the_control_api_seeds_history(cls: type) -> None:
    sim = cls().start()
    try:
        url = f"{sim.control_url}/history"
        answer = requests.post(
            url, json={"weeks": 2, "seed": 4, "now": NOW.isoformat()}, timeout=10
        ).json()
        assert answer["messages"] > 100 and answer["kinds"]["autoreply"] > 0
        assert answer["holding_since"] == "2026-04-08T11:07:00+00:00"
        bad = requests.post(url, json={"weeks": 0}, timeout=5)
        assert bad.status_code == 400
        typo = requests.post(url, json={"week": 2}, timeout=5)
        assert typo.status_code == 400 and "unknown field" in typo.json()["error"]
    finally:
        sim.stop()
