"""Timers around the engine: APScheduler 3.x with a generous misfire grace, plus resume
detection by clock gap, so check-ins missed while the laptop slept are caught up on wake.

APScheduler 3.x drops a job more than 1 s late by default (misfire_grace_time=1,
https://github.com/agronholm/apscheduler/issues/292) and does not wake on resume
(https://github.com/agronholm/apscheduler/issues/794). Timers are only hints here: every
one ends in the engine's idempotent reconcile, and a heartbeat compares the wall clock
with the monotonic clock to notice a sleep.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
# A wall-clock jump this much bigger than the monotonic clock's means the machine slept
# (or the clock was set): reconcile at once.
GAP_TOLERANCE = timedelta(seconds=20)
# Never sleep longer than this between reconciles, whatever the schedule says.
MAX_WAIT = timedelta(hours=1)
MIN_WAIT = timedelta(seconds=1)

HEARTBEAT_JOB = "focusguard-heartbeat"


class GapDetector:
    """Tells whether the wall clock moved much further than the monotonic clock."""

    def __init__(
        self,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wall = wall
        self._mono = mono
        self._last = (wall(), mono())

    def check(self) -> timedelta | None:
        """The unexplained gap since the last check, or None when there was none."""
        wall, mono = self._wall(), self._mono()
        last_wall, last_mono = self._last
        self._last = (wall, mono)
        gap = (wall - last_wall) - timedelta(seconds=mono - last_mono)
        return gap if abs(gap) > GAP_TOLERANCE else None


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """BackgroundScheduler whose shutdown cannot kill its own thread.

    shutdown() empties the job store while the scheduler thread may be between running a
    due DateTrigger job and removing it; that removal then raises JobLookupError and the
    thread dies with a traceback. Only that case is tolerated: once stopped.
    """

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            if self.state != STATE_STOPPED:
                raise


# Why a tick came: the engine records it as the kind of any release it makes
# (core/records.py CHECK_IN_KINDS), so the log tells a scheduled check-in from a catch-up.
SCHEDULED = "check-in"  # a wake-up the engine asked for (check-in, end of focus or pause...)
WOKE = "wake"  # the clock jumped: the computer slept, or the clock was set


class Ticker:
    """Calls `tick(reason)` at each wake time the engine names (`SCHEDULED`), on each
    heartbeat that finds a clock gap (`WOKE`), and at least hourly; `on_beat()` on every
    heartbeat (the app's sign of life for its fail-safe, core/failsafe.py). Both submit work
    to the engine worker and must not block. The callbacks come with `start`, so whoever
    builds the app can build its timers (or stand-ins) apart from what they drive."""

    def __init__(
        self,
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        gaps: GapDetector | None = None,
    ) -> None:
        self._tick: Callable[[str], None] = lambda reason: None
        self._on_beat: Callable[[], None] | None = None
        self._gaps = gaps or GapDetector()
        self._lock = threading.Lock()
        self._scheduler = _Scheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self._heartbeat = heartbeat
        self._pending: set[datetime] = set()

    def start(self, tick: Callable[[str], None], on_beat: Callable[[], None] | None = None) -> None:
        self._tick = tick
        self._on_beat = on_beat
        self._scheduler.start()
        self._scheduler.add_job(
            self._beat,
            IntervalTrigger(seconds=self._heartbeat),
            id=HEARTBEAT_JOB,
            replace_existing=True,
        )

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_at(self, when: datetime | None, now: datetime) -> datetime:
        """Make sure a wake-up comes no later than `when` (bounded to [1 s, 1 h] from now);
        returns the instant asked for.

        Jobs are only ever added, never removed or replaced: removing a DateTrigger job that
        APScheduler is about to run races with its own removal and kills its thread
        (JobLookupError in _process_jobs). An earlier pending wake-up is enough, since every
        tick reconciles and re-arms; a stale one costs one idempotent reconcile.
        """
        target = now + MAX_WAIT if when is None else min(when, now + MAX_WAIT)
        # Never sooner than MIN_WAIT: something overdue that keeps failing must not become
        # a tight loop against the server.
        target = max(target, now + MIN_WAIT)
        with self._lock:
            if any(now < t <= target for t in self._pending):
                return target
            self._pending.add(target)
        self._scheduler.add_job(self._fire, DateTrigger(run_date=target), args=[target])
        return target

    def next_wake(self) -> datetime | None:
        with self._lock:
            return min(self._pending, default=None)

    def _fire(self, target: datetime) -> None:
        with self._lock:
            self._pending.discard(target)
        self._tick(SCHEDULED)

    def _beat(self) -> None:
        if self._on_beat is not None:
            self._on_beat()
        gap = self._gaps.check()
        if gap is not None:
            log.info("clock jumped by %s (sleep or clock change): reconciling", gap)
            self._tick(WOKE)
