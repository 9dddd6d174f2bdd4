"""The fail-safe's rules: when a `focusguard failsafe` run may act, when it runs, and what the
app says about it afterwards. Pure: no I/O, no clock of its own (issue 9, "Dead app, live
machine"; docs/failsafe.md).

The running app holds an OS-level lock on a file beside the state database for its whole
life (the kernel drops it when the process dies, however it dies) and writes a heartbeat
fact every 30 seconds from its engine worker. A fail-safe run acts only when both say that
no FocusGuard is at work:

| instance lock | heartbeat                              | verdict                          |
|---------------|----------------------------------------|----------------------------------|
| busy          | fresh                                  | `APP_RUNNING`: nothing to do     |
| busy          | stale                                  | `APP_UNRESPONSIVE`: left alone   |
| free/unknown  | none, or "stopped" (a clean quit)      | `ACT`                            |
| free/unknown  | "running", older than `stale_after`    | `ACT` (the app died)             |
| free/unknown  | "running", fresh                       | `WAIT` (it died moments ago)     |

"Busy but stale" is a FocusGuard that is alive but not beating: usually one that has just
woken from sleep (the scheduler's catch-up run comes first), rarely one that hangs. Acting
then would race a process that may resume mid-move, so the fail-safe never does; the app
beats again within seconds of waking. A fresh "running" heartbeat with the lock free means
the app died within the last few minutes; waiting for it to go stale keeps the fail-safe
from fighting an app that is restarting, and is what the lock cannot tell on a file system
without locks ("unknown").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from focusguard.domain.clock_time import format_clock
from focusguard.domain.schedule import Timeline, WeeklySchedule

# "Older than a few minutes": ten heartbeats missed.
STALE_AFTER = timedelta(minutes=5)
# Besides every check-in and every scheduled focus end, the OS scheduler starts a run on
# every quarter hour (:00, :15, :30, :45 of the wall clock).
PERIOD = timedelta(minutes=15)
# A heartbeat this far in the future was written before the clock was set back: its age
# says nothing.
FUTURE_TOLERANCE = timedelta(minutes=1)


class LockState(enum.Enum):
    ACQUIRED = "acquired"  # this process holds the instance lock: no FocusGuard runs
    BUSY = "busy"  # another process holds it: a FocusGuard (or another fail-safe run) is alive
    UNKNOWN = "unknown"  # the file system could not lock (some network file systems)


class Verdict(enum.Enum):
    ACT = "act"
    APP_RUNNING = "app-running"
    APP_UNRESPONSIVE = "app-unresponsive"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The app's sign of life: written every 30 s while it runs, `running=False` at a clean
    exit."""

    at: datetime
    pid: int
    running: bool


def judge(
    lock: LockState,
    beat: Heartbeat | None,
    now: datetime,
    stale_after: timedelta = STALE_AFTER,
) -> Verdict:
    """Whether a fail-safe run may act now (see the table in the module docstring)."""
    stale = beat is None or _stale(beat, now, stale_after)
    if lock is LockState.BUSY:
        return Verdict.APP_UNRESPONSIVE if stale else Verdict.APP_RUNNING
    if beat is None or not beat.running or stale:
        return Verdict.ACT
    return Verdict.WAIT


def _stale(beat: Heartbeat, now: datetime, stale_after: timedelta) -> bool:
    age = now - beat.at
    return age >= stale_after or age < -FUTURE_TOLERANCE


def acts_from(beat: Heartbeat, stale_after: timedelta = STALE_AFTER) -> datetime:
    """When a "running" heartbeat goes stale (for the log of a WAIT)."""
    return beat.at + stale_after


@dataclass(frozen=True, slots=True)
class Trigger:
    """One weekly calendar entry of the OS scheduler: on `days` (0 = Monday) at `at`, wall
    clock in the schedule's zone."""

    days: frozenset[int]
    at: time


def triggers(schedule: WeeklySchedule) -> tuple[Trigger, ...]:
    """When held mail falls due by the schedule alone: every check-in on a workday and the
    end of every scheduled focus block. Ad-hoc and calendar focus ends are caught by the
    quarter-hourly runs."""
    by_time: dict[time, set[int]] = {}
    for at in schedule.check_ins:
        by_time.setdefault(_minute(at), set()).update(schedule.workdays)
    for block in schedule.focus_blocks:
        # A block that ends before it starts ends on the next day.
        shift = 1 if block.end < block.start else 0
        days = {(d + shift) % 7 for d in block.days}
        by_time.setdefault(_minute(block.end), set()).update(days)
    return tuple(Trigger(frozenset(days), at) for at, days in sorted(by_time.items()) if days)


def _minute(t: time) -> time:
    return time(t.hour, t.minute)


def next_run(t: datetime, schedule: WeeklySchedule) -> datetime:
    """The first fail-safe run at or after `t` (a machine that is on and awake): the next
    quarter hour, or an earlier check-in or scheduled focus end."""
    quarter = _next_quarter(t)
    candidates = [quarter]
    candidates.extend(schedule.check_in_times(t, quarter))
    for block in Timeline(schedule).focus(t - timedelta(days=1), quarter):
        if t <= block.end < quarter:
            candidates.append(block.end)
    return min(candidates)


def _next_quarter(t: datetime) -> datetime:
    # Every zone's offset is a whole number of quarter hours, so quarters agree in UTC.
    u = t.astimezone(UTC)
    floor = u.replace(minute=u.minute - u.minute % 15, second=0, microsecond=0)
    return floor if floor == u else floor + PERIOD


# -- what a run did, for the app's next start -------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One fail-safe run that acted."""

    at: datetime
    released: int
    failed: int
    rules_off: bool
    problem: str | None = None


def startup_report(
    runs: Sequence[RunRecord], zone: tzinfo, now: datetime
) -> tuple[str, str] | None:
    """(title, message) telling the person what the fail-safe did while FocusGuard was not
    running; None when there is nothing worth saying."""
    if not runs:
        return None

    def clock(t: datetime) -> str:
        return format_clock(t, zone, now)

    released = [r for r in runs if r.released]
    off = next((r for r in runs if r.rules_off), None)
    sentences: list[str] = []
    if released:
        total = sum(r.released for r in released)
        sentences.append(
            f"While FocusGuard was not running, the fail-safe released "
            f"{_plural(total, 'email')} at {join_words(clock(r.at) for r in released)}."
        )
    if off is not None:
        # The first run after FocusGuard stopped switched the hold rules off (or found them
        # off already): from then on new mail was not held.
        sentences.append(f"From {clock(off.at)} new mail went straight to your Inbox.")
    failed = sum(r.failed for r in runs)
    if failed:
        sentences.append(f"{_plural(failed, 'email')} could not be moved yet; FocusGuard retries.")
    problems = [r for r in runs if r.problem]
    if problems:
        last = problems[-1]
        sentences.append(f"At {clock(last.at)} the fail-safe could not finish: {last.problem}")
    if not sentences:
        return None
    title = "The fail-safe released held mail" if released else "The fail-safe stepped in"
    return title, " ".join(sentences)


def join_words(parts: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c' (duplicates dropped)."""
    items = list(dict.fromkeys(parts))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# -- whether a run needs the server at all ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class LastRun:
    """What the previous acting run left behind: the heartbeat it saw, and whether it
    finished (rules confirmed off, nothing left that was due)."""

    beat_at: datetime | None
    complete: bool


def needs_server(last: LastRun | None, beat: Heartbeat | None, due: bool) -> bool:
    """False when a run can stop without connecting: the previous run switched the rules
    off and finished, no FocusGuard has run since (same heartbeat), and nothing held is due.
    With the rules off no new mail reaches the held folder, so the server has nothing new.
    Keeps the quarter-hourly runs of a night or a weekend off the network."""
    if due or last is None or not last.complete:
        return True
    return last.beat_at != (None if beat is None else beat.at)
