"""Waiting for a condition another thread makes true (never a fixed sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Return as soon as `predicate()` is true; AssertionError after `timeout` seconds.
    Polls every 10 ms: for state that offers no event to wait on (counters, server logs)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")
        time.sleep(0.01)
