"""The held ledger's questions answered by SQL and indexes (issue 15): what is due, when next,
how many are held, and the batch updates of a release. Each of them must search an index,
never scan the table, even once ANALYZE has statistics for 100,000 held entries."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from focusguard.store import HeldRecord, HeldState, Store
from focusguard.store import store as store_sql
from focusguard.store.records import HeldCounts, HeldKey
from tests.store.conftest import T0

MakeHeld = Callable[..., HeldRecord]
H = timedelta(hours=1)


def test_due_is_what_has_no_release_time_or_one_that_has_come(
    store: Store, make_held: MakeHeld
) -> None:
    late = store.put_held(make_held(1, received=T0 + 3 * H, release_at=T0 + 5 * H))
    undated = store.put_held(make_held(2, received=T0 + 2 * H, release_at=None))
    on_time = store.put_held(make_held(3, received=T0 + H, release_at=T0 + 4 * H))
    future = store.put_held(make_held(4, release_at=T0 + 9 * H))
    gone = store.put_held(make_held(5, release_at=T0))
    store.mark_released([gone], T0)

    assert [r.entry for r in store.due(T0 + 5 * H)] == [on_time, undated, late]  # by received
    assert [r.entry for r in store.due(T0 + 4 * H)] == [on_time, undated]  # at it counts
    assert [r.entry for r in store.due(T0)] == [undated]
    assert future not in {r.entry for r in store.due(T0 + 8 * H)}
    assert store.due(T0)[0] == store.get_entry(undated)  # whole records


def test_earliest_release_and_undated(store: Store, make_held: MakeHeld) -> None:
    assert store.earliest_release() is None and not store.any_undated()
    a = store.put_held(make_held(1, release_at=T0 + 3 * H))
    store.put_held(make_held(2, release_at=T0 + 5 * H))
    assert store.earliest_release() == T0 + 3 * H
    assert store.earliest_release(since=T0 + 4 * H) == T0 + 5 * H
    assert store.earliest_release(since=T0 + 5 * H) == T0 + 5 * H
    assert store.earliest_release(since=T0 + 6 * H) is None
    b = store.put_held(make_held(3, release_at=None))
    assert store.any_undated() and store.earliest_release() == T0 + 3 * H
    store.mark_released([a, b], T0)
    assert not store.any_undated() and store.earliest_release() == T0 + 5 * H


def test_held_counts(store: Store, make_held: MakeHeld) -> None:
    assert store.held_counts() == HeldCounts(0, 0)
    entries = [store.put_held(make_held(n)) for n in range(3)]
    store.put_held(make_held(3, category="internal"))
    store.put_held(make_held(4, category="other"))
    assert store.held_counts() == HeldCounts(5, 3)
    store.mark_released(entries[:1], T0)
    assert store.held_counts() == HeldCounts(4, 2)


def test_held_keys_are_the_held_entries_matching_reads(store: Store, make_held: MakeHeld) -> None:
    a = store.put_held(make_held(1))
    b = store.put_held(make_held(2, item_id=None))
    store.mark_released([store.put_held(make_held(3))], T0)
    keys = sorted(store.held_keys(), key=lambda k: k.entry)
    assert keys == [
        HeldKey(a, "AAMk1=", "<m1@customer.example>", T0 + timedelta(minutes=1)),
        HeldKey(b, None, "<m2@customer.example>", T0 + timedelta(minutes=2)),
    ]


def test_release_inputs_and_set_release_times(store: Store, make_held: MakeHeld) -> None:
    a = store.put_held(make_held(1))
    b = store.put_held(make_held(2, category="internal", release_at=None))
    c = store.put_held(make_held(3))
    store.mark_released([c], T0)
    inputs = sorted(store.release_inputs())
    assert inputs == [
        (a, "customer", T0 + timedelta(minutes=1), T0 + 5 * H),
        (b, "internal", T0 + timedelta(minutes=2), None),
    ]
    # Entries that left the held folder keep the release time they left with.
    assert store.set_release_times([(a, None, ""), (b, T0 + 2 * H, ""), (c, T0 + 7 * H, "")]) == 2
    assert store.set_release_times([]) == 0
    got = {e: store.get_entry(e) for e in (a, b, c)}
    assert [None if r is None else r.release_at for r in got.values()] == [
        None,
        T0 + 2 * H,
        T0 + 5 * H,
    ]


def test_mark_moved_out_sets_state_time_and_new_id_at_once(
    store: Store, make_held: MakeHeld
) -> None:
    entries = [store.put_held(make_held(n)) for n in range(3)]
    at = T0 + 5 * H
    moves = [(entries[0], "AAMk-in-0="), (entries[1], "AAMk-in-1=")]
    assert store.mark_moved_out(moves, at) == 2
    assert store.mark_moved_out(moves, at + H) == 0  # only held entries change
    assert store.mark_moved_out([(entries[2], "AAMk-in-2=")], at, HeldState.HANDLED) == 1
    assert store.mark_moved_out([], at) == 0
    got = [store.get_entry(e) for e in entries]
    assert [(r.state, r.released_at, r.item_id) for r in got if r is not None] == [
        (HeldState.RELEASED, at, "AAMk-in-0="),
        (HeldState.RELEASED, at, "AAMk-in-1="),
        (HeldState.HANDLED, at, "AAMk-in-2="),
    ]
    with pytest.raises(ValueError, match="out of the 'held' state"):
        store.mark_moved_out(moves, at, HeldState.HELD)
    with pytest.raises(TypeError):
        store.mark_moved_out([("1", "x")], at)  # type: ignore[list-item]


def test_mark_moved_out_row_by_row_where_sqlite_is_older(
    store: Store, make_held: MakeHeld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.33 has no UPDATE ... FROM: the same result, one row at a time."""
    monkeypatch.setattr(store, "_json_update", False)
    entries = [store.put_held(make_held(n)) for n in range(2)]
    assert store.mark_moved_out([(entries[0], "AAMk-in-0=")], T0) == 1
    assert store.mark_moved_out([(entries[0], "x"), (entries[1], "AAMk-in-1=")], T0) == 1
    got = [store.get_entry(e) for e in entries]
    assert [(r.state, r.item_id) for r in got if r is not None] == [
        (HeldState.RELEASED, "AAMk-in-0="),
        (HeldState.RELEASED, "AAMk-in-1="),
    ]


def test_update_item_ids(store: Store, make_held: MakeHeld) -> None:
    a = store.put_held(make_held(1))
    b = store.put_held(make_held(2))
    store.update_item_ids([(a, "AAMk-a="), (b, "AAMk-b="), (b + 10, "ignored")])
    store.update_item_ids([])
    assert [store.entry_for_item(i) is not None for i in ("AAMk-a=", "AAMk-b=")] == [True, True]


def _plan(conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> str:
    return " / ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_the_questions_search_indexes_even_with_statistics(
    db_path: Path, make_held: MakeHeld
) -> None:
    """With statistics that say every entry is held, SQLite would scan the table for
    `release_at IS NULL` (13 ms at 100,000): each query must still search an index."""
    with Store.open(db_path) as store, store.transaction():
        for n in range(2000):
            store.put_held(make_held(n, release_at=T0 + n * timedelta(seconds=1)))
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("ANALYZE")
        stamp = "2026-03-09T09:00:00.000000+00:00"
        release_index = "INDEX held_by_state_release_at (state=? AND release_at"
        for sql, params in (
            (store_sql._HELD_DUE, (stamp,)),
            (store_sql._HELD_EARLIEST, ()),
            (store_sql._HELD_EARLIEST_SINCE, (stamp,)),
            (store_sql._HELD_UNDATED, ()),
        ):
            plan = _plan(conn, sql, params)
            assert "SCAN" not in plan, plan
            assert plan.count("held_by_state_release_at") == plan.count("SEARCH"), plan
            if sql is not store_sql._HELD_EARLIEST:
                assert release_index in plan, plan
        counts = _plan(conn, store_sql._HELD_COUNTS, ())
        assert "COVERING INDEX held_by_state_category (state=?)" in counts, counts
        # A release's batch: each moved entry looked up by id, never every held entry
        # scanned once per moved one.
        moved = _plan(conn, store_sql._HELD_MOVED_OUT, ("released", stamp, "[]"))
        assert moved == "SCAN moved VIRTUAL TABLE INDEX 1: / " + (
            "SEARCH held USING INTEGER PRIMARY KEY (rowid=?)"
        ), moved
    finally:
        conn.close()
