"""What the engine remembers: the values the state store keeps (the store holds the SQL).

Records are frozen, slotted dataclasses: immutable snapshots the engine and the UI can pass
between threads. Every datetime in them is timezone-aware; the store hands them back in UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from focusguard.domain.history import HistoryEntry
from focusguard.domain.policy import Action
from focusguard.domain.schedule import Interval
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
        "resume",  # the end of a pause
        "wake",  # a clock jump: the computer woke from sleep, or the clock was set
        "startup",
        "resync",
        "failsafe",  # a `focusguard failsafe` run while the app was not running
        "handled",
        "promise",  # released early by the promise guard, before its check-in (issue 12 §1)
    }
)


class HeldState(enum.Enum):
    HELD = "held"  # in the held folder, waiting for its release time
    RELEASED = "released"  # out of the held folder: moved back by FocusGuard, or by the user
    # The user marked it handled: FocusGuard moved it to the Inbox (if it was still held) and
    # the digest lists it as dealt with. Never a state of mail still in the held folder.
    HANDLED = "handled"


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """One server item in the held ledger.

    `entry` is the ledger's own key (None until the store has it). Neither the Internet
    Message-ID (duplicates happen; a hostile sender can reuse one) nor the item id (it
    changes on every EWS move) can be the key: `item_id` is the latest known server id,
    `message_id` what the message says it is. `entry` is not compared: two snapshots with the
    same content are equal wherever they are kept."""

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
    entry: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # The same checks, with a fast path for what the store builds (plain values, UTC
        # datetimes): the digest builds one record per held or released message (issue 15).
        if type(self.message_id) is not str or not self.message_id:
            _require_text("message_id", self.message_id)
        entry = self.entry
        if entry is not None and (type(entry) is not int or entry <= 0):
            raise ValueError(f"entry must be a positive int or None, got {entry!r}")
        if type(self.category) is not str or self.category not in CATEGORIES:
            _require_choice("category", self.category, CATEGORIES)
        if type(self.state) is not HeldState:
            raise ValueError(f"state must be a HeldState, got {self.state!r}")
        received, held_at, release_at, released_at = (
            self.received,
            self.held_at,
            self.release_at,
            self.released_at,
        )
        if type(received) is not datetime or received.tzinfo is not UTC:
            _require_aware("received", received)
        if type(held_at) is not datetime or held_at.tzinfo is not UTC:
            _require_aware("held_at", held_at)
        if release_at is not None and (
            type(release_at) is not datetime or release_at.tzinfo is not UTC
        ):
            _require_aware("release_at", release_at)
        if released_at is not None and (
            type(released_at) is not datetime or released_at.tzinfo is not UTC
        ):
            _require_aware("released_at", released_at)


@dataclass(frozen=True, slots=True)
class HeldKey:
    """What matching the ledger to the held folder needs of a held entry (core.held_matching),
    without the rest of its record: reading 100,000 of these costs a fraction of 100,000
    `HeldRecord`s (issue 15)."""

    entry: int
    item_id: str | None
    message_id: str
    received: datetime


@dataclass(frozen=True, slots=True)
class AutoreplyPromise:
    """The last auto-reply to one address: when it went, and the release time it told them
    (None when the decision that named it is no longer kept)."""

    sent_at: datetime
    promised: datetime | None


@dataclass(frozen=True, slots=True)
class HeldCounts:
    """How many entries are held, and how many of them are customers' mail."""

    held: int
    customers: int


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
    if value is None or (isinstance(value, datetime) and value.tzinfo is UTC):
        return  # the store's records are all UTC: skip the slower check below (issue 15)
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


class StateStore(Protocol):
    """The store port; focusguard.store.Store is the SQLite adapter."""

    def get_held(self, message_id: str) -> HeldRecord | None: ...
    def get_entry(self, entry: int) -> HeldRecord | None: ...
    def entry_for_item(self, item_id: str) -> HeldRecord | None: ...
    def put_held(self, rec: HeldRecord) -> int: ...
    def update_item_id(self, entry: int, item_id: str | None) -> None: ...
    def set_release_at(self, entry: int, release_at: datetime | None, reason: str) -> None: ...
    def mark_released(
        self, entries: Iterable[int], at: datetime, state: HeldState = HeldState.RELEASED
    ) -> int: ...
    def mark_handled(self, entries: Iterable[int]) -> int: ...
    def held(self, state: HeldState | None = HeldState.HELD) -> list[HeldRecord]: ...
    def held_keys(self) -> list[HeldKey]: ...
    def held_counts(self) -> HeldCounts: ...
    def due(self, now: datetime) -> list[HeldRecord]: ...
    def earliest_release(self, since: datetime | None = None) -> datetime | None: ...
    def any_undated(self) -> bool: ...
    def release_inputs(self) -> list[tuple[int, str, datetime, datetime | None]]: ...
    def set_release_times(self, changes: Iterable[tuple[int, datetime | None, str]]) -> int: ...
    def update_item_ids(self, changes: Iterable[tuple[int, str]]) -> None: ...
    def mark_moved_out(
        self, moves: Iterable[tuple[int, str]], at: datetime, state: HeldState = HeldState.RELEASED
    ) -> int: ...
    def released_since(self, since: datetime) -> list[HeldRecord]: ...
    def count_held(self) -> int: ...
    def count_held_received_by(self, category: str, until: datetime) -> int: ...
    def log_decision(self, rec: DecisionRecord) -> None: ...
    def decisions(self, limit: int = 100) -> list[DecisionRecord]: ...
    def decided(self, message_id: str) -> bool: ...
    def last_decided(self, message_id: str) -> datetime | None: ...
    def prune_decisions(self, before: datetime) -> int: ...
    def prune_released(self, before: datetime) -> int: ...
    def prune_autoreplies(self, before: datetime) -> int: ...
    # insights (issue 13): the mailbox's history and the focus ledger (store/history.py)
    def prune_history(self, before: datetime) -> int: ...
    def prune_focus(self, before: datetime) -> int: ...
    def focus_recorded_until(self) -> datetime | None: ...
    def record_focus(self, since: datetime, until: datetime, spans: Sequence[Interval]) -> None: ...
    def note_history(self, entries: Sequence[HistoryEntry]) -> None: ...
    def history(self, since: datetime, until: datetime) -> list[HistoryEntry]: ...
    def last_autoreply(self, address: str) -> datetime | None: ...
    def autoreply_promises(self, addresses: Iterable[str]) -> dict[str, AutoreplyPromise]: ...
    def record_autoreply(self, address: str, at: datetime, message_id: str) -> None: ...
    def record_check_in(self, rec: CheckInRecord) -> None: ...
    def check_ins(self, limit: int = 50) -> list[CheckInRecord]: ...
    def get_fact(self, key: str) -> str | None: ...
    def set_fact(self, key: str, value: str) -> None: ...
    def transaction(self) -> AbstractContextManager[object]: ...
    def close(self) -> None: ...
