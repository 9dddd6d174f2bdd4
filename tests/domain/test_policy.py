"""Hold or deliver, until when and why: every category in and out of focus and windows."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from domain_helpers import LONDON, WORKWEEK, block, lon, span

from focusguard.domain.policy import Action, Decision, HoldPlan, Policy
from focusguard.domain.schedule import FocusState, Timeline, WeeklySchedule
from focusguard.domain.senders import Category, People, SenderList

STD = WeeklySchedule(zone=LONDON)  # Mon-Fri 09:30 13:00 16:30, 30 minutes
# Monday 1 June 2026: a focus that starts inside the 09:30 window, and one mid-morning.
STATE = FocusState(adhoc=(span(lon(1, 9, 35), lon(1, 9, 50)), span(lon(1, 10, 30), lon(1, 11, 30))))
POLICY = Policy(People(), Timeline(STD, STATE))

WINDOW_NO_FOCUS = lon(1, 9, 32)
WINDOW_AND_FOCUS = lon(1, 9, 40)
FOCUS_NO_WINDOW = lon(1, 11)
NEITHER = lon(1, 12)


def test_the_four_situations_are_what_they_say() -> None:
    tl = POLICY.timeline
    assert tl.window_at(WINDOW_NO_FOCUS) and not tl.focus_at(WINDOW_NO_FOCUS)
    assert tl.window_at(WINDOW_AND_FOCUS) and tl.focus_at(WINDOW_AND_FOCUS)
    assert not tl.window_at(FOCUS_NO_WINDOW) and tl.focus_at(FOCUS_NO_WINDOW)
    assert not tl.window_at(NEITHER) and not tl.focus_at(NEITHER)


D, H = Action.DELIVER, Action.HOLD


@pytest.mark.parametrize(
    ("category", "received", "action", "release", "reason"),
    [
        (Category.URGENT, WINDOW_NO_FOCUS, D, None, "delivered: urgent sender"),
        (Category.URGENT, WINDOW_AND_FOCUS, D, None, "delivered: urgent sender"),
        (Category.URGENT, FOCUS_NO_WINDOW, D, None, "delivered: urgent sender"),
        (Category.URGENT, NEITHER, D, None, "delivered: urgent sender"),
        (Category.CUSTOMER, WINDOW_NO_FOCUS, D, None, "delivered: check-in window open"),
        # in a window but in focus: the *next* window, not the rest of this one
        (
            Category.CUSTOMER,
            WINDOW_AND_FOCUS,
            H,
            lon(1, 13),
            "held: customer, next check-in 13:00",
        ),
        (Category.CUSTOMER, FOCUS_NO_WINDOW, H, lon(1, 13), "held: customer, next check-in 13:00"),
        (Category.CUSTOMER, NEITHER, H, lon(1, 13), "held: customer, next check-in 13:00"),
        (Category.INTERNAL, WINDOW_NO_FOCUS, D, None, "delivered: internal, no focus"),
        (
            Category.INTERNAL,
            WINDOW_AND_FOCUS,
            H,
            lon(1, 9, 50),
            "held: internal, focus until 09:50",
        ),
        (
            Category.INTERNAL,
            FOCUS_NO_WINDOW,
            H,
            lon(1, 11, 30),
            "held: internal, focus until 11:30",
        ),
        (Category.INTERNAL, NEITHER, D, None, "delivered: internal, no focus"),
        (Category.OTHER, WINDOW_NO_FOCUS, D, None, "delivered: other, no focus"),
        (Category.OTHER, WINDOW_AND_FOCUS, H, lon(1, 9, 50), "held: other, focus until 09:50"),
        (Category.OTHER, FOCUS_NO_WINDOW, H, lon(1, 11, 30), "held: other, focus until 11:30"),
        (Category.OTHER, NEITHER, D, None, "delivered: other, no focus"),
    ],
)
def test_decide_matrix(
    category: Category, received: datetime, action: Action, release: datetime | None, reason: str
) -> None:
    decision = POLICY.decide(category, received)
    assert decision == Decision(category, action, release, reason)
    assert decision.held is (action is Action.HOLD)
    if decision.held:
        assert POLICY.release_time(category, received) == release


def test_window_boundaries_for_customers() -> None:
    policy = Policy(People(), Timeline(STD))
    assert policy.decide(Category.CUSTOMER, lon(1, 9, 30)).action is Action.DELIVER
    assert policy.decide(Category.CUSTOMER, lon(1, 9, 59)).action is Action.DELIVER
    at_close = policy.decide(Category.CUSTOMER, lon(1, 10))
    assert at_close.held and at_close.release_at == lon(1, 13)
    before = policy.decide(Category.CUSTOMER, lon(1, 9, 29))
    assert before.held and before.release_at == lon(1, 9, 30)


def test_focus_boundaries_for_internal() -> None:
    policy = Policy(People(), Timeline(STD, FocusState(adhoc=(span(lon(1, 14), lon(1, 15)),))))
    assert policy.decide(Category.INTERNAL, lon(1, 13, 59)).action is Action.DELIVER
    assert policy.decide(Category.INTERNAL, lon(1, 14)).release_at == lon(1, 15)
    assert policy.decide(Category.INTERNAL, lon(1, 15)).action is Action.DELIVER


@pytest.mark.parametrize(
    ("received", "reason"),
    [
        (lon(1, 17), "held: customer, next check-in tomorrow 09:30"),
        (lon(5, 17), "held: customer, next check-in Mon 09:30"),
        (lon(6, 12), "held: customer, next check-in Mon 09:30"),
    ],
)
def test_customer_reasons_name_the_day_when_not_today(received: datetime, reason: str) -> None:
    assert Policy(People(), Timeline(STD)).decide(Category.CUSTOMER, received).reason == reason


def test_internal_reason_over_midnight() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block({0}, "22:00", "02:00"),))
    d = Policy(People(), Timeline(sched)).decide(Category.INTERNAL, lon(1, 23))
    assert d.reason == "held: internal, focus until tomorrow 02:00"
    assert d.release_at == lon(2, 2)


def test_reasons_are_short() -> None:
    for category in Category:
        for t in (WINDOW_NO_FOCUS, WINDOW_AND_FOCUS, FOCUS_NO_WINDOW, NEITHER, lon(5, 17)):
            reason = POLICY.decide(category, t).reason
            assert reason.startswith(("held: ", "delivered: ")) and len(reason) <= 60


def test_scheduled_focus_postpones_the_customer_check_in() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "09:00", "12:00"),))
    policy = Policy(People(), Timeline(sched))
    d = policy.decide(Category.CUSTOMER, lon(1, 9, 10))
    assert d.release_at == lon(1, 12) and d.reason == "held: customer, next check-in 12:00"
    # at 12:05 the postponed window is open
    assert policy.decide(Category.CUSTOMER, lon(1, 12, 5)).action is Action.DELIVER


# -- release_time recomputation ---------------------------------------------------------------


def test_release_time_after_end_focus() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "09:00", "12:00"),))
    tl = Timeline(sched)
    policy = Policy(People(), tl)
    assert policy.release_time(Category.CUSTOMER, lon(1, 9, 10)) == lon(1, 12)
    assert policy.release_time(Category.INTERNAL, lon(1, 9, 10)) == lon(1, 12)
    ended = Policy(People(), Timeline(sched, tl.end_focus(lon(1, 10))))
    # the 09:30 check-in now comes at the early end; internal mail comes out at once
    assert ended.release_time(Category.CUSTOMER, lon(1, 9, 10)) == lon(1, 10)
    assert ended.release_time(Category.INTERNAL, lon(1, 9, 10)) == lon(1, 10)
    assert ended.release_time(Category.OTHER, lon(1, 9, 10)) == lon(1, 10)


def test_release_time_after_a_new_adhoc_block_over_a_check_in() -> None:
    tl = Timeline(STD)
    policy = Policy(People(), tl)
    assert policy.release_time(Category.CUSTOMER, lon(1, 11)) == lon(1, 13)
    later = Policy(
        People(), Timeline(STD, tl.state.with_adhoc(span(lon(1, 12, 50), lon(1, 13, 40))))
    )
    assert later.release_time(Category.CUSTOMER, lon(1, 11)) == lon(1, 13, 40)
    # mail held before the new block is not held longer by it
    assert later.release_time(Category.INTERNAL, lon(1, 11)) is None


def test_release_time_for_internal_after_its_focus_was_extended() -> None:
    tl = Timeline(STD, FocusState(adhoc=(span(lon(1, 14), lon(1, 15)),)))
    longer = Timeline(STD, tl.state.with_adhoc(span(lon(1, 15), lon(1, 16))))
    assert Policy(People(), longer).release_time(Category.INTERNAL, lon(1, 14, 30)) == lon(1, 16)


# -- fail open --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sched",
    [
        WeeklySchedule(zone=LONDON, check_ins=()),
        WeeklySchedule(zone=LONDON, workdays=frozenset()),
    ],
)
def test_no_check_ins_configured_delivers_customers(sched: WeeklySchedule) -> None:
    policy = Policy(People(), Timeline(sched, STATE))
    for t in (WINDOW_NO_FOCUS, FOCUS_NO_WINDOW, NEITHER):
        d = policy.decide(Category.CUSTOMER, t)
        assert d == Decision(Category.CUSTOMER, D, None, "delivered: no check-in scheduled")
    assert policy.release_time(Category.CUSTOMER, NEITHER) is None
    # focus still holds internal mail
    assert policy.decide(Category.INTERNAL, FOCUS_NO_WINDOW).release_at == lon(1, 11, 30)
    assert policy.hold_plan(NEITHER) == HoldPlan(customer=None, focus=None)
    assert policy.hold_plan(FOCUS_NO_WINDOW).customer is None


# -- hold_plan --------------------------------------------------------------------------------


def test_hold_plan() -> None:
    # Inside an open window: the next customer hold is armed from the window's end, and the
    # day's next focus block is armed ahead.
    plan = POLICY.hold_plan(WINDOW_NO_FOCUS)
    assert plan.holds(WINDOW_NO_FOCUS) == (False, False)
    assert plan.customer is not None and plan.customer.start >= WINDOW_NO_FOCUS
    assert plan.customer.end == lon(1, 13)
    assert plan.focus is not None and plan.focus.start > WINDOW_NO_FOCUS
    assert POLICY.hold_plan(WINDOW_AND_FOCUS) == HoldPlan(
        customer=span(WINDOW_AND_FOCUS, lon(1, 13)), focus=span(lon(1, 9, 35), lon(1, 9, 50))
    )
    assert POLICY.hold_plan(FOCUS_NO_WINDOW) == HoldPlan(
        customer=span(FOCUS_NO_WINDOW, lon(1, 13)), focus=span(lon(1, 10, 30), lon(1, 11, 30))
    )
    plan = POLICY.hold_plan(NEITHER)
    assert plan.customer == span(NEITHER, lon(1, 13))
    assert plan.holds(NEITHER) == (True, False)
    assert not plan.idle


def test_hold_plan_agrees_with_decide() -> None:
    """Server-rule mode holds exactly what decide() would hold, until the same time."""
    for minute in range(0, 24 * 60 * 3, 10):
        now = lon(1) + minute * (lon(1, 0, 1) - lon(1))
        plan = POLICY.hold_plan(now)
        customer = POLICY.decide(Category.CUSTOMER, now)
        internal = POLICY.decide(Category.INTERNAL, now)
        holds_customer, holds_focus = plan.holds(now)
        assert holds_customer is customer.held
        if holds_customer:
            assert plan.customer is not None and plan.customer.end == customer.release_at
        assert holds_focus is internal.held
        if holds_focus:
            assert plan.focus is not None and plan.focus.end == internal.release_at
        # An armed hold that starts later starts exactly where delivery would stop.
        if plan.customer is not None and not holds_customer:
            at = plan.customer.start
            assert POLICY.decide(Category.CUSTOMER, at).held


# -- categorize through the policy ------------------------------------------------------------


def test_policy_categorize() -> None:
    people = People(
        own_domains=SenderList.of(["corp.example"]),
        urgent=SenderList.of(["boss@corp.example"]),
        external_is_customer=True,
    )
    policy = Policy(people, Timeline(STD))
    assert policy.categorize("Boss <BOSS@corp.example>")[1] is Category.URGENT
    assert policy.categorize('"boss@corp.example" <x@evil.example>')[1] is Category.CUSTOMER
    address, category = policy.categorize("Pat <pat@corp.example>")
    assert str(address) == "pat@corp.example" and category is Category.INTERNAL
    assert policy.categorize(None) == (None, Category.OTHER)
    assert policy.categorize("a@b.com, c@d.com") == (None, Category.OTHER)


def test_decide_in_other_zones() -> None:
    from domain_helpers import NEW_YORK, at

    policy = Policy(People(), Timeline(WeeklySchedule(zone=NEW_YORK, check_ins=(time(9, 30),))))
    d = policy.decide(Category.CUSTOMER, at(NEW_YORK, 2026, 6, 1, 8))
    assert d.release_at == at(NEW_YORK, 2026, 6, 1, 9, 30)
    assert d.reason == "held: customer, next check-in 09:30"
