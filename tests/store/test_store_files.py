"""The database file: WAL, private permissions, migrations with backups, and files the store
must refuse without touching."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from focusguard.store import HeldRecord, HeldState, Store, StoreError
from focusguard.store.migrations import LATEST_VERSION, MIGRATIONS
from tests.store.conftest import T0

MakeHeld = Callable[..., HeldRecord]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

# The version-1 schema exactly as it shipped, frozen here on purpose: the migration path is
# tested against what real v1 files contain, not against whatever migrations.py says today.
V1_SCHEMA = """
CREATE TABLE held (
    message_id  TEXT PRIMARY KEY NOT NULL,
    item_id     TEXT,
    sender      TEXT NOT NULL,
    address     TEXT,
    subject     TEXT NOT NULL,
    category    TEXT NOT NULL
                CHECK (category IN ('urgent', 'internal', 'customer', 'other')),
    received    TEXT NOT NULL,
    held_at     TEXT NOT NULL,
    release_at  TEXT,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'held'
                CHECK (state IN ('held', 'released', 'handled')),
    released_at TEXT
) WITHOUT ROWID;
CREATE INDEX held_by_state_received ON held (state, received);
CREATE TABLE decision (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, message_id TEXT NOT NULL, address TEXT,
    category TEXT NOT NULL CHECK (category IN ('urgent', 'internal', 'customer', 'other')),
    action TEXT NOT NULL CHECK (action IN ('deliver', 'hold')), release_at TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX decision_by_at ON decision (at);
CREATE TABLE autoreply (
    address TEXT PRIMARY KEY NOT NULL, sent_at TEXT NOT NULL, message_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE check_in (
    id INTEGER PRIMARY KEY, scheduled_for TEXT, ran_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    released INTEGER NOT NULL CHECK (released >= 0),
    failed INTEGER NOT NULL CHECK (failed >= 0),
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX check_in_by_ran_at ON check_in (ran_at);
CREATE TABLE fact (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 1;
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [*conn.iterdump(), str(conn.execute("PRAGMA user_version").fetchone()[0])]
    finally:
        conn.close()


def _make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    with conn:
        conn.execute(
            "INSERT INTO held VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "<old@customer.example>",
                "AAMk-old=",
                "Old Customer <old@customer.example>",
                "old@customer.example",
                "From the v1 days",
                "customer",
                "2026-01-05T08:00:00.000000+00:00",
                "2026-01-05T08:00:01.000000+00:00",
                "2026-01-05T13:30:00.000000+00:00",
                "held until the 13:30 check-in",
                "held",
                None,
            ),
        )
        conn.execute(
            "INSERT INTO fact VALUES ('focus', '{\"on\": true}')",
        )
        conn.execute(
            "INSERT INTO autoreply VALUES (?, ?, ?)",
            ("old@customer.example", "2026-01-05T08:00:02.000000+00:00", "<old@customer.example>"),
        )
    conn.close()


def test_migrations_are_numbered_from_one() -> None:
    assert len(MIGRATIONS) == LATEST_VERSION >= 2


def test_wal_and_pragmas(store: Store, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    finally:
        conn.close()
    # the store's own connection
    own = store._conn
    assert own is not None
    assert own.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert own.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert own.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


@posix_only
def test_files_are_private(tmp_path: Path, make_held: MakeHeld) -> None:
    old_umask = os.umask(0o022)  # a typical, permissive umask
    try:
        path = tmp_path / "new" / "deeper" / "state.sqlite3"
        s = Store.open(path)
        s.put_held(make_held(1))
        wal = path.with_name(path.name + "-wal")
        shm = path.with_name(path.name + "-shm")
        assert wal.exists() and shm.exists()
        for f in (path, wal, shm):
            assert _mode(f) == 0o600, f
        assert _mode(path.parent) == 0o700
        assert _mode(path.parent.parent) == 0o700
        s.close()
        assert _mode(path) == 0o600
    finally:
        os.umask(old_umask)


@posix_only
def test_existing_loose_file_is_tightened(db_path: Path) -> None:
    Store.open(db_path).close()
    os.chmod(db_path, 0o644)
    Store.open(db_path).close()
    assert _mode(db_path) == 0o600


def test_migrates_v1_with_backup_and_keeps_data(db_path: Path) -> None:
    _make_v1(db_path)
    before = _dump(db_path)

    s = Store.open(db_path)
    try:
        got = s.get_held("<old@customer.example>")
        assert got is not None
        assert got.subject == "From the v1 days"
        assert got.state is HeldState.HELD
        assert got.web_link is None
        assert got.release_at == T0.replace(month=1, day=5, hour=13, minute=30)
        assert s.get_fact("focus") == '{"on": true}'
        assert s.last_autoreply("old@customer.example") is not None
        # the new column works
        s.put_held(
            HeldRecord(**{**_fields(got), "web_link": "https://outlook.example/x"})  # type: ignore[arg-type]
        )
        again = s.get_held("<old@customer.example>")
        assert again is not None and again.web_link == "https://outlook.example/x"
    finally:
        s.close()

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"held_by_state_release_at", "held_by_released_at"} <= indexes
    finally:
        conn.close()

    bak = db_path.with_name("state.sqlite3.v1.bak")
    assert bak.exists()
    if os.name == "posix":
        assert _mode(bak) == 0o600
    assert _dump(bak) == before  # a faithful copy of the v1 file
    conn = sqlite3.connect(bak)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM held").fetchone()[0] == 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()

    # reopening at the latest version makes no further backup
    Store.open(db_path).close()
    assert sorted(p.name for p in db_path.parent.glob("*.bak")) == ["state.sqlite3.v1.bak"]


def test_existing_backup_is_never_overwritten(db_path: Path) -> None:
    _make_v1(db_path)
    old_bak = db_path.with_name("state.sqlite3.v1.bak")
    old_bak.write_bytes(b"an older backup the user kept")
    Store.open(db_path).close()
    assert old_bak.read_bytes() == b"an older backup the user kept"
    assert db_path.with_name("state.sqlite3.v1.1.bak").exists()


def _make_v3(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        for version, script in enumerate(MIGRATIONS[:3], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
        with conn:
            for n, state in enumerate(("held", "released", "handled", "held")):
                conn.execute(
                    "INSERT INTO held (message_id, item_id, sender, address, subject, category,"
                    " received, held_at, release_at, reason, state, released_at, web_link)"
                    " VALUES (?, ?, ?, ?, ?, 'customer', ?, ?, NULL, 'held', ?, ?, NULL)",
                    (
                        f"<v3-{n}@customer.example>",
                        f"AAMk-v3-{n}=",
                        f"C{n} <c{n}@customer.example>",
                        f"c{n}@customer.example",
                        f"From the v3 days {n}",
                        f"2026-01-05T08:0{n}:00.000000+00:00",
                        f"2026-01-05T08:0{n}:01.000000+00:00",
                        state,
                        None if state == "held" else "2026-01-05T13:30:00.000000+00:00",
                    ),
                )
    finally:
        conn.close()


def test_migrates_the_message_id_ledger_to_one_entry_per_item(db_path: Path) -> None:
    # v4 (issue 9): the ledger was keyed by Message-ID, so a second item with the same
    # Message-ID overwrote the first. Every row survives the move to entries, in order.
    _make_v3(db_path)
    with Store.open(db_path) as s:
        everything = s.held(None)
        assert [r.message_id for r in everything] == [
            f"<v3-{n}@customer.example>" for n in range(4)
        ]
        assert [r.state.value for r in everything] == ["held", "released", "handled", "held"]
        assert [r.item_id for r in everything] == [f"AAMk-v3-{n}=" for n in range(4)]
        assert len({r.entry for r in everything}) == 4
        assert s.count_held() == 2
        first = s.get_held("<v3-0@customer.example>")
        assert first is not None and first.entry is not None
        copy = s.put_held(HeldRecord(**{**_fields(first), "entry": None, "item_id": "AAMk-c="}))  # type: ignore[arg-type]
        assert copy != first.entry
        assert [r.item_id for r in s.entries("<v3-0@customer.example>")] == [
            "AAMk-v3-0=",
            "AAMk-c=",
        ]
    assert db_path.with_name("state.sqlite3.v3.bak").exists()
    conn = sqlite3.connect(db_path)
    try:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {
            "held_by_state_received",
            "held_by_state_release_at",
            "held_by_released_at",
            "held_by_message",
            "held_by_item",
        } <= indexes
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_fresh_database_makes_no_backup(db_path: Path) -> None:
    Store.open(db_path).close()
    assert list(db_path.parent.glob("*.bak")) == []


def test_empty_file_is_a_fresh_database(db_path: Path) -> None:
    db_path.touch()
    with Store.open(db_path) as s:
        assert s.count_held() == 0


def test_newer_schema_is_refused_untouched(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.executescript("CREATE TABLE future (x); PRAGMA user_version = 7;")
    conn.close()
    before = _digest(db_path)
    with pytest.raises(StoreError) as info:
        Store.open(db_path)
    msg = str(info.value)
    assert (
        f"state.sqlite3 was written by a newer FocusGuard (schema 7; this version knows "
        f"{LATEST_VERSION}) — upgrade FocusGuard or move the file away"
    ) in msg
    assert _digest(db_path) == before
    assert list(db_path.parent.glob("*.bak")) == []
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched
    finally:
        conn.close()


@pytest.mark.parametrize(
    "content",
    [
        b"this is my shopping list, not a database\n" * 50,
        b"SQLite format 2\x00" + b"\x00" * 2000,
        bytes(range(256)) * 16,
    ],
    ids=["text", "almost-header", "binary"],
)
def test_non_sqlite_file_is_refused_unmodified(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(StoreError) as info:
        Store.open(db_path)
    msg = str(info.value)
    assert str(db_path) in msg and "not" in msg and "move it away" in msg
    assert db_path.read_bytes() == content
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["state.sqlite3"]


def test_damaged_sqlite_file_is_refused_unmodified(db_path: Path, make_held: MakeHeld) -> None:
    with Store.open(db_path) as s:
        for n in range(200):
            s.put_held(make_held(n, subject="x" * 500))
    data = bytearray(db_path.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = b"\xa5" * 4096  # scribble over a page after the header
    db_path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        Store.open(db_path)
    assert str(db_path) in str(info.value) and "damaged" in str(info.value)
    assert db_path.read_bytes() == bytes(data)


def test_foreign_sqlite_database_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.executescript("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
    conn.close()
    before = _digest(db_path)
    with pytest.raises(StoreError, match="not FocusGuard's state file"):
        Store.open(db_path)
    assert _digest(db_path) == before


def test_directory_in_the_way_is_refused(db_path: Path) -> None:
    db_path.mkdir()
    with pytest.raises(StoreError, match="folder"):
        Store.open(db_path)


def test_store_error_has_title_and_message(db_path: Path) -> None:
    db_path.write_bytes(b"nope" * 100)
    with pytest.raises(StoreError) as info:
        Store.open(db_path)
    assert info.value.title and info.value.message == str(info.value)


def _fields(rec: HeldRecord) -> dict[str, object]:
    return {name: getattr(rec, name) for name in HeldRecord.__dataclass_fields__}


def test_reopen_keeps_everything(db_path: Path, make_held: MakeHeld) -> None:
    with Store.open(db_path) as s:
        entries = [s.put_held(make_held(n)) for n in range(5)]
        s.mark_released([entries[0]], T0 + timedelta(hours=1))
        s.set_fact("pause_until", '"2026-03-09T12:00:00+00:00"')
    with Store.open(db_path) as s:
        assert s.count_held() == 4
        assert s.get_held(make_held(0).message_id) == make_held(
            0, state=HeldState.RELEASED, released_at=T0 + timedelta(hours=1)
        )
        assert s.get_fact("pause_until") == '"2026-03-09T12:00:00+00:00"'


def test_failed_migration_leaves_the_file_at_the_old_version(
    db_path: Path, make_held: MakeHeld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from focusguard.store import store as store_module

    with Store.open(db_path) as s:
        s.put_held(make_held(1))
    broken = "CREATE TABLE extra (x); INSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(store_module, "LATEST_VERSION", LATEST_VERSION + 1)
    with pytest.raises(StoreError, match=f"unchanged at schema {LATEST_VERSION}"):
        Store.open(db_path)
    assert db_path.with_name(f"state.sqlite3.v{LATEST_VERSION}.bak").exists()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "extra" not in tables  # the half-run migration was rolled back
    finally:
        conn.close()
    monkeypatch.undo()
    with Store.open(db_path) as s:
        assert s.get_held(make_held(1).message_id) == make_held(1)
