"""Timers are hints: the wake-up timer, its bounds, catch-up and resume detection."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from focusguard.core.scheduler import (
    GAP_TOLERANCE,
    MAX_WAIT,
    MIN_WAIT,
    SCHEDULED,
    GapDetector,
    Ticker,
)


class FakeClocks:
    def __init__(self) -> None:
        self.wall = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
        self.mono = 1000.0

    def step(self, wall: float, mono: float) -> None:
        self.wall += timedelta(seconds=wall)
        self.mono += mono


def test_gap_detector_sees_a_sleep_but_not_normal_time() -> None:
    clocks = FakeClocks()
    gaps = GapDetector(wall=lambda: clocks.wall, mono=lambda: clocks.mono)
    clocks.step(wall=30, mono=30)
    assert gaps.check() is None
    # The laptop slept for an hour: the wall clock moved, the monotonic clock did not.
    clocks.step(wall=3600 + 30, mono=30)
    assert gaps.check() == timedelta(hours=1)
    clocks.step(wall=30, mono=30)
    assert gaps.check() is None
    # The user set the clock back: also a reason to reconcile.
    clocks.step(wall=-600, mono=30)
    gap = gaps.check()
    assert gap is not None and gap < -GAP_TOLERANCE


def test_wake_timer_is_bounded_and_fires() -> None:
    fired = threading.Event()
    reasons: list[str] = []

    def tick(reason: str) -> None:
        reasons.append(reason)
        fired.set()

    ticker = Ticker(heartbeat=3600)
    ticker.start(tick)
    try:
        now = datetime.now(UTC)
        # Overdue work is not retried in a tight loop: at least MIN_WAIT away.
        assert ticker.wake_at(now - timedelta(minutes=5), now) == now + MIN_WAIT
        # Nothing to do: still wake within MAX_WAIT.
        assert ticker.wake_at(None, now) == now + MAX_WAIT
        assert ticker.wake_at(now + timedelta(days=3), now) == now + MAX_WAIT
        # The earliest pending wake-up is what counts; a later request adds nothing.
        assert ticker.next_wake() == now + MIN_WAIT
        pending = len(ticker._scheduler.get_jobs())
        ticker.wake_at(now + timedelta(minutes=30), now)
        assert len(ticker._scheduler.get_jobs()) == pending
        assert fired.wait(10)
        assert reasons[0] == SCHEDULED == "check-in"
    finally:
        ticker.stop()


def test_rearming_while_a_timer_fires_never_raises() -> None:
    count = threading.Semaphore(0)
    ticker = Ticker(heartbeat=3600)
    ticker.start(lambda reason: count.release())
    try:
        for _ in range(50):
            now = datetime.now(UTC)
            ticker.wake_at(now, now - MIN_WAIT)  # due at once
        assert count.acquire(timeout=10)
    finally:
        ticker.stop()


def test_missed_timers_are_caught_up_not_dropped() -> None:
    """APScheduler 3.x drops jobs more than 1 s late by default; ours have no grace limit
    and coalesce, so a check-in missed in sleep still runs once on wake."""
    ticker = Ticker(heartbeat=3600)
    defaults = ticker._scheduler._job_defaults
    assert defaults["misfire_grace_time"] is None
    assert defaults["coalesce"] is True
    assert defaults["max_instances"] == 1
