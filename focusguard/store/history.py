"""The store's insights tables (issue 13): the mailbox's history, how far each folder has
been read, and the focus ledger — plus the time-window queries the figures make of the
decision log and the check-in records. A mixin of `Store`: the same connection, lock and
transactions, kept in its own module so the figures' SQL sits in one place.

What a history row holds is what the figures need and nothing more (docs/privacy.md):
normalised addresses, times, four flags and one-way tokens of the thread ids.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from focusguard.core.history_records import ReadState, Segment
from focusguard.core.ports import HistoryFolder
from focusguard.domain.history import Direction, HistoryEntry
from focusguard.domain.schedule import Interval, merge, subtract
from focusguard.store._codec import from_db, from_db_opt, to_db, to_db_opt
from focusguard.store.records import CheckInRecord, DecisionRecord

FOCUS_RECORDED_UNTIL = "focus_recorded_until"  # fact: the focus ledger is complete up to here

_HISTORY_PUT = """
    INSERT INTO history (key, direction, at, sender, recipients, message, parents,
                         conversation, automatic, no_autoreply, own_autoreply, held)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET
        sender = excluded.sender, recipients = excluded.recipients,
        message = excluded.message, parents = excluded.parents,
        conversation = COALESCE(excluded.conversation, history.conversation),
        automatic = excluded.automatic, no_autoreply = excluded.no_autoreply,
        own_autoreply = excluded.own_autoreply,
        held = MAX(history.held, excluded.held)
"""
_HISTORY_BETWEEN = """
    SELECT key, direction, at, sender, recipients, message, parents, conversation,
           automatic, no_autoreply, own_autoreply, held
    FROM history WHERE at >= ? AND at < ? ORDER BY at, key
"""
_READ_STATE = """
    SELECT lo, hi, seg_start, seg_end, mark, seen FROM history_read WHERE folder = ?
"""
_READ_STATE_PUT = """
    INSERT INTO history_read (folder, lo, hi, seg_start, seg_end, mark, seen)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (folder) DO UPDATE SET
        lo = excluded.lo, hi = excluded.hi, seg_start = excluded.seg_start,
        seg_end = excluded.seg_end, mark = excluded.mark, seen = excluded.seen
"""
# After pruning: nothing before `before` is covered any more (a range wholly before it is
# forgotten), and a read in progress no longer claims what was pruned below its mark.
_READ_STATE_PRUNE = """
    UPDATE history_read SET
        lo = CASE WHEN hi IS NULL OR hi <= ?1 THEN NULL ELSE MAX(lo, ?1) END,
        hi = CASE WHEN hi IS NULL OR hi <= ?1 THEN NULL ELSE hi END,
        seg_start = CASE WHEN seg_start IS NULL THEN NULL ELSE MAX(seg_start, MIN(?1, mark)) END
"""
_DECISIONS_BETWEEN = """
    SELECT at, message_id, address, category, action, release_at, reason
    FROM decision WHERE at >= ? AND at < ? ORDER BY at, id
"""
_CHECK_INS_BETWEEN = """
    SELECT scheduled_for, ran_at, kind, released, failed, note
    FROM check_in WHERE ran_at >= ? AND ran_at < ? ORDER BY ran_at, id
"""
_FIRST_RELEASE = "SELECT MIN(ran_at) FROM check_in WHERE released > 0"
_FOCUS_TOUCHING = """
    SELECT span_start, span_end FROM focus_span WHERE span_end >= ? AND span_start <= ?
"""
_FOCUS_BETWEEN = """
    SELECT span_start, span_end FROM focus_span WHERE span_end > ? AND span_start < ?
    ORDER BY span_start
"""


class HistoryTables:
    """Mixed into `Store` (store.py), whose connection, lock and transactions it uses."""

    if TYPE_CHECKING:

        def _write(self, sql: str, params: Sequence[object]) -> int: ...
        def _query(self, sql: str, params: Sequence[object]) -> list[Any]: ...
        def _forgotten(self, count: int) -> int: ...
        def transaction(self) -> AbstractContextManager[None]: ...
        def get_fact(self, key: str) -> str | None: ...

    # ------------------------------------------------------------------ the history

    def save_history(self, state: ReadState, entries: Sequence[HistoryEntry]) -> None:
        """One page of a read: its entries and where the read now stands, together (a read
        interrupted at any point continues from the last page saved)."""
        with self.transaction():
            for entry in entries:
                self._write(_HISTORY_PUT, _history_row(entry))
            self._write(_READ_STATE_PUT, _state_row(state))

    def note_history(self, entries: Sequence[HistoryEntry]) -> None:
        """Entries known before a read reaches them (a message held as it arrives: the
        digest needs its bulk flag and thread at once, issue 12 §2). A later read of the
        same message updates the same entry (one key per message); no read state moves."""
        with self.transaction():
            for entry in entries:
                self._write(_HISTORY_PUT, _history_row(entry))

    def history_state(self, folder: HistoryFolder) -> ReadState:
        rows = self._query(_READ_STATE, (folder.value,))
        if not rows:
            return ReadState(folder)
        lo, hi, start, end, mark, seen = rows[0]
        segment = None
        if start is not None and end is not None and mark is not None:
            segment = Segment(
                from_db(start), from_db(end), from_db(mark), frozenset(json.loads(seen))
            )
        return ReadState(folder, from_db_opt(lo), from_db_opt(hi), segment)

    def history(self, since: datetime, until: datetime) -> list[HistoryEntry]:
        """The history entries with `since <= at < until`, oldest first."""
        rows = self._query(_HISTORY_BETWEEN, (to_db(since, "since"), to_db(until, "until")))
        return [_entry(r) for r in rows]

    def count_history(self) -> int:
        return int(self._query("SELECT count(*) FROM history", ())[0][0])

    def prune_history(self, before: datetime) -> int:
        """Forget history entries from before `before` (and that they were read); returns
        how many went."""
        cutoff = to_db(before, "before")
        with self.transaction():
            count = self._write("DELETE FROM history WHERE at < ?", (cutoff,))
            self._write(_READ_STATE_PRUNE, (cutoff,))
        return self._forgotten(count)

    # ------------------------------------------------------------------ the focus ledger

    def record_focus(self, since: datetime, until: datetime, spans: Sequence[Interval]) -> None:
        """Focus was in force exactly during `spans` within [since, until): what the ledger
        said about that stretch is replaced, touching spans join, and the ledger is complete
        up to `until`."""
        if until < since:
            raise ValueError(f"record_focus: until ({until}) is before since ({since})")
        window = Interval(since, until) if since < until else None
        with self.transaction():
            lo, hi = to_db(since, "since"), to_db(until, "until")
            old = [
                Interval(from_db(a), from_db(b)) for a, b in self._query(_FOCUS_TOUCHING, (lo, hi))
            ]
            inside = [
                Interval(max(s.start, since), min(s.end, until))
                for s in spans
                if window is not None and s.start < until and s.end > since
            ]
            kept = subtract(merge(old), [window]) if window is not None else merge(old)
            for span in old:
                self._write("DELETE FROM focus_span WHERE span_start = ?", (to_db(span.start),))
            for span in merge([*kept, *inside]):
                self._write(
                    "INSERT INTO focus_span (span_start, span_end) VALUES (?, ?)",
                    (to_db(span.start), to_db(span.end)),
                )
            self._write(
                "INSERT INTO fact (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (FOCUS_RECORDED_UNTIL, json.dumps(until.isoformat())),
            )

    def focus_recorded_until(self) -> datetime | None:
        text = self.get_fact(FOCUS_RECORDED_UNTIL)
        if text is None:
            return None
        try:
            value = json.loads(text)
            t = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
        return t if t is not None and t.tzinfo is not None else None

    def focus_spans(self, since: datetime, until: datetime) -> list[Interval]:
        """Focus in force within [since, until), clipped to it, in order."""
        rows = self._query(_FOCUS_BETWEEN, (to_db(since, "since"), to_db(until, "until")))
        return [
            Interval(max(from_db(a), since), min(from_db(b), until))
            for a, b in rows
            if max(from_db(a), since) < min(from_db(b), until)
        ]

    def prune_focus(self, before: datetime) -> int:
        """Forget focus that ended before `before`; returns how many spans went."""
        return self._write("DELETE FROM focus_span WHERE span_end < ?", (to_db(before, "before"),))

    # ------------------------------------------------------------------ windows of old tables

    def decisions_between(self, since: datetime, until: datetime) -> list[DecisionRecord]:
        """Decisions logged with `since <= at < until`, oldest first."""
        rows = self._query(_DECISIONS_BETWEEN, (to_db(since, "since"), to_db(until, "until")))
        return [
            DecisionRecord(from_db(r[0]), r[1], r[2], r[3], r[4], from_db_opt(r[5]), r[6])
            for r in rows
        ]

    def check_ins_between(self, since: datetime, until: datetime) -> list[CheckInRecord]:
        """Release runs with `since <= ran_at < until`, oldest first."""
        rows = self._query(_CHECK_INS_BETWEEN, (to_db(since, "since"), to_db(until, "until")))
        return [
            CheckInRecord(from_db_opt(r[0]), from_db(r[1]), r[2], int(r[3]), int(r[4]), r[5])
            for r in rows
        ]

    def first_release(self) -> datetime | None:
        """When FocusGuard first brought held mail out (check-in records are never pruned)."""
        rows = self._query(_FIRST_RELEASE, ())
        return from_db_opt(rows[0][0]) if rows else None


def _history_row(e: HistoryEntry) -> tuple[object, ...]:
    return (
        e.key,
        e.direction.value,
        to_db(e.at, "at"),
        e.sender,
        json.dumps(list(e.recipients)),
        e.message,
        " ".join(e.parents),
        e.conversation,
        int(e.automatic),
        int(e.no_autoreply),
        int(e.own_autoreply),
        int(e.held),
    )


def _entry(r: Sequence[Any]) -> HistoryEntry:
    return HistoryEntry(
        key=r[0],
        direction=Direction(r[1]),
        at=from_db(r[2]),
        sender=r[3],
        recipients=tuple(json.loads(r[4])),
        message=r[5],
        parents=tuple(r[6].split()),
        conversation=r[7],
        automatic=bool(r[8]),
        no_autoreply=bool(r[9]),
        own_autoreply=bool(r[10]),
        held=bool(r[11]),
    )


def _state_row(state: ReadState) -> tuple[object, ...]:
    seg = state.segment
    return (
        state.folder.value,
        to_db_opt(state.lo, "lo"),
        to_db_opt(state.hi, "hi"),
        None if seg is None else to_db(seg.start, "start"),
        None if seg is None else to_db(seg.end, "end"),
        None if seg is None else to_db(seg.mark, "mark"),
        json.dumps(sorted(seg.seen) if seg is not None else []),
    )
