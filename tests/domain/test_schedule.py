"""Check-in windows and focus, in a DST-free week (Mon 1 - Sun 7 June 2026, Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from domain_helpers import EVERY_DAY, LONDON, WORKWEEK, block, lon, span, wall

from focusguard.domain.schedule import (
    FocusState,
    Interval,
    Timeline,
    WeeklyBlock,
    WeeklySchedule,
    merge,
)

STD = WeeklySchedule(zone=LONDON)  # Mon-Fri, 09:30 13:00 16:30, 30 minutes


def starts(tl: Timeline, since: datetime, until: datetime) -> list[str]:
    return [wall(w.start) for w in tl.check_in_windows(since, until)]


# -- Interval and merge -----------------------------------------------------------------------


def test_interval_is_half_open_and_needs_aware_times() -> None:
    iv = span(lon(1, 9), lon(1, 10))
    assert iv.contains(lon(1, 9)) and not iv.contains(lon(1, 10))
    assert iv.duration == timedelta(hours=1)
    with pytest.raises(ValueError):
        Interval(datetime(2026, 6, 1, 9), datetime(2026, 6, 1, 10))


def test_interval_in_a_local_zone_is_held_in_utc() -> None:
    """Two ends sharing a local tzinfo were compared and subtracted by wall clock (fold-blind):
    01:45 BST to 01:15 GMT on the fall-back night (30 real minutes) had a duration of -30
    minutes and contained nothing."""
    start = datetime(2026, 10, 25, 1, 45, tzinfo=LONDON)
    end = (start.astimezone(UTC) + timedelta(minutes=30)).astimezone(LONDON)
    assert end.fold == 1 and end.hour == 1
    iv = Interval(start, end)
    assert iv.start.tzinfo is UTC and iv.end.tzinfo is UTC
    assert iv.duration == timedelta(minutes=30)
    assert iv.contains(start.astimezone(UTC) + timedelta(minutes=10))
    assert merge([iv]) == [iv]


def test_merge_joins_overlapping_and_touching_and_drops_empty() -> None:
    a, b, c, d = lon(1, 9), lon(1, 10), lon(1, 11), lon(1, 12)
    assert merge([span(c, d), span(a, b), span(b, c)]) == [span(a, d)]
    assert merge([span(a, c), span(b, b + timedelta(minutes=1))]) == [span(a, c)]
    assert merge([span(a, b), span(c, d)]) == [span(a, b), span(c, d)]
    assert merge([span(b, a), span(c, c)]) == []


# -- check-in windows -------------------------------------------------------------------------


def test_windows_on_a_plain_week() -> None:
    tl = Timeline(STD)
    got = starts(tl, lon(1), lon(8))
    assert got == [
        f"2026-06-0{d} {hm} BST" for d in range(1, 6) for hm in ("09:30", "13:00", "16:30")
    ]
    for w in tl.check_in_windows(lon(1), lon(8)):
        assert w.duration == timedelta(minutes=30)


def test_no_check_ins_on_weekends() -> None:
    tl = Timeline(STD)
    assert tl.check_in_windows(lon(6), lon(8)) == []
    assert tl.window_at(lon(6, 9, 45)) is None


def test_friday_after_last_check_in_waits_for_monday() -> None:
    tl = Timeline(STD)
    nxt = tl.next_check_in(lon(5, 17))
    assert nxt is not None and wall(nxt) == "2026-06-08 09:30 BST"
    sat = tl.next_check_in(lon(6, 12))
    assert sat == nxt


def test_no_check_ins_on_holidays() -> None:
    """A holiday is a day off like Saturday: Thursday evening's mail waits for Monday when
    Friday is a holiday. Focus blocks keep their own days."""
    sched = WeeklySchedule(
        zone=LONDON,
        holidays=frozenset({date(2026, 6, 5)}),
        focus_blocks=(block({4}, "10:00", "11:00"),),
    )
    tl = Timeline(sched)
    assert tl.check_in_windows(lon(5), lon(6)) == []
    assert tl.window_at(lon(5, 9, 45)) is None
    nxt = tl.next_check_in(lon(4, 17))
    assert nxt is not None and wall(nxt) == "2026-06-08 09:30 BST"
    assert tl.focus_at(lon(5, 10, 30)) == span(lon(5, 10), lon(5, 11))
    assert starts(tl, lon(4), lon(5)) == starts(Timeline(STD), lon(4), lon(5))


def test_window_at_boundaries() -> None:
    tl = Timeline(STD)
    assert tl.window_at(lon(1, 9, 29)) is None
    w = tl.window_at(lon(1, 9, 30))
    assert w == span(lon(1, 9, 30), lon(1, 10))
    assert tl.window_at(lon(1, 9, 59)) == w
    assert tl.window_at(lon(1, 10)) is None  # half-open


def test_next_check_in_is_strictly_after() -> None:
    tl = Timeline(STD)
    assert tl.next_check_in(lon(1, 9, 29)) == lon(1, 9, 30)
    assert tl.next_check_in(lon(1, 9, 30)) == lon(1, 13)
    assert tl.next_check_in(lon(1, 9, 45)) == lon(1, 13)


def test_custom_workdays_and_length() -> None:
    sched = WeeklySchedule(
        zone=LONDON, workdays=frozenset({0, 2}), check_ins=(time(15),), check_in_minutes=45
    )
    tl = Timeline(sched)
    assert starts(tl, lon(1), lon(8)) == ["2026-06-01 15:00 BST", "2026-06-03 15:00 BST"]
    assert tl.window_at(lon(3, 15, 44)) == span(lon(3, 15), lon(3, 15, 45))


def test_no_check_ins_configured_means_no_windows() -> None:
    tl = Timeline(WeeklySchedule(zone=LONDON, check_ins=()))
    assert tl.check_in_windows(lon(1), lon(30)) == []
    assert tl.next_check_in(lon(1)) is None


def test_check_in_inside_focus_is_postponed_and_keeps_its_length() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "09:00", "11:10"),))
    tl = Timeline(sched)
    monday = tl.check_in_windows(lon(1), lon(2))
    assert monday == [
        span(lon(1, 11, 10), lon(1, 11, 40)),
        span(lon(1, 13), lon(1, 13, 30)),
        span(lon(1, 16, 30), lon(1, 17)),
    ]
    assert tl.window_at(lon(1, 9, 45)) is None
    assert tl.next_check_in(lon(1, 9, 45)) == lon(1, 11, 10)


def test_check_in_at_focus_start_is_postponed_at_focus_end_is_not() -> None:
    starting = Timeline(STD, FocusState(adhoc=(span(lon(1, 13), lon(1, 14)),)))
    assert starts(starting, lon(1, 12), lon(1, 15)) == ["2026-06-01 14:00 BST"]
    ending = Timeline(STD, FocusState(adhoc=(span(lon(1, 12), lon(1, 13)),)))
    assert starts(ending, lon(1, 12), lon(1, 15)) == ["2026-06-01 13:00 BST"]


def test_two_check_ins_postponed_to_one_focus_end_make_one_window() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "09:00", "14:00"),))
    tl = Timeline(sched)
    assert starts(tl, lon(1), lon(2)) == ["2026-06-01 14:00 BST", "2026-06-01 16:30 BST"]


def test_postponement_uses_merged_focus() -> None:
    """A check-in in a scheduled block followed at once by a meeting waits for both."""
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "12:00", "13:30"),))
    tl = Timeline(sched, FocusState(calendar=(span(lon(1, 13, 30), lon(1, 14, 15)),)))
    assert tl.next_check_in(lon(1, 12)) == lon(1, 14, 15)


def test_friday_check_in_postponed_past_midnight_lands_on_saturday() -> None:
    """Postponement follows the focus, even onto a non-workday: the nominal day is a workday."""
    tl = Timeline(STD, FocusState(calendar=(span(lon(5, 16), lon(6, 1)),)))
    assert starts(tl, lon(5, 12), lon(8)) == ["2026-06-05 13:00 BST", "2026-06-06 01:00 BST"]


# -- focus ------------------------------------------------------------------------------------


def test_focus_is_the_union_of_scheduled_adhoc_and_calendar() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "09:00", "10:00"),))
    state = FocusState(
        adhoc=(span(lon(1, 9, 30), lon(1, 10, 30)),),
        calendar=(span(lon(1, 10, 30), lon(1, 11)), span(lon(1, 15), lon(1, 16))),
    )
    tl = Timeline(sched, state)
    assert tl.focus(lon(1), lon(2)) == [span(lon(1, 9), lon(1, 11)), span(lon(1, 15), lon(1, 16))]
    assert tl.focus_at(lon(1, 10, 45)) == span(lon(1, 9), lon(1, 11))
    assert tl.focus_at(lon(1, 11)) is None
    assert tl.focus_at(lon(1, 8, 59)) is None
    # each kind on its own counts
    assert Timeline(sched).focus_at(lon(2, 9, 15)) == span(lon(2, 9), lon(2, 10))
    only_adhoc = Timeline(STD, FocusState(adhoc=(span(lon(1, 1), lon(1, 2)),)))
    assert only_adhoc.focus_at(lon(1, 1, 30)) == span(lon(1, 1), lon(1, 2))
    only_cal = Timeline(STD, FocusState(calendar=(span(lon(1, 1), lon(1, 2)),)))
    assert only_cal.focus_at(lon(1, 1, 30)) == span(lon(1, 1), lon(1, 2))


def test_scheduled_blocks_only_on_their_days() -> None:
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block({1, 3}, "14:00", "15:00"),))
    tl = Timeline(sched)
    assert [wall(iv.start) for iv in tl.focus(lon(1), lon(8))] == [
        "2026-06-02 14:00 BST",
        "2026-06-04 14:00 BST",
    ]


def test_scheduled_block_over_midnight_runs_into_the_next_day() -> None:
    """A block ending before it starts used to be dropped silently (no focus at all)."""
    sched = WeeklySchedule(zone=LONDON, focus_blocks=(block({4}, "22:00", "02:00"),))
    tl = Timeline(sched)
    assert tl.focus_at(lon(5, 23)) == span(lon(5, 22), lon(6, 2))
    assert tl.focus_at(lon(6, 1, 59)) == span(lon(5, 22), lon(6, 2))
    assert tl.focus_at(lon(4, 23)) is None
    until_midnight = Timeline(
        WeeklySchedule(zone=LONDON, focus_blocks=(block({0}, "20:00", "00:00"),))
    )
    assert until_midnight.focus_at(lon(1, 23, 59)) == span(lon(1, 20), lon(2))


def test_calendar_block_spanning_midnight_and_the_weekend() -> None:
    cal = (span(lon(5, 22), lon(8, 10)),)  # Fri 22:00 to Mon 10:00
    tl = Timeline(STD, FocusState(calendar=cal))
    assert tl.focus_at(lon(6, 12)) == cal[0]
    assert tl.focus_at(lon(8, 9, 59)) == cal[0]
    # Monday 09:30 falls inside: postponed to 10:00
    assert tl.next_check_in(lon(5, 23)) == lon(8, 10)
    assert tl.window_at(lon(8, 10, 15)) == span(lon(8, 10), lon(8, 10, 30))


def test_focus_longer_than_a_day_keeps_its_true_ends() -> None:
    cal = (span(lon(1, 8), lon(4, 18)),)
    tl = Timeline(STD, FocusState(calendar=cal))
    assert tl.focus_at(lon(3, 3)) == cal[0]
    assert tl.focus(lon(2, 10), lon(2, 11)) == [cal[0]]


# -- end_focus --------------------------------------------------------------------------------

SCHED_9_12 = WeeklySchedule(zone=LONDON, focus_blocks=(block(WORKWEEK, "09:00", "12:00"),))


def test_end_focus_outside_focus_changes_nothing() -> None:
    tl = Timeline(SCHED_9_12)
    assert tl.end_focus(lon(1, 13)) == tl.state


def test_end_focus_ends_scheduled_block_which_returns_next_occurrence() -> None:
    tl = Timeline(SCHED_9_12)
    after = Timeline(SCHED_9_12, tl.end_focus(lon(1, 10)))
    assert after.focus_at(lon(1, 10)) is None
    assert after.focus_at(lon(1, 11, 59)) is None
    assert after.focus(lon(1), lon(2)) == [span(lon(1, 9), lon(1, 10))]
    assert after.focus_at(lon(2, 9)) == span(lon(2, 9), lon(2, 12))  # back on Tuesday
    # Monday 09:30 check-in was postponed to noon; now it comes at the early end.
    assert tl.next_check_in(lon(1, 9, 45)) == lon(1, 12)
    assert after.next_check_in(lon(1, 9, 45)) == lon(1, 10)


def test_end_focus_ends_every_kind_of_focus_containing_t() -> None:
    state = FocusState(
        adhoc=(span(lon(1, 11), lon(1, 13)),),
        calendar=(span(lon(1, 12, 30), lon(1, 14)),),
    )
    tl = Timeline(SCHED_9_12, state)
    assert tl.focus_at(lon(1, 10)) == span(lon(1, 9), lon(1, 14))
    after = Timeline(SCHED_9_12, tl.end_focus(lon(1, 10)))
    assert after.focus(lon(1), lon(2)) == [span(lon(1, 9), lon(1, 10))]
    assert after.focus_at(lon(1, 13, 30)) is None


def test_end_focus_cuts_adhoc_block() -> None:
    tl = Timeline(STD, FocusState(adhoc=(span(lon(1, 14), lon(1, 15)),)))
    state = tl.end_focus(lon(1, 14, 20))
    after = Timeline(STD, state)
    assert after.focus(lon(1), lon(2)) == [span(lon(1, 14), lon(1, 14, 20))]
    # the 16:30 check-in is untouched
    assert after.next_check_in(lon(1, 14, 20)) == lon(1, 16, 30)


def test_adhoc_started_after_an_early_end_is_focus() -> None:
    tl = Timeline(SCHED_9_12)
    ended = Timeline(SCHED_9_12, tl.end_focus(lon(1, 10)))
    again = Timeline(SCHED_9_12, ended.state.with_adhoc(span(lon(1, 10, 30), lon(1, 11, 30))))
    assert again.focus_at(lon(1, 11)) == span(lon(1, 10, 30), lon(1, 11, 30))
    assert again.focus_at(lon(1, 11, 45)) is None  # the scheduled rest stays ended
    # and that new block can itself be ended
    twice = Timeline(SCHED_9_12, again.end_focus(lon(1, 11)))
    assert twice.focus_at(lon(1, 11)) is None
    assert twice.focus(lon(1), lon(2)) == [
        span(lon(1, 9), lon(1, 10)),
        span(lon(1, 10, 30), lon(1, 11)),
    ]


def test_end_focus_on_a_calendar_block_over_midnight() -> None:
    cal = span(lon(1, 22), lon(2, 3))
    tl = Timeline(STD, FocusState(calendar=(cal,)))
    after = Timeline(STD, tl.end_focus(lon(2, 0, 30)))
    assert after.focus_at(lon(2, 1)) is None
    assert after.focus(lon(1), lon(3)) == [span(lon(1, 22), lon(2, 0, 30))]


def test_end_focus_accepts_local_time() -> None:
    tl = Timeline(SCHED_9_12)
    local = lon(1, 10).astimezone(LONDON)
    assert Timeline(SCHED_9_12, tl.end_focus(local)).focus_at(lon(1, 11)) is None


def test_pruned_forgets_only_the_past() -> None:
    state = FocusState(
        adhoc=(span(lon(1, 1), lon(1, 2)), span(lon(2, 1), lon(2, 2))),
        calendar=(span(lon(1, 3), lon(1, 4)),),
        ended=(span(lon(1, 5), lon(1, 6)),),
    )
    pruned = state.pruned(lon(1, 12))
    assert pruned == FocusState(adhoc=(span(lon(2, 1), lon(2, 2)),))


def test_with_calendar_replaces_calendar_blocks() -> None:
    state = FocusState().with_calendar([span(lon(2, 1), lon(2, 2)), span(lon(1, 1), lon(1, 2))])
    assert state.calendar == (span(lon(1, 1), lon(1, 2)), span(lon(2, 1), lon(2, 2)))
    assert state.with_calendar([]).calendar == ()


# -- other zones and caching ------------------------------------------------------------------


def test_windows_are_wall_clock_in_the_configured_zone() -> None:
    from domain_helpers import TOKYO, at

    tl = Timeline(WeeklySchedule(zone=TOKYO, check_ins=(time(9, 30),)))
    nxt = tl.next_check_in(at(TOKYO, 2026, 6, 1, 8))
    assert nxt == at(TOKYO, 2026, 6, 1, 9, 30)
    assert nxt == datetime(2026, 6, 1, 0, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    tl = Timeline(STD)
    with pytest.raises(ValueError):
        tl.focus_at(datetime(2026, 6, 1, 10))


def test_results_are_cached_per_day() -> None:
    from focusguard.domain import schedule

    sched = WeeklySchedule(
        zone=LONDON, workdays=EVERY_DAY, focus_blocks=(WeeklyBlock(EVERY_DAY, time(9), time(10)),)
    )
    tl = Timeline(sched)
    schedule._focus_days.cache_clear()
    schedule._windows_days.cache_clear()
    for minute in range(0, 600, 7):
        tl.window_at(lon(1, 8) + timedelta(minutes=minute))
        tl.focus_at(lon(1, 8) + timedelta(minutes=minute))
    info = schedule._windows_days.cache_info()
    assert info.misses <= 3 and info.hits > 50
    assert schedule._focus_days.cache_info().misses <= 6
