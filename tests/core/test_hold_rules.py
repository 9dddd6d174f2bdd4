"""The server-neutral hold rules both backends translate into their own wire format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from focusguard.core.hold_rules import HoldRuleSpec, hold_rule_specs, split_people
from focusguard.core.ports import HoldRules
from focusguard.domain.policy import HoldPlan
from focusguard.domain.schedule import Interval

T = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
CUSTOMER = Interval(T, T + timedelta(hours=4))
FOCUS = Interval(T + timedelta(hours=1), T + timedelta(hours=2))


def rules(plan: HoldPlan, *, all_external: bool = True) -> HoldRules:
    return HoldRules(
        plan=plan,
        customers=("BigClient.com", "alice@small.example", "not an entry"),
        all_external=all_external,
        own_domains=("corp.example", "@corp.example"),
        urgent=("boss@corp.example", "pager.example"),
    )


def test_split_people_normalises_and_dedupes() -> None:
    assert split_people(["B.example", "@b.example", "X@B.example", "bad..x", ""]) == (
        ("x@b.example",),
        ("b.example",),
    )


def test_customer_and_focus_rules_with_their_exceptions() -> None:
    specs = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=FOCUS)))
    assert specs == [
        HoldRuleSpec(
            "customers", CUSTOMER, (), ("boss@corp.example",), ("corp.example", "pager.example")
        ),
        # Focus holds colleagues too: only urgent senders are exempt.
        HoldRuleSpec("focus", FOCUS, (), ("boss@corp.example",), ("pager.example",)),
    ]


def test_listed_customers_only_when_outside_senders_are_not_all_customers() -> None:
    [spec] = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=None), all_external=False))
    assert spec.senders == ("alice@small.example", "bigclient.com")


def test_no_plan_no_rules_and_empty_intervals_are_skipped() -> None:
    assert hold_rule_specs(rules(HoldPlan(customer=None, focus=None))) == []
    empty = Interval(T, T)
    assert hold_rule_specs(rules(HoldPlan(customer=empty, focus=empty))) == []
