"""The Graph simulator's reply drafts as Microsoft documents them: createReply takes the reply's
properties (custom `X-` headers only at creation), PATCH never sets internetMessageHeaders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

pytestmark = pytest.mark.timeout(30)
AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}", "Prefer": 'IdType="ImmutableId"'}


@pytest.fixture
def gsim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


def api(sim: GraphSimulator, method: str, path: str, **kw: Any) -> requests.Response:
    return requests.request(method, f"{sim.url}{path}", headers=AUTH, timeout=5, **kw)


def original(sim: GraphSimulator) -> str:
    sim.deliver("Ann <ann@client.example>", "Order 4711", body="Where is it?")
    [msg] = sim.mailbox.messages.values()
    return msg.immutable_id


def test_create_reply_takes_headers_body_and_message_id_at_creation(gsim: GraphSimulator) -> None:
    ref = original(gsim)
    draft = api(
        gsim,
        "POST",
        f"/me/messages/{ref}/createReply",
        json={
            "message": {
                "body": {"contentType": "Text", "content": "We answer at 13:00."},
                "internetMessageHeaders": [{"name": "X-Auto-Response-Suppress", "value": "All"}],
                "internetMessageId": "<fg.1@corp.example>",
            }
        },
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["internetMessageId"] == "<fg.1@corp.example>"
    assert api(gsim, "POST", f"/me/messages/{draft.json()['id']}/send").status_code == 202
    [sent] = gsim.sent()
    assert sent["body"] == "We answer at 13:00."
    assert sent["headers"]["X-Auto-Response-Suppress"] == "All"
    assert sent["internet_message_id"] == "<fg.1@corp.example>"


def test_create_reply_with_a_comment_puts_it_above_the_quote(gsim: GraphSimulator) -> None:
    ref = original(gsim)
    # The v1.0 metadata spells the parameter "Comment"; the page writes "comment".
    draft = api(gsim, "POST", f"/me/messages/{ref}/createReply", json={"Comment": "Thanks!"})
    assert draft.status_code == 201
    assert draft.json()["body"]["content"] == "Thanks!\n\n> Where is it?"


def test_create_reply_refuses_a_comment_and_a_body_and_non_x_headers(gsim: GraphSimulator) -> None:
    ref = original(gsim)
    both = api(
        gsim,
        "POST",
        f"/me/messages/{ref}/createReply",
        json={"comment": "x", "message": {"body": {"contentType": "Text", "content": "y"}}},
    )
    assert both.status_code == 400  # "Specifying both will return an HTTP 400"
    bad_header = api(
        gsim,
        "POST",
        f"/me/messages/{ref}/createReply",
        json={"message": {"internetMessageHeaders": [{"name": "Auto-Submitted", "value": "x"}]}},
    )
    assert bad_header.status_code == 400
    assert bad_header.json()["error"]["code"] == "InvalidInternetMessageHeader"
    assert gsim.folder_messages("drafts") == []


def test_patch_never_sets_internet_message_headers(gsim: GraphSimulator) -> None:
    ref = original(gsim)
    draft = api(gsim, "POST", f"/me/messages/{ref}/createReply").json()
    resp = api(
        gsim,
        "PATCH",
        f"/me/messages/{draft['id']}",
        json={"internetMessageHeaders": [{"name": "X-Ticket", "value": "1"}]},
    )
    assert resp.status_code == 400
    assert "only when the message is created" in resp.json()["error"]["message"]
    ok = api(
        gsim,
        "PATCH",
        f"/me/messages/{draft['id']}",
        json={"body": {"contentType": "Text", "content": "fine"}},
    )
    assert ok.status_code == 200
