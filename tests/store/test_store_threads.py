"""One store, the engine writing on its worker thread while the UI reads snapshots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from focusguard.store import HeldRecord, HeldState, Store
from tests.store.conftest import T0

MakeHeld = Callable[..., HeldRecord]
BATCH = 3


def test_reads_from_another_thread_while_writing(store: Store, make_held: MakeHeld) -> None:
    total = 300
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def writer() -> None:
        try:
            for start in range(0, total, BATCH):
                with store.transaction():
                    entries = [store.put_held(make_held(n)) for n in range(start, start + BATCH)]
                if start % 30 == 0:
                    with store.transaction():
                        store.mark_released(entries, T0 + timedelta(hours=1))
                        store.set_fact("released_batches", str(start))
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def reader() -> None:
        try:
            while not done.is_set():
                everything = store.held(None)
                # never half of a transaction
                assert len(everything) % BATCH == 0
                released = [r for r in everything if r.state is HeldState.RELEASED]
                assert len(released) % BATCH == 0
                seen.append(len(everything))
                store.count_held()
                store.released_since(T0)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert seen, "the readers never ran"
    assert len(store.held(None)) == total
    assert store.count_held() == total - BATCH * 10


def test_transaction_blocks_other_threads_until_commit(store: Store, make_held: MakeHeld) -> None:
    inside = threading.Event()
    observed: list[int] = []

    def reader() -> None:
        inside.wait(5)
        observed.append(store.count_held())  # waits for the lock, then sees the commit

    t = threading.Thread(target=reader)
    t.start()
    with store.transaction():
        store.put_held(make_held(1))
        inside.set()
        t.join(0.2)
        assert t.is_alive()  # still waiting for the transaction
        store.put_held(make_held(2))
    t.join(5)
    assert observed == [2]
