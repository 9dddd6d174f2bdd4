"""The records the store keeps, and its one error type.

The record classes are the engine's own (`focusguard.core.records`): one definition, so the
engine, the UI and the store agree on `isinstance` and on validation. They are re-exported
here for convenience."""

from __future__ import annotations

from focusguard.core.errors import FocusGuardError
from focusguard.core.records import (
    ACTIONS,
    CATEGORIES,
    CHECK_IN_KINDS,
    AutoreplyPromise,
    CheckInRecord,
    DecisionRecord,
    HeldCounts,
    HeldKey,
    HeldRecord,
    HeldState,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "CHECK_IN_KINDS",
    "AutoreplyPromise",
    "CheckInRecord",
    "DecisionRecord",
    "HeldCounts",
    "HeldKey",
    "HeldRecord",
    "HeldState",
    "StoreError",
]


class StoreError(FocusGuardError):
    """The state file cannot be used: `title` + a plain-language `message` with the fix.

    `str(error)` is the message alone, so it can be shown to a person as it is."""

    def __init__(self, message: str, *, title: str = "FocusGuard cannot use its state file"):
        super().__init__(title, message)

    def __str__(self) -> str:
        return self.message
