"""The Graph simulator on its own: rules at delivery, batch limits, auth, faults, delta paging,
the control API and the standalone process (`focusguard sim --graph`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

pytestmark = pytest.mark.timeout(30)
REPO = Path(__file__).resolve().parents[3]
AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}", "Prefer": 'IdType="ImmutableId"'}


@pytest.fixture
def gsim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator(seed=7).start()
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


def api(sim: GraphSimulator, method: str, path: str, **kw: Any) -> requests.Response:
    return requests.request(method, f"{sim.url}{path}", headers=AUTH, timeout=5, **kw)


def where(sim: GraphSimulator, imid: str) -> str:
    [name] = [
        n
        for n, msgs in sim.mailbox_snapshot().items()
        for m in msgs
        if m["internet_message_id"] == imid
    ]
    return name


def test_rule_semantics_and_and_or_exceptions_or_stop_processing(gsim: GraphSimulator) -> None:
    gsim.create_folder("A")
    gsim.create_folder("B")
    gsim.add_user_rule(
        "later",
        sequence=5,
        conditions={"senderContains": ["client"]},
        actions={"moveToFolder": "B"},
    )
    gsim.add_user_rule(
        "first",
        sequence=1,
        conditions={
            "senderContains": ["client.example", "other.example"],
            "subjectContains": ["order"],
        },
        exceptions={
            "fromAddresses": [{"emailAddress": {"address": "vip@client.example"}}],
            "subjectContains": ["urgent"],
        },
        actions={"moveToFolder": "A", "stopProcessingRules": True},
    )
    gsim.add_user_rule("off", sequence=0 + 2, enabled=False, actions={"delete": True})
    assert where(gsim, gsim.deliver("a <a@client.example>", "Order 1")) == "A"
    assert where(gsim, gsim.deliver("a <a@other.example>", "ORDER 2")) == "A"  # values OR-ed
    assert where(gsim, gsim.deliver("a <a@client.example>", "hello")) == "B"  # AND-ed
    assert where(gsim, gsim.deliver("v <vip@client.example>", "Order 3")) == "B"  # exception
    assert where(gsim, gsim.deliver("a <a@client.example>", "urgent order")) == "B"  # OR-ed
    assert where(gsim, gsim.deliver("a <a@corp.example>", "Order 4")) == "inbox"
    assert [p["subject"] for p in gsim.popups] == ["Order 4"]
    assert gsim.deliveries[0]["rules"] == ["first"]


def test_rule_crud_validates_like_graph(gsim: GraphSimulator) -> None:
    held = gsim.create_folder("Held")
    body = {
        "displayName": "x",
        "sequence": 1,
        "isEnabled": True,
        "conditions": {"senderContains": ["a"]},
        "actions": {"moveToFolder": held, "stopProcessingRules": True},
    }
    created = api(gsim, "POST", "/me/mailFolders/inbox/messageRules", json=body)
    assert created.status_code == 201
    rule_id = created.json()["id"]
    bad = api(
        gsim,
        "POST",
        "/me/mailFolders/inbox/messageRules",
        json={**body, "conditions": {"withinDateRange": {}}},
    )
    assert bad.status_code == 400  # Graph has no date predicate
    assert (
        api(
            gsim, "POST", "/me/mailFolders/inbox/messageRules", json={**body, "actions": {}}
        ).status_code
        == 400
    )
    assert (
        api(
            gsim,
            "PATCH",
            f"/me/mailFolders/inbox/messageRules/{rule_id}",
            json={"isEnabled": False},
        ).json()["isEnabled"]
        is False
    )
    assert api(gsim, "DELETE", f"/me/mailFolders/inbox/messageRules/{rule_id}").status_code == 204
    assert api(gsim, "GET", f"/me/mailFolders/inbox/messageRules/{rule_id}").status_code == 404


def test_batch_limit_and_sub_responses(gsim: GraphSimulator) -> None:
    reqs = [{"id": str(i), "method": "GET", "url": "/me/mailFolders/inbox"} for i in range(21)]
    too_many = api(gsim, "POST", "/$batch", json={"requests": reqs})
    assert too_many.status_code == 400
    gsim.fault("throttle", count=1, retry_after_s=3, operation="mailFolders")
    missing = {"id": "x", "method": "GET", "url": "/me/messages/nope"}
    ok = api(gsim, "POST", "/$batch", json={"requests": [*reqs[:2], missing]})
    assert ok.status_code == 200
    statuses = {r["id"]: (r["status"], r["headers"]) for r in ok.json()["responses"]}
    assert statuses["0"][0] == 429 and statuses["0"][1]["Retry-After"] == "3"
    assert statuses["1"][0] == 200 and statuses["x"][0] == 404
    [sub_batch] = [e for e in gsim.request_log if e["operation"] == "batch" and e["status"] == 200]
    assert sub_batch


def test_auth_and_token_endpoint(gsim: GraphSimulator) -> None:
    no = requests.get(f"{gsim.url}/me/mailFolders/inbox", timeout=5)
    assert no.status_code == 401
    assert no.json()["error"]["code"] == "InvalidAuthenticationToken"
    bare = requests.post(
        f"{gsim.authority}/oauth2/v2.0/token", timeout=5, data={"grant_type": "authorization_code"}
    )
    assert bare.status_code == 400 and bare.json()["error"] == "invalid_grant"  # no code
    redirect = requests.get(
        f"{gsim.authority}/oauth2/v2.0/authorize",
        params={"client_id": "c", "redirect_uri": "http://localhost:1", "scope": "Mail.Read"},
        allow_redirects=False,
        timeout=5,
    ).headers["Location"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    issued = requests.post(
        f"{gsim.authority}/oauth2/v2.0/token",
        timeout=5,
        data={"grant_type": "authorization_code", "code": code},
    ).json()
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (
        requests.get(f"{gsim.url}/me/mailFolders/inbox", headers=headers, timeout=5).status_code
        == 200
    )
    refreshed = requests.post(
        f"{gsim.authority}/oauth2/v2.0/token",
        timeout=5,
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
    )
    assert refreshed.status_code == 200
    gsim.revoke_tokens()
    revoked = requests.post(
        f"{gsim.authority}/oauth2/v2.0/token",
        timeout=5,
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
    )
    assert revoked.json()["error"] == "invalid_grant"
    assert api(gsim, "GET", "/me/mailFolders/inbox").status_code == 401


def test_delta_pages_removals_and_dead_tokens(gsim: GraphSimulator) -> None:
    for i in range(15):
        gsim.deliver(f"c <c{i}@x.example>", f"m{i}")
    first = api(
        gsim, "GET", "/me/mailFolders/inbox/messages/delta", params={"$select": "subject"}
    ).json()
    assert len(first["value"]) == 10 and "@odata.nextLink" in first
    assert set(first["value"][0]) == {"@odata.etag", "id", "subject"}
    second = requests.get(first["@odata.nextLink"], headers=AUTH, timeout=5).json()
    assert len(second["value"]) == 5
    link = second["@odata.deltaLink"]
    moved = first["value"][0]["id"]
    assert (
        api(
            gsim, "POST", f"/me/messages/{moved}/move", json={"destinationId": "deleteditems"}
        ).json()["id"]
        == moved
    )  # immutable
    gsim.deliver("n <n@x.example>", "new")
    changes = requests.get(link, headers=AUTH, timeout=5).json()["value"]
    assert {"id": moved, "@removed": {"reason": "deleted"}} in changes
    assert [c["subject"] for c in changes if "subject" in c] == ["new"]
    gsim.expire_delta_tokens()
    gone = requests.get(link, headers=AUTH, timeout=5)
    # The spelling of https://learn.microsoft.com/en-us/graph/errors#code-property
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "syncStateNotFound"
    gsim.expire_delta_tokens(400, "resyncRequired")  # "a 40X-series error"
    dead = requests.get(link, headers=AUTH, timeout=5)
    assert dead.status_code == 400 and dead.json()["error"]["code"] == "resyncRequired"
    with pytest.raises(ValueError):
        gsim.expire_delta_tokens(500, "syncStateNotFound")
    control = f"{gsim.control_url}/delta/expire"
    assert requests.post(control, json={"status": 404}, timeout=5).json()["status"] == 404
    assert requests.post(control, json={"code": "nope"}, timeout=5).status_code == 400
    broken = requests.get(link.replace("deltatoken=", "deltatoken=x"), headers=AUTH, timeout=5)
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "syncStateInvalid"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_standalone_cli_process_and_control_api() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "focusguard", "sim", "--graph", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}/_control"
    try:
        for _ in range(200):
            try:
                status = requests.get(f"{base}/status", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("simulator did not come up")
        assert status["url"] == f"http://127.0.0.1:{port}/v1.0"
        assert len(requests.get(f"{base}/mailbox", timeout=2).json()["inbox"]) == 2
        imid = requests.post(
            f"{base}/deliver",
            timeout=2,
            json={"from": "Ann <ann@client.example>", "subject": "Order"},
        ).json()["internet_message_id"]
        assert imid in [
            p["internet_message_id"] for p in requests.get(f"{base}/popups", timeout=2).json()
        ]
        assert (
            requests.post(
                f"{base}/fault", timeout=2, json={"kind": "throttle", "rate": 0.5}
            ).json()["faults"][0]["rate"]
            == 0.5
        )
        assert requests.post(f"{base}/faults/clear", timeout=2).json() == {"faults": []}
        assert requests.post(f"{base}/fault", timeout=2, json={"kind": "nope"}).status_code == 400
        assert (
            "item_id"
            in requests.post(
                f"{base}/calendar",
                timeout=2,
                json={
                    "subject": "Focus time",
                    "start": "2026-11-23T09:00:00+01:00",
                    "end": "2026-11-23T11:00:00+01:00",
                },
            ).json()
        )
        assert requests.get(f"{base}/sent", timeout=2).json() == []
        assert requests.get(f"{base}/rules", timeout=2).json() == []
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert "Graph simulator stopped." in out, err
    assert "Traceback" not in err


def test_delta_with_immutable_ids_reports_a_message_moved_out_and_back_as_removed(
    gsim: GraphSimulator,
) -> None:
    # Exchange Online's behaviour (microsoftgraph/microsoft-graph-docs-contrib#72): removed,
    # and not reported again until it changes.
    gsim.deliver("c <c@x.example>", "m")
    first = api(gsim, "GET", "/me/mailFolders/inbox/messages/delta").json()
    [msg] = first["value"]
    api(gsim, "POST", f"/me/messages/{msg['id']}/move", json={"destinationId": "archive"})
    api(gsim, "POST", f"/me/messages/{msg['id']}/move", json={"destinationId": "inbox"})
    second = requests.get(first["@odata.deltaLink"], headers=AUTH, timeout=5).json()
    assert second["value"] == [{"id": msg["id"], "@removed": {"reason": "deleted"}}]
    api(gsim, "PATCH", f"/me/messages/{msg['id']}", json={"isRead": True})
    third = requests.get(second["@odata.deltaLink"], headers=AUTH, timeout=5).json()
    assert [v["id"] for v in third["value"] if "@removed" not in v] == [msg["id"]]
