"""Fixtures: a fresh simulator per test and a real exchangelib Account pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

exchangelib = pytest.importorskip("exchangelib")

from exchangelib import (  # noqa: E402
    BASIC,
    DELEGATE,
    Account,
    Build,
    Configuration,
    Credentials,
    FailFast,
    Version,
)
from exchangelib.protocol import BaseProtocol, close_connections  # noqa: E402

from focusguard.sim.ews import EwsSimulator  # noqa: E402
from focusguard.sim.ews.schema import find_schema_dir  # noqa: E402

MAILBOX = "me@corp.example"
SCHEMA_MISSING = find_schema_dir() is None
needs_schema = pytest.mark.skipif(
    SCHEMA_MISSING,
    reason="EWS schema not found (set FOCUSGUARD_EWS_SCHEMA_DIR or provide ../shared/ews-schema)",
)


@pytest.fixture
def sim() -> Iterator[EwsSimulator]:
    # Streaming "minutes" last a second so ConnectionTimeout=1 ends quickly.
    simulator = EwsSimulator(stream_minute_s=1.0, heartbeat_s=0.3).start()
    try:
        yield simulator
    finally:
        simulator.stop()
        close_connections()
    # Whatever a test did, exchangelib must never have sent a schema-invalid request by
    # accident, and the simulator must never have produced an invalid response.
    assert simulator.errors == [], simulator.errors
    assert simulator.unsupported_ops == [], simulator.unsupported_ops


def make_account(
    sim: EwsSimulator,
    *,
    password: str = "p",
    retry_policy: object = None,
    pinned: bool = True,
    user: str = "me@corp.example",
) -> Account:
    """exchangelib caches one Protocol (with its retry policy) per endpoint + credentials, so
    accounts that need a different policy must use a different user name."""
    kwargs: dict[str, object] = {}
    if pinned:
        kwargs["version"] = Version(build=Build(15, 1, 2507, 6), api_version="Exchange2016")
        kwargs["auth_type"] = BASIC
    config = Configuration(
        service_endpoint=sim.url,
        credentials=Credentials(user, password),
        max_connections=3,
        retry_policy=retry_policy or FailFast(),
        **kwargs,
    )
    return Account(MAILBOX, config=config, autodiscover=False, access_type=DELEGATE)


@pytest.fixture
def account_factory():
    """make_account as a fixture, for tests that need a second simulator or other settings."""
    return make_account


@pytest.fixture
def account(sim: EwsSimulator) -> Account:
    # No retries on a dead socket: a simulator bug should fail the test, not hang it.
    BaseProtocol.TIMEOUT = 20
    return make_account(sim)
