"""Daylight-saving switches: nonexistent wall times mean the first instant after the gap,
ambiguous ones their first occurrence (once), and windows keep their length in real minutes.

Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from domain_helpers import EVERY_DAY, LONDON, NEW_YORK, at, block, span, wall

from focusguard.domain.clock_time import format_clock, local_date, resolve
from focusguard.domain.policy import Policy
from focusguard.domain.schedule import FocusState, Timeline, WeeklySchedule
from focusguard.domain.senders import Category, People

THIRTY = timedelta(minutes=30)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# -- resolve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "clock", "expected"),
    [
        # London spring forward: 01:00-01:59 does not exist; 02:00 BST is 01:00 UTC
        (LONDON, date(2026, 3, 29), time(0, 59), utc(2026, 3, 29, 0, 59)),
        (LONDON, date(2026, 3, 29), time(1, 0), utc(2026, 3, 29, 1)),
        (LONDON, date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1)),
        (LONDON, date(2026, 3, 29), time(1, 59, 59), utc(2026, 3, 29, 1)),
        (LONDON, date(2026, 3, 29), time(2, 0), utc(2026, 3, 29, 1)),
        (LONDON, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30)),
        # London fall back: 01:00-01:59 happens twice; the first (BST) is meant
        (LONDON, date(2026, 10, 25), time(0, 59), utc(2026, 10, 24, 23, 59)),
        (LONDON, date(2026, 10, 25), time(1, 0), utc(2026, 10, 25, 0)),
        (LONDON, date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30)),
        (LONDON, date(2026, 10, 25), time(1, 30, fold=1), utc(2026, 10, 25, 0, 30)),
        (LONDON, date(2026, 10, 25), time(2, 0), utc(2026, 10, 25, 2)),
        # New York spring forward: 02:00-02:59 does not exist; 03:00 EDT is 07:00 UTC
        (NEW_YORK, date(2026, 3, 8), time(1, 59), utc(2026, 3, 8, 6, 59)),
        (NEW_YORK, date(2026, 3, 8), time(2, 0), utc(2026, 3, 8, 7)),
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7)),
        (NEW_YORK, date(2026, 3, 8), time(3, 0), utc(2026, 3, 8, 7)),
        # New York fall back: 01:00-01:59 twice; first is EDT (UTC-4)
        (NEW_YORK, date(2026, 11, 1), time(1, 0), utc(2026, 11, 1, 5)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        (NEW_YORK, date(2026, 11, 1), time(2, 0), utc(2026, 11, 1, 7)),
        # half-hour DST (Lord Howe: 02:00 -> 02:30 on 4 Oct 2026) and the southern hemisphere
        (ZoneInfo("Australia/Lord_Howe"), date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 30)),
        (ZoneInfo("Australia/Sydney"), date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16)),
        (ZoneInfo("Australia/Sydney"), date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),
    ],
)
def test_resolve(zone: ZoneInfo, day: date, clock: time, expected: datetime) -> None:
    got = resolve(day, clock, zone)
    assert got == expected
    assert got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK, ZoneInfo("Australia/Lord_Howe")])
def test_resolve_is_monotone_and_never_earlier_than_the_wall_clock_asked(zone: ZoneInfo) -> None:
    for day in (
        date(2026, 3, 8),
        date(2026, 3, 29),
        date(2026, 10, 4),
        date(2026, 10, 25),
        date(2026, 11, 1),
    ):
        previous = None
        for minute in range(0, 24 * 60, 5):
            t = resolve(day, time(minute // 60, minute % 60), zone)
            assert previous is None or t >= previous
            previous = t
            # the wall clock shown at the result is the one asked for, or later (gap)
            shown = t.astimezone(zone).replace(tzinfo=None)
            assert shown >= datetime.combine(day, time(minute // 60, minute % 60))
            assert local_date(t, zone) == day


# -- check-in windows at the switches ---------------------------------------------------------


def test_london_spring_forward_check_in_in_the_gap() -> None:
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(1, 30), time(9, 30)))
    tl = Timeline(sched)
    windows = tl.check_in_windows(at(LONDON, 2026, 3, 29), at(LONDON, 2026, 3, 30))
    assert [wall(w.start) for w in windows] == ["2026-03-29 02:00 BST", "2026-03-29 09:30 BST"]
    assert all(w.duration == THIRTY for w in windows)
    assert windows[0] == span(utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30))


def test_two_check_ins_in_one_gap_make_one_window() -> None:
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(1, 15), time(1, 45)))
    tl = Timeline(sched)
    windows = tl.check_in_windows(at(LONDON, 2026, 3, 29), at(LONDON, 2026, 3, 30))
    assert windows == [span(utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30))]


def test_london_fall_back_ambiguous_check_in_once_at_first_occurrence() -> None:
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(1, 30),))
    tl = Timeline(sched)
    windows = tl.check_in_windows(at(LONDON, 2026, 10, 24, 12), at(LONDON, 2026, 10, 26))
    assert windows == [span(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1))]
    assert wall(windows[0].start) == "2026-10-25 01:30 BST"
    # the second 01:40 (GMT) is not a check-in; the next one is the day after
    second = datetime(2026, 10, 25, 1, 40, fold=1, tzinfo=LONDON)
    assert tl.window_at(second) is None
    assert tl.window_at(datetime(2026, 10, 25, 1, 40, fold=0, tzinfo=LONDON)) == windows[0]
    assert tl.next_check_in(second) == at(LONDON, 2026, 10, 26, 1, 30)


def test_window_over_fall_back_keeps_real_minutes() -> None:
    """01:45 BST + 30 real minutes is 01:15 GMT, not 02:15."""
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(1, 45),))
    tl = Timeline(sched)
    (w,) = tl.check_in_windows(at(LONDON, 2026, 10, 25), at(LONDON, 2026, 10, 26))
    assert w == span(utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 1, 15))
    assert wall(w.end) == "2026-10-25 01:15 GMT"


def test_window_over_spring_forward_keeps_real_minutes() -> None:
    """00:45 GMT + 30 real minutes is 02:15 BST."""
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(0, 45),))
    tl = Timeline(sched)
    (w,) = tl.check_in_windows(at(LONDON, 2026, 3, 29), at(LONDON, 2026, 3, 30))
    assert w.duration == THIRTY
    assert wall(w.end) == "2026-03-29 02:15 BST"


def test_new_york_spring_forward_and_fall_back_check_ins() -> None:
    sched = WeeklySchedule(zone=NEW_YORK, workdays=EVERY_DAY, check_ins=(time(2, 30),))
    tl = Timeline(sched)
    spring = tl.check_in_windows(at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9))
    assert spring == [span(utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30))]
    assert wall(spring[0].start, NEW_YORK) == "2026-03-08 03:00 EDT"
    amb = WeeklySchedule(zone=NEW_YORK, workdays=EVERY_DAY, check_ins=(time(1, 30),))
    fall = Timeline(amb).check_in_windows(at(NEW_YORK, 2026, 10, 31, 12), at(NEW_YORK, 2026, 11, 2))
    assert fall == [span(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6))]
    assert wall(fall[0].start, NEW_YORK) == "2026-11-01 01:30 EDT"


# -- focus blocks at the switches -------------------------------------------------------------


def test_focus_blocks_at_nonexistent_times() -> None:
    sched = WeeklySchedule(
        zone=LONDON,
        workdays=EVERY_DAY,
        check_ins=(time(1, 15),),
        focus_blocks=(block(EVERY_DAY, "00:30", "01:30"),),  # ends in the gap
    )
    tl = Timeline(sched)
    f = tl.focus_at(at(LONDON, 2026, 3, 29, 0, 45))
    assert f == span(utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1))  # 30 real minutes
    # the 01:15 check-in (-> 02:00 BST) is not inside focus: the block ended at 02:00 BST
    assert tl.next_check_in(at(LONDON, 2026, 3, 29, 0, 45)) == utc(2026, 3, 29, 1)
    starting_in_gap = Timeline(
        WeeklySchedule(zone=NEW_YORK, focus_blocks=(block(EVERY_DAY, "02:15", "04:00"),))
    )
    assert starting_in_gap.focus_at(utc(2026, 3, 8, 7, 30)) == span(
        utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)
    )


def test_focus_block_at_ambiguous_times_once() -> None:
    sched = WeeklySchedule(
        zone=LONDON,
        workdays=EVERY_DAY,
        check_ins=(time(1, 30),),
        focus_blocks=(block(EVERY_DAY, "01:00", "01:45"),),
    )
    tl = Timeline(sched)
    focus = tl.focus(at(LONDON, 2026, 10, 25), at(LONDON, 2026, 10, 26))
    assert focus == [span(utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 45))]
    # the ambiguous 01:30 check-in sits in the (first) block: postponed to 01:45 BST
    assert tl.next_check_in(at(LONDON, 2026, 10, 25)) == utc(2026, 10, 25, 0, 45)
    # the repeated hour is not focus
    assert tl.focus_at(datetime(2026, 10, 25, 1, 15, fold=1, tzinfo=LONDON)) is None


def test_focus_over_the_fall_back_hour_lasts_its_real_length() -> None:
    sched = WeeklySchedule(zone=NEW_YORK, focus_blocks=(block(EVERY_DAY, "00:30", "02:30"),))
    tl = Timeline(sched)
    f = tl.focus_at(utc(2026, 11, 1, 6))
    assert f is not None and f.duration == timedelta(hours=3)  # two wall hours, three real


def test_check_in_postponed_to_a_focus_end_in_the_gap() -> None:
    sched = WeeklySchedule(
        zone=NEW_YORK,
        workdays=EVERY_DAY,
        check_ins=(time(1, 30),),
        focus_blocks=(block(EVERY_DAY, "01:00", "02:30"),),
    )
    tl = Timeline(sched)
    (w,) = tl.check_in_windows(at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9))
    assert wall(w.start, NEW_YORK) == "2026-03-08 03:00 EDT" and w.duration == THIRTY


# -- a full week across each switch -----------------------------------------------------------

SWITCHES = [
    (LONDON, date(2026, 3, 26), "GMT", "BST"),
    (LONDON, date(2026, 10, 22), "BST", "GMT"),
    (NEW_YORK, date(2026, 3, 5), "EST", "EDT"),
    (NEW_YORK, date(2026, 10, 29), "EDT", "EST"),
]


@pytest.mark.parametrize(("zone", "thursday", "before", "after"), SWITCHES)
def test_a_workweek_of_check_ins_across_the_switch(
    zone: ZoneInfo, thursday: date, before: str, after: str
) -> None:
    tl = Timeline(WeeklySchedule(zone=zone))
    since = resolve(thursday, time(0), zone)
    windows = tl.check_in_windows(since, since + timedelta(days=7))
    got = [wall(w.start, zone) for w in windows]
    expected = []
    for offset in range(7):
        day = thursday + timedelta(days=offset)
        if day.weekday() < 5:
            abbr = before if offset < 3 else after
            expected += [f"{day} {hm} {abbr}" for hm in ("09:30", "13:00", "16:30")]
    assert got == expected
    assert all(w.duration == THIRTY for w in windows)
    # Friday 17:00 waits for Monday 09:30 across the switch: 64.5 hours +/- one real hour
    friday = resolve(thursday + timedelta(days=1), time(17), zone)
    monday = tl.next_check_in(friday)
    assert (
        monday is not None and wall(monday, zone) == f"{thursday + timedelta(days=4)} 09:30 {after}"
    )
    delta = monday - friday
    assert delta in {timedelta(hours=63, minutes=30), timedelta(hours=65, minutes=30)}


@pytest.mark.parametrize(("zone", "thursday", "before", "after"), SWITCHES)
def test_every_day_with_check_ins_in_the_switch_hour(
    zone: ZoneInfo, thursday: date, before: str, after: str
) -> None:
    """A week of daily check-ins at 01:30 and 02:30: exactly two windows every day (the one in
    the gap moves to the first instant after it; the ambiguous one is taken once), each 30
    real minutes, in order, never a duplicate."""
    sched = WeeklySchedule(zone=zone, workdays=EVERY_DAY, check_ins=(time(1, 30), time(2, 30)))
    tl = Timeline(sched)
    since = resolve(thursday, time(0), zone)
    windows = tl.check_in_windows(since, since + timedelta(days=7))
    assert all(w.duration == THIRTY for w in windows)
    starts = [w.start for w in windows]
    assert starts == sorted(set(starts))
    assert all(a.end <= b.start for a, b in pairwise(windows))
    per_day: dict[date, int] = {}
    for s in starts:
        per_day[local_date(s, zone)] = per_day.get(local_date(s, zone), 0) + 1
    assert set(per_day.values()) == {2}
    sunday = thursday + timedelta(days=3)
    sunday_walls = [wall(s, zone) for s in starts if local_date(s, zone) == sunday]
    expected = {
        "BST": ["02:00 BST", "02:30 BST"],  # London spring: 01:30 is in the gap
        "GMT": ["01:30 BST", "02:30 GMT"],  # London fall: 01:30 first occurrence
        "EDT": ["01:30 EST", "03:00 EDT"],  # New York spring: 02:30 is in the gap
        "EST": ["01:30 EDT", "02:30 EST"],  # New York fall: 01:30 first occurrence
    }[after]
    assert sunday_walls == [f"{sunday} {e}" for e in expected]
    assert len(per_day) == 7


# -- decisions made with local, folded instants -----------------------------------------------


def test_received_in_the_repeated_hour_is_released_after_it_arrived() -> None:
    """A received time given as a local datetime with fold=1 used to be stepped back an hour
    by wall-clock arithmetic, releasing mail at a check-in *before* it arrived."""
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(1, 50),))
    policy = Policy(People(), Timeline(sched))
    received = datetime(2026, 10, 25, 1, 40, fold=1, tzinfo=LONDON)  # 01:40 UTC
    decision = policy.decide(Category.CUSTOMER, received)
    assert decision.held
    assert decision.release_at is not None and decision.release_at > received
    assert decision.release_at == at(LONDON, 2026, 10, 26, 1, 50)
    assert policy.timeline.next_check_in(received) == decision.release_at


def test_format_clock_shows_local_wall_time_after_the_gap() -> None:
    t = resolve(date(2026, 3, 29), time(1, 30), LONDON)
    assert format_clock(t, LONDON) == "02:00"
    assert format_clock(t, LONDON, now=utc(2026, 3, 28, 12)) == "tomorrow 02:00"
    assert format_clock(t, LONDON, now=utc(2026, 3, 26, 12)) == "Sun 02:00"
    assert format_clock(t, LONDON, now=utc(2026, 3, 1, 12)) == "29 Mar 02:00"


def test_focus_state_given_in_local_time_around_fall_back() -> None:
    start = datetime(2026, 10, 25, 1, 10, tzinfo=LONDON)  # BST
    end = datetime(2026, 10, 25, 1, 20, fold=1, tzinfo=LONDON)  # GMT, 70 real minutes later
    sched = WeeklySchedule(zone=LONDON, workdays=EVERY_DAY, check_ins=(time(1, 30),))
    tl = Timeline(sched, FocusState(adhoc=(span(start, end),)))
    f = tl.focus_at(datetime(2026, 10, 25, 1, 5, fold=1, tzinfo=LONDON))
    assert f is not None and f.duration == timedelta(minutes=70)
    # the 01:30 BST check-in is inside: postponed to 01:20 GMT
    assert tl.next_check_in(start) == utc(2026, 10, 25, 1, 20)
