"""Focus blocks and check-in windows as instants, from the weekly wall-clock schedule.

Focus is the union of scheduled weekly blocks, ad-hoc blocks and calendar blocks, less what
the user ended early. A check-in opens a window of `check_in_minutes` on each workday; one that
falls inside focus is postponed to the end of that focus and keeps its length.
"""

from __future__ import annotations

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

    def occurrences(self, zone: tzinfo, since: datetime, until: datetime) -> Iterator[Interval]:
        day = since.astimezone(zone).date() - timedelta(days=1)
        last = until.astimezone(zone).date()
        while day <= last:
            if day.weekday() in self.days:
                end_day = day + timedelta(days=1) if self.end < self.start else day
                iv = Interval(resolve(day, self.start, zone), resolve(end_day, self.end, zone))
                if iv.end > since and iv.start < until and iv.end > iv.start:
                    yield iv
            day += timedelta(days=1)


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
        ordered = sorted(self.check_ins)
        while day <= last:
            if day.weekday() in self.workdays and day not in self.holidays:
                for at in ordered:
                    t = resolve(day, at, self.zone)
                    if since <= t < until:
                        yield t
            day += timedelta(days=1)


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
    def check_in_windows(self, since: datetime, until: datetime) -> list[Interval]:
        """Check-in windows whose start lies in [since, until), postponement applied."""
        since, until = _utc(since), _utc(until)
        lo = _day_floor(since)
        hi = _day_floor(until) + timedelta(days=1)
        return [iv for iv in _windows_days(self, lo, hi) if since <= iv.start < until]

    def window_at(self, t: datetime) -> Interval | None:
        """The check-in window containing t, if any."""
        t = _utc(t)
        length = timedelta(minutes=self.schedule.check_in_minutes)
        for iv in self.check_in_windows(t - length - timedelta(days=1), t + timedelta(seconds=1)):
            if iv.contains(t):
                return iv
        return None

    def next_check_in(self, t: datetime) -> datetime | None:
        """Start of the first check-in window strictly after t; None if none in the horizon."""
        t = _utc(t)
        step = timedelta(days=3)
        since = t + timedelta(microseconds=1)
        while since < t + HORIZON:
            windows = self.check_in_windows(since, since + step)
            if windows:
                return windows[0].start
            since += step
        return None


@lru_cache(maxsize=512)
def _focus_days(timeline: Timeline, lo: datetime, hi: datetime) -> tuple[Interval, ...]:
    since, until = lo - HORIZON, hi + HORIZON
    span = Interval(since, until)
    sched = timeline.schedule
    scheduled = [
        iv for block in sched.focus_blocks for iv in block.occurrences(sched.zone, since, until)
    ]
    state = timeline.state
    cancellable = merge([*scheduled, *(iv for iv in state.calendar if iv.overlaps(span))])
    kept = subtract(cancellable, merge(state.ended))
    merged = merge([*kept, *state.adhoc])
    return tuple(iv for iv in merged if iv.end > lo and iv.start < hi)


@lru_cache(maxsize=512)
def _windows_days(timeline: Timeline, lo: datetime, hi: datetime) -> tuple[Interval, ...]:
    length = timedelta(minutes=timeline.schedule.check_in_minutes)
    focus = timeline.focus(lo - HORIZON, hi + HORIZON)
    starts: set[datetime] = set()
    for t in timeline.schedule.check_in_times(lo - HORIZON, hi):
        for iv in focus:
            if iv.contains(t):
                t = iv.end
                break
        if lo <= t < hi:
            starts.add(t)
    # Two check-ins postponed to the same focus end are one window, not two.
    return tuple(Interval(s, s + length) for s in sorted(starts))
