"""Clocks: the system clock, and a virtual one that replay and tests step by hand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class VirtualClock:
    """A clock that only moves when told to (deterministic scheduling tests, replay)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, t: datetime) -> None:
        if t.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        with self._lock:
            if t < self._now:
                raise ValueError(f"time cannot go backwards ({t} < {self._now})")
            self._now = t

    def jump(self, t: datetime) -> None:
        """Step to `t` in either direction, as a wake from sleep or an NTP correction moves a
        wall clock (`set` refuses to go back: replayed time only moves on)."""
        if t.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        with self._lock:
            self._now = t

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now
