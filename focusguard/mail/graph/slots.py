"""The mailbox's concurrency budget on the client side: Outlook runs at most 4 requests of an
app on a mailbox at once, and the members of an unordered `$batch` are requests of their own,
up to 4 of them running in parallel
(https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits).

So a request takes one slot and an unordered batch as many slots as Graph may run of its
members at once. Slots are handed out first come, first served: a batch waiting for four slots
is not starved by single requests (the watcher's delta polls) that keep arriving after it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class OperationSlots:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._free = capacity
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self.peak = 0  # most slots taken at once (tests, benchmark)

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)

    @contextmanager
    def hold(self, count: int = 1) -> Iterator[None]:
        count = max(1, min(count, self.capacity))
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            while self._queue[0] is not ticket or self._free < count:
                self._cond.wait()
            self._queue.popleft()
            self._free -= count
            self.peak = max(self.peak, self.capacity - self._free)
            self._cond.notify_all()  # the next in line may fit in what is left
        try:
            yield
        finally:
            with self._cond:
                self._free += count
                self._cond.notify_all()
