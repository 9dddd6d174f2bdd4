"""The Graph simulator's identity platform over raw HTTP, as Microsoft documents it: OpenID
discovery per tenant and domain, the device-code flow's polling answers, the browser's
redirect, and the AADSTS refusals' error shape (focusguard/sim/graph/login.py cites the pages)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from focusguard.sim.graph import GraphSimulator
from focusguard.sim.graph.login import DEVICE_GRANT, TENANT_ID


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    simulator = GraphSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()


def discovery(sim: GraphSimulator, tenant: str) -> requests.Response:
    return requests.get(
        f"{sim.login_url}/{tenant}/v2.0/.well-known/openid-configuration", timeout=5
    )


def test_discovery_for_the_domain_names_the_tenant_id_endpoints(sim: GraphSimulator) -> None:
    doc = discovery(sim, "corp.example").json()
    assert doc["issuer"] == f"https://login.microsoftonline.com/{TENANT_ID}/v2.0"
    assert doc["token_endpoint"] == f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/token"
    assert doc["device_authorization_endpoint"].endswith(f"/{TENANT_ID}/oauth2/v2.0/devicecode")
    multi = discovery(sim, "organizations").json()
    assert multi["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"


def test_discovery_answered_as_login_microsoftonline_com_is_https_there(
    sim: GraphSimulator,
) -> None:
    doc = requests.get(
        f"{sim.login_url}/corp.example/v2.0/.well-known/openid-configuration",
        headers={"Host": "login.microsoftonline.com"},
        timeout=5,
    ).json()
    assert (
        doc["token_endpoint"] == f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
    )


def test_unknown_domain_is_invalid_tenant_aadsts90002(sim: GraphSimulator) -> None:
    answer = discovery(sim, "nobody.example")
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'nobody.example' not found")
    assert {"timestamp", "trace_id", "correlation_id", "error_uri"} <= set(body)


def poll(sim: GraphSimulator, device_code: str) -> requests.Response:
    return requests.post(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/token",
        data={"grant_type": DEVICE_GRANT, "client_id": "cid", "device_code": device_code},
        timeout=5,
    )


def start_device_flow(sim: GraphSimulator) -> dict[str, object]:
    answer = requests.post(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/devicecode",
        data={"client_id": "cid", "scope": "https://graph.microsoft.com/Mail.ReadWrite"},
        timeout=5,
    )
    assert answer.status_code == 200
    flow: dict[str, object] = answer.json()
    return flow


def test_device_code_flow_pending_then_tokens_then_the_code_is_spent(sim: GraphSimulator) -> None:
    flow = start_device_flow(sim)
    assert {"device_code", "user_code", "verification_uri", "expires_in", "interval"} <= set(flow)
    assert str(flow["user_code"]) in str(flow["message"])
    pending = poll(sim, str(flow["device_code"]))
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert pending.json()["error_codes"] == [70016]
    sim.login.approve_device(str(flow["user_code"]))
    tokens = poll(sim, str(flow["device_code"])).json()
    assert {"access_token", "refresh_token", "id_token", "client_info"} <= set(tokens)
    assert sim.token_ok(tokens["access_token"])
    again = poll(sim, str(flow["device_code"]))
    assert again.json()["error"] == "bad_verification_code"


def test_declined_and_refused_device_sign_ins(sim: GraphSimulator) -> None:
    flow = start_device_flow(sim)
    sim.login.approve_device(decline=True)
    assert poll(sim, str(flow["device_code"])).json()["error"] == "authorization_declined"
    flow = start_device_flow(sim)
    sim.login.refuse("conditional_access")
    sim.login.approve_device()
    body = poll(sim, str(flow["device_code"])).json()
    assert body["error"] == "invalid_grant" and body["error_codes"] == [53003]


def test_control_api_refuses_and_approves(sim: GraphSimulator) -> None:
    flow = start_device_flow(sim)
    refused = requests.post(
        f"{sim.control_url}/login/refuse", json={"refusal": "mfa_required"}, timeout=5
    )
    assert refused.status_code == 200
    assert (
        requests.post(
            f"{sim.control_url}/login/refuse", json={"refusal": "x"}, timeout=5
        ).status_code
        == 400
    )
    approved = requests.post(f"{sim.control_url}/login/approve", json={}, timeout=5)
    assert approved.json() == {"user_code": flow["user_code"]}
    body = poll(sim, str(flow["device_code"])).json()
    assert body["error_codes"] == [50076] and body["suberror"] == "basic_action"


def test_browser_sign_in_redirects_to_the_loopback_with_a_code(sim: GraphSimulator) -> None:
    answer = requests.get(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/authorize",
        params={
            "client_id": "cid",
            "redirect_uri": "http://localhost:5555",
            "state": "s1",
            "scope": "Mail.ReadWrite",
            "response_type": "code",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    query = parse_qs(back.query)
    assert back.netloc == "localhost:5555" and query["state"] == ["s1"]
    redeemed = requests.post(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/token",
        data={"grant_type": "authorization_code", "code": query["code"][0], "client_id": "cid"},
        timeout=5,
    ).json()
    assert "access_token" in redeemed
    outside = requests.get(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/authorize",
        params={"client_id": "cid", "redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=5,
    )
    assert outside.status_code == 400 and outside.json()["error_codes"] == [50011]


def test_refresh_refused_while_a_refusal_stands(sim: GraphSimulator) -> None:
    flow = start_device_flow(sim)
    sim.login.approve_device()
    refresh = poll(sim, str(flow["device_code"])).json()["refresh_token"]
    sim.login.refuse("admin_consent_required")
    body = requests.post(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid"},
        timeout=5,
    ).json()
    assert body["error_codes"] == [90094]
    sim.login.refuse(None)
    ok = requests.post(
        f"{sim.login_url}/{TENANT_ID}/oauth2/v2.0/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid"},
        timeout=5,
    ).json()
    assert "access_token" in ok
