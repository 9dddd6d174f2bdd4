"""Server-rule holding over real HTTP: messageRules run at delivery, switched by the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from focusguard.core.ports import RuleMode
from focusguard.domain.schedule import Interval
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.rules import LEFT_ON, PREFIX
from focusguard.sim.graph import GraphSimulator
from tests.mail.graph.conftest import FakeClock, hold_rules


def ours(sim: GraphSimulator) -> list[dict[str, Any]]:
    """Our rules in the order Graph runs them."""
    mine = [r for r in sim.rules() if str(r["displayName"]).startswith(PREFIX)]
    return sorted(mine, key=lambda r: int(r["sequence"]))


def folder_of(sim: GraphSimulator, imid: str) -> list[str]:
    return [
        name
        for name, msgs in sim.mailbox_snapshot().items()
        for m in msgs
        if m["internet_message_id"] == imid
    ]


def test_customer_rule_holds_at_delivery_with_urgent_and_own_domain_exceptions(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    window = Interval(clock.now - timedelta(minutes=1), clock.now + timedelta(hours=2))
    outcome = backend.apply_rules(hold_rules(customer=window))
    assert outcome.mode is RuleMode.SERVER_RULE and outcome.detail == ""

    held = sim.deliver("Ann <ann@client.example>", "Order 4711")
    urgent = sim.deliver("Boss <boss@client.example>", "Call me")  # fromAddresses exception
    pager = sim.deliver("Pager <alert@pager.example>", "P1")  # senderContains exception
    colleague = sim.deliver("Bob <bob@corp.example>", "Lunch")  # not a customer
    # senderContains is a substring match: the engine re-checks these exactly.
    lookalike = sim.deliver("Eve <eve@client.example.evil.net>", "Invoice")
    # A look-alike of an excepted domain is caught by the guard that runs first.
    fake_pager = sim.deliver("Pager <alert@pager.example.evil.net>", "P1?")
    fake_colleague = sim.deliver("Bob <bob@corp.example-mail.net>", "Lunch?")

    for imid in (held, lookalike, fake_pager, fake_colleague):
        assert folder_of(sim, imid) == ["FocusGuard Held"]
    for imid in (urgent, pager, colleague):
        assert folder_of(sim, imid) == ["inbox"]
    assert [p["subject"] for p in sim.popups] == ["Call me", "P1", "Lunch"]

    guard, rule = ours(sim)
    assert guard["displayName"] == f"{PREFIX}customers look-alikes"
    assert rule["displayName"] == f"{PREFIX}customers"
    assert guard["sequence"] < rule["sequence"]
    for r in (guard, rule):
        assert r["isEnabled"] is True
        assert r["actions"]["moveToFolder_name"] == "FocusGuard Held"
        assert r["actions"]["stopProcessingRules"] is True
        assert r["exceptions"]["fromAddresses"] == [
            {"emailAddress": {"address": "boss@client.example"}}
        ]
    assert "corp.example-" in guard["conditions"]["senderContains"]
    assert "pager.example." in guard["conditions"]["senderContains"]
    assert rule["conditions"] == {"senderContains": [".client.example", "@client.example"]}
    assert rule["exceptions"]["senderContains"] == [
        "@corp.example",
        ".corp.example",
        "@pager.example",
        ".pager.example",
    ]


def test_applying_the_same_rules_twice_writes_nothing(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    rules = hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1)))
    backend.apply_rules(rules)
    assert backend._rules is not None
    writes = backend._rules.writes
    backend.apply_rules(rules)
    assert backend._rules.writes == writes


def test_pre_armed_rule_stays_off_until_its_interval_then_switches_on_and_off(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    focus = Interval(clock.now + timedelta(hours=1), clock.now + timedelta(hours=2))
    backend.apply_rules(hold_rules(focus=focus))
    [rule] = [r for r in sim.rules() if r["displayName"] == f"{PREFIX}focus"]
    assert rule["isEnabled"] is False
    before = sim.deliver("Bob <bob@corp.example>", "before focus")
    assert folder_of(sim, before) == ["inbox"]

    assert backend._rules is not None
    clock.advance(hours=1)
    backend._rules.tick()  # what the watcher does every poll
    during = sim.deliver("Bob <bob@corp.example>", "during focus")
    urgent = sim.deliver("Pager <alert@pager.example>", "P1 during focus")
    assert folder_of(sim, during) == ["FocusGuard Held"]
    assert folder_of(sim, urgent) == ["inbox"]

    clock.advance(hours=1)
    backend._rules.tick()
    after = sim.deliver("Bob <bob@corp.example>", "after focus")
    assert folder_of(sim, after) == ["inbox"]
    assert not any(r["isEnabled"] for r in sim.rules())


def test_watcher_switches_rules_at_the_boundary_without_the_engine(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend], clock: FakeClock
) -> None:
    backend = make_backend()
    backend.apply_rules(
        hold_rules(
            focus=Interval(clock.now + timedelta(seconds=30), clock.now + timedelta(hours=1))
        )
    )
    backend.watch(lambda item: None, lambda: None)
    clock.advance(seconds=31)
    import time

    deadline = time.monotonic() + 5
    while not any(r["isEnabled"] for r in sim.rules()):
        assert time.monotonic() < deadline, "the watcher did not switch the rule on"
        time.sleep(0.05)


def test_rules_off_when_no_plan(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    backend.apply_rules(hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1))))
    outcome = backend.apply_rules(None)
    assert outcome.mode is RuleMode.SERVER_RULE
    assert [r["isEnabled"] for r in sim.rules()] == [False, False]
    imid = sim.deliver("Ann <ann@client.example>", "paused")
    assert folder_of(sim, imid) == ["inbox"]


def test_a_rule_left_on_by_a_crash_is_switched_off_at_start_and_reported(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend], clock: FakeClock
) -> None:
    crashed = make_backend(switch_off_on_close=False)
    crashed.apply_rules(
        hold_rules(focus=Interval(clock.now - timedelta(hours=2), clock.now + timedelta(hours=1)))
    )
    crashed.close()  # as if the process died: the rule stays on
    assert [r["isEnabled"] for r in ours(sim)] == [True, True]  # the guard and the hold

    clock.advance(hours=2)  # the focus block is over
    fresh = make_backend()
    outcome = fresh.apply_rules(None)
    assert outcome.detail == LEFT_ON
    assert [r["isEnabled"] for r in sim.rules()] == [False, False]
    assert fresh.apply_rules(None).detail == ""  # said once


def test_client_move_mode_switches_off_leftover_rules_at_connect(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend], clock: FakeClock
) -> None:
    crashed = make_backend(switch_off_on_close=False)
    crashed.apply_rules(hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1))))
    crashed.close()
    make_backend(mode=RuleMode.CLIENT_MOVE)
    assert [r["isEnabled"] for r in sim.rules()] == [False, False]


def test_close_switches_rules_off(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend], clock: FakeClock
) -> None:
    backend = make_backend()
    backend.apply_rules(hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1))))
    backend.close()
    assert [r["isEnabled"] for r in sim.rules()] == [False, False]


def test_the_users_own_rules_are_never_modified_and_run_first(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    sim.create_folder("Newsletters", parent="inbox")
    user_id = sim.add_user_rule(
        "Newsletters",
        sequence=3,
        conditions={"senderContains": ["news@"]},
        actions={"moveToFolder": "Newsletters", "stopProcessingRules": True},
    )
    before = [r for r in sim.rules() if r["id"] == user_id]
    backend.apply_rules(
        hold_rules(all_external=True, customer=Interval(clock.now, clock.now + timedelta(hours=1)))
    )
    backend.apply_rules(None)
    backend.apply_rules(
        hold_rules(all_external=True, customer=Interval(clock.now, clock.now + timedelta(hours=1)))
    )
    assert [r for r in sim.rules() if r["id"] == user_id] == before
    ours = [r for r in sim.rules() if r["displayName"].startswith(PREFIX)]
    assert all(r["sequence"] > 3 for r in ours)
    imid = sim.deliver("News <news@vendor.example>", "November")
    assert folder_of(sim, imid) == ["Newsletters"]
    held = sim.deliver("Carol <carol@bigclient.com>", "Quote")  # all external = customers
    assert folder_of(sim, held) == ["FocusGuard Held"]


def test_a_guard_is_switched_on_before_its_hold_and_off_after_it(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    focus = Interval(clock.now + timedelta(minutes=10), clock.now + timedelta(minutes=20))
    backend.apply_rules(hold_rules(focus=focus))
    assert [r["displayName"][len(PREFIX) :] for r in ours(sim)] == ["focus look-alikes", "focus"]
    assert not any(r["isEnabled"] for r in ours(sim))
    assert backend._rules is not None
    sim.reset_counters()
    clock.advance(minutes=10)
    backend._rules.tick()
    order_on = [e["path"].rsplit("/", 1)[-1] for e in sim.request_log if e["method"] == "PATCH"]
    clock.advance(minutes=10)
    sim.reset_counters()
    backend._rules.tick()
    order_off = [e["path"].rsplit("/", 1)[-1] for e in sim.request_log if e["method"] == "PATCH"]
    guard, hold = (r["id"] for r in ours(sim))
    assert order_on == [guard, hold]
    assert order_off == [hold, guard]


def test_lookalikes_are_held_during_focus_and_genuine_urgent_senders_pass(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    backend.apply_rules(
        hold_rules(focus=Interval(clock.now - timedelta(minutes=1), clock.now + timedelta(hours=1)))
    )
    for sender in (
        "alert@pager.example.evil.net",
        "alert@notpager.example",
        "ALERT@PAGER.EXAMPLE.CO",
        "pager.example@gmail.example",
        '"alert@pager.example" <x@evil.example>',
        "boss@client.example.evil.net",
        "boss+x@client.example",  # plus-addressed urgent address: exact match only
    ):
        assert folder_of(sim, sim.deliver(sender, "x")) == ["FocusGuard Held"], sender
    for sender in ("alert@pager.example", "a@eu.pager.example", "Boss@Client.Example"):
        assert folder_of(sim, sim.deliver(sender, "x")) == ["inbox"], sender


def test_rules_follow_the_apps_clock_when_it_jumps_back(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    """Graph has no date predicate: a backward jump (wake, NTP) is honoured by switching."""
    start = clock.now
    end = start + timedelta(hours=2)
    clock.advance(hours=1)
    backend.apply_rules(hold_rules(customer=Interval(clock.now, end)))
    assert [r["isEnabled"] for r in ours(sim)] == [True, True]
    clock.now = start - timedelta(minutes=30)  # the clock jumps back 90 minutes
    assert backend._rules is not None
    backend._rules.tick()  # the old plan's hold starts in the future now: off
    assert [r["isEnabled"] for r in ours(sim)] == [False, False]
    backend.apply_rules(hold_rules(customer=Interval(clock.now, end)))  # the engine re-plans
    assert [r["isEnabled"] for r in ours(sim)] == [True, True]
    imid = sim.deliver("Ann <ann@client.example>", "after the jump")
    assert folder_of(sim, imid) == ["FocusGuard Held"]
