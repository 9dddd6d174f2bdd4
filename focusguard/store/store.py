"""FocusGuard's state in SQLite: the held ledger, the decision log, the auto-reply ledger,
check-in outcomes and runtime facts.

One connection, shared by the engine's worker thread and UI threads reading snapshots; a
re-entrant lock serialises every operation, and a transaction holds the lock until it ends,
so other threads never see half of one. Keep network calls out of `transaction()` blocks:
the UI waits for the lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from focusguard.store import _files
from focusguard.store._codec import from_db, from_db_opt, to_db, to_db_opt
from focusguard.store.history import HistoryTables
from focusguard.store.migrations import LATEST_VERSION, MIGRATIONS
from focusguard.store.records import (
    AutoreplyPromise,
    CheckInRecord,
    DecisionRecord,
    HeldCounts,
    HeldKey,
    HeldRecord,
    HeldState,
    StoreError,
)

log = logging.getLogger(__name__)

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000
_AUTOREPLY_PROMISE = """
    SELECT a.sent_at, (SELECT d.release_at FROM decision d
                       WHERE d.message_id = a.message_id AND d.action = 'hold'
                       ORDER BY d.at DESC LIMIT 1)
    FROM autoreply a WHERE a.address = ?
"""

# Literal SQL only (no string building), so every statement is greppable here.
# The entry still held wins over ones that left; among equals the newest entry.
_HELD_BY_MESSAGE = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held WHERE message_id = ? ORDER BY state = 'held' DESC, id DESC LIMIT 1
"""
_HELD_ENTRIES_BY_MESSAGE = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held WHERE message_id = ? ORDER BY id
"""
_HELD_BY_ENTRY = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held WHERE id = ?
"""
_HELD_BY_ITEM = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held WHERE item_id = ? ORDER BY state = 'held' DESC, id DESC LIMIT 1
"""
_HELD_ALL = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held ORDER BY received, message_id, id
"""
_HELD_IN_STATE = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held WHERE state = ? ORDER BY received, message_id, id
"""
_HELD_RELEASED_SINCE = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held
    WHERE released_at IS NOT NULL AND released_at >= ? AND state IN ('released', 'handled')
    ORDER BY released_at, received, message_id, id
"""
# "What is due" and "when next" are searches of `held_by_state_release_at` (an entry without
# a release time is due at once), whatever the statistics say: once ANALYZE has seen 100,000
# held entries SQLite guesses that `release_at IS NULL` matches half of them and scans the
# table (13 ms) unless told which index to use. No ORDER BY: sorting by `received` would walk
# `held_by_state_received` over every held entry instead (issue 15); the caller sorts.
_HELD_DUE = """
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held INDEXED BY held_by_state_release_at WHERE state = 'held' AND release_at IS NULL
    UNION ALL
    SELECT id, message_id, item_id, sender, address, subject, category, received, held_at,
           release_at, reason, state, released_at, web_link
    FROM held INDEXED BY held_by_state_release_at WHERE state = 'held' AND release_at <= ?
"""
_HELD_EARLIEST = (
    "SELECT min(release_at) FROM held INDEXED BY held_by_state_release_at WHERE state = 'held'"
)
_HELD_EARLIEST_SINCE = """
    SELECT min(release_at) FROM held INDEXED BY held_by_state_release_at
    WHERE state = 'held' AND release_at >= ?
"""
_HELD_UNDATED = """
    SELECT 1 FROM held INDEXED BY held_by_state_release_at
    WHERE state = 'held' AND release_at IS NULL LIMIT 1
"""
_HELD_COUNTS = (
    "SELECT count(*), count(*) FILTER (WHERE category = 'customer') FROM held WHERE state = 'held'"
)
_HELD_KEYS = "SELECT id, item_id, message_id, received FROM held WHERE state = 'held'"
_HELD_RELEASE_INPUTS = "SELECT id, category, received, release_at FROM held WHERE state = 'held'"
# An empty reason keeps the stored one (internal mail held for focus says why when held).
_HELD_SET_RELEASE_AT = (
    "UPDATE held SET release_at = ?, reason = COALESCE(NULLIF(?, ''), reason)"
    " WHERE id = ? AND state = 'held'"
)
_HELD_SET_ITEM_ID = "UPDATE held SET item_id = ? WHERE id = ?"
# A batch of moves out of the held folder, the new server id and the new state together, in
# one statement: the whole update runs inside SQLite in one step. Row by row (executemany) each
# row hands Python's GIL back and forth, and while the mail watcher parses the notifications of
# those very moves every hand-back waits for it (issue 15). The unary + keeps SQLite from
# walking the held entries by state and scanning the batch for each: it looks each moved entry
# up by id. UPDATE ... FROM needs SQLite 3.33; older ones (and builds without JSON) take the
# row-by-row form.
_HELD_MOVED_OUT = """
    UPDATE held SET state = ?, released_at = ?, item_id = json_extract(moved.value, '$[1]')
    FROM json_each(?) AS moved
    WHERE held.id = json_extract(moved.value, '$[0]') AND +held.state = 'held'
"""
_HELD_MOVED_OUT_ROW = """
    UPDATE held SET state = ?, released_at = ?, item_id = ? WHERE id = ? AND state = 'held'
"""
_JSON_PROBE = "SELECT count(*) FROM json_each('[1]')"
_HELD_INSERT = """
    INSERT INTO held (message_id, item_id, sender, address, subject, category, received,
                      held_at, release_at, reason, state, released_at, web_link)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_HELD_PUT_ENTRY = """
    INSERT INTO held (message_id, item_id, sender, address, subject, category, received,
                      held_at, release_at, reason, state, released_at, web_link, id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
        message_id = excluded.message_id,
        item_id = excluded.item_id, sender = excluded.sender, address = excluded.address,
        subject = excluded.subject, category = excluded.category,
        received = excluded.received, held_at = excluded.held_at,
        release_at = excluded.release_at, reason = excluded.reason, state = excluded.state,
        released_at = excluded.released_at, web_link = excluded.web_link
"""
_DECISION_PUT = """
    INSERT INTO decision (at, message_id, address, category, action, release_at, reason)
    VALUES (?, ?, ?, ?, ?, ?, ?)
"""
_DECISION_NEWEST = """
    SELECT at, message_id, address, category, action, release_at, reason
    FROM decision ORDER BY at DESC, id DESC LIMIT ?
"""
_CHECK_IN_PUT = """
    INSERT INTO check_in (scheduled_for, ran_at, kind, released, failed, note)
    VALUES (?, ?, ?, ?, ?, ?)
"""
_CHECK_IN_NEWEST = """
    SELECT scheduled_for, ran_at, kind, released, failed, note
    FROM check_in ORDER BY ran_at DESC, id DESC LIMIT ?
"""


class Store(HistoryTables):
    """Open with `Store.open(path)`; close with `close()` (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._lock = threading.RLock()
        self._depth = 0  # transaction nesting; only touched while holding the lock
        self._json_update: bool | None = None  # see _one_statement

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) and migrate the state database at `path`.

        ":memory:" gives a private in-memory store (for the what-if replay). Raises
        `StoreError` with a plain-language message for a file that is damaged, is not a
        FocusGuard state file, or was written by a newer FocusGuard; such files are left
        untouched."""
        if str(path) == MEMORY:
            conn = _connect(MEMORY, MEMORY)
            try:
                _configure(conn, None)
                _migrate(conn, None, 0)
            except BaseException:
                conn.close()
                raise
            return cls(conn, None)

        file = Path(path).expanduser().absolute()
        head = _files.sniff_header(file)
        if head is not None and head != _files.SQLITE_HEADER:
            raise StoreError(_not_sqlite_message(file))
        try:
            _files.make_private_dirs(file.parent)
            _files.make_private_file(file)
        except OSError as exc:
            raise StoreError(
                f"FocusGuard cannot create its state file {file} ({exc.strerror or exc}) — "
                "check that the folder exists, belongs to you and that the disk is not full."
            ) from exc

        conn = _connect(str(file), file)
        try:
            version = _inspect(conn, file)
            if 0 < version < LATEST_VERSION:
                target = _files.backup_path_for(file, version)
                try:
                    _files.backup(conn, target)
                except (OSError, sqlite3.Error) as exc:
                    raise StoreError(
                        f"FocusGuard could not back up {file} to {target.name} before "
                        f"upgrading it ({exc}) — free some disk space and start FocusGuard "
                        "again. The file has not been changed."
                    ) from exc
                log.info("backed up %s (schema %d) to %s", file, version, target)
            _configure(conn, file)
            _migrate(conn, file, version)
            _files.tighten_side_files(file)
        except BaseException:
            conn.close()
            raise
        return cls(conn, file)

    @property
    def path(self) -> Path | None:
        """The database file; None for an in-memory store."""
        return self._path

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        """Close the connection (idempotent). Later calls raise `StoreError`."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            try:
                if self._path is not None:
                    conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                log.debug("PRAGMA optimize failed on close", exc_info=True)
            finally:
                conn.close()
            if self._path is not None:
                _files.tighten_side_files(self._path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = MEMORY if self._path is None else str(self._path)
        return f"<Store {where}{' (closed)' if self._conn is None else ''}>"

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block: BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception.
        Nested blocks become savepoints: an inner failure that the caller catches undoes
        only the inner block. Other threads wait until the outermost block ends."""
        with self._lock:
            conn = self._require_open()
            if self._depth == 0:
                self._execute(conn, "BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield
                except BaseException:
                    self._depth = 0
                    _rollback(conn)
                    raise
                self._depth = 0
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    _rollback(conn)
                    raise self._translate(exc) from exc
            else:
                savepoint = f"fg_sp_{self._depth}"
                self._execute(conn, f"SAVEPOINT {savepoint}")
                self._depth += 1
                try:
                    yield
                except BaseException:
                    self._depth -= 1
                    self._execute(conn, f"ROLLBACK TO {savepoint}")
                    self._execute(conn, f"RELEASE {savepoint}")
                    raise
                self._depth -= 1
                self._execute(conn, f"RELEASE {savepoint}")

    # ------------------------------------------------------------------ held ledger

    def get_held(self, message_id: str) -> HeldRecord | None:
        """The entry for this Internet Message-ID: the one still held if there is one, else
        the newest. Several server items can carry one Message-ID (see `entries`)."""
        rows = self._query(_HELD_BY_MESSAGE, (message_id,))
        return _held(rows[0]) if rows else None

    def entries(self, message_id: str) -> list[HeldRecord]:
        """Every entry with this Internet Message-ID, oldest first."""
        return [_held(row) for row in self._query(_HELD_ENTRIES_BY_MESSAGE, (message_id,))]

    def get_entry(self, entry: int) -> HeldRecord | None:
        rows = self._query(_HELD_BY_ENTRY, (_entry(entry),))
        return _held(rows[0]) if rows else None

    def entry_for_item(self, item_id: str) -> HeldRecord | None:
        """The entry whose latest known server id is `item_id` (the held one first)."""
        rows = self._query(_HELD_BY_ITEM, (item_id,))
        return _held(rows[0]) if rows else None

    def put_held(self, rec: HeldRecord) -> int:
        """Insert `rec` as a new entry (`rec.entry` None) or replace every field of entry
        `rec.entry`. Returns the entry."""
        if not isinstance(rec, HeldRecord):
            raise TypeError(f"put_held needs a HeldRecord, got {type(rec).__name__}")
        params = (
            rec.message_id,
            rec.item_id,
            rec.sender,
            rec.address,
            rec.subject,
            rec.category,
            to_db(rec.received, "received"),
            to_db(rec.held_at, "held_at"),
            to_db_opt(rec.release_at, "release_at"),
            rec.reason,
            rec.state.value,
            to_db_opt(rec.released_at, "released_at"),
            rec.web_link,
        )
        with self._locked() as conn:
            if rec.entry is None:
                cur = conn.execute(_HELD_INSERT, params)
                assert cur.lastrowid is not None
                return int(cur.lastrowid)
            conn.execute(_HELD_PUT_ENTRY, (*params, rec.entry))
            return rec.entry

    def update_item_id(self, entry: int, item_id: str | None) -> None:
        """Remember the latest server item id of `entry` (EWS ids change on every move).
        Unknown entries are ignored."""
        self._write("UPDATE held SET item_id = ? WHERE id = ?", (item_id, _entry(entry)))

    def set_release_at(self, entry: int, release_at: datetime | None, reason: str) -> None:
        """Change when (and why) an entry is due. Unknown entries are ignored."""
        self._write(
            "UPDATE held SET release_at = ?, reason = ? WHERE id = ?",
            (to_db_opt(release_at, "release_at"), reason, _entry(entry)),
        )

    def mark_released(
        self, entries: Iterable[int], at: datetime, state: HeldState = HeldState.RELEASED
    ) -> int:
        """Entries that left the held folder at `at`: `state` RELEASED, or HANDLED when the
        user's "mark handled" released them. Only entries still 'held' change; returns how
        many did, so calling it again with the same entries changes nothing and returns 0."""
        if state is HeldState.HELD:
            raise ValueError("mark_released moves entries out of the 'held' state")
        if isinstance(entries, str):
            raise TypeError("entries must be a collection of entry numbers, not one string")
        stamp = to_db(at, "at")
        params = [(state.value, stamp, _entry(e), HeldState.HELD.value) for e in entries]
        if not params:
            return 0
        with self.transaction(), self._locked() as conn:
            cur = conn.executemany(
                "UPDATE held SET state = ?, released_at = ? WHERE id = ? AND state = ?",
                params,
            )
            return int(cur.rowcount)

    def mark_handled(self, entries: Iterable[int]) -> int:
        """Released entries the user has dealt with: 'released' becomes 'handled' (when they
        left stays). Held entries are not touched: mail in the held folder is never marked
        handled, the engine releases it first (`mark_released(..., HeldState.HANDLED)`)."""
        if isinstance(entries, str):
            raise TypeError("entries must be a collection of entry numbers, not one string")
        params = [(HeldState.HANDLED.value, _entry(e), HeldState.RELEASED.value) for e in entries]
        if not params:
            return 0
        with self.transaction(), self._locked() as conn:
            cur = conn.executemany("UPDATE held SET state = ? WHERE id = ? AND state = ?", params)
            return int(cur.rowcount)

    def held(self, state: HeldState | None = HeldState.HELD) -> list[HeldRecord]:
        """Records in `state` (every record when None), oldest received first."""
        if state is None:
            rows = self._query(_HELD_ALL, ())
        else:
            rows = self._query(_HELD_IN_STATE, (HeldState(state).value,))
        return [_held(row) for row in rows]

    # The queries below answer the engine's questions about held mail without a record per
    # held entry (issue 15: status, next timer and "what is due" at 100,000 held).

    def held_keys(self) -> list[HeldKey]:
        """Every held entry's id, latest server id, Message-ID and receipt time (matching the
        ledger to the held folder, core.held_matching)."""
        return [HeldKey(int(r[0]), r[1], r[2], from_db(r[3])) for r in self._query(_HELD_KEYS, ())]

    def held_counts(self) -> HeldCounts:
        """How many entries are held, and how many of them are customers' (one index scan)."""
        held, customers = self._query(_HELD_COUNTS, ())[0]
        return HeldCounts(int(held), int(customers))

    def due(self, now: datetime) -> list[HeldRecord]:
        """Held entries whose stored release time is `now` or earlier, or that have none;
        oldest received first. Two index searches: the cost is in what is due, not in n."""
        rows = self._query(_HELD_DUE, (to_db(now, "now"),))
        recs = [_held(row) for row in rows]
        recs.sort(key=lambda r: (r.received, r.message_id, r.entry or 0))
        return recs

    def earliest_release(self, since: datetime | None = None) -> datetime | None:
        """The earliest stored release time of a held entry (at or after `since` when given);
        entries without one are not counted (see `any_undated`)."""
        if since is None:
            rows = self._query(_HELD_EARLIEST, ())
        else:
            rows = self._query(_HELD_EARLIEST_SINCE, (to_db(since, "since"),))
        return from_db_opt(rows[0][0])

    def any_undated(self) -> bool:
        """Whether a held entry has no release time (it is due at once)."""
        return bool(self._query(_HELD_UNDATED, ()))

    def release_inputs(self) -> list[tuple[int, str, datetime, datetime | None]]:
        """(entry, category, received, stored release time) of every held entry: what the
        engine needs to recompute release times after the policy changed."""
        return [
            (int(r[0]), r[1], from_db(r[2]), from_db_opt(r[3]))
            for r in self._query(_HELD_RELEASE_INPUTS, ())
        ]

    def set_release_times(self, changes: Iterable[tuple[int, datetime | None, str]]) -> int:
        """New release times and reasons (entry, release_at, reason; an empty reason keeps
        the stored one) for held entries, in one transaction; entries that left the held
        folder are not touched. Returns how many changed."""
        params = [(to_db_opt(at, "release_at"), reason, _entry(e)) for e, at, reason in changes]
        if not params:
            return 0
        with self.transaction(), self._locked() as conn:
            return int(conn.executemany(_HELD_SET_RELEASE_AT, params).rowcount)

    def update_item_ids(self, changes: Iterable[tuple[int, str]]) -> None:
        """`update_item_id` for many entries (entry, item_id), in one transaction."""
        params = [(item_id, _entry(e)) for e, item_id in changes]
        if params:
            with self.transaction(), self._locked() as conn:
                conn.executemany(_HELD_SET_ITEM_ID, params)

    def mark_moved_out(
        self, moves: Iterable[tuple[int, str]], at: datetime, state: HeldState = HeldState.RELEASED
    ) -> int:
        """Entries FocusGuard moved out of the held folder at `at`, with the server id each
        got there (entry, new item id): `mark_released` and `update_item_id` in one
        statement per batch. Only entries still 'held' change; returns how many did."""
        if state is HeldState.HELD:
            raise ValueError("mark_moved_out moves entries out of the 'held' state")
        stamp = to_db(at, "at")
        pairs = [(_entry(e), _text(item_id, "item_id")) for e, item_id in moves]
        if not pairs:
            return 0
        with self.transaction(), self._locked() as conn:
            if self._one_statement(conn):
                moved = json.dumps(pairs)
                return int(conn.execute(_HELD_MOVED_OUT, (state.value, stamp, moved)).rowcount)
            rows = [(state.value, stamp, item_id, e) for e, item_id in pairs]
            return int(conn.executemany(_HELD_MOVED_OUT_ROW, rows).rowcount)

    def _one_statement(self, conn: sqlite3.Connection) -> bool:
        """Whether this SQLite runs `_HELD_MOVED_OUT` (UPDATE ... FROM json_each)."""
        if self._json_update is None:
            ok = sqlite3.sqlite_version_info >= (3, 33, 0)
            if ok:
                try:
                    conn.execute(_JSON_PROBE).fetchone()
                except sqlite3.OperationalError:
                    ok = False
            self._json_update = ok
        return self._json_update

    def released_since(self, since: datetime) -> list[HeldRecord]:
        """Records released or handled at or after `since`, in the order they left."""
        rows = self._query(_HELD_RELEASED_SINCE, (to_db(since, "since"),))
        return [_held(row) for row in rows]

    def count_held(self) -> int:
        rows = self._query("SELECT count(*) FROM held WHERE state = ?", (HeldState.HELD.value,))
        return int(rows[0][0])

    def count_held_received_by(self, category: str, until: datetime) -> int:
        """Held entries of `category` received at or before `until` (the promise's at-risk
        and overdue counts); a range on the (state, received) index."""
        rows = self._query(
            "SELECT count(*) FROM held WHERE state = ? AND received <= ? AND category = ?",
            (HeldState.HELD.value, to_db(until, "until"), category),
        )
        return int(rows[0][0])

    # ------------------------------------------------------------------ decision log

    def log_decision(self, rec: DecisionRecord) -> None:
        if not isinstance(rec, DecisionRecord):
            raise TypeError(f"log_decision needs a DecisionRecord, got {type(rec).__name__}")
        self._write(
            _DECISION_PUT,
            (
                to_db(rec.at, "at"),
                rec.message_id,
                rec.address,
                rec.category,
                rec.action,
                to_db_opt(rec.release_at, "release_at"),
                rec.reason,
            ),
        )

    def decisions(self, limit: int = 100) -> list[DecisionRecord]:
        """The newest `limit` decisions, newest first."""
        rows = self._query(
            _DECISION_NEWEST,
            (_limit(limit),),
        )
        return [
            DecisionRecord(
                at=from_db(r[0]),
                message_id=r[1],
                address=r[2],
                category=r[3],
                action=r[4],
                release_at=from_db_opt(r[5]),
                reason=r[6],
            )
            for r in rows
        ]

    def decided(self, message_id: str) -> bool:
        """Whether a decision on this message is in the log."""
        return bool(
            self._query("SELECT 1 FROM decision WHERE message_id = ? LIMIT 1", (message_id,))
        )

    def last_decided(self, message_id: str) -> datetime | None:
        """When the latest decision on this message was logged; None when none is."""
        rows = self._query("SELECT max(at) FROM decision WHERE message_id = ?", (message_id,))
        return from_db_opt(rows[0][0])

    def prune_decisions(self, before: datetime) -> int:
        """Delete decisions logged before `before`; returns how many went."""
        return self._forgotten(
            self._write("DELETE FROM decision WHERE at < ?", (to_db(before, "before"),))
        )

    # ------------------------------------------------------------------ auto-reply ledger

    def last_autoreply(self, address: str) -> datetime | None:
        rows = self._query(
            "SELECT sent_at FROM autoreply WHERE address = ?", (_address_key(address),)
        )
        return from_db(rows[0][0]) if rows else None

    def autoreply_promises(self, addresses: Iterable[str]) -> dict[str, AutoreplyPromise]:
        """What the last auto-reply to each address said: when it went and the release
        time it named (the hold decision of the message it answered), by address key. One
        primary-key lookup per address: a digest names a few hundred at most."""
        out: dict[str, AutoreplyPromise] = {}
        for key in sorted({_address_key(a) for a in addresses}):
            rows = self._query(_AUTOREPLY_PROMISE, (key,))
            if rows:
                out[key] = AutoreplyPromise(from_db(rows[0][0]), from_db_opt(rows[0][1]))
        return out

    def record_autoreply(self, address: str, at: datetime, message_id: str) -> None:
        """Remember that `address` got an auto-reply at `at` (answering `message_id`). An
        older `at` than the one on record does not move the ledger back."""
        self._write(
            "INSERT INTO autoreply (address, sent_at, message_id) VALUES (?, ?, ?) "
            "ON CONFLICT (address) DO UPDATE SET "
            "sent_at = excluded.sent_at, message_id = excluded.message_id "
            "WHERE excluded.sent_at >= autoreply.sent_at",
            (_address_key(address), to_db(at, "at"), message_id),
        )

    def prune_autoreplies(self, before: datetime) -> int:
        """Forget who got an auto-reply before `before`; returns how many addresses went."""
        return self._forgotten(
            self._write("DELETE FROM autoreply WHERE sent_at < ?", (to_db(before, "before"),))
        )

    # ------------------------------------------------------------------ retention

    def prune_released(self, before: datetime) -> int:
        """Forget messages that left the held folder (released or handled) before `before`,
        sender, subject and link included; returns how many went. Held mail is never
        forgotten. (A record without a release time counts from when it was held.)"""
        return self._forgotten(
            self._write(
                "DELETE FROM held WHERE state IN ('released', 'handled') "
                "AND COALESCE(released_at, held_at) < ?",
                (to_db(before, "before"),),
            )
        )

    def _forgotten(self, count: int) -> int:
        """After a delete: `secure_delete` has zeroed the freed pages in the database, but
        their old images stay in the write-ahead log until it is checkpointed and
        truncated. Outside a transaction only (a checkpoint cannot run inside one)."""
        if count and self._path is not None and self._depth == 0:
            with self._locked() as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    # ------------------------------------------------------------------ check-ins

    def record_check_in(self, rec: CheckInRecord) -> None:
        if not isinstance(rec, CheckInRecord):
            raise TypeError(f"record_check_in needs a CheckInRecord, got {type(rec).__name__}")
        self._write(
            _CHECK_IN_PUT,
            (
                to_db_opt(rec.scheduled_for, "scheduled_for"),
                to_db(rec.ran_at, "ran_at"),
                rec.kind,
                rec.released,
                rec.failed,
                rec.note,
            ),
        )

    def check_ins(self, limit: int = 50) -> list[CheckInRecord]:
        """The newest `limit` outcomes, newest first."""
        rows = self._query(
            _CHECK_IN_NEWEST,
            (_limit(limit),),
        )
        return [
            CheckInRecord(
                scheduled_for=from_db_opt(r[0]),
                ran_at=from_db(r[1]),
                kind=r[2],
                released=int(r[3]),
                failed=int(r[4]),
                note=r[5],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ runtime facts

    def get_fact(self, key: str) -> str | None:
        """The JSON text stored under `key`, or None."""
        rows = self._query("SELECT value FROM fact WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_fact(self, key: str, value: str) -> None:
        """Store JSON text under `key` (ValueError if `value` is not valid JSON)."""
        if not isinstance(key, str) or not key:
            raise ValueError(f"fact key must be a non-empty string, got {key!r}")
        if not isinstance(value, str):
            raise ValueError(f"fact value must be JSON text, got {type(value).__name__}")
        try:
            json.loads(value)
        except ValueError as exc:
            raise ValueError(f"fact {key!r} must be JSON text: {exc}") from exc
        self._write(
            "INSERT INTO fact (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def delete_fact(self, key: str) -> None:
        self._write("DELETE FROM fact WHERE key = ?", (key,))

    def get_json(self, key: str, default: Any = None) -> Any:
        """`get_fact` decoded from JSON; `default` when the key is missing."""
        text = self.get_fact(key)
        return default if text is None else json.loads(text)

    def set_json(self, key: str, value: Any) -> None:
        """`set_fact` with `value` encoded as JSON (TypeError for what JSON cannot hold)."""
        self.set_fact(key, json.dumps(value, sort_keys=True, allow_nan=False))

    # ------------------------------------------------------------------ internals

    def _write(self, sql: str, params: Sequence[object]) -> int:
        with self._locked() as conn:
            return int(conn.execute(sql, params).rowcount)

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        with self._locked() as conn:
            return conn.execute(sql, params).fetchall()

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._require_open()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise self._translate(exc) from exc

    def _require_open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("The state store is closed.", title="FocusGuard internal error")
        return self._conn

    def _execute(self, conn: sqlite3.Connection, sql: str) -> None:
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        return _translate(exc, self._path)


# ---------------------------------------------------------------------- open helpers


def _connect(target: str, file: Path | str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            target,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # autocommit; transactions are explicit (transaction())
            check_same_thread=False,  # shared across threads under Store._lock
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlite3.Error as exc:
        raise _translate(exc, file if isinstance(file, Path) else None) from exc
    return conn


def _inspect(conn: sqlite3.Connection, file: Path) -> int:
    """Read-only checks before anything is written: the schema version, that the file is
    sound, and that it is ours. Returns the schema version."""
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = int(
            conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        )
        verdict = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise _translate(exc, file) from exc
    if verdict != ["ok"]:
        raise StoreError(_damaged_message(file, "; ".join(verdict[:3])))
    if version > LATEST_VERSION:
        raise StoreError(
            f"{file.name} was written by a newer FocusGuard (schema {version}; this version "
            f"knows {LATEST_VERSION}) — upgrade FocusGuard or move the file away ({file}).",
            title="FocusGuard is older than its state file",
        )
    if version == 0 and tables:
        raise StoreError(
            f"{file} is an SQLite database, but not FocusGuard's state file. FocusGuard has "
            "not changed it — move it away, or point FocusGuard at another file.",
        )
    return version


def _configure(conn: sqlite3.Connection, file: Path | None) -> None:
    try:
        if file is not None:
            mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            if mode != "wal":
                log.warning("%s: WAL journal mode unavailable, using %s", file, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows (pruned mail text, issue 9 §3) are overwritten with zeros, not left
        # readable in free pages: https://www.sqlite.org/pragma.html#pragma_secure_delete
        conn.execute("PRAGMA secure_delete = ON")
    except sqlite3.Error as exc:
        raise _translate(exc, file) from exc


def _migrate(conn: sqlite3.Connection, file: Path | None, version: int) -> None:
    """Run each missing migration in its own transaction, with its version bump."""
    for target in range(version + 1, LATEST_VERSION + 1):
        script = MIGRATIONS[target - 1]
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            _rollback(conn)
            where = MEMORY if file is None else str(file)
            raise StoreError(
                f"FocusGuard could not upgrade its state file {where} to schema {target} "
                f"({exc}). The file is unchanged at schema {target - 1}; the backup made "
                "before the upgrade sits next to it.",
            ) from exc


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.warning("ROLLBACK failed", exc_info=True)


def _translate(exc: sqlite3.Error, file: Path | None) -> StoreError:
    name = getattr(exc, "sqlite_errorname", "")
    where = MEMORY if file is None else str(file)
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or (
        isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc)
    ):
        return StoreError(_damaged_message(file, str(exc)) if file else f"{where}: {exc}")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(
            f"Another program is keeping FocusGuard's state file {where} busy — close any "
            "other copy of FocusGuard and try again.",
            title="FocusGuard's state file is busy",
        )
    if name.startswith("SQLITE_FULL"):
        return StoreError(
            f"The disk holding {where} is full — free some space and try again.",
            title="The disk is full",
        )
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY", "SQLITE_AUTH")):
        return StoreError(
            f"FocusGuard cannot open or write its state file {where} ({exc}) — check that the "
            "file and its folder belong to you and are writable.",
        )
    if name.startswith("SQLITE_IOERR"):
        return StoreError(
            f"The disk reported an error while FocusGuard used {where} ({exc}) — check the "
            "disk and try again.",
        )
    return StoreError(f"FocusGuard's state file {where} reported an error: {exc}")


def _not_sqlite_message(file: Path) -> str:
    return (
        f"{file} is not a FocusGuard state file (it is not an SQLite database). FocusGuard "
        "has not changed it — move it away (or restore a backup such as "
        f"{file.name}.v1.bak) and start FocusGuard again to get a fresh one."
    )


def _damaged_message(file: Path | None, detail: str) -> str:
    return (
        f"FocusGuard's state file {file} is damaged ({detail}). FocusGuard has not changed "
        f"it — move it away (or restore a backup such as {file.name if file else ''}.v1.bak) "
        "and start FocusGuard again to get a fresh one."
    )


_STATES = {s.value: s for s in HeldState}


def _held(row: Sequence[Any]) -> HeldRecord:
    # Positional, in the column order of the SELECTs above: the digest builds one of these
    # per held or released message (100,000 of them in issue 15's scale figures).
    (entry, message_id, item_id, sender, address, subject, category, received, held_at) = row[:9]
    release_at, reason, state, released_at, web_link = row[9:]
    return HeldRecord(
        message_id,
        item_id,
        sender,
        address,
        subject,
        category,
        from_db(received),
        from_db(held_at),
        None if release_at is None else from_db(release_at),
        reason,
        _STATES.get(state) or HeldState(state),
        None if released_at is None else from_db(released_at),
        web_link,
        int(entry),
    )


def _entry(entry: object) -> int:
    if isinstance(entry, bool) or not isinstance(entry, int):
        raise TypeError(f"a ledger entry is an int, got {type(entry).__name__}")
    return entry


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {type(value).__name__}")
    return value


def _address_key(address: str) -> str:
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"address must be a non-empty string, got {address!r}")
    return address.strip().lower()


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be an int >= 0, got {limit!r}")
    return limit
