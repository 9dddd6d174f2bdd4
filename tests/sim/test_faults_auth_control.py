"""Fault injection, authentication, version probing and the JSON control API."""

from __future__ import annotations

import time

import pytest
import requests
from exchangelib import FaultTolerance
from exchangelib.errors import (
    ErrorServerBusy,
    RateLimitError,
    TransportError,
    UnauthorizedError,
)

from focusguard.sim.ews import EwsSimulator

pytestmark = pytest.mark.timeout(40)


def test_server_busy_is_retried_with_back_off(sim: EwsSimulator, account_factory) -> None:
    account = account_factory(sim, retry_policy=FaultTolerance(max_wait=10))
    account.inbox  # noqa: B018 - warm up outside the measured window
    sim.fault("server_busy", count=2, operation="FindItem", backoff_ms=300)
    started = time.monotonic()
    assert account.inbox.all().count() == 0
    assert time.monotonic() - started >= 0.6
    assert [f["kind"] for f in sim.faults.fired] == ["server_busy", "server_busy"]


def test_server_busy_fails_fast_and_rate_limit(sim: EwsSimulator, account_factory) -> None:
    fail_fast = account_factory(sim)
    fail_fast.inbox  # noqa: B018
    sim.fault("server_busy", count=1, operation="FindItem", backoff_ms=100)
    with pytest.raises(ErrorServerBusy):
        fail_fast.inbox.all().count()
    patient = account_factory(sim, retry_policy=FaultTolerance(max_wait=1), user="patient")
    patient.inbox  # noqa: B018
    sim.fault("server_busy", count=1, operation="FindItem", backoff_ms=5000)
    with pytest.raises(RateLimitError):
        patient.inbox.all().count()


def test_http_503_retried_and_401_fails_fast(sim: EwsSimulator, account_factory) -> None:
    patient = account_factory(sim, retry_policy=FaultTolerance(max_wait=10), user="patient")
    patient.inbox  # noqa: B018
    sim.fault("http_503", count=1, operation="FindItem", retry_after_s=1)
    assert patient.inbox.all().count() == 0
    fail_fast = account_factory(sim, user="impatient")
    fail_fast.inbox  # noqa: B018
    sim.fault("http_401", count=1)
    with pytest.raises(UnauthorizedError):
        fail_fast.inbox.all().count()


def test_wrong_password_is_rejected() -> None:
    sim = EwsSimulator(password="secret").start()
    try:
        from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials

        for password, ok in (("wrong", False), ("secret", True)):
            config = Configuration(
                service_endpoint=sim.url,
                auth_type=BASIC,
                credentials=Credentials("me@corp.example", password),
            )
            acc = Account(
                "me@corp.example", config=config, autodiscover=False, access_type=DELEGATE
            )
            if ok:
                assert acc.inbox.name == "Inbox"
            else:
                with pytest.raises((UnauthorizedError, TransportError)):
                    acc.inbox  # noqa: B018
    finally:
        sim.stop()


def test_slow_response_and_rate_faults(sim: EwsSimulator, account) -> None:
    account.inbox  # noqa: B018
    sim.fault("slow", count=1, operation="FindItem", delay_s=0.5)
    started = time.monotonic()
    account.inbox.all().count()
    assert time.monotonic() - started >= 0.5
    sim.fault("slow", rate=0.0, delay_s=5)  # never fires
    account.inbox.all().count()
    sim.clear_faults()
    assert sim.faults.active() == []


def test_unpinned_client_probes_auth_and_version(sim: EwsSimulator, account_factory) -> None:
    acc = account_factory(sim, pinned=False)
    assert acc.inbox.name == "Inbox"
    assert acc.version.build.major_version == 15
    ops = sim.operations()
    assert ops[0] == "ConvertId"  # the unauthenticated probe that earns the 401 + Basic
    assert "GetFolder" in ops
    assert sim.schema_errors == []


def test_control_api(sim: EwsSimulator, account) -> None:
    base = sim.control_url
    resp = requests.post(
        f"{base}/deliver",
        json={
            "from": "Ann <ann@client.example>",
            "subject": "Order",
            "headers": {"X-Ticket": "1"},
            "importance": "Normal",
            "body": "Hi",
        },
        timeout=5,
    )
    assert resp.status_code == 200
    imid = resp.json()["internet_message_id"]
    inbox = requests.get(f"{base}/mailbox", timeout=5).json()["inbox"]
    assert [(m["from"], m["subject"], m["internet_message_id"]) for m in inbox] == [
        ("Ann <ann@client.example>", "Order", imid)
    ]
    assert requests.get(f"{base}/popups", timeout=5).json()[0]["internet_message_id"] == imid
    assert (
        requests.post(
            f"{base}/calendar",
            json={
                "subject": "Focus time",
                "start": "2026-11-23T09:00:00Z",
                "end": "2026-11-23T11:00:00Z",
            },
            timeout=5,
        ).status_code
        == 200
    )
    assert (
        requests.post(f"{base}/outlook-rule-blob", json={"exists": True}, timeout=5).json()[
            "exists"
        ]
        is True
    )
    assert (
        requests.post(f"{base}/fault", json={"kind": "http_503", "count": 1}, timeout=5).json()[
            "faults"
        ][0]["kind"]
        == "http_503"
    )
    assert requests.post(f"{base}/faults/clear", timeout=5).json() == {"faults": []}
    assert requests.get(f"{base}/rules", timeout=5).json() == []
    assert requests.get(f"{base}/sent", timeout=5).json() == []
    bad = requests.post(f"{base}/fault", json={"kind": "meteor"}, timeout=5)
    assert bad.status_code == 400 and "meteor" in bad.json()["error"]
    assert requests.get(f"{base}/nope", timeout=5).status_code == 404
    assert [m.subject for m in account.inbox.all()] == ["Order"]


def test_unauthenticated_soap_gets_basic_challenge(sim: EwsSimulator) -> None:
    resp = requests.post(sim.url, data=b"<x/>", timeout=5)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
