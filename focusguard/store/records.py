"""The store's records (defined in core, where the engine's port lives) and its error type."""

from __future__ import annotations

from focusguard.core.records import (
    ACTIONS,
    CATEGORIES,
    CHECK_IN_KINDS,
    CheckInRecord,
    DecisionRecord,
    HeldRecord,
    HeldState,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "CHECK_IN_KINDS",
    "CheckInRecord",
    "DecisionRecord",
    "HeldRecord",
    "HeldState",
    "StoreError",
]


class StoreError(Exception):
    """The state file cannot be used: `title` + a plain-language `message` with the fix.

    `str(error)` is the message alone, so it can be shown to a person as it is."""

    def __init__(self, message: str, *, title: str = "FocusGuard cannot use its state file"):
        super().__init__(message)
        self.title = title
        self.message = message
