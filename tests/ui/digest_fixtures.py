"""Helpers for the digest tests: HeldRecord factories, a fake service and a real app.

Each test builds its own objects (no session-wide app fixtures)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from focusguard.app.values import DigestSnapshot, FocusGuardError, MessageText, ReleaseDone
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Handled
from focusguard.core.records import HeldRecord, HeldState
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import StillTimers, build_app, drain
from tests.fakes import OFFICE_CONFIG

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)  # Tuesday 11:00
MORNING = NOW.replace(hour=8)  # before the first check-in: customer mail is held
HOSTILE_SENDER = "<b>x</b><img src=http://127.0.0.1/x>"
HOSTILE_SUBJECT = '<a href="http://127.0.0.1/">click</a> <i>now</i> & "more"'

CONFIG = OFFICE_CONFIG


def record(
    n: int,
    address: str | None = "ann@client.example",
    *,
    sender: str | None = None,
    subject: str | None = None,
    received: datetime | None = None,
    state: HeldState = HeldState.HELD,
    released_at: datetime | None = None,
    web_link: str | None = None,
) -> HeldRecord:
    received = received or NOW - timedelta(minutes=n + 1)
    if state is not HeldState.HELD and released_at is None:
        released_at = received + timedelta(minutes=30)
    return HeldRecord(
        message_id=f"<m{n}@test>",
        item_id=f"item-{n}",
        sender=sender if sender is not None else f"Person {n} <{address}>",
        address=address,
        subject=subject if subject is not None else f"Subject {n}",
        category="customer",
        received=received,
        held_at=received,
        release_at=None,
        reason="held: customer",
        state=state,
        released_at=released_at,
        web_link=web_link,
        entry=n + 1,
    )


def many_records(count: int, customers: int = 500) -> list[HeldRecord]:
    """`count` records over `customers` domains; customer i sends about i+1 times as much."""
    weights = [i + 1 for i in range(customers)]
    total = sum(weights)
    out: list[HeldRecord] = []
    n = 0
    for i, w in enumerate(weights):
        share = max(1, count * w // total)
        for _ in range(share):
            if n >= count:
                break
            out.append(record(n, f"p{n}@c{i}.example", received=NOW - timedelta(seconds=n)))
            n += 1
    while n < count:
        last = customers - 1  # the rounding remainder goes to the busiest customer
        out.append(record(n, f"p{n}@c{last}.example", received=NOW - timedelta(seconds=n)))
        n += 1
    return out


class FakeStore:
    def __init__(self, records: Iterable[HeldRecord]) -> None:
        self.records = list(records)
        self.threads: list[threading.Thread] = []

    def held(self, state: HeldState | None = HeldState.HELD) -> list[HeldRecord]:
        self.threads.append(threading.current_thread())
        return [r for r in self.records if state is None or r.state is state]

    def released_since(self, since: datetime) -> list[HeldRecord]:
        self.threads.append(threading.current_thread())
        return [
            r
            for r in self.records
            if r.state is not HeldState.HELD
            and r.released_at is not None
            and r.released_at >= since
        ]


class FakeEngine:
    """Records the ledger entries each intent was for (`record(n)` is entry n + 1)."""

    def __init__(self) -> None:
        self.released: list[list[int]] = []
        self.handled: list[list[int]] = []

    def release(self, entries: list[int]) -> ReleaseDone:
        self.released.append(list(entries))
        return ReleaseDone("Released", None)

    def mark_handled(self, entries: list[int]) -> Handled:
        self.handled.append(list(entries))
        return Handled(marked=len(entries), moved=len(entries), failed=0)


class _OnPool:
    """A service method as the GUI uses it: `.later(...)` runs it on a background thread."""

    def __init__(self, fn: Callable[..., Any], pool: ThreadPoolExecutor) -> None:
        self._fn = fn
        self._pool = pool

    def later(self, *args: Any) -> Future[Any]:
        return self._pool.submit(self._fn, *args)


class FakeService:
    """Just what DigestWindow uses of the service, with a real background thread."""

    def __init__(self, records: Iterable[HeldRecord], settings: Settings | None = None) -> None:
        self.settings = settings or settings_from_toml(CONFIG)
        self.store = FakeStore(records)
        self.engine = FakeEngine()
        self.clock = VirtualClock(NOW)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="fake-engine")
        self.digest = _OnPool(self._digest, self._pool)
        self.release = _OnPool(self.engine.release, self._pool)
        self.mark_handled = _OnPool(self.engine.mark_handled, self._pool)
        self.texts: dict[int, str] = {}  # the preview's text by ledger entry
        self.message_text = _OnPool(self._message_text, self._pool)

    def _message_text(self, entry: int) -> MessageText:
        if entry not in self.texts:
            raise FocusGuardError("Message not found", "It is no longer in the mailbox.")
        return MessageText(entry, self.texts[entry])

    def _digest(self) -> DigestSnapshot:
        zone = ZoneInfo(self.settings.schedule.timezone)
        now = self.clock.now()
        midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
        held = self.store.held(HeldState.HELD)
        return DigestSnapshot((*held, *self.store.released_since(midnight)), now, zone)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class RealRig:
    """A real app (worker thread, engine, SQLite store) on the in-memory mailbox."""

    def __init__(self, tmp: Path, start: datetime = MORNING) -> None:
        self.settings = settings_from_toml(CONFIG)
        self.clock = VirtualClock(start)
        self.mailbox = MemoryMailbox()
        self.app = build_app(
            self.settings, self.mailbox, tmp, clock=self.clock, timers=StillTimers()
        )
        self.store = self.app.store
        self.service = self.app.service
        self.app.start()
        self.drain()  # connected and watching before any mail arrives
        self._n = 0

    def mail(self, sender: str, subject: str = "hello") -> str:
        self._n += 1
        mid = f"<r{self._n}@test>"
        self.mailbox.deliver(mid, sender, subject, self.clock.now())
        return mid

    def drain(self) -> None:
        """Wait until the worker has done everything queued so far (test thread only)."""
        drain(self.app)

    def close(self) -> None:
        self.app.stop()
