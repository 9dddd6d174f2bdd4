"""EWS backend tests: the real exchangelib over real HTTP against the EWS simulator.

Each test starts its own simulator on port 0. Strict schema validation is on whenever the
Microsoft schema is present (`../shared/ews-schema`); every test's teardown asserts that the
simulator recorded no schema violation and no handler error, so across the suite no request
FocusGuard sends breaks the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from focusguard.core.ports import RuleMode
from focusguard.core.settings import AccountSettings, HoldingSettings
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator

PASSWORD = "Zq7-unusual-Secret-4711"
EMAIL = "me@corp.example"
SCHEMA_DIR = Path(__file__).resolve().parents[4] / "shared" / "ews-schema"
FOLDER = "FocusGuard Held"


@pytest.fixture
def sim() -> Iterator[EwsSimulator]:
    s = EwsSimulator(password=PASSWORD, mailbox=EMAIL, heartbeat_s=0.5)
    s.start()
    try:
        yield s
    finally:
        s.stop()
    assert s.schema_errors == [], f"requests broke the EWS schema: {s.schema_errors}"
    assert s.errors == [], f"simulator errors: {s.errors}"


def account_for(sim: EwsSimulator, **changes: Any) -> AccountSettings:
    fields: dict[str, Any] = {
        "kind": "ews",
        "email": EMAIL,
        "ews_url": sim.url,
        "auth": "basic",
    }
    fields.update(changes)
    return AccountSettings(**fields)


@pytest.fixture
def account(sim: EwsSimulator) -> AccountSettings:
    return account_for(sim)


@pytest.fixture
def make_backend(
    account: AccountSettings,
) -> Iterator[Callable[..., EwsBackend]]:
    made: list[EwsBackend] = []

    def make(
        acct: AccountSettings | None = None,
        password: str | None = PASSWORD,
        connect: bool = True,
        **kw: Any,
    ) -> EwsBackend:
        kw.setdefault("max_wait", 20)
        kw.setdefault("backoff_start", 0.1)
        backend = EwsBackend(
            acct or account, HoldingSettings(RuleMode.SERVER_RULE, FOLDER), password, **kw
        )
        made.append(backend)
        if connect:
            backend.connect()
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., EwsBackend]) -> EwsBackend:
    return make_backend()
