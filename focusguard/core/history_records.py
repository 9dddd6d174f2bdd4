"""How far the mailbox's history has been read, per folder (the store keeps it with the
rows, so an interrupted read continues where it stopped: core/history_sync.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from focusguard.core.ports import HistoryFolder


@dataclass(frozen=True, slots=True)
class Segment:
    """A read in progress: [start, end) of a folder, read in order up to `mark` (inclusive
    of the entries in `seen`, the keys already read at exactly `mark`)."""

    start: datetime
    end: datetime
    mark: datetime
    seen: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.start <= self.mark <= self.end:
            raise ValueError(f"a segment's mark must lie in it: {self}")


@dataclass(frozen=True, slots=True)
class ReadState:
    """What of a folder is in the store: everything in [lo, hi) (None: nothing yet), plus a
    read in progress."""

    folder: HistoryFolder
    lo: datetime | None = None
    hi: datetime | None = None
    segment: Segment | None = field(default=None)

    def __post_init__(self) -> None:
        if (self.lo is None) != (self.hi is None) or (
            self.lo is not None and self.hi is not None and self.hi < self.lo
        ):
            raise ValueError(f"a folder's read range must be [lo, hi) or nothing: {self}")
