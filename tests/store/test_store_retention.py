"""Mail-derived text is forgotten when its time is up, and really gone from the files
(issue 9 §3): real SQLite, raw bytes of the database and its write-ahead log checked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from focusguard.store import DecisionRecord, HeldRecord, HeldState, Store
from tests.store.conftest import T0

MakeHeld = Callable[..., HeldRecord]
DAY = timedelta(days=1)


def on_disk(db_path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)
    )


def test_released_and_handled_mail_is_forgotten_after_the_cutoff(
    store: Store, make_held: MakeHeld
) -> None:
    entries = [store.put_held(make_held(n)) for n in range(4)]
    store.mark_released([entries[0]], T0)
    store.mark_released([entries[1]], T0 + DAY, HeldState.HANDLED)
    store.mark_released([entries[2]], T0 + 10 * DAY)
    # <m3> stays held, however old.
    assert store.prune_released(T0 + 5 * DAY) == 2
    assert [r.message_id for r in store.held(None)] == [
        make_held(2).message_id,
        make_held(3).message_id,
    ]
    assert store.get_held(make_held(3).message_id).state is HeldState.HELD  # type: ignore[union-attr]
    assert store.prune_released(T0 + 100 * DAY) == 1
    assert [r.message_id for r in store.held(None)] == [make_held(3).message_id]
    assert store.prune_released(T0 + 100 * DAY) == 0


def test_a_record_without_release_time_counts_from_when_it_was_held(
    store: Store, make_held: MakeHeld
) -> None:
    store.put_held(make_held(0, state=HeldState.RELEASED, released_at=None))
    assert store.prune_released(T0) == 0
    assert store.prune_released(T0 + DAY) == 1


def test_auto_reply_ledger_is_pruned_by_send_time(store: Store) -> None:
    store.record_autoreply("ann@client.example", T0, "<a@x>")
    store.record_autoreply("bob@client.example", T0 + 3 * DAY, "<b@x>")
    assert store.prune_autoreplies(T0 + DAY) == 1
    assert store.last_autoreply("ann@client.example") is None
    assert store.last_autoreply("bob@client.example") == T0 + 3 * DAY


def test_pruned_text_is_gone_from_the_database_files(
    db_path: Path, store: Store, make_held: MakeHeld
) -> None:
    subject = "Quarterly figures for Zebulon Mxyzptlk"
    address = "zebulon.mxyzptlk@customer.example"
    rec = make_held(7, subject=subject, address=address, sender=f"Zebulon <{address}>")
    entry = store.put_held(rec)
    store.log_decision(
        DecisionRecord(T0, rec.message_id, address, "customer", "hold", None, "held: customer")
    )
    store.record_autoreply(address, T0, rec.message_id)
    store.mark_released([entry], T0)
    assert subject.encode() in on_disk(db_path)  # it was written
    assert store.prune_released(T0 + DAY) == 1
    assert store.prune_decisions(T0 + DAY) == 1
    assert store.prune_autoreplies(T0 + DAY) == 1
    raw = on_disk(db_path)
    assert subject.encode() not in raw and address.encode() not in raw
    store.close()
    raw = on_disk(db_path)
    assert subject.encode() not in raw and address.encode() not in raw
    assert Store.open(db_path).count_held() == 0


def test_pruning_inside_a_transaction_works_without_a_checkpoint(
    store: Store, make_held: MakeHeld
) -> None:
    entry = store.put_held(make_held(0))
    store.mark_released([entry], T0)
    with store.transaction():
        assert store.prune_released(T0 + DAY) == 1  # no checkpoint inside a transaction
    assert store.held(None) == []
