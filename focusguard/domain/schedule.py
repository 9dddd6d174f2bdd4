"""Focus blocks and check-in windows as instants, from the weekly wall-clock schedule.

Focus is the union of scheduled weekly blocks, ad-hoc blocks and calendar blocks, less what
the user ended early. A check-in opens a window of `check_in_minutes` on each workday; one that
falls inside focus is postponed to the end of that focus and keeps its length.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from focusguard.domain.clock_time import resolve
from focusguard.domain.clock_time import utc_instant as _utc

# How far ahead to look for the next check-in. Two weeks covers a long holiday weekend plus
# a week of focus; beyond that the schedule has no check-in at all (fail open: deliver).
HORIZON = timedelta(days=15)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The instants the schedule can compute with. Queries look several HORIZONs (and the engine a
# month) either side of an instant, so one near datetime.min or .max overflows (OverflowError
# for a replay trace dated 0001 or 9999). Far wider than any clock FocusGuard will run on.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open span of time [start, end) between two aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval needs timezone-aware datetimes")
        # Held in UTC: Python compares and subtracts two datetimes that share a tzinfo by
        # their wall clocks, so local-zone ends would be off by an hour around fall-back.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union; touching intervals join (10-11 and 11-12 is 10-12)."""
    out: list[Interval] = []
    for iv in sorted(intervals):
        if iv.end <= iv.start:
            continue
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    """`intervals` less `holes`; both sorted and merged."""
    out: list[Interval] = []
    for iv in intervals:
        pieces = [iv]
        for hole in holes:
            if hole.start >= iv.end:
                break
            nxt: list[Interval] = []
            for p in pieces:
                if not p.overlaps(hole):
                    nxt.append(p)
                    continue
                if p.start < hole.start:
                    nxt.append(Interval(p.start, hole.start))
                if hole.end < p.end:
                    nxt.append(Interval(hole.end, p.end))
            pieces = nxt
        out.extend(pieces)
    return out


@dataclass(frozen=True, slots=True)
class WeeklyBlock:
    """A recurring focus block: on these weekdays (0 = Monday), from start to end.

    An end before the start runs past midnight into the next day (22:00-02:00, or 22:00-00:00
    for "until midnight"); the weekday is the day the block starts.
    """

    days: frozenset[int]
    start: time
    end: time

    def wall_clock_on(self, day: date) -> tuple[datetime, datetime] | None:
        """(start, end) as naive wall-clock times if the block starts on `day`."""
        if day.weekday() not in self.days:
            return None
        end_day = day + timedelta(days=1) if self.end < self.start else day
        return (
            datetime.combine(day, self.start.replace(tzinfo=None)),
            datetime.combine(end_day, self.end.replace(tzinfo=None)),
        )


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """The [schedule] settings, as values.

    A holiday is a day off like a non-workday: it has no check-ins (mail held on the eve of
    Christmas waits for the next working day's first check-in, as Friday's waits for
    Monday's). Recurring focus blocks have their own days and are not affected.
    """

    zone: tzinfo
    workdays: frozenset[int] = frozenset(range(5))
    check_ins: tuple[time, ...] = (time(9, 30), time(13, 0), time(16, 30))
    check_in_minutes: int = 30
    focus_blocks: tuple[WeeklyBlock, ...] = ()
    holidays: frozenset[date] = frozenset()

    def check_in_times(self, since: datetime, until: datetime) -> Iterator[datetime]:
        """Nominal check-in instants (before postponement) in [since, until), in order."""
        day = since.astimezone(self.zone).date() - timedelta(days=1)
        last = until.astimezone(self.zone).date()
        while day <= last:
            times = _check_ins_on(self, day)
            yield from times[bisect_left(times, since) : bisect_left(times, until)]
            day += timedelta(days=1)


@lru_cache(maxsize=128)
def _check_ins_on(schedule: WeeklySchedule, day: date) -> tuple[datetime, ...]:
    """The nominal check-in instants (UTC, sorted) of one local day; () on a day off.

    Cached: with a check-in every minute (1,440 a day) resolving each wall-clock time anew
    for every query made `replay` take minutes (issue 9 §4).
    """
    if day.weekday() not in schedule.workdays or day in schedule.holidays:
        return ()
    return tuple(sorted(resolve(day, at, schedule.zone) for at in schedule.check_ins))


@dataclass(frozen=True, slots=True)
class FocusState:
    """What changes focus at run time: ad-hoc blocks, calendar blocks and early ends.

    `ended` holds spans the user switched focus off for ("End focus" at t ends the focus
    containing t). They cancel scheduled and calendar focus; ad-hoc blocks are cut directly,
    so an ad-hoc block started after an early end is not cancelled by it.
    """

    adhoc: tuple[Interval, ...] = ()
    calendar: tuple[Interval, ...] = ()
    ended: tuple[Interval, ...] = ()

    def with_adhoc(self, block: Interval) -> FocusState:
        return FocusState((*self.adhoc, block), self.calendar, self.ended)

    def with_calendar(self, blocks: Iterable[Interval]) -> FocusState:
        return FocusState(self.adhoc, tuple(sorted(blocks)), self.ended)

    def pruned(self, before: datetime) -> FocusState:
        """Forget what ended before `before` (kept small in long-running apps)."""

        def keep(ivs: tuple[Interval, ...]) -> tuple[Interval, ...]:
            return tuple(iv for iv in ivs if iv.end > before)

        return FocusState(keep(self.adhoc), keep(self.calendar), keep(self.ended))


def _day_floor(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Focus and check-in windows over a span of time: the schedule plus the run-time state.

    Queries are answered from whole UTC days computed once and cached, so deciding for
    100,000 messages does not regenerate the same week of blocks 100,000 times.
    """

    schedule: WeeklySchedule
    state: FocusState = field(default_factory=FocusState)
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        # The timeline is the key of the day caches below and is hashed on every query; its
        # parts (1,440 check-ins, dozens of focus intervals) are hashed once here instead.
        object.__setattr__(self, "_hash", hash((self.schedule, self.state)))

    def __hash__(self) -> int:
        return self._hash

    # -- focus ---------------------------------------------------------------------------
    def focus(self, since: datetime, until: datetime) -> list[Interval]:
        """Merged focus intervals overlapping [since, until)."""
        since, until = _utc(since), _utc(until)
        lo = _day_floor(since)
        hi = _day_floor(until) + timedelta(days=1)
        return [iv for iv in _focus_days(self, lo, hi) if iv.end > since and iv.start < until]

    def focus_at(self, t: datetime) -> Interval | None:
        """The (merged) focus interval containing t, if any."""
        # Merged focus can be longer than a day (a calendar block over a weekend); a window
        # of the horizon either side keeps the merged interval's true ends.
        t = _utc(t)
        for iv in self.focus(t - HORIZON, t + HORIZON):
            if iv.contains(t):
                return iv
        return None

    def end_focus(self, t: datetime) -> FocusState:
        """The state after "End focus" at t: all focus containing t ends at t.

        Scheduled and calendar focus is cancelled for the rest of the merged span (a
        scheduled block comes back at its next occurrence); ad-hoc blocks in the span are
        cut at t.
        """
        t = _utc(t)
        current = self.focus_at(t)
        if current is None:
            return self.state
        rest = Interval(t, current.end)
        adhoc = tuple(
            Interval(iv.start, min(iv.end, t)) if iv.overlaps(rest) else iv
            for iv in self.state.adhoc
        )
        adhoc = tuple(iv for iv in adhoc if iv.end > iv.start)
        return FocusState(adhoc, self.state.calendar, (*self.state.ended, rest))

    # -- check-ins -----------------------------------------------------------------------
    # Every window lasts check_in_minutes, so windows are kept as their sorted start instants
    # and found by bisection: with 1,440 check-ins a day, scanning lists of windows per query
    # made a replay of one week take minutes.
    @property
    def _length(self) -> timedelta:
        return timedelta(minutes=self.schedule.check_in_minutes)

    def _window_starts(self, since: datetime, until: datetime) -> tuple[datetime, ...]:
        """Sorted starts of the windows starting in [since, until) (both UTC)."""
        starts = _windows_days(self, _day_floor(since), _day_floor(until) + timedelta(days=1))
        return starts[bisect_left(starts, since) : bisect_left(starts, until)]

    def check_in_windows(self, since: datetime, until: datetime) -> list[Interval]:
        """Check-in windows whose start lies in [since, until), postponement applied."""
        length = self._length
        return [Interval(s, s + length) for s in self._window_starts(_utc(since), _utc(until))]

    def window_at(self, t: datetime) -> Interval | None:
        """The check-in window containing t, if any (the earliest-starting, if several)."""
        t = _utc(t)
        length = self._length
        starts = self._window_starts(t - length - timedelta(days=1), t + timedelta(seconds=1))
        # Windows containing t start in (t - length, t].
        i = bisect_right(starts, t - length)
        if i < len(starts) and starts[i] <= t:
            return Interval(starts[i], starts[i] + length)
        return None

    def next_check_in(self, t: datetime) -> datetime | None:
        """Start of the first check-in window strictly after t; None if none in the horizon."""
        t = _utc(t)
        step = timedelta(days=3)
        since = t + timedelta(microseconds=1)
        while since < t + HORIZON:
            starts = self._window_starts(since, since + step)
            if starts:
                return starts[0]
            since += step
        return None


@lru_cache(maxsize=128)
def _scheduled_on(schedule: WeeklySchedule, day: date) -> tuple[Interval, ...]:
    """The weekly focus blocks that start on local `day`, merged, as instants.

    Merged on the wall clock first, resolved after: resolving is monotonic, so the union is
    the same, and the merge after resolving (in `_focus_days`) joins what a DST gap makes
    touch. Cached: with thousands of blocks, resolving every block of 62 days for every
    query made a replay of one day take half a minute (issue 9 §4).
    """
    spans = sorted(
        span
        for block in schedule.focus_blocks
        if (span := block.wall_clock_on(day)) is not None and span[1] > span[0]
    )
    joined: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    zone = schedule.zone
    out = [
        Interval(resolve(a.date(), a.time(), zone), resolve(b.date(), b.time(), zone))
        for a, b in joined
    ]
    return tuple(iv for iv in out if iv.end > iv.start)


@lru_cache(maxsize=512)
def _focus_days(timeline: Timeline, lo: datetime, hi: datetime) -> tuple[Interval, ...]:
    since, until = lo - HORIZON, hi + HORIZON
    span = Interval(since, until)
    sched = timeline.schedule
    scheduled: list[Interval] = []
    day = since.astimezone(sched.zone).date() - timedelta(days=1)
    last = until.astimezone(sched.zone).date()
    while day <= last:
        scheduled += [iv for iv in _scheduled_on(sched, day) if iv.overlaps(span)]
        day += timedelta(days=1)
    state = timeline.state
    cancellable = merge([*scheduled, *(iv for iv in state.calendar if iv.overlaps(span))])
    kept = subtract(cancellable, merge(state.ended))
    merged = merge([*kept, *state.adhoc])
    return tuple(iv for iv in merged if iv.end > lo and iv.start < hi)


@lru_cache(maxsize=512)
def _windows_days(timeline: Timeline, lo: datetime, hi: datetime) -> tuple[datetime, ...]:
    """Sorted starts of the check-in windows starting in [lo, hi), postponement applied.

    A check-in inside focus moves to the end of that focus. So the windows of [lo, hi) are
    the check-ins of [lo, hi) (moved when inside focus), plus the end of every focus that
    ends in [lo, hi) after swallowing an earlier check-in (looked for back to lo - HORIZON).
    """
    focus = timeline.focus(lo - HORIZON, hi + HORIZON)  # merged and sorted
    ends = [iv.end for iv in focus]
    sched = timeline.schedule
    starts: set[datetime] = set()
    for t in sched.check_in_times(lo, hi):
        i = bisect_right(ends, t)  # the first focus ending after t: the only one that can hold t
        if i < len(focus) and focus[i].start <= t:
            t = focus[i].end
        if t < hi:
            starts.add(t)
    for iv in focus:
        if iv.start < lo <= iv.end < hi:
            earlier = sched.check_in_times(max(iv.start, lo - HORIZON), lo)
            if next(earlier, None) is not None:
                starts.add(iv.end)
    # Two check-ins postponed to the same focus end are one window, not two.
    return tuple(sorted(starts))
