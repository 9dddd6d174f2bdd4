"""The schedule can't quietly break the promise: the longest a customer mail can wait.

Over one week of arrivals, under the weekly check-ins and recurring focus blocks alone (no
ad-hoc or calendar focus, no promise guard), how much working time can pass between a
customer mail arriving and the check-in that releases it? Computed exactly, not sampled:

- Customer mail is delivered at once while a check-in window is open outside focus (the set
  `open` below) and otherwise held until the first window start strictly after it arrived
  (`Timeline.next_check_in`, postponement by focus included).
- Between two consecutive instants where the release changes, the wait in working time
  only shrinks as the arrival moves later. No window start lies inside a held stretch (a
  start is never in focus, so it opens a delivering window), so the release is the same all
  along a held stretch and its first instant is the worst arrival of the stretch.
- Held stretches begin where an open stretch ends (a window closes, or a focus starts inside
  a window) or at the start of the week. Those finitely many instants are the candidates;
  each one is decided by the real policy, so the audit cannot drift from what the engine
  does.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from focusguard.domain.clock_time import resolve
from focusguard.domain.policy import Policy
from focusguard.domain.schedule import HORIZON, Interval, Timeline, WeeklySchedule, merge, subtract
from focusguard.domain.senders import Category, People
from focusguard.domain.working_time import WorkingTime


@dataclass(frozen=True, slots=True)
class WorstWait:
    """Mail arriving at `arrival` waits until `release`: `wait` of working time."""

    arrival: datetime
    release: datetime
    wait: timedelta


def worst_wait(schedule: WeeklySchedule, working: WorkingTime, week: date) -> WorstWait | None:
    """The longest wait, in working time, of a customer mail arriving in the seven local days
    from `week`; the earliest such arrival on a tie. None when no customer mail is held (or
    none would ever be released: the policy then delivers it, fail-open)."""
    zone = schedule.zone
    since, until = resolve(week, time(0), zone), resolve(week + timedelta(days=7), time(0), zone)
    timeline = Timeline(schedule)
    windows = timeline.check_in_windows(since - HORIZON, until + HORIZON)
    focus = timeline.focus(since - HORIZON, until + HORIZON)
    open_ = subtract(merge(windows), focus)
    candidates = [since, *(iv.end for iv in open_ if since <= iv.end < until)]
    policy = Policy(People(), timeline)
    worst: WorstWait | None = None
    for arrival in candidates:
        if _inside(open_, arrival):
            continue
        decision = policy.decide(Category.CUSTOMER, arrival)
        if not decision.held or decision.release_at is None:
            continue
        wait = working.elapsed(arrival, decision.release_at)
        if worst is None or wait > worst.wait:
            worst = WorstWait(arrival, decision.release_at, wait)
    return worst


def _inside(intervals: list[Interval], t: datetime) -> bool:
    i = bisect_right([iv.start for iv in intervals], t) - 1
    return i >= 0 and intervals[i].contains(t)
