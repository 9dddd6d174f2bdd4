"""The check-in digest as a Qt item model, built for triage (issue 12 §2).

Three levels: sections (customers first, then colleagues, automated/bulk mail and other
mail) → messages, oldest reply-by first → for a customer chasing (several held mails from
one sender or in one conversation) the chase's messages under one collapsed row.

The model holds immutable `HeldRecord` snapshots plus what the service said about each
(`MessageNotes`: section, reply-by, promise status, auto-reply, new customer, chase) and
formats text only when a view asks for it (`data`). Every string that came from a mail
(sender, subject) is returned as-is for DisplayRole — QTreeView's default delegate paints
DisplayRole as plain text — and HTML-escaped for ToolTipRole, because tooltips guess rich
text. A sender shows as its *address* first: a display name like "boss@corp.example" must
never read as the boss.

Sorting is the model's own (`sort`): rows are re-ordered within their parent and the
sections keep their order whichever column or direction is chosen.
"""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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
from PySide6.QtGui import QFont

from focusguard.app.values import (
    DigestSnapshot,
    HeldRecord,
    HeldState,
    MessageNotes,
    PromiseStatus,
    Section,
    Triage,
)
from focusguard.domain.customers import count_customers
from focusguard.ui.plain_text import tooltip_text

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invalid index: Qt's "no parent"


class Column(enum.IntEnum):
    SENDER = 0
    SUBJECT = 1
    RECEIVED = 2
    WAITED = 3
    REPLY_BY = 4
    AUTOREPLY = 5
    NOTES = 6
    STATE = 7


HEADERS = (
    "Sender",
    "Subject",
    "Received",
    "Waited",
    "Reply by",
    "Auto-reply said",
    "Notes",
    "State",
)

_USER = int(Qt.ItemDataRole.UserRole)
MESSAGE_ID_ROLE = _USER + 1  # str for a message, None for a section or chase row
LINK_ROLE = _USER + 2  # the Outlook web link or None
STATE_ROLE = _USER + 3  # HeldState for a message, None otherwise
FILTER_ROLE = _USER + 4  # "sender\nsubject" for messages, "" otherwise (see DigestFilter)
GROUP_KEY_ROLE = _USER + 5  # a stable key of the row's section or chase ("section:Customers")
RECORD_ROLE = _USER + 6  # the HeldRecord itself
ENTRY_ROLE = _USER + 7  # the ledger entry (int) for a message, None otherwise
PROMISE_ROLE = _USER + 8  # PromiseStatus of a message or chase, None otherwise

MARKS = {
    PromiseStatus.AT_RISK: "⚠",
    PromiseStatus.BREACHED: "‼",
}
PROMISE_WORDS = {PromiseStatus.AT_RISK: "at risk", PromiseStatus.BREACHED: "overdue"}
NEW_CUSTOMER = "New customer"
_NO_NOTES = MessageNotes(Section.OTHER)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_BY_CATEGORY = {
    "customer": MessageNotes(Section.CUSTOMERS),
    "internal": MessageNotes(Section.COLLEAGUES),
}


def record_key(rec: HeldRecord) -> int | str:
    """What makes a row one row: its ledger entry (several entries may share a Message-ID;
    each is a message of its own in the held folder)."""
    return rec.entry if rec.entry is not None else rec.message_id


class Kind(enum.Enum):
    SECTION = "section"
    CHASE = "chase"
    MESSAGE = "message"


@dataclass(slots=True, eq=False)
class Node:
    """One row. `records` are the messages under it (one for a message row); `parent` is a
    node number, -1 for a section."""

    kind: Kind
    section: Section
    records: tuple[HeldRecord, ...]
    parent: int = -1
    row: int = 0
    children: list[int] = field(default_factory=list)
    chase: int | None = None
    # The message that leads the row (the oldest reply-by) and its order key: worked out
    # once per snapshot, not per comparison or paint.
    lead: HeldRecord | None = None
    lead_key: tuple[int, float, float] = (0, 0.0, 0.0)

    @property
    def held(self) -> int:
        return sum(1 for r in self.records if r.state is HeldState.HELD)


def waited(rec: HeldRecord, now: datetime) -> timedelta:
    """How long the sender has waited: until now while held, until release after."""
    end = rec.released_at if rec.state is not HeldState.HELD and rec.released_at else now
    return end - rec.received


def sender_display(from_header: str) -> str:
    """The From header as a person should read it: the address first, the name it claims
    after — `"Carol (BigClient)" <c@x>` shows as `c@x (Carol (BigClient))`. Still untrusted
    text: shown as plain text only."""
    name, address = email.utils.parseaddr(from_header)
    if not address or "@" not in address:
        return from_header
    return f"{address} ({name})" if name and name != address else address


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


def reply_by_text(notes: MessageNotes, now: datetime, zone: tzinfo) -> str:
    """ "11:30", "⚠ 11:30 at risk", "‼ 10:00 overdue"; "" without a promise."""
    if notes.reply_by is None:
        return ""
    when = received_text(notes.reply_by, now, zone)
    if notes.promise in MARKS:
        assert notes.promise is not None
        return f"{MARKS[notes.promise]} {when} {PROMISE_WORDS[notes.promise]}"
    return when


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary_text(records: Sequence[HeldRecord], triage: Triage | None = None) -> str:
    """ "3 emails held: 2 from 1 customer, 1 other; 1 at risk; 2 released today (1 handled)".
    Colleagues' and bulk mail held during focus is in the list too, but only customers are
    counted as customers."""
    if not records:
        return "No held mail. Nothing released today."
    notes = triage.notes if triage is not None else {}

    def section(r: HeldRecord) -> Section:
        n = notes.get(record_key(r))
        if n is not None:
            return n.section
        return Section.CUSTOMERS if r.category == "customer" else Section.OTHER

    held = [r for r in records if r.state is HeldState.HELD]
    released = len(records) - len(held)
    from_customers = [r for r in held if section(r) is Section.CUSTOMERS]
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
    for status in (PromiseStatus.BREACHED, PromiseStatus.AT_RISK):
        count = sum(
            1 for r in held if (n := notes.get(record_key(r))) is not None and n.promise is status
        )
        if count:
            text += f"; {count} {PROMISE_WORDS[status]}"
    if released:
        text += f"; {released} released today"
        handled = sum(1 for r in records if r.state is HeldState.HANDLED)
        if handled:
            text += f" ({handled} handled)"
    return text


def _reply_key(rec: HeldRecord, notes: MessageNotes) -> tuple[int, float, float]:
    """Oldest waiting first: held before released, then by reply-by (or, with no promise
    or for non-customers, by arrival)."""
    when = notes.reply_by or rec.received
    return (rec.state is not HeldState.HELD, when.timestamp(), rec.received.timestamp())


class DigestModel(QAbstractItemModel):
    """A message's internalId is its node number; `self._nodes` holds every row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._nodes: list[Node] = []
        self._top: list[int] = []
        self._records: tuple[HeldRecord, ...] = ()
        self._triage = Triage()
        self._now = datetime.now().astimezone()
        self._zone: tzinfo = self._now.tzinfo or datetime.now().astimezone().tzinfo  # type: ignore[assignment]
        self._sort = (Column.REPLY_BY, Qt.SortOrder.AscendingOrder)
        self._section_cache: dict[tuple[int, int], str] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    # -- loading ---------------------------------------------------------------------------
    def set_snapshot(self, snapshot: DigestSnapshot) -> None:
        seen: set[int | str] = set()
        records = []
        for rec in snapshot.records:
            if record_key(rec) not in seen:
                seen.add(record_key(rec))
                records.append(rec)
        self.beginResetModel()
        self._records = tuple(records)
        self._triage = snapshot.triage
        self._now = snapshot.now
        self._zone = snapshot.zone
        self._section_cache.clear()
        self._build()
        self.endResetModel()

    def notes(self, rec: HeldRecord) -> MessageNotes:
        found = self._triage.notes.get(record_key(rec))
        if found is not None:
            return found
        # A snapshot without triage (built by hand): sections by category, nothing else.
        return _BY_CATEGORY.get(rec.category, _NO_NOTES)

    def _build(self) -> None:
        nodes: list[Node] = []
        by_section: dict[Section, list[Node]] = {}
        chases: dict[int, Node] = {}
        for rec in self._records:
            notes = self.notes(rec)
            items = by_section.setdefault(notes.section, [])
            if notes.chain is not None:
                chase = chases.get(notes.chain)
                if chase is None:
                    chase = Node(Kind.CHASE, notes.section, (), chase=notes.chain)
                    chases[notes.chain] = chase
                    items.append(chase)
                chase.records += (rec,)
                continue
            items.append(Node(Kind.MESSAGE, notes.section, (rec,)))
        self._top = []
        for section in sorted(by_section, key=lambda s: s.order):
            members = by_section[section]
            head = Node(Kind.SECTION, section, tuple(r for n in members for r in n.records))
            number = len(nodes)
            nodes.append(head)
            self._top.append(number)
            for item in members:
                self._adopt(nodes, number, item)
        self._nodes = nodes
        # Chases' messages: added after, so a chase's node number is known.
        for number in range(len(nodes)):
            node = nodes[number]
            if node.kind is Kind.CHASE:
                node.records = tuple(sorted(node.records, key=lambda r: r.received))
                for rec in node.records:
                    self._adopt(nodes, number, Node(Kind.MESSAGE, node.section, (rec,)))
        for node in nodes:
            if node.records:
                keyed = [(_reply_key(r, self.notes(r)), r) for r in node.records]
                node.lead_key, node.lead = min(keyed, key=lambda pair: pair[0])
        self._order_all()

    @staticmethod
    def _adopt(nodes: list[Node], parent: int, child: Node) -> None:
        child.parent = parent
        nodes.append(child)
        nodes[parent].children.append(len(nodes) - 1)

    # -- sorting ---------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-order the rows within each section (and each chase); sections keep their
        order. Views are told through a reset: the window restores selection and folding."""
        self.beginResetModel()
        self._sort = (Column(column), order)
        self._order_all()
        self.endResetModel()

    @property
    def sort_column(self) -> tuple[Column, Qt.SortOrder]:
        return self._sort

    def _order_all(self) -> None:
        column, order = self._sort
        key = self._sort_key(column)
        reverse = order == Qt.SortOrder.DescendingOrder
        for number in self._top:
            section = self._nodes[number]
            section.children.sort(key=lambda n: key(self._nodes[n]), reverse=reverse)
            for row, child in enumerate(section.children):
                self._nodes[child].row = row
                chase = self._nodes[child]
                chase.children.sort(key=lambda n: key(self._nodes[n]), reverse=reverse)
                for inner, grandchild in enumerate(chase.children):
                    self._nodes[grandchild].row = inner
        for row, number in enumerate(self._top):
            self._nodes[number].row = row

    def _sort_key(self, column: Column) -> Callable[[Node], Any]:
        now = self._now

        def first(node: Node) -> HeldRecord:
            assert node.lead is not None
            return node.lead

        if column == Column.SENDER:
            return lambda n: ((first(n).address or first(n).sender).lower(), n.lead_key)
        if column == Column.SUBJECT:
            return lambda n: first(n).subject.lower()
        if column == Column.RECEIVED:
            return lambda n: first(n).received
        if column == Column.WAITED:
            return lambda n: waited(first(n), now)
        if column == Column.AUTOREPLY:
            return lambda n: self.notes(first(n)).autoreply or ""
        if column == Column.NOTES:
            return lambda n: self._notes_text(n)
        if column == Column.STATE:
            return lambda n: first(n).state.value
        return lambda n: n.lead_key

    # -- what views ask --------------------------------------------------------------------
    @property
    def records(self) -> tuple[HeldRecord, ...]:
        return self._records

    @property
    def triage(self) -> Triage:
        return self._triage

    def message_count(self) -> int:
        return len(self._records)

    def held_count(self) -> int:
        return sum(1 for r in self._records if r.state is HeldState.HELD)

    def folds(self) -> list[QModelIndex]:
        """The rows that fold (sections and chases), without walking every message: the
        window sets their folding after each snapshot."""
        out = [self.createIndex(self._nodes[n].row, 0, n) for n in self._top]
        for number, node in enumerate(self._nodes):
            if node.kind is Kind.CHASE:
                out.append(self.createIndex(node.row, 0, number))
        return out

    def node_at(self, index: Index) -> Node | None:
        return self._nodes[index.internalId()] if index.isValid() else None

    def record_at(self, index: Index) -> HeldRecord | None:
        node = self.node_at(index)
        return node.records[0] if node is not None and node.kind is Kind.MESSAGE else None

    def records_at(self, index: Index) -> tuple[HeldRecord, ...]:
        node = self.node_at(index)
        return () if node is None else node.records

    # -- structure -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        children = self._top if not parent.isValid() else self._children(parent)
        if row >= len(children):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def _children(self, parent: Index) -> list[int]:
        if parent.column() != 0:
            return []
        return self._nodes[parent.internalId()].children

    def parent(self, child: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        up = self._nodes[child.internalId()].parent
        if up < 0:
            return QModelIndex()
        return self.createIndex(self._nodes[up].row, 0, up)

    def rowCount(self, parent: Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._top)
        return len(self._children(parent))

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
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- data ------------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._nodes[index.internalId()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(node, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(self._text(node, column))
        if role == Qt.ItemDataRole.FontRole:
            # Marks are words and signs, never colours alone: a palette-agnostic bold face
            # for sections and for what breaks the promise.
            if node.kind is Kind.SECTION or self._status(node) is PromiseStatus.BREACHED:
                return self._bold
            return None
        if role == GROUP_KEY_ROLE:
            return self._group_key(node)
        if role == PROMISE_ROLE:
            return self._status(node)
        if node.kind is not Kind.MESSAGE:
            return "" if role == FILTER_ROLE else None
        rec = node.records[0]
        if role == MESSAGE_ID_ROLE:
            return rec.message_id
        if role == ENTRY_ROLE:
            return rec.entry
        if role == LINK_ROLE:
            return rec.web_link
        if role == STATE_ROLE:
            return rec.state
        if role == FILTER_ROLE:
            return f"{rec.sender}\n{rec.address or ''}\n{rec.subject}"
        if role == RECORD_ROLE:
            return rec
        return None

    def _group_key(self, node: Node) -> str:
        if node.kind is Kind.SECTION:
            return f"section:{node.section.value}"
        if node.kind is Kind.CHASE:
            return f"chase:{record_key(node.records[0])}"
        return f"message:{record_key(node.records[0])}"

    def _status(self, node: Node) -> PromiseStatus | None:
        if node.kind is Kind.SECTION:
            return None
        worst = None
        for rec in node.records:
            status = self.notes(rec).promise
            if status is PromiseStatus.BREACHED:
                return status
            if status is PromiseStatus.AT_RISK:
                worst = status
        return worst

    def _text(self, node: Node, column: int) -> str:
        if node.kind is Kind.SECTION:
            return self._section_text(node, column)
        first = node.lead
        assert first is not None
        if node.kind is Kind.CHASE:
            return self._chase_text(node, first, column)
        return self._message_text(
            first, column, in_chase=node.parent >= 0 and self._nodes[node.parent].kind is Kind.CHASE
        )

    def _section_text(self, node: Node, column: int) -> str:
        # A section row sums thousands of messages: its texts are worked out once per
        # snapshot (or sort), not on every paint.
        key = (id(node), column)
        text = self._section_cache.get(key)
        if text is None:
            text = self._section_cache[key] = self._section_sum(node, column)
        return text

    def _section_sum(self, node: Node, column: int) -> str:
        if column == Column.SENDER:
            return f"{node.section.value} ({len(node.records)})"
        if column == Column.STATE:
            return _state_counts(node.records)
        if column == Column.WAITED and node.held:
            longest = max(waited(r, self._now) for r in node.records if r.state is HeldState.HELD)
            text = humanise(longest)
            return text if text.startswith("under") else f"up to {text}"
        if column == Column.REPLY_BY:
            parts = []
            for status in (PromiseStatus.BREACHED, PromiseStatus.AT_RISK):
                count = sum(
                    1
                    for r in node.records
                    if r.state is HeldState.HELD and self.notes(r).promise is status
                )
                if count:
                    parts.append(f"{MARKS[status]} {count} {PROMISE_WORDS[status]}")
            return ", ".join(parts)
        return ""

    def _chase_text(self, node: Node, first: HeldRecord, column: int) -> str:
        latest = max(node.records, key=lambda r: r.received)
        if column == Column.SENDER:
            return sender_display(latest.sender)
        if column == Column.SUBJECT:
            return latest.subject
        if column == Column.NOTES:
            return self._notes_text(node)
        if column == Column.STATE:
            return _state_counts(node.records)
        return self._message_text(first, column, in_chase=False)

    def _notes_text(self, node: Node) -> str:
        parts = []
        if node.kind is Kind.CHASE and node.chase is not None:
            parts.append(self._triage.chain_notes.get(node.chase, ""))
        if node.kind is not Kind.SECTION and any(self.notes(r).new_customer for r in node.records):
            parts.append(NEW_CUSTOMER)
        return " · ".join(p for p in parts if p)

    def _message_text(self, rec: HeldRecord, column: int, *, in_chase: bool) -> str:
        notes = self.notes(rec)
        if column == Column.SENDER:
            return sender_display(rec.sender)
        if column == Column.SUBJECT:
            return rec.subject
        if column == Column.RECEIVED:
            return received_text(rec.received, self._now, self._zone)
        if column == Column.WAITED:
            return humanise(waited(rec, self._now))
        if column == Column.REPLY_BY:
            return reply_by_text(notes, self._now, self._zone)
        if column == Column.AUTOREPLY:
            return notes.autoreply or ""
        if column == Column.NOTES:
            return NEW_CUSTOMER if notes.new_customer and not in_chase else ""
        return rec.state.value


def _state_counts(records: Iterable[HeldRecord]) -> str:
    records = list(records)
    held = sum(1 for r in records if r.state is HeldState.HELD)
    handled = sum(1 for r in records if r.state is HeldState.HANDLED)
    released = len(records) - held - handled
    parts = [f"{held} held"] if held else []
    if released:
        parts.append(f"{released} released")
    if handled:
        parts.append(f"{handled} handled")
    return ", ".join(parts)


class DigestFilter(QSortFilterProxyModel):
    """Case-insensitive substring filter over sender, address and subject; a section or
    chase stays visible while any of its messages matches (Qt's recursive filtering does
    that in C++). Sorting is the source model's (`DigestModel.sort`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(Column.SENDER)

    def set_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip())


def records_under(model: DigestModel, indexes: Iterable[QModelIndex]) -> list[HeldRecord]:
    """The messages selected: a message row itself, a section or chase row all of its
    messages. Deduplicated, in the order first seen. `indexes` are source-model indexes."""
    out: dict[int | str, HeldRecord] = {}
    for index in indexes:
        for r in model.records_at(index):
            out.setdefault(record_key(r), r)
    return list(out.values())
