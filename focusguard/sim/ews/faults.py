"""Fault injection: throttling, HTTP errors, dropped streams and slow responses."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("server_busy", "http_503", "http_401", "drop_stream", "slow")


@dataclass
class Fault:
    kind: str
    count: int | None = 1  # next N matching requests; None when `rate` is used
    operation: str | None = None  # SOAP operation name filter, e.g. "FindItem"
    rate: float | None = None  # probability per matching request instead of a count
    backoff_ms: int = 1000  # server_busy: BackOffMilliseconds
    delay_s: float = 1.0  # slow: seconds before the response is processed
    retry_after_s: int | None = 1  # http_503: Retry-After header (None = no header)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.rate is not None:
            if not 0.0 <= self.rate <= 1.0:
                raise ValueError("rate must be between 0 and 1")
            self.count = None
        elif self.count is None or self.count < 1:
            raise ValueError("count must be a positive integer (or give a rate)")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def applies_to(self, operation: str) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        # A dropped stream only makes sense for a streaming response.
        return self.kind != "drop_stream" or operation == "GetStreamingEvents"


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

    def take(self, operation: str) -> Fault | None:
        """The fault to apply to this request, if any (consumes one count)."""
        with self._lock:
            for fault in self._faults:
                if not fault.applies_to(operation):
                    continue
                if fault.rate is not None:
                    if self._rng.random() >= fault.rate:
                        continue
                else:
                    assert fault.count is not None
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                self.fired.append({"kind": fault.kind, "operation": operation})
                return fault
        return None
