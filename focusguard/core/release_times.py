"""Stored release times that stay true, so "what is due" and "when next" are index lookups.

Each held entry's `release_at` is kept equal to `Policy.release_time(category, received)`
under the policy in force. The engine then asks the store's index (`held_by_state_release_at`)
instead of recomputing every held entry on every status read, timer and reconcile — that cost
4-5 s per question with 100,000 held (issue 15). The policy changes when the settings, focus or
the calendar change; every held entry is then recomputed once, in one transaction.

Across restarts the store keeps a *basis*: a digest of the policy the stored times were
computed under (its repr: people, schedule, focus state — all values with a stable repr) and of
FocusGuard's version (the code that computes them). A start-up under the same basis skips the
recompute; any difference, or no basis at all (a file from an older FocusGuard, or times
written by hand), recomputes. A basis that differs when nothing changed costs one recompute,
never a wrong time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from focusguard import __version__
from focusguard.core import facts
from focusguard.core.records import StateStore
from focusguard.domain.policy import Policy
from focusguard.domain.senders import Category


def basis(policy: Policy) -> str:
    """What the stored release times were computed from, as a short stable digest."""
    text = f"focusguard {__version__}\n{policy!r}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReleaseTimes:
    """Keeps the store's release times in line with the policy (see the module docstring).
    Not thread-safe: the engine's worker thread owns it."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._current: Policy | None = None  # the policy the stored times are true for
        self._key: str | None = None  # its basis

    def sync(self, policy: Policy) -> int:
        """Make every held entry's stored release time true under `policy`; returns how many
        changed. Cheap when nothing changed: a comparison of two policy values and one fact
        read (the stored basis, in case another engine on this file recomputed meanwhile)."""
        stored = facts.decode_text(self._store.get_fact(facts.RELEASE_BASIS))
        if self._current is not None and self._current == policy and stored == self._key:
            return 0
        key = self._key if policy == self._current and self._key is not None else basis(policy)
        changed = 0
        if stored != key:
            with self._store.transaction():
                changed = self._store.set_release_times(_changes(self._store, policy))
                self._store.set_fact(facts.RELEASE_BASIS, facts.encode_text(key))
        self._current, self._key = policy, key
        return changed

    def next_release(self, policy: Policy, now: datetime) -> datetime | None:
        """When the earliest held entry is due out: its release time (in the past when it is
        overdue), `now` for an entry without one; None when nothing is held."""
        self.sync(policy)
        return stored_next_release(self._store, now)

    def next_after(self, policy: Policy, now: datetime) -> datetime | None:
        """The earliest release time at or after `now` (`now` itself for an entry without
        one): when the next timer should fire for held mail."""
        self.sync(policy)
        if self._store.any_undated():
            return now
        return self._store.earliest_release(since=now)


def stored_next_release(store: StateStore, now: datetime) -> datetime | None:
    """`ReleaseTimes.next_release` from the store as it is (release times in sync)."""
    earliest = store.earliest_release()
    if store.any_undated():
        return now if earliest is None else min(earliest, now)
    return earliest


def next_release_read_only(store: StateStore, policy: Policy, now: datetime) -> datetime | None:
    """When the earliest held entry is due out under `policy`, writing nothing (the fail-safe
    asks before it decides to do anything): from the index when the stored times are true
    for `policy`, else computed from each held entry's category and receipt time."""
    if facts.decode_text(store.get_fact(facts.RELEASE_BASIS)) == basis(policy):
        return stored_next_release(store, now)
    times = [
        policy.release_time(Category(category), received) or now
        for _, category, received, _ in store.release_inputs()
    ]
    return min(times) if times else None


def _changes(store: StateStore, policy: Policy) -> list[tuple[int, datetime | None, str]]:
    """(entry, release time, reason) of the held entries whose release time moved: the reason
    moves with it ("until 12:45 (promised reply by 13:00)"), as the digest shows it."""
    out: list[tuple[int, datetime | None, str]] = []
    for entry, category, received, stored in store.release_inputs():
        plan = policy.release_time_of(Category(category), received)
        if plan.at != stored:
            out.append((entry, plan.at, plan.reason))
    return out
