"""The focus ledger: when focus was really in force, for "time in focus" and "pop-ups during
focus avoided" (issue 13 §2). The engine's own focus state forgets ad-hoc and calendar
blocks after two days (`FocusState.pruned`), so each reconcile writes down what the timeline
says about the stretch since the last one — the timeline knows focus ended early, ad-hoc
blocks and calendar blocks within those two days. The ledger is pruned with the rest after
`privacy.keep_days`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from focusguard.domain.schedule import Interval, Timeline

# How far back the engine's focus state is trustworthy (engine.reconcile prunes it at 2 days).
TRUSTED = timedelta(days=2)
# The fact the engine keeps of when it first held mail ("before and after" insights).
HOLDING_SINCE = "holding_since"


class FocusStore(Protocol):
    def focus_recorded_until(self) -> datetime | None: ...
    def record_focus(self, since: datetime, until: datetime, spans: Sequence[Interval]) -> None: ...


def record_focus(store: FocusStore, timeline: Timeline, now: datetime) -> None:
    """Write down focus in force since the ledger's last entry (at most two days back; the
    first call starts the ledger at `now`)."""
    last = store.focus_recorded_until()
    since = now if last is None else max(min(last, now), now - TRUSTED)
    store.record_focus(since, now, timeline.focus(since, now) if since < now else [])
