"""Working time: 09:00-17:30 on workdays less holidays, in the schedule's zone.

The week of Monday 1 June 2026 has no daylight-saving switch anywhere tested here.
Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from domain_helpers import EVERY_DAY, LONDON, NEW_YORK, at, lon, wall

from focusguard.domain import working_time
from focusguard.domain.working_time import WorkingTime

H = timedelta(hours=1)
M = timedelta(minutes=1)
OFFICE = WorkingTime(LONDON)  # Mon-Fri 09:00-17:30
CHRISTMAS = WorkingTime(LONDON, holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}))


def test_the_issue_example_friday_1600_plus_4h_is_monday_1130() -> None:
    due = OFFICE.add(lon(5, 16), 4 * H)
    assert wall(due) == "2026-06-08 11:30 BST"
    assert OFFICE.elapsed(lon(5, 16), due) == 4 * H


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (lon(1, 9), 4, lon(1, 13)),  # at the working start
        (lon(1, 7), 4, lon(1, 13)),  # before it: the clock starts at 09:00
        (lon(1, 18), 4, lon(2, 13)),  # after the working end: next morning
        (lon(1, 17, 30), 4, lon(2, 13)),  # at the end itself (half-open: no time left)
        (lon(6, 12), 4, lon(8, 13)),  # Saturday
        (lon(7, 23, 59), 4, lon(8, 13)),  # Sunday night
        (lon(5, 13, 30), 4, lon(5, 17, 30)),  # runs out at the end of the day: that day
        (lon(1, 9), 8.5, lon(1, 17, 30)),  # one whole working day
        (lon(1, 9), 42.5, lon(5, 17, 30)),  # one whole working week
        (lon(1, 12), 17, lon(3, 12)),  # two working days later, to the minute
    ],
)
def test_add(received: datetime, hours: float, due: datetime) -> None:
    assert OFFICE.add(received, hours * H) == due


def test_holidays_are_not_working_time() -> None:
    # Thursday 24 Dec 16:00; Fri 25 and Mon 28 are holidays: 1.5 h Thursday, 2.5 h Tuesday
    due = CHRISTMAS.add(at(LONDON, 2026, 12, 24, 16), 4 * H)
    assert wall(due) == "2026-12-29 11:30 GMT"
    assert CHRISTMAS.elapsed(at(LONDON, 2026, 12, 24, 16), due) == 4 * H
    assert (
        CHRISTMAS.elapsed(at(LONDON, 2026, 12, 25, 0), at(LONDON, 2026, 12, 29, 0)) == timedelta()
    )
    # mail arriving on the holiday starts the clock on the next working day
    assert CHRISTMAS.next_start(at(LONDON, 2026, 12, 25, 11)) == at(LONDON, 2026, 12, 29, 9)
    assert wall(CHRISTMAS.add(at(LONDON, 2026, 12, 25, 11), H)) == "2026-12-29 10:00 GMT"


def test_a_holiday_on_a_weekend_changes_nothing() -> None:
    with_saturday = WorkingTime(LONDON, holidays=frozenset({date(2026, 6, 6)}))
    assert with_saturday.add(lon(5, 16), 4 * H) == OFFICE.add(lon(5, 16), 4 * H)


@pytest.mark.parametrize(
    ("since", "until", "hours"),
    [
        (lon(1, 9), lon(1, 17, 30), 8.5),
        (lon(1, 0), lon(2, 0), 8.5),
        (lon(1, 18), lon(2, 8), 0),
        (lon(5, 16), lon(8, 10), 2.5),  # over the weekend
        (lon(1, 10), lon(1, 10), 0),
        (lon(2, 10), lon(1, 10), 0),  # backwards: none
        (lon(1, 0), lon(8, 0), 42.5),
    ],
)
def test_elapsed(since: datetime, until: datetime, hours: float) -> None:
    assert OFFICE.elapsed(since, until) == hours * H


@pytest.mark.parametrize(
    ("t", "minutes", "expected"),
    [
        (lon(8, 10), 60, lon(8, 9)),  # ends at a working start: that start, not Friday 17:30
        (lon(8, 9, 30), 60, lon(5, 17)),  # half an hour each side of the weekend
        (lon(8, 9), 60, lon(5, 16, 30)),
        (lon(6, 12), 60, lon(5, 16, 30)),  # from a Saturday
        (lon(1, 13), 0, lon(1, 13)),
    ],
)
def test_subtract(t: datetime, minutes: int, expected: datetime) -> None:
    assert OFFICE.subtract(t, minutes * M) == expected


def test_subtract_skips_holidays() -> None:
    # an hour before Tuesday 29 Dec 09:30 (Mon 28 and Fri 25 are holidays): Thu 24 17:00
    got = CHRISTMAS.subtract(at(LONDON, 2026, 12, 29, 9, 30), H)
    assert wall(got) == "2026-12-24 17:00 GMT"


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add(lon(1, 9), -H)
    with pytest.raises(ValueError, match="negative"):
        OFFICE.subtract(lon(1, 9), -H)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hours": (time(17, 30), time(9))},
        {"hours": (time(9), time(9))},
        {"workdays": frozenset()},
        {"workdays": frozenset({7})},
    ],
)
def test_nonsense_working_time_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WorkingTime(LONDON, **kwargs)  # type: ignore[arg-type]


def test_periods_are_clipped_and_in_order() -> None:
    got = OFFICE.periods(lon(5, 12), lon(8, 10))
    assert [(wall(p.start), wall(p.end)) for p in got] == [
        ("2026-06-05 12:00 BST", "2026-06-05 17:30 BST"),
        ("2026-06-08 09:00 BST", "2026-06-08 10:00 BST"),
    ]


# -- daylight saving ----------------------------------------------------------------------------


def offset(t: datetime, zone: ZoneInfo) -> timedelta:
    return t.astimezone(zone).utcoffset() or timedelta()


SWITCH_WEEKENDS = [
    # zone, the Friday before the switch, the Monday after, the zone names before / after
    (LONDON, date(2026, 3, 27), date(2026, 3, 30), "GMT", "BST"),
    (LONDON, date(2026, 10, 23), date(2026, 10, 26), "BST", "GMT"),
    (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), "EST", "EDT"),
    (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), "EDT", "EST"),
]


@pytest.mark.parametrize(("zone", "friday", "monday", "before", "after"), SWITCH_WEEKENDS)
def test_a_promise_over_the_switch_weekend(
    zone: ZoneInfo, friday: date, monday: date, before: str, after: str
) -> None:
    """Friday 16:00 + 4 h is Monday 11:30 on the wall clock, across either switch: the hour
    gained or lost on Sunday night is not working time. Real time differs by that hour."""
    wt = WorkingTime(zone)
    received = at(zone, friday.year, friday.month, friday.day, 16)
    due = wt.add(received, 4 * H)
    assert wall(received, zone) == f"{friday} 16:00 {before}"
    assert wall(due, zone) == f"{monday} 11:30 {after}"
    assert wt.elapsed(received, due) == 4 * H
    # 67.5 wall-clock hours, less the hour lost in spring, plus the one gained in autumn
    shift = offset(due, zone) - offset(received, zone)
    assert abs(shift) == H
    assert due - received == timedelta(hours=67, minutes=30) - shift
    # the guard an hour before, and the walk back to Friday
    assert wall(wt.subtract(due, H), zone) == f"{monday} 10:30 {after}"
    assert wt.subtract(due, 4 * H) == received


@pytest.mark.parametrize(("zone", "friday", "monday", "before", "after"), SWITCH_WEEKENDS)
def test_a_working_day_on_the_switch_day_is_its_wall_clock_span(
    zone: ZoneInfo, friday: date, monday: date, before: str, after: str
) -> None:
    """Working every day 09:00-17:30: the Sunday of the switch is 09:00-17:30 local too,
    8.5 real hours (the switch happens at night)."""
    wt = WorkingTime(zone, workdays=EVERY_DAY)
    sunday = friday + timedelta(days=2)
    (period,) = wt.periods(
        at(zone, sunday.year, sunday.month, sunday.day),
        at(zone, monday.year, monday.month, monday.day),
    )
    assert wall(period.start, zone) == f"{sunday} 09:00 {after}"
    assert wall(period.end, zone) == f"{sunday} 17:30 {after}"
    assert period.duration == timedelta(hours=8, minutes=30)


@pytest.mark.parametrize(
    ("zone", "day", "real_hours", "start_wall", "end_wall"),
    [
        # night-shift hours 00:30-06:00 contain the switch itself: the span is shorter or
        # longer in real time, and its ends are wall-clock times resolved like all others
        (LONDON, date(2026, 3, 29), 4.5, "00:30 GMT", "06:00 BST"),
        (LONDON, date(2026, 10, 25), 6.5, "00:30 BST", "06:00 GMT"),
        (NEW_YORK, date(2026, 3, 8), 4.5, "00:30 EST", "06:00 EDT"),
        (NEW_YORK, date(2026, 11, 1), 6.5, "00:30 EDT", "06:00 EST"),
    ],
)
def test_working_hours_over_the_switch_itself(
    zone: ZoneInfo, day: date, real_hours: float, start_wall: str, end_wall: str
) -> None:
    wt = WorkingTime(zone, workdays=EVERY_DAY, hours=(time(0, 30), time(6)))
    (period,) = wt.periods(
        at(zone, day.year, day.month, day.day), at(zone, day.year, day.month, day.day, 12)
    )
    assert period.duration == real_hours * H
    assert wall(period.start, zone) == f"{day} {start_wall}"
    assert wall(period.end, zone) == f"{day} {end_wall}"


def test_working_start_in_the_gap_and_end_in_the_repeated_hour() -> None:
    """01:30 does not exist on 29 Mar in London (the day starts at 02:00 BST); on 25 Oct
    01:30 happens twice and the first (BST) is meant, like every wall-clock time here."""
    wt = WorkingTime(LONDON, workdays=EVERY_DAY, hours=(time(1, 30), time(4)))
    spring = wt.periods(at(LONDON, 2026, 3, 29), at(LONDON, 2026, 3, 29, 12))
    assert [(wall(p.start), wall(p.end)) for p in spring] == [
        ("2026-03-29 02:00 BST", "2026-03-29 04:00 BST")
    ]
    short = WorkingTime(LONDON, workdays=EVERY_DAY, hours=(time(0), time(1, 30)))
    fall = short.periods(at(LONDON, 2026, 10, 25), at(LONDON, 2026, 10, 25, 12))
    assert [(wall(p.start), wall(p.end)) for p in fall] == [
        ("2026-10-25 00:00 BST", "2026-10-25 01:30 BST")
    ]
    # both ends in the gap: no working time that day
    gap = WorkingTime(LONDON, workdays=EVERY_DAY, hours=(time(1, 10), time(1, 50)))
    assert gap.periods(at(LONDON, 2026, 3, 29), at(LONDON, 2026, 3, 30)) == []
    assert gap.elapsed(at(LONDON, 2026, 3, 28, 12), at(LONDON, 2026, 3, 30, 12)) == 40 * M


def test_an_instant_in_an_hour_repeated_across_midnight_belongs_to_the_new_month() -> None:
    """St John's fell back from 00:01 NDT on 1 Nov 2009 to 23:01 NST on 31 Oct: an hour
    that shows October's date came after November began."""
    zone = ZoneInfo("America/St_Johns")
    wt = WorkingTime(zone, workdays=EVERY_DAY, hours=(time(0), time(23, 50)))
    repeated = datetime(2009, 11, 1, 2, 45, tzinfo=UTC)
    assert repeated.astimezone(zone).date() == date(2009, 10, 31)
    nov_first = at(zone, 2009, 11, 1)
    assert nov_first < repeated
    # 00:00-00:15 on the wall clock of 1 Nov (first), then the repeated hour counts again
    assert wt.elapsed(nov_first, repeated) == 15 * M
    assert wt.add(nov_first, 15 * M) == repeated
    assert wt.subtract(repeated, 15 * M) == nov_first


# -- efficiency -------------------------------------------------------------------------------


def test_a_year_long_promise_builds_each_month_once() -> None:
    working_time._build.cache_clear()
    far = frozenset(date(2026 + y, 12, 25) for y in range(50))  # holidays 50 years ahead
    wt = WorkingTime(LONDON, holidays=far)
    year = 2000 * H
    due = wt.add(lon(5, 16), year)
    assert wt.elapsed(lon(5, 16), due) == year
    assert wt.subtract(due, year) == lon(5, 16)
    assert due.year == 2027
    # about a year of months, each built once and then served from the cache
    assert working_time._build.cache_info().misses <= 14
