"""`Engine.stand_down`, the fail-safe's run, on a virtual clock: the real engine with the real
EWS backend (exchangelib over HTTP) and the real Graph backend against their simulators.

An app engine holds customer mail at 11:00 on a Tuesday and "dies" (its backend is dropped,
nothing switches its rules off). At 13:05 — after the 13:00 check-in — a second engine on
the same state store, as `focusguard failsafe` builds it, stands down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from exchangelib.protocol import close_connections

from focusguard.app.backends import simulator_account
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine
from focusguard.core.ports import MailBackend
from focusguard.core.records import HeldState
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.ews.backend import EwsBackend
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from focusguard.store import Store
from tests.fakes import RecordingNotifier

LONDON = ZoneInfo("Europe/London")
HELD = "FocusGuard Held"


def tue(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, 24, hh, mm, tzinfo=LONDON)


def config(kind: str, url: str) -> Settings:
    account = simulator_account(kind, url)
    return settings_from_toml(
        f"""
{account}
[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]
check_in_minutes = 30
calendar_focus_subject = ""

[holding]
mode = "server-rule"
folder = "{HELD}"
"""
    )


class Rig:
    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.sim: EwsSimulator | GraphSimulator = (
            EwsSimulator(password="secret") if kind == "ews" else GraphSimulator()
        )
        self.sim.start()
        self.settings = config(kind, self.sim.url)
        self.clock = VirtualClock(tue(11))
        self.store = Store.open(tmp / "state.sqlite3")
        self.backends: list[MailBackend] = []

    def backend(self) -> MailBackend:
        account, holding = self.settings.account, self.settings.holding
        assert account is not None
        made: MailBackend
        if self.kind == "ews":
            made = EwsBackend(account, holding, password="secret", backoff_start=0.05, max_wait=10)
        else:
            made = GraphBackend(
                account,
                holding,
                StaticTokens(DEMO_TOKEN),
                base_url=self.sim.url,
                clock=self.clock.now,
                backoff_start=0.01,
            )
        made.connect()
        self.backends.append(made)
        return made

    def engine(self) -> Engine:
        return Engine(self.settings, self.backend(), self.store, self.clock, RecordingNotifier())

    def deliver(self, n: int, tag: str, received: datetime) -> set[str]:
        return {
            self.sim.deliver(
                f"Client {i} <c{i}@client{i}.example>", f"{tag} {i}", received=received
            )
            for i in range(n)
        }

    def where(self, mids: set[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {m: [] for m in mids}
        for folder, messages in self.sim.mailbox_snapshot().items():
            for m in messages:
                if m["internet_message_id"] in out:
                    out[m["internet_message_id"]].append(folder)
        return out

    def rules_on(self) -> list[str]:
        if isinstance(self.sim, GraphSimulator):
            return [r["displayName"] for r in self.sim.rules() if r["isEnabled"]]
        return [r["name"] for r in self.sim.rules()]

    def close(self) -> None:
        for b in self.backends:
            b.close()
        self.store.close()
        self.sim.stop()
        close_connections()


@pytest.fixture(params=["ews", "graph"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    r = Rig(request.param, tmp_path)
    yield r
    r.close()
    assert r.sim.errors == [], r.sim.errors


def app_holds(rig: Rig) -> set[str]:
    """The app's life: rules on at 11:00, three customer emails held until 13:00."""
    app = rig.engine()
    app.reconcile(rig.clock.now(), kind="startup")
    assert rig.rules_on()
    mids = rig.deliver(3, "before", tue(11, 1))
    rig.clock.set(tue(11, 2))
    app.reconcile(rig.clock.now())
    held = rig.store.held()
    assert {r.message_id for r in held} == mids
    assert {r.release_at for r in held} == {tue(13)}
    return mids


def test_stand_down_after_the_check_in_releases_the_ledger_and_switches_rules_off(
    rig: Rig,
) -> None:
    held = app_holds(rig)
    # The app dies. Before 13:00 the server rules go on holding; Graph's afterwards too.
    late = rig.deliver(2, "late", tue(12, 50))
    rig.clock.set(tue(13, 5))
    after = rig.deliver(1, "after", tue(13, 5))

    failsafe = rig.engine()
    result = failsafe.stand_down(rig.clock.now())

    assert result.rules_off and rig.rules_on() == []
    assert result.released == 5 and result.failed == 0 and result.problem is None
    assert result.complete and result.held == 0
    where = rig.where(held | late | after)
    assert all(f == ["inbox"] for f in where.values()), where
    assert rig.store.held() == []
    assert {r.message_id for r in rig.store.held(HeldState.RELEASED)} == held | late
    record = rig.store.check_ins(1)[0]
    assert (record.kind, record.released, record.failed) == ("failsafe", 5, 0)

    # Idempotent: the next run finds nothing to do and moves nothing.
    moves = len(rig.sim.moves)
    again = failsafe.stand_down(rig.clock.now())
    assert again.release is None and again.rules_off
    assert len(rig.sim.moves) == moves


def test_stand_down_before_the_check_in_keeps_what_is_not_due(rig: Rig) -> None:
    held = app_holds(rig)
    rig.clock.set(tue(11, 20))
    result = rig.engine().stand_down(rig.clock.now())
    assert result.rules_off and rig.rules_on() == []
    assert result.release is None and result.held == 3
    assert result.next_release == tue(13)
    assert all(f == [HELD] for f in rig.where(held).values())


def test_stand_down_everything_releases_what_is_not_due_too(rig: Rig) -> None:
    held = app_holds(rig)
    result = rig.engine().stand_down(rig.clock.now(), everything=True)
    assert result.released == 3 and result.held == 0
    assert all(f == ["inbox"] for f in rig.where(held).values())


def test_stand_down_with_outlook_rules_leaves_the_ews_rule_to_expire(tmp_path: Path) -> None:
    rig = Rig("ews", tmp_path)
    try:
        held = app_holds(rig)
        assert isinstance(rig.sim, EwsSimulator)
        rig.sim.set_outlook_rule_blob(True)  # the user's Outlook stored client-side rules
        rig.clock.set(tue(13, 5))
        result = rig.engine().stand_down(rig.clock.now())
        assert not rig.sim.outlook_rule_blob_destroyed
        assert not result.rules_off and not result.complete  # the next run looks again
        assert result.released == 3
        assert all(f == ["inbox"] for f in rig.where(held).values())
    finally:
        rig.close()


RigFactory = Callable[[str, Path], Rig]
