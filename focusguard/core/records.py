"""What the engine remembers: the values the state store keeps (the store holds the SQL).

Records are frozen, slotted dataclasses: immutable snapshots the engine and the UI can pass
between threads. Every datetime in them is timezone-aware; the store hands them back in UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from focusguard.domain.policy import Action
from focusguard.domain.senders import Category

CATEGORIES: frozenset[str] = frozenset(c.value for c in Category)
ACTIONS: frozenset[str] = frozenset(a.value for a in Action)
CHECK_IN_KINDS: frozenset[str] = frozenset(
    {
        "check-in",
        "focus-start",
        "focus-end",
        "manual",
        "release-all",
        "pause",
        "resume",
        "startup",
        "resync",
        "failsafe",  # a `focusguard failsafe` run while the app was not running
    }
)


class HeldState(enum.Enum):
    HELD = "held"  # in the held folder, waiting for its release time
    RELEASED = "released"  # moved back to the Inbox by FocusGuard
    HANDLED = "handled"  # left the held folder some other way (the user moved or deleted it)


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """One message in the held ledger, keyed by its Internet Message-ID (Exchange item ids
    change on every move, so `item_id` is only the latest known id)."""

    message_id: str
    item_id: str | None
    sender: str  # the From header as received (untrusted text)
    address: str | None  # normalised SMTP address, None when the From header had none
    subject: str
    category: str  # 'urgent' | 'internal' | 'customer' | 'other'
    received: datetime
    held_at: datetime
    release_at: datetime | None
    reason: str
    state: HeldState = HeldState.HELD
    released_at: datetime | None = None
    web_link: str | None = None

    def __post_init__(self) -> None:
        _require_text("message_id", self.message_id)
        _require_choice("category", self.category, CATEGORIES)
        if not isinstance(self.state, HeldState):
            raise ValueError(f"state must be a HeldState, got {self.state!r}")
        _require_aware("received", self.received)
        _require_aware("held_at", self.held_at)
        _require_aware("release_at", self.release_at)
        _require_aware("released_at", self.released_at)


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One hold-or-deliver decision, as logged (append-only)."""

    at: datetime
    message_id: str
    address: str | None
    category: str  # 'urgent' | 'internal' | 'customer' | 'other'
    action: str  # 'deliver' | 'hold'
    release_at: datetime | None
    reason: str

    def __post_init__(self) -> None:
        _require_text("message_id", self.message_id)
        _require_choice("category", self.category, CATEGORIES)
        _require_choice("action", self.action, ACTIONS)
        _require_aware("at", self.at)
        _require_aware("release_at", self.release_at)


@dataclass(frozen=True, slots=True)
class CheckInRecord:
    """The outcome of one release run (a check-in, the end of focus, a manual release...)."""

    scheduled_for: datetime | None  # None for runs nobody scheduled (manual, startup)
    ran_at: datetime
    kind: str  # one of CHECK_IN_KINDS: 'check-in' | 'focus-end' | 'manual' | 'failsafe' ...
    released: int
    failed: int
    note: str = ""

    def __post_init__(self) -> None:
        _require_choice("kind", self.kind, CHECK_IN_KINDS)
        _require_aware("scheduled_for", self.scheduled_for)
        _require_aware("ran_at", self.ran_at)
        for name, value in (("released", self.released), ("failed", self.failed)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a count (an int >= 0), got {value!r}")


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")


def _require_choice(name: str, value: object, choices: frozenset[str]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")


def _require_aware(name: str, value: datetime | None) -> None:
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


class StateStore(Protocol):
    """The store port; focusguard.store.Store is the SQLite adapter."""

    def get_held(self, message_id: str) -> HeldRecord | None: ...
    def put_held(self, rec: HeldRecord) -> None: ...
    def update_item_id(self, message_id: str, item_id: str) -> None: ...
    def set_release_at(self, message_id: str, release_at: datetime | None, reason: str) -> None: ...
    def mark_released(self, message_ids: Iterable[str], at: datetime) -> int: ...
    def mark_handled(self, message_ids: Iterable[str]) -> int: ...
    def held(self, state: HeldState | None = HeldState.HELD) -> list[HeldRecord]: ...
    def released_since(self, since: datetime) -> list[HeldRecord]: ...
    def count_held(self) -> int: ...
    def log_decision(self, rec: DecisionRecord) -> None: ...
    def decisions(self, limit: int = 100) -> list[DecisionRecord]: ...
    def decided(self, message_id: str) -> bool: ...
    def prune_decisions(self, before: datetime) -> int: ...
    def prune_released(self, before: datetime) -> int: ...
    def prune_autoreplies(self, before: datetime) -> int: ...
    def last_autoreply(self, address: str) -> datetime | None: ...
    def record_autoreply(self, address: str, at: datetime, message_id: str) -> None: ...
    def record_check_in(self, rec: CheckInRecord) -> None: ...
    def check_ins(self, limit: int = 50) -> list[CheckInRecord]: ...
    def get_fact(self, key: str) -> str | None: ...
    def set_fact(self, key: str, value: str) -> None: ...
    def transaction(self) -> AbstractContextManager[object]: ...
