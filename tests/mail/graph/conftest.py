"""Fixtures: a fresh Graph simulator per test and the real GraphBackend talking to it over
HTTP with the simulator's static token (msal is tested at its boundary in test_tokens.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from focusguard.core.ports import Folder, HoldRules, MailItem, RuleMode
from focusguard.core.settings import AccountSettings, HoldingSettings
from focusguard.domain.policy import HoldPlan
from focusguard.domain.schedule import Interval
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

MAILBOX = "me@corp.example"
CLIENT_ID = "00000000-0000-0000-0000-00000000f0c5"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    simulator = GraphSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()
    assert simulator.errors == [], simulator.errors


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def account(**changes: Any) -> AccountSettings:
    values: dict[str, Any] = {
        "kind": "graph",
        "email": MAILBOX,
        "auth": "oauth",
        "client_id": CLIENT_ID,
        "poll_seconds": 15,
    }
    values.update(changes)
    return AccountSettings(**values)


@pytest.fixture
def make_backend(sim: GraphSimulator, clock: FakeClock) -> Iterator[Callable[..., GraphBackend]]:
    made: list[GraphBackend] = []

    def make(
        *,
        mode: RuleMode = RuleMode.SERVER_RULE,
        connect: bool = True,
        token: str = DEMO_TOKEN,
        **kwargs: Any,
    ) -> GraphBackend:
        kwargs.setdefault("poll_seconds", 0.1)
        kwargs.setdefault("backoff_start", 0.01)
        backend = GraphBackend(
            account(),
            HoldingSettings(mode=mode),
            StaticTokens(token),
            base_url=sim.url,
            clock=clock,
            **kwargs,
        )
        made.append(backend)
        if connect:
            backend.connect()
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., GraphBackend]) -> GraphBackend:
    return make_backend()


def hold_rules(
    *,
    customer: Interval | None = None,
    focus: Interval | None = None,
    customers: tuple[str, ...] = ("client.example",),
    all_external: bool = False,
    own: tuple[str, ...] = ("corp.example",),
    urgent: tuple[str, ...] = ("boss@client.example", "pager.example"),
) -> HoldRules:
    return HoldRules(HoldPlan(customer, focus), customers, all_external, own, urgent)


class Collector:
    """on_new/on_resync for the watcher, with waiting helpers (no fixed sleeps)."""

    def __init__(self) -> None:
        self.items: list[MailItem] = []
        self.resyncs = 0
        self._cond = threading.Condition()

    def on_new(self, item: MailItem) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def on_resync(self) -> None:
        with self._cond:
            self.resyncs += 1
            self._cond.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting")
                self._cond.wait(left)

    def subjects(self, folder: Folder) -> list[str]:
        with self._cond:
            return [i.subject for i in self.items if i.folder is folder]
