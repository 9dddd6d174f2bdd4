"""FocusGuard's state in SQLite (the only SQL in the app), with numbered migrations."""

from focusguard.store.records import (
    CheckInRecord,
    DecisionRecord,
    HeldRecord,
    HeldState,
    StoreError,
)
from focusguard.store.store import Store

__all__ = [
    "CheckInRecord",
    "DecisionRecord",
    "HeldRecord",
    "HeldState",
    "Store",
    "StoreError",
]
