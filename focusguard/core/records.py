"""What the engine remembers: the values the state store keeps (the store holds the SQL)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class HeldState(enum.Enum):
    HELD = "held"
    RELEASED = "released"
    HANDLED = "handled"


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """One message FocusGuard holds (or held), keyed by its Internet Message-ID."""

    message_id: str
    item_id: str | None
    sender: str
    address: str | None
    subject: str
    category: str
    received: datetime
    held_at: datetime
    release_at: datetime | None
    reason: str
    state: HeldState = HeldState.HELD
    released_at: datetime | None = None
    web_link: str | None = None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    at: datetime
    message_id: str
    address: str | None
    category: str
    action: str
    release_at: datetime | None
    reason: str


@dataclass(frozen=True, slots=True)
class CheckInRecord:
    scheduled_for: datetime | None
    ran_at: datetime
    kind: str  # check-in | focus-end | manual | release-all | pause | startup
    released: int
    failed: int
    note: str = ""


class StateStore(Protocol):
    """The store port; focusguard.store.Store is the SQLite adapter."""

    def get_held(self, message_id: str) -> HeldRecord | None: ...
    def put_held(self, rec: HeldRecord) -> None: ...
    def update_item_id(self, message_id: str, item_id: str) -> None: ...
    def set_release_at(self, message_id: str, release_at: datetime | None, reason: str) -> None:
        ...
    def mark_released(self, message_ids: Iterable[str], at: datetime) -> int: ...
    def mark_handled(self, message_ids: Iterable[str]) -> int: ...
    def held(self, state: HeldState | None = HeldState.HELD) -> list[HeldRecord]: ...
    def released_since(self, since: datetime) -> list[HeldRecord]: ...
    def count_held(self) -> int: ...
    def log_decision(self, rec: DecisionRecord) -> None: ...
    def decisions(self, limit: int = 100) -> list[DecisionRecord]: ...
    def last_autoreply(self, address: str) -> datetime | None: ...
    def record_autoreply(self, address: str, at: datetime, message_id: str) -> None: ...
    def record_check_in(self, rec: CheckInRecord) -> None: ...
    def check_ins(self, limit: int = 50) -> list[CheckInRecord]: ...
    def get_fact(self, key: str) -> str | None: ...
    def set_fact(self, key: str, value: str) -> None: ...
    def transaction(self) -> AbstractContextManager[object]: ...
