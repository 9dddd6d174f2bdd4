"""The worst-case wait of a customer mail over a week, computed exactly at the boundaries and
checked against brute-force sampling of every arrival on the schedule's quarter-hour grid."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from domain_helpers import LONDON, NEW_YORK, WORKWEEK, block, lon, wall
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focusguard.domain.clock_time import resolve
from focusguard.domain.policy import Policy
from focusguard.domain.schedule import Timeline, WeeklyBlock, WeeklySchedule
from focusguard.domain.senders import Category, People
from focusguard.domain.wait_audit import WorstWait, worst_wait
from focusguard.domain.working_time import WorkingTime

H = timedelta(hours=1)
OFFICE = WorkingTime(LONDON)
MONDAY = date(2026, 6, 1)


def brute_force(
    schedule: WeeklySchedule, working: WorkingTime, week: date, step: timedelta
) -> timedelta | None:
    """Every arrival on a grid, decided by the policy: the longest wait in working time."""
    policy = Policy(People(), Timeline(schedule))
    t = resolve(week, time(0), schedule.zone)
    end = resolve(week + timedelta(days=7), time(0), schedule.zone)
    worst: timedelta | None = None
    while t < end:
        d = policy.decide(Category.CUSTOMER, t)
        if d.held and d.release_at is not None:
            wait = working.elapsed(t, d.release_at)
            worst = wait if worst is None else max(worst, wait)
        t += step
    return worst


def test_the_standard_day_waits_at_most_three_hours_after_a_window_closes() -> None:
    """09:30 13:00 16:30 for 30 minutes: mail arriving as the 09:30 window closes (10:00)
    waits 3 h for 13:00, the first such arrival of the week is Monday's."""
    got = worst_wait(WeeklySchedule(zone=LONDON), OFFICE, MONDAY)
    assert got == WorstWait(lon(1, 10), lon(1, 13), 3 * H)


def test_a_focus_starting_inside_a_window_makes_the_worst_arrival() -> None:
    """Tuesday's focus 09:45-12:00 cuts the 09:30 window short: mail at 09:45 waits for 13:00
    (3h15), longer than after any window closes."""
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block({1}, "09:45", "12:00"),))
    got = worst_wait(sched, OFFICE, MONDAY)
    assert got is not None
    assert (wall(got.arrival), wall(got.release), got.wait) == (
        "2026-06-02 09:45 BST",
        "2026-06-02 13:00 BST",
        3.25 * H,
    )
    assert brute_force(sched, OFFICE, MONDAY, timedelta(minutes=15)) == got.wait


def test_a_postponed_check_in_counts_its_postponement() -> None:
    """Wednesday 12:30-14:00 focus postpones the 13:00 check-in to 14:00: 10:00 waits 4 h."""
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block({2}, "12:30", "14:00"),))
    got = worst_wait(sched, OFFICE, MONDAY)
    assert got is not None and got.wait == 4 * H
    assert (
        wall(got.arrival) == "2026-06-03 10:00 BST" and wall(got.release) == "2026-06-03 14:00 BST"
    )


def test_evenings_and_weekends_cost_only_working_time() -> None:
    """One check-in a day at 09:30: Friday 10:00 waits until Monday 09:30, which is 7h30 on
    Friday and half an hour on Monday: 8 h, the same as any weekday's."""
    sched = WeeklySchedule(zone=LONDON, check_ins=(time(9, 30),))
    got = worst_wait(sched, OFFICE, MONDAY)
    assert got is not None and got.wait == 8 * H
    assert wall(got.arrival) == "2026-06-01 10:00 BST"


def test_a_week_without_a_check_in_still_counts_mail_arriving_at_its_start() -> None:
    """Check-ins on Fridays only, and this Friday is a holiday: mail arriving at any time
    this week waits for next Friday 09:30; the worst is the week's first instant (9 working
    days of 8.5 h, and half an hour)."""
    sched = WeeklySchedule(
        zone=LONDON,
        workdays=frozenset({4}),
        check_ins=(time(9, 30),),
        holidays=frozenset({date(2026, 6, 5)}),
    )
    got = worst_wait(sched, OFFICE, MONDAY)
    assert got is not None
    assert (got.arrival, got.release) == (lon(1, 0), lon(12, 9, 30))
    assert got.wait == 9 * 8.5 * H + 0.5 * H
    assert brute_force(sched, OFFICE, MONDAY, timedelta(minutes=15)) == got.wait


def test_no_held_mail_no_worst_wait() -> None:
    """A window that never closes in working time (check-ins every 30 minutes, 30 minutes
    long, every day all day) holds nothing."""
    always = tuple(time(h, m) for h in range(24) for m in (0, 30))
    sched = WeeklySchedule(zone=LONDON, workdays=frozenset(range(7)), check_ins=always)
    assert worst_wait(sched, OFFICE, MONDAY) is None


@pytest.mark.parametrize(
    ("zone", "week"),
    [
        (LONDON, date(2026, 3, 23)),  # spring forward on Sunday 29 March
        (LONDON, date(2026, 10, 19)),  # fall back on Sunday 25 October
        (NEW_YORK, date(2026, 3, 2)),  # spring forward on Sunday 8 March
        (NEW_YORK, date(2026, 10, 26)),  # fall back on Sunday 1 November
    ],
)
def test_weeks_with_a_switch_agree_with_brute_force(zone: ZoneInfo, week: date) -> None:
    sched = WeeklySchedule(
        zone=zone,
        workdays=frozenset(range(7)),
        check_ins=(time(1, 30), time(9, 30), time(16)),
        focus_blocks=(block({6}, "00:45", "02:15"), block(WORKWEEK, "10:00", "12:00")),
    )
    working = WorkingTime(zone, frozenset(range(7)), (time(0, 30), time(17)))
    got = worst_wait(sched, working, week)
    assert got is not None
    assert got.wait == brute_force(sched, working, week, timedelta(minutes=15))


quarter = st.integers(0, 24 * 4 - 1).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def audited(draw: st.DrawFn) -> tuple[WeeklySchedule, WorkingTime, date]:
    zone = draw(st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("UTC")]))
    week = draw(
        st.sampled_from([date(2026, 3, 2), date(2026, 3, 23), date(2026, 6, 1), date(2026, 10, 19)])
    )
    blocks = draw(
        st.lists(
            st.builds(WeeklyBlock, st.frozensets(st.integers(0, 6), min_size=1), quarter, quarter),
            max_size=3,
        )
    )
    check_ins = tuple(draw(st.lists(quarter, min_size=1, max_size=4, unique=True)))
    if draw(st.booleans()):
        # a focus that starts inside a window, cutting it short: the subtle boundary
        first = check_ins[0].hour * 60 + check_ins[0].minute + 15
        length = draw(st.sampled_from([15, 60, 150]))
        if first + length < 24 * 60:
            start = time(first // 60, first % 60)
            end = time((first + length) // 60, (first + length) % 60)
            blocks.append(WeeklyBlock(frozenset(range(7)), start, end))
    sched = WeeklySchedule(
        zone=zone,
        workdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        check_ins=check_ins,
        check_in_minutes=draw(st.sampled_from([15, 30, 45, 60, 120])),
        focus_blocks=tuple(b for b in blocks if b.end != b.start),
    )
    if draw(st.booleans()):  # working time around the clock: every minute of waiting counts
        working = WorkingTime(zone, frozenset(range(7)), (time(0), time(23, 45)))
    else:
        a, b = sorted(draw(st.lists(quarter, min_size=2, max_size=2, unique=True)))
        working = WorkingTime(zone, draw(st.frozensets(st.integers(0, 6), min_size=1)), (a, b))
    return sched, working, week


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(audited())
def test_the_exact_worst_wait_is_what_sampling_every_quarter_hour_finds(
    case: tuple[WeeklySchedule, WorkingTime, date],
) -> None:
    """Every boundary of these schedules lies on the quarter-hour grid, so the grid holds the
    worst arrival and sampling it must find exactly the same wait."""
    sched, working, week = case
    got = worst_wait(sched, working, week)
    sampled = brute_force(sched, working, week, timedelta(minutes=15))
    if got is None:
        assert sampled is None
        return
    assert sampled == got.wait
    # and the named arrival really waits that long, under the real policy
    decision = Policy(People(), Timeline(sched)).decide(Category.CUSTOMER, got.arrival)
    assert decision.held and decision.release_at == got.release
    assert working.elapsed(got.arrival, got.release) == got.wait
    assert isinstance(got.arrival, datetime)
