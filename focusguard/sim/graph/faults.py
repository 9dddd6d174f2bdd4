"""Fault injection for the Graph simulator: throttling, expired tokens, server errors, delays.

A fault applies to the next `count` matching requests, or with `rate` to each matching request
with that probability (seeded RNG). `operation` restricts it to one operation name (see
`routes.operation_of`: "delta", "move", "batch", "messageRules", "calendarView", ...). Faults
apply to top-level requests and to each sub-request of a `$batch` alike (Graph throttles batch
members one by one: https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching).
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("throttle", "token_expired", "http_503", "http_504", "slow")


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    operation: str | None = None
    rate: float | None = None
    retry_after_s: float | None = 1  # throttle / http_503: Retry-After (None = no header)
    delay_s: float = 1.0  # slow
    top_level_only: bool = False  # not for sub-requests of a batch

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.rate is not None:
            if not 0.0 <= self.rate <= 1.0:
                raise ValueError("rate must be between 0 and 1")
            self.count = None
        elif self.count is None or self.count < 1:
            raise ValueError("count must be a positive integer (or give a rate)")

    def applies_to(self, operation: str, in_batch: bool) -> bool:
        if in_batch and self.top_level_only:
            return False
        return self.operation is None or self.operation == operation


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)
        self.fired: list[dict[str, Any]] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, operation: str, in_batch: bool = False) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not fault.applies_to(operation, in_batch):
                    continue
                if fault.rate is not None:
                    if self._rng.random() >= fault.rate:
                        continue
                else:
                    assert fault.count is not None
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                self.fired.append({"kind": fault.kind, "operation": operation,
                                   "in_batch": in_batch})
                return fault
        return None
