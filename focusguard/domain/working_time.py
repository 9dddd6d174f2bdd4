"""Working time: the hours a person answers mail in, as instants, and arithmetic on them.

Working time is the wall-clock span `hours` (09:00-17:30) on every workday that is not a
holiday, in the schedule's zone. A working day is 09:00-17:30 *local* whatever the day's
length: on the days the clocks change, the span is resolved like every other wall-clock time
(`clock_time.resolve`: a time in the spring-forward gap means the first instant after it, a
repeated one its first occurrence), so only working hours that contain the switch itself
are an hour shorter or longer in real time. Help desks count first-response targets this way
("business hours" with holidays, in the schedule's time zone; a business-hours interval
cannot span calendar days): https://developer.zendesk.com/api-reference/ticketing/ticket-management/schedules/

The arithmetic is exact to the microsecond and never steps minute by minute: the working
periods of each local calendar month are built once (cached) with their running totals, so
"how much working time between a and b" and "when has d of working time passed after t"
are a binary search inside a month plus one addition per month in between. A promise of a
year costs about a dozen cached months; holidays years ahead cost nothing until then.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from focusguard.domain.clock_time import resolve
from focusguard.domain.clock_time import utc_instant as _utc
from focusguard.domain.schedule import Interval

DEFAULT_HOURS = (time(9, 0), time(17, 30))
ZERO = timedelta(0)
# Months walked before giving up (no working time at all for this long): far more than any
# promise the settings accept, and a bound that keeps a broken input from spinning.
MAX_MONTHS = 12 * 200


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """Working hours on workdays (0 = Monday) less holidays, in `zone`."""

    zone: tzinfo
    workdays: frozenset[int] = frozenset(range(5))
    hours: tuple[time, time] = DEFAULT_HOURS
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        start, end = self.hours
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working hours are wall-clock times without a zone")
        if end <= start:
            raise ValueError(f"working hours end ({end}) must be later than they start ({start})")
        if not self.workdays or not self.workdays <= frozenset(range(7)):
            raise ValueError(f"workdays must be some of 0..6 (Monday..Sunday), not {self.workdays}")

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def periods(self, since: datetime, until: datetime) -> list[Interval]:
        """The working periods overlapping [since, until), clipped to it, in order."""
        since, until = _utc(since), _utc(until)
        out: list[Interval] = []
        month = _month_of(self, since)
        while month.start < until:
            for s, e in zip(month.starts, month.ends, strict=True):
                lo, hi = max(s, since), min(e, until)
                if lo < hi:
                    out.append(Interval(lo, hi))
            month = _next(self, month)
        return out

    def elapsed(self, since: datetime, until: datetime) -> timedelta:
        """Working time in [since, until); zero when `until` is not after `since`."""
        since, until = _utc(since), _utc(until)
        if until <= since:
            return ZERO
        first, last = _month_of(self, since), _month_of(self, until)
        if first.key == last.key:
            return last.upto(until) - first.upto(since)
        total = first.total - first.upto(since)
        month = _next(self, first)
        while month.key != last.key:
            total += month.total
            month = _next(self, month)
        return total + last.upto(until)

    def add(self, t: datetime, duration: timedelta) -> datetime:
        """The first instant at which `duration` of working time has passed since `t`.

        Mail that arrives outside working time starts the clock at the next working start:
        4 h after Friday 16:00 (09:00-17:30) is 1.5 h on Friday and 2.5 h on Monday, Monday
        11:30. When the time runs out exactly at the end of a working day, that end is the
        answer (Friday 13:30 + 4 h is Friday 17:30, not Monday 09:00).
        """
        t = _utc(t)
        if duration < ZERO:
            raise ValueError(f"cannot add a negative working time ({duration})")
        if duration == ZERO:
            return t
        month = _month_of(self, t)
        want = month.upto(t) + duration
        for _ in range(MAX_MONTHS):
            if want <= month.total:
                return month.instant_at(want)
            want -= month.total
            month = _next(self, month)
        raise ValueError(f"no {duration} of working time within {MAX_MONTHS // 12} years")

    def subtract(self, t: datetime, duration: timedelta) -> datetime:
        """The last instant before `t` from which `duration` of working time runs to `t`.

        The margin a person needs to reply is working time: an hour before Monday 09:30 is
        Friday 17:00 (half an hour on Friday, half on Monday), not Monday 08:30. When that
        much working time ends exactly at a working start, the start is the answer (an hour
        before Monday 10:00 is Monday 09:00, not Friday 17:30).
        """
        t = _utc(t)
        if duration < ZERO:
            raise ValueError(f"cannot subtract a negative working time ({duration})")
        if duration == ZERO:
            return t
        month = _month_of(self, t)
        want = month.upto(t) - duration
        for _ in range(MAX_MONTHS):
            if want >= ZERO:
                return month.last_instant_at(want)
            month = _previous(self, month)
            want += month.total
        raise ValueError(f"no {duration} of working time within {MAX_MONTHS // 12} years")

    def next_start(self, t: datetime) -> datetime:
        """`t` when it is working time, else the start of the next working period."""
        t = _utc(t)
        month = _month_of(self, t)
        for _ in range(MAX_MONTHS):
            i = bisect_right(month.starts, t) - 1
            if i >= 0 and t < month.ends[i]:
                return t
            if i + 1 < len(month.starts):
                return month.starts[i + 1]
            month = _next(self, month)
            t = month.start
        raise ValueError(f"no working time within {MAX_MONTHS // 12} years")


@dataclass(frozen=True, slots=True)
class _Month:
    """The working periods of one local calendar month, with running totals.

    `start`/`end` are the instants of local midnight on the first of this month and of the
    next: every working period of a day of this month lies between them (`resolve` is
    monotone), and every instant belongs to exactly one month.
    """

    key: tuple[int, int]
    start: datetime
    end: datetime
    starts: tuple[datetime, ...]
    ends: tuple[datetime, ...]
    before: tuple[timedelta, ...]  # working time in the month before period i
    after: tuple[timedelta, ...]  # ... up to the end of period i
    total: timedelta

    def upto(self, t: datetime) -> timedelta:
        """Working time in [self.start, t), for t in [self.start, self.end]."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return ZERO
        return self.before[i] + min(t, self.ends[i]) - self.starts[i]

    def instant_at(self, w: timedelta) -> datetime:
        """The first instant t with upto(t) == w, for 0 < w <= total."""
        i = bisect_left(self.after, w)
        return self.starts[i] + (w - self.before[i])

    def last_instant_at(self, w: timedelta) -> datetime:
        """The last instant t with upto(t) == w, for 0 <= w < total: inside a period, or the
        start of the next one when w is where a period ends."""
        i = bisect_right(self.after, w)
        return self.starts[i] + (w - self.before[i])


def _month_of(wt: WorkingTime, t: datetime) -> _Month:
    local = t.astimezone(wt.zone)
    month = _build(wt, local.year, local.month)
    # A fall-back across local midnight (St John's, 1 Nov 2009: 00:01 back to 23:01) shows
    # the previous day's date again after the first of the month has begun, so the local
    # date can name the month before. Never the month after: an instant showing the first
    # of a month is at or after `resolve(first, 00:00)`, the first instant to show it.
    while t >= month.end:
        month = _next(wt, month)
    return month


def _next(wt: WorkingTime, month: _Month) -> _Month:
    y, m = month.key
    return _build(wt, y + m // 12, m % 12 + 1)


def _previous(wt: WorkingTime, month: _Month) -> _Month:
    y, m = month.key
    return _build(wt, y - (m == 1), (m - 2) % 12 + 1)


@lru_cache(maxsize=1024)
def _build(wt: WorkingTime, year: int, month: int) -> _Month:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    starts: list[datetime] = []
    ends: list[datetime] = []
    before: list[timedelta] = []
    after: list[timedelta] = []
    total = ZERO
    day = first
    begin, finish = wt.hours
    while day < following:
        if wt.is_working_day(day):
            s, e = resolve(day, begin, wt.zone), resolve(day, finish, wt.zone)
            if e > s:  # both ends in one spring-forward gap: no working time that day
                starts.append(s)
                ends.append(e)
                before.append(total)
                total += e - s
                after.append(total)
        day += timedelta(days=1)
    midnight = time(0)
    return _Month(
        key=(year, month),
        start=resolve(first, midnight, wt.zone),
        end=resolve(following, midnight, wt.zone),
        starts=tuple(starts),
        ends=tuple(ends),
        before=tuple(before),
        after=tuple(after),
        total=total,
    )
