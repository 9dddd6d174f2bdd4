"""A working day on a real backend: the real engine with a real store on a virtual clock that
the simulator's deliveries follow. Watcher callbacks are queued and run on the test thread, as
the runtime runs them on its worker thread."""

from __future__ import annotations

import queue
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from focusguard.app.backends import simulator_account
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine, Outcome
from focusguard.core.ports import MailBackend, MailItem
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.ews.backend import EwsBackend
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from focusguard.store import Store
from tests.fakes import RecordingNotifier

EWS_PASSWORD = "secret"  # what the `ews_sim` fixture accepts
LONDON = ZoneInfo("Europe/London")


def tue(hh: int, mm: int = 0) -> datetime:
    """Tuesday 24 March 2026 in London: check-ins 09:30, 13:00, 16:30; focus 10:00-11:00."""
    return datetime(2026, 3, 24, hh, mm, tzinfo=LONDON)


def office_settings(kind: str, url: str, people: str) -> Settings:
    """me@corp.example on `kind` ("ews" or "graph") at `url` in server-rule mode, with the
    `[people]` lines given and `tue`'s schedule."""
    account = simulator_account(kind, url)
    return settings_from_toml(
        f"""
{account}
[people]
{people}

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]
check_in_minutes = 30

[[schedule.focus_blocks]]
days = ["tue"]
start = "10:00"
end = "11:00"

[holding]
mode = "server-rule"
folder = "FocusGuard Held"
"""
    )


class Day:
    def __init__(
        self, sim: Any, backend: MailBackend, clock: VirtualClock, settings: Settings, tmp: Path
    ) -> None:
        self.sim = sim
        self.backend = backend
        self.clock = clock
        self.events: queue.Queue[MailItem | None] = queue.Queue()
        self.store = Store.open(tmp / "state.sqlite3")
        self.notes = RecordingNotifier()
        self.outcomes: dict[str, Outcome] = {}
        self.engine = Engine(
            settings,
            self.backend,
            self.store,
            self.clock,
            self.notes,
            on_outcome=lambda o: self.outcomes.setdefault(o.message_id, o),
        )
        self.engine.start(on_new=self.events.put, on_resync=lambda: self.events.put(None))

    def deliver(self, sender: str, subject: str = "hello", **headers: str) -> str:
        mid: str = self.sim.deliver(sender, subject, headers=headers, received=self.clock.now())
        return mid

    def settle(self, expect: set[str], timeout: float = 10.0) -> None:
        """Run watcher callbacks until the engine has decided on every message in `expect`."""
        deadline = time.monotonic() + timeout
        while not expect <= set(self.outcomes):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                missing = expect - set(self.outcomes)
                raise AssertionError(f"no decision within {timeout}s for {missing}")
            try:
                item = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is None:
                self.engine.resync()
            else:
                self.engine.on_new_mail(item)

    def go(self, t: datetime) -> None:
        self.clock.set(t)
        self.engine.reconcile(t)

    def folder_of(self) -> dict[str, list[str]]:
        where: dict[str, list[str]] = {}
        for folder, messages in self.sim.mailbox_snapshot().items():
            for m in messages:
                where.setdefault(m["internet_message_id"], []).append(folder)
        return where

    def close(self) -> None:
        self.backend.close()
        self.store.close()


def ews_day(sim: EwsSimulator, tmp: Path, settings: Settings, start: datetime) -> Day:
    """The engine on the real EWS backend (real exchangelib) against `sim`."""
    assert settings.account is not None
    backend = EwsBackend(
        settings.account, settings.holding, password=EWS_PASSWORD, backoff_start=0.05, max_wait=10
    )
    return Day(sim, backend, VirtualClock(start), settings, tmp)


def graph_day(sim: GraphSimulator, tmp: Path, settings: Settings, start: datetime) -> Day:
    """The engine on the real Graph backend against `sim`; the backend switches its rules by
    the same virtual clock."""
    assert settings.account is not None
    clock = VirtualClock(start)
    backend = GraphBackend(
        settings.account,
        settings.holding,
        StaticTokens(DEMO_TOKEN),
        base_url=sim.url,
        clock=clock.now,
        poll_seconds=0.1,
    )
    return Day(sim, backend, clock, settings, tmp)


def open_day(
    request: pytest.FixtureRequest, backend: str, tmp: Path, people: str, start: datetime
) -> Day:
    """A day on `backend` ("ews" or "graph") against its simulator fixture (`ews_sim`,
    `graph_sim`), with `office_settings` and the `[people]` lines given."""
    sim = request.getfixturevalue(f"{backend}_sim")
    settings = office_settings(backend, sim.url, people)
    if backend == "ews":
        return ews_day(sim, tmp, settings, start)
    return graph_day(sim, tmp, settings, start)
