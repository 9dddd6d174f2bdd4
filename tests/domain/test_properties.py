"""Properties of decide() over random schedules, focus states and instants, in zones with and
without daylight saving (instants are drawn around the 2026 switches).

The customer invariant, exactly: release_at is the smallest P > received over all nominal
check-ins N (resolve(day, c, zone) for every configured c on every *workday* day, computed
here independently of Timeline), where P = N when N is not in focus and P = the end of the
focus containing N otherwise. So release_at is not in focus, and its nominal check-in is on a
workday, but release_at itself may fall on another local date (Friday 16:30 postponed by a
focus until Saturday 01:00 is released on Saturday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from focusguard.domain.clock_time import resolve
from focusguard.domain.policy import Action, Policy
from focusguard.domain.schedule import (
    HORIZON,
    FocusState,
    Interval,
    Timeline,
    WeeklyBlock,
    WeeklySchedule,
)
from focusguard.domain.senders import Category, People

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Asia/Tokyo",
        "UTC",
    )
]
ANCHORS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York spring forward
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # London spring forward
    datetime(2026, 4, 4, 16, tzinfo=UTC),  # Sydney fall back
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Sydney spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # London fall back
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York fall back
    datetime(2026, 6, 5, 15, tzinfo=UTC),  # an ordinary Friday afternoon
]

# Quarter hours, so the DST hours (01:00-03:00) are hit often.
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
weekdays = st.frozensets(st.integers(0, 6))


@st.composite
def schedules(draw: st.DrawFn, zone: ZoneInfo) -> WeeklySchedule:
    blocks = draw(st.lists(st.builds(WeeklyBlock, weekdays, clock_times, clock_times), max_size=3))
    return WeeklySchedule(
        zone=zone,
        workdays=draw(weekdays),
        check_ins=tuple(draw(st.lists(clock_times, max_size=4))),
        check_in_minutes=draw(st.integers(1, 120)),
        focus_blocks=tuple(blocks),
    )


@st.composite
def intervals(draw: st.DrawFn, anchor: datetime, max_hours: int = 30) -> Interval:
    start = anchor + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    return Interval(start, start + timedelta(minutes=draw(st.integers(1, max_hours * 60))))


@st.composite
def situations(draw: st.DrawFn) -> tuple[Policy, datetime]:
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ANCHORS))
    sched = draw(schedules(zone))
    state = FocusState(
        adhoc=tuple(draw(st.lists(intervals(anchor, 4), max_size=3))),
        calendar=tuple(draw(st.lists(intervals(anchor), max_size=3))),
    )
    timeline = Timeline(sched, state)
    for _ in range(draw(st.integers(0, 2))):  # some early ends
        t = anchor + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
        timeline = Timeline(sched, timeline.end_focus(t))
    received = anchor + timedelta(
        minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)), seconds=draw(st.integers(0, 59))
    )
    if draw(st.booleans()):  # given as a local wall clock (with fold) rather than UTC
        received = received.astimezone(zone)
    # Known limit: focus without a break for longer than the look-ahead horizon (e.g. blocks
    # 22:00-09:00 and 09:00-22:00 every day) has no computable end; leave such schedules out.
    nearby = timeline.focus(received - 3 * HORIZON, received + 3 * HORIZON)
    assume(all(iv.duration < HORIZON for iv in nearby))
    return Policy(People(), timeline), received


def nominal_check_ins(sched: WeeklySchedule, since: datetime, until: datetime) -> list[datetime]:
    """Reference: every configured check-in on every workday, by resolve() alone."""
    zone = sched.zone
    day: date = since.astimezone(zone).date() - timedelta(days=1)
    out = []
    while day <= until.astimezone(zone).date() + timedelta(days=1):
        if day.weekday() in sched.workdays:
            out += [resolve(day, c, zone) for c in sched.check_ins]
        day += timedelta(days=1)
    return [n for n in out if since <= n < until]


def window_starts(timeline: Timeline, since: datetime, until: datetime) -> set[datetime]:
    """Reference postponement: a nominal check-in in focus moves to that focus's end."""
    starts = set()
    for n in nominal_check_ins(timeline.schedule, since, until):
        focus = timeline.focus_at(n)
        starts.add(n if focus is None else focus.end)
    return starts


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(situations())
def test_customer_decisions(situation: tuple[Policy, datetime]) -> None:
    policy, received = situation
    tl = policy.timeline
    decision = policy.decide(Category.CUSTOMER, received)
    length = timedelta(minutes=tl.schedule.check_in_minutes)
    starts = window_starts(tl, received - 2 * HORIZON, received + 2 * HORIZON)
    later = sorted(s for s in starts if s > received)
    if decision.action is Action.DELIVER:
        assert decision.release_at is None
        if decision.reason == "delivered: no check-in scheduled":
            # fail open only when no check-in is in sight within the horizon
            assert not later or later[0] >= received + HORIZON
            assert tl.window_at(received) is None or tl.focus_at(received) is not None
        else:
            assert tl.focus_at(received) is None
            window = tl.window_at(received)
            assert window is not None and window.contains(received)
            assert window.duration == length
            assert any(s <= received < s + length for s in starts)
    else:
        release = decision.release_at
        assert release is not None and release > received
        assert release == later[0]  # the *next* window start, postponement applied
        assert tl.focus_at(release) is None
        assert tl.window_at(release) is not None
        assert policy.release_time(Category.CUSTOMER, received) == release
        assert decision.reason.startswith("held: customer, next check-in ")


@PROPS
@given(situations(), st.sampled_from([Category.INTERNAL, Category.OTHER]))
def test_internal_and_other_decisions(
    situation: tuple[Policy, datetime], category: Category
) -> None:
    policy, received = situation
    tl = policy.timeline
    decision = policy.decide(category, received)
    focus = tl.focus_at(received)
    if focus is None:
        assert decision.action is Action.DELIVER and decision.release_at is None
    else:
        assert focus.contains(received)
        assert decision.held and decision.release_at == focus.end
        assert decision.release_at > received
        assert tl.focus_at(decision.release_at) is None
        assert policy.release_time(category, received) == focus.end
        assert decision.reason.startswith(f"held: {category.value}, focus until ")


@PROPS
@given(situations())
def test_urgent_always_delivered(situation: tuple[Policy, datetime]) -> None:
    policy, received = situation
    assert policy.decide(Category.URGENT, received).action is Action.DELIVER


@PROPS
@given(situations())
def test_timeline_is_consistent(situation: tuple[Policy, datetime]) -> None:
    policy, t = situation
    tl = policy.timeline
    focus = tl.focus(t - timedelta(days=2), t + timedelta(days=2))
    # merged: sorted, disjoint, not touching, all non-empty
    for a, b in pairwise(focus):
        assert a.end < b.start
    assert all(iv.end > iv.start for iv in focus)
    for iv in focus:
        assert tl.focus_at(iv.start) == iv
        assert tl.focus_at(iv.end) is None
    windows = tl.check_in_windows(t - timedelta(days=2), t + timedelta(days=2))
    length = timedelta(minutes=tl.schedule.check_in_minutes)
    for w in windows:
        assert w.duration == length
        assert tl.focus_at(w.start) is None
    assert [w.start for w in windows] == sorted({w.start for w in windows})
    # adhoc blocks not touched by an early end are focus
    if not tl.state.ended:
        for iv in tl.state.adhoc:
            assert tl.focus_at(iv.start) is not None


@settings(max_examples=300, deadline=None)
@given(
    situations(),
    st.sampled_from(list(Category)),
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2090, 1, 1),
        timezones=st.sampled_from(ZONES),
    ),
)
def test_decide_never_raises(
    situation: tuple[Policy, datetime], category: Category, received: datetime
) -> None:
    policy, _ = situation
    decision = policy.decide(category, received)
    if decision.held:
        assert decision.release_at is not None and decision.release_at > received
    policy.hold_plan(received)


@PROPS
@given(situations(), st.integers(0, 3 * 24 * 60), st.integers(1, 4 * 24 * 60))
def test_windows_are_the_reference_postponement(
    situation: tuple[Policy, datetime], offset: int, minutes: int
) -> None:
    # The windows are found by bisection over cached starts (issue 9 §4: 1,440 check-ins a
    # day took minutes); they must still be exactly the postponed nominal check-ins, and
    # window_at must still pick the earliest-starting window that contains t.
    policy, anchor = situation
    tl = policy.timeline
    since = anchor - timedelta(days=1) + timedelta(minutes=offset)
    until = since + timedelta(minutes=minutes)
    reference = window_starts(tl, since - 2 * HORIZON, until + 2 * HORIZON)
    assert [w.start for w in tl.check_in_windows(since, until)] == sorted(
        s for s in reference if since <= s < until
    )
    length = timedelta(minutes=tl.schedule.check_in_minutes)
    containing = sorted(s for s in reference if s <= since < s + length)
    window = tl.window_at(since)
    assert (window.start if window else None) == (containing[0] if containing else None)
