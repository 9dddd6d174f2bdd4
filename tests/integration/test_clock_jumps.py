"""Backward clock jumps (wake, NTP): after the engine's reconcile the server holds again from
the new "now", on EWS (rules bounded by WithinDateRange, rewritten when they would open too
late) and on Graph (rules switched by the app's clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.day import open_day, tue

PEOPLE = 'own_domains = ["corp.example"]\nurgent = ["boss@corp.example"]'


@pytest.mark.timeout(90)
@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_after_a_backward_jump_the_server_holds_from_the_new_now(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # 11:30, after the focus block: a customer hold until the 13:00 check-in.
    day = open_day(request, backend, tmp_path, PEOPLE, tue(11, 30))
    sim = day.sim
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
