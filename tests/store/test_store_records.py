"""Round trips for every record type, datetimes, and the held-ledger state machine."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focusguard.core import records as core_records
from focusguard.core.records import CHECK_IN_KINDS, StateStore
from focusguard.store import (
    CheckInRecord,
    DecisionRecord,
    HeldRecord,
    HeldState,
    Store,
    StoreError,
)
from tests.store.conftest import T0

MakeHeld = Callable[..., HeldRecord]
BERLIN = ZoneInfo("Europe/Berlin")


def _is_utc(value: datetime | None) -> bool:
    return value is None or (value.tzinfo is not None and value.utcoffset() == timedelta(0))


# ---------------------------------------------------------------- held ledger


def test_held_round_trip_every_field(store: Store, make_held: MakeHeld) -> None:
    rec = make_held(
        1,
        state=HeldState.RELEASED,
        released_at=T0 + timedelta(hours=5, seconds=3),
        web_link="https://outlook.office.com/owa/?ItemID=AAMk1%3D",
        subject="Ünïcödé — \"quotes\" 'and' <b>markup</b>\n",
    )
    store.put_held(rec)
    assert store.get_held(rec.message_id) == rec
    assert store.get_held("<nobody@nowhere>") is None


def test_held_round_trip_nullable_fields(store: Store, make_held: MakeHeld) -> None:
    rec = make_held(2, item_id=None, address=None, release_at=None, category="other")
    store.put_held(rec)
    got = store.get_held(rec.message_id)
    assert got == rec
    assert got is not None and got.web_link is None and got.released_at is None


def test_put_held_adds_an_entry_per_item_and_replaces_by_entry(
    store: Store, make_held: MakeHeld
) -> None:
    # Two server items with one Message-ID are two entries (issue 9: one never hides the other).
    first = store.put_held(make_held(1))
    copy = store.put_held(make_held(1, item_id="AAMk-copy="))
    assert first != copy and store.count_held() == 2
    assert [r.entry for r in store.entries(make_held(1).message_id)] == [first, copy]
    newer = make_held(1, item_id="AAMk-moved=", reason="focus block", release_at=None, entry=first)
    assert store.put_held(newer) == first
    assert store.get_entry(first) == newer
    assert store.count_held() == 2
    got = store.get_entry(copy)
    assert got is not None and got.item_id == "AAMk-copy=" and got.entry == copy


def test_lookup_by_message_id_prefers_the_held_entry(store: Store, make_held: MakeHeld) -> None:
    held = store.put_held(make_held(1))
    released = store.put_held(make_held(1, item_id="AAMk-2="))
    store.mark_released([released], T0)
    got = store.get_held(make_held(1).message_id)
    assert got is not None and got.entry == held
    store.mark_released([held], T0)
    got = store.get_held(make_held(1).message_id)
    assert got is not None and got.entry == released  # then the newest


def test_entry_for_item(store: Store, make_held: MakeHeld) -> None:
    entry = store.put_held(make_held(1))
    got = store.entry_for_item("AAMk1=")
    assert got is not None and got.entry == entry
    assert store.entry_for_item("AAMk-unknown=") is None


def test_update_item_id_and_release_at(store: Store, make_held: MakeHeld) -> None:
    entry = store.put_held(make_held(1))
    store.update_item_id(entry, "AAMk-new=")
    later = T0 + timedelta(days=1)
    store.set_release_at(entry, later, "rescheduled")
    got = store.get_entry(entry)
    assert got is not None
    assert (got.item_id, got.release_at, got.reason) == ("AAMk-new=", later, "rescheduled")
    store.set_release_at(entry, None, "no check-in scheduled")
    got = store.get_entry(entry)
    assert got is not None and got.release_at is None
    # unknown entries are ignored, not errors
    store.update_item_id(entry + 100, "id")
    store.set_release_at(entry + 100, later, "x")
    assert store.get_entry(entry + 100) is None


def test_mark_released_is_idempotent(store: Store, make_held: MakeHeld) -> None:
    entries = [store.put_held(make_held(n)) for n in range(3)]
    at = T0 + timedelta(hours=5)
    assert store.mark_released(entries[:2], at) == 2
    assert store.mark_released(entries[:2], at + timedelta(minutes=1)) == 0
    assert store.mark_released([*entries, entries[0], 999], at) == 1
    assert store.mark_released([], at) == 0
    assert store.count_held() == 0
    for entry in entries:
        got = store.get_entry(entry)
        assert got is not None
        assert got.state is HeldState.RELEASED and got.released_at == at  # first time wins


def test_mark_released_rejects_what_is_not_an_entry(store: Store, make_held: MakeHeld) -> None:
    store.put_held(make_held(1))
    with pytest.raises(TypeError):
        store.mark_released(make_held(1).message_id, T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.mark_released([make_held(1).message_id], T0)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="out of the 'held' state"):
        store.mark_released([1], T0, HeldState.HELD)


def test_mark_released_as_handled(store: Store, make_held: MakeHeld) -> None:
    entry = store.put_held(make_held(1))
    assert store.mark_released([entry], T0, HeldState.HANDLED) == 1
    got = store.get_entry(entry)
    assert got is not None and got.state is HeldState.HANDLED and got.released_at == T0


def test_mark_handled_only_from_released(store: Store, make_held: MakeHeld) -> None:
    # "Handled" never hides mail: an entry still held (its mail in the held folder) is not
    # marked handled by the store; the engine releases it first.
    one = store.put_held(make_held(1))
    two = store.put_held(make_held(2))
    store.mark_released([one], T0)
    assert store.mark_handled([one, two]) == 1
    assert store.mark_handled([one, two]) == 0
    got_one, got_two = store.get_entry(one), store.get_entry(two)
    assert got_one is not None and got_one.state is HeldState.HANDLED
    assert got_one.released_at == T0  # when it left the held folder
    assert got_two is not None and got_two.state is HeldState.HELD


def test_held_listing_by_state_ordered_by_received(store: Store, make_held: MakeHeld) -> None:
    entries = {n: store.put_held(make_held(n)) for n in (3, 1, 2, 0)}
    store.mark_released([entries[2]], T0 + timedelta(hours=1))
    store.mark_released([entries[0]], T0 + timedelta(hours=2), HeldState.HANDLED)
    assert [r.message_id for r in store.held()] == [make_held(n).message_id for n in (1, 3)]
    assert [r.message_id for r in store.held(HeldState.RELEASED)] == [make_held(2).message_id]
    assert [r.message_id for r in store.held(HeldState.HANDLED)] == [make_held(0).message_id]
    assert [r.message_id for r in store.held(None)] == [make_held(n).message_id for n in range(4)]
    assert store.count_held() == 2


def test_released_since(store: Store, make_held: MakeHeld) -> None:
    entries = [store.put_held(make_held(n)) for n in range(4)]
    t1 = T0 + timedelta(hours=1)
    t2 = T0 + timedelta(hours=2)
    store.mark_released([entries[0]], t1)
    store.mark_released([entries[1]], t2)
    store.mark_released([entries[2]], t2 + timedelta(seconds=1), HeldState.HANDLED)
    assert [r.message_id for r in store.released_since(t2)] == [
        make_held(1).message_id,
        make_held(2).message_id,
    ]
    assert len(store.released_since(t1)) == 3
    assert store.released_since(t2 + timedelta(hours=1)) == []
    # a non-UTC bound means the same instant
    assert len(store.released_since(t2.astimezone(BERLIN))) == 2


# ---------------------------------------------------------------- datetimes


def test_non_utc_input_comes_back_as_the_same_instant_in_utc(
    store: Store, make_held: MakeHeld
) -> None:
    local = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=-7, minutes=-30)))
    berlin = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)  # the repeated hour
    rec = make_held(1, received=local, held_at=berlin, release_at=berlin + timedelta(hours=1))
    store.put_held(rec)
    got = store.get_held(rec.message_id)
    assert got is not None
    for back, sent in ((got.received, local), (got.held_at, berlin)):
        # timestamps, not ==: PEP 495 makes inter-zone == False for times in a repeated hour
        assert back.timestamp() == sent.timestamp()
        assert _is_utc(back) and back.tzinfo is UTC
    assert got.received == local
    assert got.held_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    when=st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(9000, 1, 1),
        timezones=st.sampled_from([UTC, BERLIN, ZoneInfo("America/St_Johns")])
        | st.builds(
            timezone,
            st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)),
        ),
    )
)
def test_datetime_round_trip_property(when: datetime) -> None:
    with Store.open(":memory:") as s:
        s.log_decision(DecisionRecord(when, "<p@x>", None, "other", "deliver", when, "p"))
        (got,) = s.decisions()
    # same instant (compared in UTC: PEP 495 makes inter-zone == False inside a repeated hour)
    assert got.at == when.astimezone(UTC) and got.release_at == when.astimezone(UTC)
    assert got.at.tzinfo is UTC


def test_decision_text_order_is_time_order(store: Store) -> None:
    # stored text must sort as instants, whatever offset each came in with
    early = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))  # 17:00Z
    late = datetime(2026, 1, 1, 18, 0, tzinfo=timezone(timedelta(hours=2)))  # 16:00Z
    store.log_decision(DecisionRecord(early, "<a@x>", None, "other", "deliver", None, "a"))
    store.log_decision(DecisionRecord(late, "<b@x>", None, "other", "deliver", None, "b"))
    assert [d.message_id for d in store.decisions()] == ["<a@x>", "<b@x>"]


def test_naive_datetimes_are_rejected(store: Store, make_held: MakeHeld) -> None:
    naive = datetime(2026, 3, 9, 8, 15)
    with pytest.raises(ValueError, match="timezone-aware"):
        make_held(1, received=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        DecisionRecord(naive, "<a@x>", None, "other", "deliver", None, "r")
    with pytest.raises(ValueError, match="timezone-aware"):
        CheckInRecord(None, naive, "manual", 0, 0, "")
    entry = store.put_held(make_held(1))
    mid = make_held(1).message_id
    for call in (
        lambda: store.set_release_at(entry, naive, "r"),
        lambda: store.mark_released([entry], naive),
        lambda: store.released_since(naive),
        lambda: store.prune_decisions(naive),
        lambda: store.record_autoreply("a@x.example", naive, mid),
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()
    assert store.get_held(mid) == make_held(1)  # nothing changed


def test_records_validate_their_enumerations(make_held: MakeHeld) -> None:
    with pytest.raises(ValueError, match="category"):
        make_held(1, category="vip")
    with pytest.raises(ValueError, match="state"):
        make_held(1, state="held")
    with pytest.raises(ValueError, match="action"):
        DecisionRecord(T0, "<a@x>", None, "other", "drop", None, "r")
    with pytest.raises(ValueError, match="kind"):
        CheckInRecord(None, T0, "lunch", 0, 0, "")
    with pytest.raises(ValueError, match="released"):
        CheckInRecord(None, T0, "manual", -1, 0, "")


# ---------------------------------------------------------------- decision log


def test_decision_round_trip_newest_first_and_prune(store: Store) -> None:
    recs = [
        DecisionRecord(
            at=T0 + timedelta(days=d),
            message_id=f"<d{d}@x>",
            address=None if d == 1 else f"p{d}@x.example",
            category=("customer", "internal", "urgent", "other")[d % 4],
            action="hold" if d % 2 else "deliver",
            release_at=T0 + timedelta(days=d, hours=3) if d % 2 else None,
            reason=f"reason {d}",
        )
        for d in range(6)
    ]
    for rec in recs:
        store.log_decision(rec)
    assert store.decisions() == recs[::-1]
    assert store.decisions(limit=2) == [recs[5], recs[4]]
    assert store.decisions(limit=0) == []
    assert store.prune_decisions(T0 + timedelta(days=3)) == 3
    assert store.prune_decisions(T0 + timedelta(days=3)) == 0
    assert store.decisions() == recs[:2:-1]
    with pytest.raises(ValueError):
        store.decisions(limit=-1)


def test_decisions_at_the_same_instant_keep_insertion_order(store: Store) -> None:
    for n in range(3):
        store.log_decision(DecisionRecord(T0, f"<{n}@x>", None, "other", "deliver", None, ""))
    assert [d.message_id for d in store.decisions()] == ["<2@x>", "<1@x>", "<0@x>"]


# ---------------------------------------------------------------- auto-reply ledger


def test_autoreply_ledger(store: Store) -> None:
    assert store.last_autoreply("c@customer.example") is None
    store.record_autoreply("c@customer.example", T0, "<m1@x>")
    assert store.last_autoreply("c@customer.example") == T0
    assert store.last_autoreply("C@Customer.Example") == T0  # one ledger entry per address
    later = T0 + timedelta(days=4)
    store.record_autoreply("C@customer.example", later.astimezone(BERLIN), "<m2@x>")
    assert store.last_autoreply("c@customer.example") == later
    store.record_autoreply("c@customer.example", T0, "<m0@x>")  # older: does not go back
    got = store.last_autoreply("c@customer.example")
    assert got == later and got is not None and got.tzinfo is UTC
    assert store.last_autoreply("other@customer.example") is None


# ---------------------------------------------------------------- check-ins


def test_check_in_round_trip_newest_first(store: Store) -> None:
    recs = [
        CheckInRecord(T0, T0 + timedelta(seconds=4), "check-in", 3, 0, ""),
        CheckInRecord(None, T0 + timedelta(hours=1), "manual", 1, 1, "1 message failed"),
        CheckInRecord(T0 + timedelta(hours=2), T0 + timedelta(hours=9), "focus-end", 0, 0, "x"),
        CheckInRecord(None, T0 + timedelta(hours=10), "startup", 0, 0, ""),
    ]
    for rec in recs:
        store.record_check_in(rec)
    assert store.check_ins() == recs[::-1]
    assert store.check_ins(limit=1) == [recs[-1]]


# ---------------------------------------------------------------- facts


def test_facts(store: Store) -> None:
    assert store.get_fact("focus") is None
    store.set_fact("focus", '{"until": "2026-03-09T12:00:00+00:00"}')
    assert store.get_fact("focus") == '{"until": "2026-03-09T12:00:00+00:00"}'
    store.set_fact("focus", "null")
    assert store.get_fact("focus") == "null"
    store.delete_fact("focus")
    store.delete_fact("focus")
    assert store.get_fact("focus") is None
    with pytest.raises(ValueError, match="JSON"):
        store.set_fact("pause_until", "tomorrow")
    assert store.get_fact("pause_until") is None


def test_json_facts(store: Store) -> None:
    value = {"ews": {"sync_state": "H4sI…", "n": 3}, "ok": True}
    store.set_json("sync", value)
    assert store.get_json("sync") == value
    assert json.loads(store.get_fact("sync") or "") == value
    assert store.get_json("missing", default=[]) == []


# ---------------------------------------------------------------- transactions


def test_transaction_rolls_back_everything(store: Store, make_held: MakeHeld) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put_held(make_held(1))
        store.set_fact("k", "1")
        raise RuntimeError("boom")
    assert store.get_held(make_held(1).message_id) is None
    assert store.get_fact("k") is None


def test_nested_transaction_rolls_back_only_the_inner_block(
    store: Store, make_held: MakeHeld
) -> None:
    with store.transaction():
        store.put_held(make_held(1))
        with pytest.raises(RuntimeError), store.transaction():
            store.put_held(make_held(2))
            with store.transaction():
                store.set_fact("deep", "true")
            raise RuntimeError("inner")
        store.put_held(make_held(3))
    assert [r.message_id for r in store.held()] == [make_held(n).message_id for n in (1, 3)]
    assert store.get_fact("deep") is None
    # the store is usable afterwards, with a fresh outer transaction
    with store.transaction():
        store.set_fact("after", "1")
    assert store.get_fact("after") == "1"


def test_memory_store(make_held: MakeHeld) -> None:
    with Store.open(":memory:") as s:
        assert s.path is None
        entry = s.put_held(make_held(1))
        assert s.count_held() == 1
        with s.transaction():
            s.mark_released([entry], T0)
        assert s.count_held() == 0


def test_closed_store_raises_store_error(db_path) -> None:  # type: ignore[no-untyped-def]
    s = Store.open(db_path)
    assert s.path == db_path
    s.close()
    s.close()
    assert s.closed
    with pytest.raises(StoreError, match="closed"):
        s.count_held()


@pytest.mark.parametrize("kind", sorted(CHECK_IN_KINDS))
def test_every_check_in_kind_the_engine_knows_is_stored(store: Store, kind: str) -> None:
    rec = CheckInRecord(None, T0, kind, 0, 0, "")
    store.record_check_in(rec)
    assert store.check_ins() == [rec]


def test_store_is_the_engines_state_store(db_path) -> None:  # type: ignore[no-untyped-def]
    port: StateStore = Store.open(db_path)  # mypy checks the protocol here
    try:
        assert port.count_held() == 0
        assert HeldRecord is core_records.HeldRecord  # one class, shared with the engine
    finally:
        assert isinstance(port, Store)
        port.close()


def test_decided_finds_logged_messages() -> None:
    store = Store.open(":memory:")
    at = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
    assert store.decided("<a@x>") is False
    store.log_decision(DecisionRecord(at, "<a@x>", "a@x", "customer", "hold", None, "held"))
    assert store.decided("<a@x>") is True
    assert store.decided("<b@x>") is False
    store.close()
