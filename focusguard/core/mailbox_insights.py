"""Insights for the application layer (issue 13): read the mailbox's history into the store,
and compute the figures from what the store holds. The service calls these two; the CLI,
the Insights window and the wizard show what they return.

The history is kept for `privacy.keep_days` like the rest of what mail told FocusGuard
(docs/privacy.md), so that is how far back a read goes and how many weeks the figures can
cover: the window is the current week and the whole weeks before it that start within
`keep_days` (4 weeks with the default 30 days).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from focusguard.core.facts import decode_instant
from focusguard.core.focus_ledger import HOLDING_SINCE
from focusguard.core.history_sync import (
    HistoryStore,
    ProgressListener,
    SyncResult,
    sync_history,
)
from focusguard.core.ports import HistorySource
from focusguard.core.records import CheckInRecord, DecisionRecord
from focusguard.core.settings import Settings
from focusguard.domain import insights as figures
from focusguard.domain.history import HistoryEntry
from focusguard.domain.schedule import EARLIEST, Interval
from focusguard.domain.senders import Address, sender_address

DEFAULT_WEEKS = 4
# Release runs that are not a batch of mail coming out: "mark handled" moves mail the person
# has already dealt with.
NOT_A_BATCH = frozenset({"handled"})


class InsightsStore(Protocol):
    def history(self, since: datetime, until: datetime) -> list[HistoryEntry]: ...
    def decisions_between(self, since: datetime, until: datetime) -> list[DecisionRecord]: ...
    def check_ins_between(self, since: datetime, until: datetime) -> list[CheckInRecord]: ...
    def focus_spans(self, since: datetime, until: datetime) -> list[Interval]: ...
    def first_release(self) -> datetime | None: ...
    def get_fact(self, key: str) -> str | None: ...


def kept_since(settings: Settings, now: datetime) -> datetime:
    """The oldest instant the store keeps history from."""
    return now - timedelta(days=settings.privacy.keep_days)


def own_address(settings: Settings) -> Address | None:
    return sender_address(settings.account.email) if settings.account is not None else None


def read_history(
    source: HistorySource,
    store: HistoryStore,
    settings: Settings,
    now: datetime,
    *,
    on_progress: ProgressListener | None = None,
    since: datetime | None = None,
) -> SyncResult:
    """Bring the store's history up to `now` (from `keep_days` back, or from `since` if that
    is later: the preview needs only its days): the first call reads it all, later calls
    what is new; an interrupted call is continued by the next. Raises `MailError` (what was
    read stays saved)."""
    oldest = kept_since(settings, now)
    return sync_history(
        source,
        store,
        since=oldest if since is None else max(since, oldest),
        until=now,
        own=own_address(settings),
        on_progress=on_progress,
    )


def max_weeks(settings: Settings, now: datetime) -> int:
    """The most weeks the figures can cover with the history kept."""
    zone = settings.working_time().zone
    oldest = kept_since(settings, now)
    this_week = figures.week_start(now, zone)
    weeks = 1
    while figures.week_bounds(this_week - figures.WEEK * weeks, zone).start >= oldest:
        weeks += 1
    return weeks


def holding_since(store: InsightsStore) -> datetime | None:
    """When FocusGuard first held mail: the engine's note of it, else its first release
    (check-in records are never pruned), else never."""
    return decode_instant(store.get_fact(HOLDING_SINCE)) or store.first_release()


def activity(store: InsightsStore, since: datetime, until: datetime) -> figures.Activity:
    return figures.Activity(
        held=tuple(d.at for d in store.decisions_between(since, until) if d.action == "hold"),
        batches=tuple(
            c.ran_at
            for c in store.check_ins_between(since, until)
            if c.released > 0 and c.kind not in NOT_A_BATCH
        ),
        focus=tuple(store.focus_spans(since, until)),
    )


def insights(
    store: InsightsStore,
    settings: Settings,
    now: datetime,
    *,
    weeks: int = DEFAULT_WEEKS,
    customer_of: figures.CustomerOf | None = None,
) -> figures.Insights:
    """The figures for the last `weeks` weeks (at most `max_weeks`) from the store."""
    weeks = max(1, min(weeks, max_weeks(settings, now)))
    entries = store.history(EARLIEST, now + timedelta(seconds=1))
    window_start = figures.week_bounds(
        figures.week_start(now, settings.working_time().zone) - figures.WEEK * (weeks - 1),
        settings.working_time().zone,
    ).start
    return figures.insights(
        entries,
        customer_of=customer_of or figures.customer_of_people(settings.people_rules()),
        working=settings.working_time(),
        promise=settings.promise_rules(),
        now=now,
        weeks=weeks,
        activity=activity(store, window_start, now + timedelta(seconds=1)),
        holding_since=holding_since(store),
    )
