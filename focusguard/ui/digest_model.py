"""The check-in digest as a Qt item model: customers (busiest first) → their messages.

The model holds immutable `HeldRecord` snapshots and formats text only when a view asks
for it (`data`), so 10,000 messages cost one sort and no per-item objects. Every string
that came from a mail (sender, subject) is returned as-is for DisplayRole — QTreeView's
default delegate paints DisplayRole as plain text — and HTML-escaped for ToolTipRole,
because tooltips guess rich text.
"""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from focusguard.app.values import DigestSnapshot, HeldRecord, HeldState
from focusguard.domain.customers import UNKNOWN_SENDER, count_customers, customer_of
from focusguard.ui.plain_text import tooltip_text

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invalid index: Qt's "no parent"


class Column(enum.IntEnum):
    SENDER = 0
    SUBJECT = 1
    RECEIVED = 2
    WAITED = 3
    STATE = 4


HEADERS = ("Sender", "Subject", "Received", "Waited", "State")

_USER = int(Qt.ItemDataRole.UserRole)
MESSAGE_ID_ROLE = _USER + 1  # str for a message, None for a customer row
LINK_ROLE = _USER + 2  # the Outlook web link or None
STATE_ROLE = _USER + 3  # HeldState for a message, None for a customer row
FILTER_ROLE = _USER + 4  # "sender\nsubject" for messages, "" for customers (see DigestFilter)
GROUP_KEY_ROLE = _USER + 5  # the customer key, on both levels
RECORD_ROLE = _USER + 6  # the HeldRecord itself
ENTRY_ROLE = _USER + 7  # the ledger entry (int) for a message, None for a customer row


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    key: str
    records: tuple[HeldRecord, ...]  # oldest first: who has waited longest comes first
    held: int

    @property
    def released(self) -> int:
        """Out of the held folder: released, or released because marked handled."""
        return len(self.records) - self.held

    @property
    def handled(self) -> int:
        return sum(1 for r in self.records if r.state is HeldState.HANDLED)


def customer_key(rec: HeldRecord) -> str:
    """Which customer a message is from (domain/customers.py: the same answer the release
    notification counts with)."""
    return customer_of(rec.address)


def record_key(rec: HeldRecord) -> int | str:
    """What makes a row one row: its ledger entry (several entries may share a Message-ID;
    each is a message of its own in the held folder)."""
    return rec.entry if rec.entry is not None else rec.message_id


def group_records(records: Iterable[HeldRecord]) -> list[CustomerGroup]:
    """Group by customer, busiest customer first (ties by name); O(n log n). Handled mail
    stays listed (it is in the Inbox, marked as dealt with)."""
    buckets: dict[str, list[HeldRecord]] = {}
    seen: set[int | str] = set()
    for rec in records:
        key = record_key(rec)
        if key in seen:
            continue
        seen.add(key)
        buckets.setdefault(customer_key(rec), []).append(rec)
    groups = []
    for key, recs in buckets.items():
        recs.sort(key=lambda r: (r.received, r.message_id, r.entry or 0))
        held = sum(1 for r in recs if r.state is HeldState.HELD)
        groups.append(CustomerGroup(key, tuple(recs), held))
    groups.sort(key=lambda g: (-len(g.records), g.key == UNKNOWN_SENDER, g.key))
    return groups


def waited(rec: HeldRecord, now: datetime) -> timedelta:
    """How long the customer has waited: until now while held, until release after."""
    end = rec.released_at if rec.state is not HeldState.HELD and rec.released_at else now
    return end - rec.received


def sender_display(from_header: str) -> str:
    """The From header as a person reads it: `"Carol (BigClient)" <c@x>` shows as
    `Carol (BigClient) <c@x>`. Still untrusted text: shown as plain text only."""
    name, address = email.utils.parseaddr(from_header)
    if not address or "@" not in address:
        return from_header
    return f"{name} <{address}>" if name and name != address else address


def humanise(span: timedelta) -> str:
    """'2 h 5 min', '45 min', '1 d 3 h', 'under 1 min'."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def received_text(t: datetime, now: datetime, zone: tzinfo) -> str:
    local = t.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary_text(groups: Sequence[CustomerGroup]) -> str:
    """ "3 emails held: 2 from 1 customer, 1 other; 2 released today (1 handled)".
    Colleagues' mail held during focus is in the list too, but only customers are counted
    as customers."""
    records = [r for g in groups for r in g.records]
    if not records:
        return "No held mail. Nothing released today."
    held = [r for r in records if r.state is HeldState.HELD]
    released = len(records) - len(held)
    from_customers = [r for r in held if r.category == "customer"]
    customers = count_customers(r.address for r in from_customers)
    text = f"{_plural(len(held), 'email')} held"
    if from_customers and len(from_customers) == len(held):
        text += f" from {_plural(customers, 'customer')}"
    elif from_customers:
        others = len(held) - len(from_customers)
        text += (
            f": {len(from_customers)} from {_plural(customers, 'customer')}, "
            f"{_plural(others, 'other')}"
        )
    if released:
        text += f"; {released} released today"
        handled = sum(1 for r in records if r.state is HeldState.HANDLED)
        if handled:
            text += f" ({handled} handled)"
    return text


class DigestModel(QAbstractItemModel):
    """Two levels. A customer row's internalId is 0; a message row's is its group + 1."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[CustomerGroup] = []
        self._now = datetime.now().astimezone()
        self._zone: tzinfo = self._now.tzinfo or datetime.now().astimezone().tzinfo  # type: ignore[assignment]

    # -- loading ---------------------------------------------------------------------------
    def set_snapshot(self, snapshot: DigestSnapshot) -> None:
        groups = group_records(snapshot.records)
        self.beginResetModel()
        self._groups = groups
        self._now = snapshot.now
        self._zone = snapshot.zone
        self.endResetModel()

    @property
    def groups(self) -> Sequence[CustomerGroup]:
        return self._groups

    def message_count(self) -> int:
        return sum(len(g.records) for g in self._groups)

    def held_count(self) -> int:
        return sum(g.held for g in self._groups)

    # -- structure -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._groups):
                return QModelIndex()
            return self.createIndex(row, column, 0)
        if parent.internalId() != 0:
            return QModelIndex()  # messages have no children
        group = parent.row()
        if group >= len(self._groups) or row >= len(self._groups[group].records):
            return QModelIndex()
        return self.createIndex(row, column, group + 1)

    def parent(self, child: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        gid = child.internalId()
        if gid == 0:
            return QModelIndex()
        return self.createIndex(gid - 1, 0, 0)

    def rowCount(self, parent: Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        return len(self._groups[parent.row()].records)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return len(HEADERS)

    def hasChildren(self, parent: Index = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- data ------------------------------------------------------------------------------
    def group_at(self, index: Index) -> CustomerGroup | None:
        if not index.isValid():
            return None
        gid = index.internalId()
        return self._groups[index.row() if gid == 0 else gid - 1]

    def record_at(self, index: Index) -> HeldRecord | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._groups[index.internalId() - 1].records[index.row()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._group_data(self._groups[index.row()], index.column(), role)
        rec = self._groups[index.internalId() - 1].records[index.row()]
        return self._message_data(rec, index.column(), role)

    def _group_data(self, group: CustomerGroup, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._group_text(group, column)
            return tooltip_text(text) if role == Qt.ItemDataRole.ToolTipRole else text
        if role == Qt.ItemDataRole.AccessibleTextRole and column == Column.SENDER:
            return f"{group.key}: {_plural(len(group.records), 'email')}, {group.held} held"
        if role == FILTER_ROLE:
            return ""  # customers show when one of their messages matches (recursive filter)
        if role == GROUP_KEY_ROLE:
            return group.key
        return None

    def _group_text(self, group: CustomerGroup, column: int) -> str:
        if column == Column.SENDER:
            return f"{group.key} ({len(group.records)})"
        if column == Column.STATE:
            parts = [f"{group.held} held"] if group.held else []
            if group.released - group.handled:
                parts.append(f"{group.released - group.handled} released")
            if group.handled:
                parts.append(f"{group.handled} handled")
            return ", ".join(parts)
        if column == Column.WAITED and group.held:
            longest = max(waited(r, self._now) for r in group.records if r.state is HeldState.HELD)
            text = humanise(longest)
            return text if text.startswith("under") else f"up to {text}"
        return ""

    def _message_data(self, rec: HeldRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._message_text(rec, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(self._message_text(rec, column))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._message_text(rec, column)
        if role == MESSAGE_ID_ROLE:
            return rec.message_id
        if role == ENTRY_ROLE:
            return rec.entry
        if role == LINK_ROLE:
            return rec.web_link
        if role == STATE_ROLE:
            return rec.state
        if role == FILTER_ROLE:
            return f"{rec.sender}\n{rec.subject}"
        if role == GROUP_KEY_ROLE:
            return customer_key(rec)
        if role == RECORD_ROLE:
            return rec
        return None

    def _message_text(self, rec: HeldRecord, column: int) -> str:
        if column == Column.SENDER:
            return sender_display(rec.sender)
        if column == Column.SUBJECT:
            return rec.subject
        if column == Column.RECEIVED:
            return received_text(rec.received, self._now, self._zone)
        if column == Column.WAITED:
            return humanise(waited(rec, self._now))
        return rec.state.value


class DigestFilter(QSortFilterProxyModel):
    """Case-insensitive substring filter over sender and subject; a customer stays visible
    while any of their messages matches (Qt's recursive filtering does that in C++)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(Column.SENDER)

    def set_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip())


def records_under(model: DigestModel, indexes: Iterable[QModelIndex]) -> list[HeldRecord]:
    """The messages selected: a message row itself, a customer row all of its messages.
    Deduplicated, in the order first seen. `indexes` are source-model indexes."""
    out: dict[int | str, HeldRecord] = {}
    for index in indexes:
        if not index.isValid():
            continue
        rec = model.record_at(index)
        if rec is not None:
            out.setdefault(record_key(rec), rec)
            continue
        group = model.group_at(index)
        if group is not None:
            for r in group.records:
                out.setdefault(record_key(r), r)
    return list(out.values())
