"""A working day end to end: the real engine and the real exchangelib against the EWS
simulator over real HTTP, on a virtual clock that the simulator's deliveries follow.

Each simulator delivery is a transport delivery: the mailbox's inbox rules run first (as
Exchange's would), and whatever lands in the Inbox is recorded as a pop-up the user saw.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focusguard.app.backends import simulator_account
from focusguard.core.ports import RuleMode
from focusguard.core.records import HeldState
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.sim.ews import EwsSimulator
from tests.integration.day import ews_day

LONDON = ZoneInfo("Europe/London")
HELD = "FocusGuard Held"


def config(url: str, mode: str = "server-rule", consent: bool = False) -> Settings:
    return settings_from_toml(
        f"""
{simulator_account("ews", url, extra=f"allow_rule_blob_removal = {str(consent).lower()}")}
[people]
own_domains = ["corp.example"]
customers = ["bigclient.com"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]
check_in_minutes = 30
calendar_focus_subject = "Focus time"

[[schedule.focus_blocks]]
days = ["tue"]
start = "10:00"
end = "11:00"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "{mode}"
folder = "{HELD}"
"""
    )


def tue(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, 24, hh, mm, tzinfo=LONDON)


@pytest.fixture
def sim(ews_sim: EwsSimulator) -> EwsSimulator:
    return ews_sim


def popups_between(sim: EwsSimulator, start: datetime, end: datetime) -> list[dict[str, object]]:
    out = []
    for popup in sim.popups:
        at = datetime.fromisoformat(str(popup["time"]).replace("Z", "+00:00"))
        if start <= at < end:
            out.append(popup)
    return out


@pytest.mark.timeout(120)
def test_a_full_day_in_server_rule_mode(sim: EwsSimulator, tmp_path: Path) -> None:
    sim.add_user_rule("My newsletters", from_addresses=["news@vendor.example"], move_to="inbox")
    user_rules_before = [r for r in sim.rules() if r["name"] == "My newsletters"]
    day = ews_day(sim, tmp_path, config(sim.url), tue(8, 0))
    try:
        assert day.engine.status().mode == "server-rule"
        ann = day.deliver("Ann Lee <ann@client.example>", "Invoice")
        day.clock.set(tue(8, 15))
        bob = day.deliver("Bob <bob@corp.example>", "Stand-up")
        boss = day.deliver("boss@corp.example", "Board pack")
        lookalike = day.deliver("Mallory <x@corp.example.evil.net>", "Lookalike")
        day.settle({ann, lookalike})
        where = day.folder_of()
        assert where[ann] == [HELD] and where[lookalike] == [HELD]
        assert where[bob] == ["inbox"] and where[boss] == ["inbox"]

        day.go(tue(9, 30))
        where = day.folder_of()
        assert where[ann] == ["inbox"] and where[lookalike] == ["inbox"]
        day.clock.set(tue(9, 40))
        carol = day.deliver("carol@bigclient.com", "In the window")
        assert day.folder_of()[carol] == ["inbox"]

        # The scheduled focus block (10:00-11:00) was armed ahead on the server.
        day.go(tue(10, 0))
        day.clock.set(tue(10, 15))
        bob2 = day.deliver("bob@corp.example", "During focus")
        boss2 = day.deliver("boss@corp.example", "Urgent during focus")
        dave = day.deliver("dave@other.example", "Customer during focus")
        day.settle({bob2, dave})
        where = day.folder_of()
        assert where[bob2] == [HELD] and where[dave] == [HELD] and where[boss2] == ["inbox"]

        day.go(tue(11, 0))
        assert day.folder_of()[bob2] == ["inbox"]
        assert day.folder_of()[dave] == [HELD]
        day.go(tue(13, 0))
        assert day.folder_of()[dave] == ["inbox"]

        # Zero leaked pop-ups: during focus only the urgent sender reached the Inbox, and
        # outside check-in windows no customer did, the look-alike of the own domain
        # (x@corp.example.evil.net) included: the look-alike guard ahead of the customer hold
        # held it on the server (tests/integration/test_lookalike_corpus.py has the corpus).
        in_focus = popups_between(sim, tue(10, 0), tue(11, 0))
        assert [p["internet_message_id"] for p in in_focus] == [boss2]
        customer_popups = {p["internet_message_id"] for p in sim.popups} & {ann, lookalike, dave}
        assert customer_popups == set()
        assert not day.outcomes[lookalike].moved  # the server held it, not the engine

        # One auto-reply each to Ann and Dave, with RFC 3834 headers and threading.
        sent = sim.sent()
        to_ann = [m for m in sent if "ann@client.example" in str(m)]
        assert len(to_ann) == 1
        headers = {k.lower(): v for k, v in to_ann[0]["headers"].items()}
        assert headers["auto-submitted"] == "auto-replied"
        assert headers["x-auto-response-suppress"] == "All"
        assert headers["in-reply-to"] == ann
        assert "09:30" in to_ann[0]["body"]

        # Nothing lost or duplicated; the ledger agrees with the mailbox.
        for mid, folders in day.folder_of().items():
            assert len(folders) == 1, (mid, folders)
        assert day.store.count_held() == 0
        rec = day.store.get_held(ann)
        assert rec is not None and rec.state is HeldState.RELEASED
        # The user's own rule is exactly as it was.
        assert [r for r in sim.rules() if r["name"] == "My newsletters"] == user_rules_before
    finally:
        day.close()


@pytest.mark.timeout(60)
def test_outlook_rule_blob_means_client_move_and_no_rule_changes(
    sim: EwsSimulator, tmp_path: Path
) -> None:
    sim.set_outlook_rule_blob(True)
    day = ews_day(sim, tmp_path, config(sim.url), tue(8, 0))
    try:
        status = day.engine.status()
        assert status.mode == RuleMode.CLIENT_MOVE.value
        assert "client-side rules" in status.mode_detail
        assert "UpdateInboxRules" not in sim.operations()
        assert sim.outlook_rule_blob_destroyed is False
        assert any("Holding mail on this computer" in title for _, title, _ in day.notes.seen)
        started = time.monotonic()
        ann = day.deliver("ann@client.example", "Held on this computer")
        day.settle({ann})
        assert day.folder_of()[ann] == [HELD]
        assert time.monotonic() - started < 5
    finally:
        day.close()


@pytest.mark.timeout(60)
def test_consent_lets_rules_change_even_with_outlook_rules(
    sim: EwsSimulator, tmp_path: Path
) -> None:
    sim.set_outlook_rule_blob(True)
    day = ews_day(sim, tmp_path, config(sim.url, consent=True), tue(8, 0))
    try:
        assert day.engine.status().mode == "server-rule"
        assert "UpdateInboxRules" in sim.operations()
    finally:
        day.close()


@pytest.mark.timeout(60)
def test_client_move_mode_moves_new_mail_within_a_second(sim: EwsSimulator, tmp_path: Path) -> None:
    day = ews_day(sim, tmp_path, config(sim.url, mode="client-move"), tue(8, 0))
    try:
        assert "UpdateInboxRules" not in sim.operations()
        latencies = []
        mids = []
        for n in range(5):
            started = time.monotonic()
            mid = day.deliver(f"c{n}@client.example", f"msg {n}")
            mids.append(mid)
            day.settle({mid})
            assert day.folder_of()[mid] == [HELD]
            latencies.append(time.monotonic() - started)
        assert max(latencies) < 1.0, latencies
        day.go(tue(9, 30))
        where = day.folder_of()
        assert all(where[mid] == ["inbox"] for mid in mids)
    finally:
        day.close()


@pytest.mark.timeout(180)
def test_ten_percent_of_requests_faulted_loses_nothing(sim: EwsSimulator, tmp_path: Path) -> None:
    day = ews_day(sim, tmp_path, config(sim.url), tue(8, 0))
    try:
        sim.fault("server_busy", count=None, rate=0.05, backoff_ms=20)
        sim.fault("http_503", count=None, rate=0.05, retry_after_s=None)
        mids = set()
        for n in range(20):
            day.clock.set(tue(8, n))
            mids.add(day.deliver(f"Customer {n} <c{n}@client{n % 4}.example>", f"#{n}"))
        day.settle(mids, timeout=60)
        day.go(tue(9, 30))
        for _ in range(5):  # releases that failed are retried on the next reconcile
            if day.store.count_held() == 0:
                break
            day.go(day.clock.now())
        sim.clear_faults()
        where = day.folder_of()
        for mid in mids:
            assert where[mid] == ["inbox"], (mid, where[mid])
        assert day.store.count_held() == 0
        assert sum(len(f) for f in where.values()) == len(where)
    finally:
        day.close()
