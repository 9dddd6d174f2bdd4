"""Fault bookkeeping shared by both simulators: which fault fires on which request.

A fault applies to the next `count` matching requests, or with `rate` to each matching request
with that probability, drawn from a seeded RNG so a run can be repeated. What a fault *does*
(SOAP ErrorServerBusy, 429 + Retry-After, ...) is each simulator's own business.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Generic, Self, TypeVar


@dataclass
class Fault:
    """The fields every fault has; each simulator subclasses it with its kinds and knobs."""

    KINDS: ClassVar[tuple[str, ...]] = ()

    kind: str
    count: int | None = 1  # next N matching requests; None when `rate` is used
    operation: str | None = None  # operation name filter, e.g. "FindItem" or "delta"
    rate: float | None = None  # probability per matching request instead of a count

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {self.KINDS}")
        if self.rate is not None:
            if not 0.0 <= self.rate <= 1.0:
                raise ValueError("rate must be between 0 and 1")
            self.count = None
        elif self.count is None or self.count < 1:
            raise ValueError("count must be a positive integer (or give a rate)")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """A fault from a JSON spec; unknown fields are a ValueError (bad input, not a bug)."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def applies_to(self, operation: str, **context: Any) -> bool:
        """`context` carries protocol facts a subclass may filter on (Graph: in_batch)."""
        return self.operation is None or self.operation == operation


F = TypeVar("F", bound=Fault)


class FaultInjector(Generic[F]):
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[F] = []
        self._rng = random.Random(seed)
        self.fired: list[dict[str, Any]] = []

    def add(self, fault: F) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, operation: str, **context: Any) -> F | None:
        """The fault to apply to this request, if any (consumes one count). `context` goes to
        `Fault.applies_to` and into the `fired` record."""
        with self._lock:
            for fault in self._faults:
                if not fault.applies_to(operation, **context):
                    continue
                if fault.rate is not None:
                    if self._rng.random() >= fault.rate:
                        continue
                else:
                    assert fault.count is not None
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                self.fired.append({"kind": fault.kind, "operation": operation, **context})
                return fault
        return None
