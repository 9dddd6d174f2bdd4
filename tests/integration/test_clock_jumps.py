"""Backward clock jumps (wake, NTP): after the engine's reconcile the server holds again from
the new "now", on EWS (rules bounded by WithinDateRange, rewritten when they would open too
late) and on Graph (rules switched by the app's clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from focusguard.core.settings import Settings, settings_from_toml
from tests.integration.day import Day, ews_day, graph_day

LONDON = ZoneInfo("Europe/London")


def config(kind: str, url: str) -> Settings:
    account = (
        f'kind = "ews"\nemail = "me@corp.example"\news_url = "{url}"\n'
        'auth = "basic"\nusername = "me"'
        if kind == "ews"
        else 'kind = "graph"\nemail = "me@corp.example"\n'
        'client_id = "3f1c2a7e-9b4d-4c61-8e2f-5a6b7c8d9e01"'
    )
    return settings_from_toml(
        f"""
[account]
{account}

[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

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


def tue(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, 24, hh, mm, tzinfo=LONDON)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_after_a_backward_jump_the_server_holds_from_the_new_now(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    sim: Any = request.getfixturevalue(f"{backend}_sim")
    make: Callable[[Any, Path, Settings, datetime], Day] = (
        ews_day if backend == "ews" else graph_day
    )
    # 11:30, after the focus block: a customer hold until the 13:00 check-in.
    day = make(sim, tmp_path, config(backend, sim.url), tue(11, 30))
    try:
        # The clock was 50 minutes fast; NTP puts it back into the focus block.
        day.clock.jump(tue(10, 40))
        day.engine.reconcile(day.clock.now(), kind="resume")
        day.clock.set(tue(10, 45))
        ann = day.deliver("Ann <ann@client.example>", "customer, 10:45")
        bob = day.deliver("Bob <bob@corp.example>", "colleague during focus, 10:45")
        boss = day.deliver("Boss <boss@corp.example>", "urgent, 10:45")
        day.settle({ann, bob, boss})
        popups = [p["internet_message_id"] for p in sim.popups]
        assert popups == [boss], "the server must hold from 10:40 on, not from 11:25"
        assert not day.outcomes[ann].moved and not day.outcomes[bob].moved
        where = day.folder_of()
        assert where[ann] == where[bob] == ["FocusGuard Held"]
        day.go(tue(11, 0))  # focus ends: Bob is released, Ann waits for 13:00
        assert day.folder_of()[bob] == ["inbox"] and day.folder_of()[ann] == ["FocusGuard Held"]
    finally:
        day.close()
