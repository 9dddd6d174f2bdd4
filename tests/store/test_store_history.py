"""The insights tables (store/history.py, migration 5): history rows, the read state, the
focus ledger, and the windowed queries of the decision log and the check-in records."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from focusguard.core.history_records import ReadState, Segment
from focusguard.core.ports import HistoryFolder
from focusguard.domain.history import Direction, HistoryEntry
from focusguard.domain.schedule import Interval
from focusguard.store import CheckInRecord, DecisionRecord, Store

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)
H = timedelta(hours=1)


def entry(key: str, at: datetime, **kw: object) -> HistoryEntry:
    fields: dict[str, object] = {
        "key": key,
        "direction": Direction.RECEIVED,
        "at": at,
        "sender": "ann@client.example",
        "recipients": ("me@corp.example", "bob@corp.example"),
        "message": "tok-m",
        "parents": ("tok-a", "tok-b"),
        "conversation": "tok-c",
    }
    fields.update(kw)
    return HistoryEntry(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "state.sqlite3")
    yield s
    s.close()


def test_entries_round_trip_and_are_upserted_by_key(store: Store) -> None:
    a = entry("a", T0, held=True, automatic=True, no_autoreply=True)
    b = entry("b", T0 + H, direction=Direction.SENT, sender=None, own_autoreply=True)
    store.save_history(ReadState(HistoryFolder.INBOX, T0, T0 + 2 * H), [a, b])
    assert store.history(T0, T0 + 2 * H) == [a, b]
    # Read again from the Inbox after its release: still one entry, still known as held.
    store.save_history(ReadState(HistoryFolder.INBOX, T0, T0 + 2 * H), [entry("a", T0)])
    [again, _] = store.history(T0, T0 + 2 * H)
    assert again.held is True
    assert store.count_history() == 2
    assert store.history(T0 + H, T0 + 2 * H) == [b]


def test_read_state_round_trips(store: Store) -> None:
    assert store.history_state(HistoryFolder.SENT) == ReadState(HistoryFolder.SENT)
    state = ReadState(
        HistoryFolder.SENT, T0, T0 + H, Segment(T0 + H, T0 + 3 * H, T0 + 2 * H, frozenset({"x"}))
    )
    store.save_history(state, [])
    assert store.history_state(HistoryFolder.SENT) == state


def test_pruning_forgets_rows_and_what_was_read(store: Store) -> None:
    store.save_history(
        ReadState(
            HistoryFolder.INBOX, T0, T0 + 10 * H, Segment(T0 + 10 * H, T0 + 20 * H, T0 + 12 * H)
        ),
        [entry("old", T0), entry("new", T0 + 6 * H)],
    )
    store.save_history(ReadState(HistoryFolder.SENT, T0, T0 + 2 * H), [])
    assert store.prune_history(T0 + 5 * H) == 1
    assert [e.key for e in store.history(T0 - H, T0 + 30 * H)] == ["new"]
    inbox = store.history_state(HistoryFolder.INBOX)
    assert (inbox.lo, inbox.hi) == (T0 + 5 * H, T0 + 10 * H)
    assert inbox.segment is not None and inbox.segment.start == T0 + 10 * H
    # A range wholly before the cut is forgotten altogether.
    assert store.history_state(HistoryFolder.SENT) == ReadState(HistoryFolder.SENT)


def test_pruned_rows_are_not_left_readable_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with Store.open(path) as s:
        s.save_history(
            ReadState(HistoryFolder.INBOX), [entry("a", T0, sender="secret.person@x.example")]
        )
        s.prune_history(T0 + H)
    data = path.read_bytes() + (
        path.with_name(path.name + "-wal").read_bytes()
        if path.with_name(path.name + "-wal").exists()
        else b""
    )
    assert b"secret.person" not in data


def test_history_holds_no_subject_or_readable_id_column(store: Store) -> None:
    conn = sqlite3.connect(store.path)  # type: ignore[arg-type]
    columns = {r[1] for r in conn.execute("PRAGMA table_info(history)")}
    conn.close()
    assert columns == {
        "key", "direction", "at", "sender", "recipients", "message", "parents",
        "conversation", "automatic", "no_autoreply", "own_autoreply", "held",
    }  # fmt: skip


def test_focus_ledger_replaces_joins_and_clips(store: Store) -> None:
    assert store.focus_recorded_until() is None
    store.record_focus(T0, T0 + H, [Interval(T0 + H / 2, T0 + 2 * H)])  # clipped to the stretch
    assert store.focus_spans(T0, T0 + 5 * H) == [Interval(T0 + H / 2, T0 + H)]
    assert store.focus_recorded_until() == T0 + H
    # The next stretch continues it: one span, not two.
    store.record_focus(T0 + H, T0 + 2 * H, [Interval(T0 + H, T0 + 90 * timedelta(minutes=1))])
    assert store.focus_spans(T0, T0 + 5 * H) == [
        Interval(T0 + H / 2, T0 + 90 * timedelta(minutes=1))
    ]
    # Rewriting a stretch replaces what the ledger said about it (focus ended early).
    store.record_focus(T0 + H, T0 + 2 * H, [])
    assert store.focus_spans(T0, T0 + 5 * H) == [Interval(T0 + H / 2, T0 + H)]
    assert store.focus_spans(T0 + 45 * timedelta(minutes=1), T0 + 5 * H) == [
        Interval(T0 + 45 * timedelta(minutes=1), T0 + H)
    ]
    assert store.prune_focus(T0 + 2 * H) == 1
    assert store.focus_spans(T0, T0 + 5 * H) == []
    with pytest.raises(ValueError):
        store.record_focus(T0 + H, T0, [])


def test_windowed_decisions_and_check_ins(store: Store) -> None:
    for n in range(3):
        store.log_decision(
            DecisionRecord(T0 + n * H, f"<m{n}@x>", None, "customer", "hold", None, "held")
        )
        store.record_check_in(CheckInRecord(None, T0 + n * H, "check-in", n, 0))
    assert [d.message_id for d in store.decisions_between(T0 + H, T0 + 3 * H)] == [
        "<m1@x>",
        "<m2@x>",
    ]
    assert [c.released for c in store.check_ins_between(T0, T0 + 2 * H)] == [0, 1]
    assert store.first_release() == T0 + H  # the first run that released something
