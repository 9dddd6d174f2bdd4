"""The promise and its guard in the policy: reply-by times, at risk / breached, and held
customer mail released no later than `release_margin` of working time before it is due.

London, the DST-free week of Monday 1 June 2026; working time 09:00-17:30 Mon-Fri.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from domain_helpers import LONDON, WORKWEEK, block, lon, span, wall
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import situations

from focusguard.domain.clock_time import format_duration
from focusguard.domain.policy import Action, Policy
from focusguard.domain.promise import Promise, PromiseStatus
from focusguard.domain.schedule import FocusState, Timeline, WeeklySchedule
from focusguard.domain.senders import Category, People
from focusguard.domain.working_time import WorkingTime

H = timedelta(hours=1)
OFFICE = WorkingTime(LONDON)
FOUR_HOURS = Promise(OFFICE, 4 * H)  # margin 1 h
# Only two check-ins a day, so the guard has something to do.
SPARSE = WeeklySchedule(zone=LONDON, check_ins=(time(9, 30), time(16, 30)))


def policy(
    schedule: WeeklySchedule = SPARSE,
    promise: Promise | None = FOUR_HOURS,
    state: FocusState | None = None,
) -> Policy:
    return Policy(People(), Timeline(schedule, state or FocusState()), promise)


# -- the promise on its own -----------------------------------------------------------------


def test_due_and_guard_of_the_issue_example() -> None:
    assert wall(FOUR_HOURS.due(lon(5, 16))) == "2026-06-08 11:30 BST"
    assert wall(FOUR_HOURS.guard(lon(5, 16))) == "2026-06-08 10:30 BST"


def test_the_margin_is_working_time_not_wall_clock_time() -> None:
    """Due Monday 09:30: the working hour before it starts Friday 17:00 (half an hour each
    side of the weekend); a wall-clock hour would be Monday 08:30, when nobody works."""
    assert wall(FOUR_HOURS.due(lon(5, 14))) == "2026-06-08 09:30 BST"
    assert wall(FOUR_HOURS.guard(lon(5, 14))) == "2026-06-05 17:00 BST"


@pytest.mark.parametrize(
    ("now", "status", "used"),
    [
        (lon(1, 8), PromiseStatus.ON_TRACK, 0.0),
        (lon(1, 11, 59), PromiseStatus.ON_TRACK, 2 + 59 / 60),
        (lon(1, 12), PromiseStatus.AT_RISK, 3.0),  # 75 % of the promise used
        (lon(1, 12, 59), PromiseStatus.AT_RISK, 3 + 59 / 60),
        (lon(1, 13), PromiseStatus.BREACHED, 4.0),  # the reply-by time itself
        (lon(2, 10), PromiseStatus.BREACHED, 9.5),
    ],
)
def test_state_at_now(now: datetime, status: PromiseStatus, used: float) -> None:
    state = FOUR_HOURS.state(lon(1, 9), now)
    assert state.reply_by == lon(1, 13)
    assert state.status is status
    assert state.used == used * H
    assert state.share == pytest.approx(used / 4)


def test_cut_offs_name_the_last_arrival_at_risk_and_breached() -> None:
    # at Tuesday 10:00, mail from Monday 14:30 has used 4 h (3 h on Monday, 1 h on Tuesday)
    # and mail from 15:30 three hours, 75 %
    assert FOUR_HOURS.breach_cutoff(lon(2, 10)) == lon(1, 14, 30)
    assert FOUR_HOURS.at_risk_cutoff(lon(2, 10)) == lon(1, 15, 30)


@pytest.mark.parametrize(
    ("within", "margin"),
    [(timedelta(0), timedelta(0)), (H, H), (H, 2 * H), (4 * H, -H)],
)
def test_a_promise_that_cannot_be_kept_is_refused(within: timedelta, margin: timedelta) -> None:
    with pytest.raises(ValueError):
        Promise(OFFICE, within, margin)


# -- the guard in the policy ----------------------------------------------------------------


def test_without_a_promise_nothing_changes() -> None:
    d = policy(promise=None).decide(Category.CUSTOMER, lon(1, 10))
    assert (d.release_at, d.reply_by) == (lon(1, 16, 30), None)
    assert d.reason == "held: customer, next check-in 16:30"


def test_the_guard_comes_before_a_late_check_in() -> None:
    p = policy()
    d = p.decide(Category.CUSTOMER, lon(1, 10))
    assert d.action is Action.HOLD
    assert d.release_at == lon(1, 13)  # due 14:00, less an hour
    assert d.reply_by == lon(1, 14)
    assert d.reason == "held: customer, until 13:00 (promised reply by 14:00)"
    plan = p.release_time_of(Category.CUSTOMER, lon(1, 10))
    assert plan.early and plan.at == lon(1, 13)
    assert p.release_time(Category.CUSTOMER, lon(1, 10)) == lon(1, 13)


def test_a_check_in_before_the_guard_is_an_ordinary_release() -> None:
    p = policy(WeeklySchedule(zone=LONDON))  # 09:30 13:00 16:30
    d = p.decide(Category.CUSTOMER, lon(1, 10))
    assert d.release_at == lon(1, 13) and d.reply_by == lon(1, 14)
    assert d.reason == "held: customer, next check-in 13:00"
    assert not p.release_time_of(Category.CUSTOMER, lon(1, 10)).early


def test_mail_delivered_in_a_window_still_has_a_reply_by_time() -> None:
    d = policy().decide(Category.CUSTOMER, lon(1, 9, 40))
    assert d.action is Action.DELIVER and d.reply_by == lon(1, 13, 40)


@pytest.mark.parametrize("category", [Category.URGENT, Category.INTERNAL, Category.OTHER])
def test_only_customers_are_promised_a_reply(category: Category) -> None:
    p = policy(state=FocusState(adhoc=(span(lon(1, 9), lon(1, 17)),)))
    d = p.decide(category, lon(1, 10))
    assert d.reply_by is None and p.reply_by(category, lon(1, 10)) is None
    assert p.guard(lon(1, 10)) is not None  # the guard is for customer mail only
    if d.held:
        assert d.release_at == lon(1, 17)


def test_the_promise_beats_focus() -> None:
    """The guard at 13:00 falls inside focus 12:00-15:00: the mail comes out anyway."""
    focus = WeeklySchedule(
        zone=LONDON, check_ins=SPARSE.check_ins, focus_blocks=(block(WORKWEEK, "12:00", "15:00"),)
    )
    d = policy(focus).decide(Category.CUSTOMER, lon(1, 10))
    assert d.release_at == lon(1, 13)
    assert policy(focus).timeline.focus_at(lon(1, 13)) is not None


def test_focus_wins_when_the_user_says_so() -> None:
    """With focus_wins the guard waits for the focus to end (15:00), even past the reply-by
    time (14:00): the user chose an unbroken focus over the promise."""
    focus = WeeklySchedule(
        zone=LONDON, check_ins=SPARSE.check_ins, focus_blocks=(block(WORKWEEK, "12:00", "15:00"),)
    )
    wins = Promise(OFFICE, 4 * H, H, focus_wins=True)
    d = policy(focus, wins).decide(Category.CUSTOMER, lon(1, 10))
    assert d.release_at == lon(1, 15)
    assert d.reason == "held: customer, until 15:00 (promised reply by 14:00)"
    # "End focus" at 12:30 brings the guard back: due out at 13:00 again
    p = policy(focus, wins)
    ended = Timeline(p.timeline.schedule, p.timeline.end_focus(lon(1, 12, 30)))
    assert Policy(People(), ended, wins).release_time(Category.CUSTOMER, lon(1, 10)) == lon(1, 13)


def test_a_new_focus_over_the_check_in_cannot_push_past_the_guard() -> None:
    """Standard check-ins; an ad-hoc focus 12:30-16:00 postpones the 13:00 check-in to
    16:00, but mail from 10:00 is due at 14:00: out at 13:00, the guard."""
    std = WeeklySchedule(zone=LONDON)
    state = FocusState(adhoc=(span(lon(1, 12, 30), lon(1, 16)),))
    p = policy(std, state=state)
    plan = p.release_time_of(Category.CUSTOMER, lon(1, 10))
    assert plan.at == lon(1, 13) and plan.early
    assert policy(std, promise=None, state=state).release_time(
        Category.CUSTOMER, lon(1, 10)
    ) == lon(1, 16)


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(situations(), st.integers(15, 3 * 24 * 60), st.integers(0, 100), st.booleans())
def test_held_customer_mail_never_waits_past_its_guard(
    situation: tuple[Policy, datetime], minutes: int, margin_pct: int, focus_wins: bool
) -> None:
    """Over random schedules, focus states and instants: held customer mail comes out at
    its check-in or at its guard, whichever is first — where focus may postpone the guard
    only with focus_wins, and then only to the end of that focus."""
    base, received = situation
    zone = base.timeline.schedule.zone
    within = timedelta(minutes=minutes)
    margin = min(within * margin_pct // 100, within - timedelta(minutes=1))
    promise = Promise(WorkingTime(zone), within, margin, focus_wins)
    p = Policy(base.people, base.timeline, promise)
    before = base.decide(Category.CUSTOMER, received)
    d = p.decide(Category.CUSTOMER, received)
    assert d.reply_by == promise.due(received)
    assert d.action is before.action  # the promise changes when, never whether
    if not d.held:
        return
    assert before.release_at is not None and d.release_at is not None
    assert received < d.release_at <= before.release_at
    guard = promise.guard(received)
    focus = p.timeline.focus_at(guard)
    if focus_wins and focus is not None:
        assert d.release_at == min(before.release_at, focus.end)
    else:
        assert d.release_at == min(before.release_at, guard)
    assert p.release_time_of(Category.CUSTOMER, received).early == (
        d.release_at < before.release_at
    )


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (3 * H, "3h"),
        (2 * H + 59 * timedelta(minutes=1), "2h59"),
        (timedelta(minutes=45), "45m"),
        (H + timedelta(minutes=5), "1h05"),
        (4 * H + timedelta(seconds=1), "4h01"),  # rounded up: never reads as "4h of your 4h"
        (timedelta(0), "0m"),
    ],
)
def test_durations_read_like_the_issue(span: timedelta, text: str) -> None:
    assert format_duration(span) == text
