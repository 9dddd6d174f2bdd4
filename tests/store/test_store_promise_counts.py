"""`count_held_received_by`: the store's side of "held customer mail at risk / overdue"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from focusguard.store import HeldRecord, HeldState, Store
from tests.store.conftest import T0

MakeHeld = Callable[..., HeldRecord]
US = timedelta(microseconds=1)


def test_counts_held_entries_of_a_category_received_at_or_before(
    store: Store, make_held: MakeHeld
) -> None:
    for n in range(5):  # customers received at T0 + 0..4 minutes
        store.put_held(make_held(n))
    store.put_held(make_held(10, category="internal", received=T0))
    gone = store.put_held(make_held(11, received=T0))
    store.mark_released([gone], T0 + timedelta(hours=1))
    handled = store.put_held(make_held(12, received=T0))
    store.mark_released([handled], T0 + timedelta(hours=1), HeldState.HANDLED)

    def count(until_minutes: float) -> int:
        return store.count_held_received_by("customer", T0 + timedelta(minutes=until_minutes))

    assert count(-1) == 0
    assert count(0) == 1  # at or before: the boundary counts
    assert count(2) == 3
    assert count(4) == 5 and count(100) == 5
    assert store.count_held_received_by("internal", T0) == 1
    # microsecond-exact at the boundary, in any zone
    exact = T0 + timedelta(minutes=2)
    assert store.count_held_received_by("customer", exact - US) == 2
    assert store.count_held_received_by("customer", exact.astimezone(ZoneInfo("Asia/Tokyo"))) == 3
