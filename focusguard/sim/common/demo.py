"""The demo mailbox both simulators start with (`focusguard sim --seed-demo`, the demo)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from .clock import utcnow


class Seedable(Protocol):
    def deliver(
        self,
        sender: str,
        subject: str = ...,
        *,
        body: str = ...,
        received: dt.datetime | None = ...,
    ) -> str: ...
    def add_calendar_item(self, subject: str, start: dt.datetime, end: dt.datetime) -> str: ...


def seed_demo_mailbox(sim: Seedable) -> None:
    """Two messages and today's "Focus time" / "Team sync" appointments."""
    now = utcnow()
    sim.deliver(
        "Ann Customer <ann@client.example>",
        "Order 4711 — delivery date?",
        body="Hi, when will order 4711 ship?",
        received=now - dt.timedelta(hours=2),
    )
    sim.deliver(
        "Bob Colleague <bob@corp.example>",
        "Lunch?",
        body="12:30 at the usual place?",
        received=now - dt.timedelta(hours=1),
    )
    day = now.replace(hour=0, minute=0, second=0)
    sim.add_calendar_item("Focus time", day + dt.timedelta(hours=9), day + dt.timedelta(hours=11))
    sim.add_calendar_item(
        "Team sync", day + dt.timedelta(hours=14), day + dt.timedelta(hours=14, minutes=30)
    )
