"""An independent computation of the insights figures from what `seed_history` seeded
(issue 13, "Done when"): written apart from domain/insights.py and sharing none of its code —
threads by a naive fixpoint scan of Message-ID references, bulk mail by looking at the
headers given, working time minute by minute, percentiles by counting.

It sees the history the product can: messages from `keep_days` before `now` on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from focusguard.sim.common.history_seed import SeededHistory, SeededMessage

MINUTE = timedelta(minutes=1)
OWN_DOMAIN = "corp.example"
BULK_HEADERS = {"list-id", "list-unsubscribe", "precedence", "auto-submitted"}
ROBOTS = {"noreply", "no-reply", "notifications", "mailer-daemon"}


@dataclass
class Wait:
    customer: str
    started: datetime
    messages: int = 1
    answered: datetime | None = None


@dataclass
class Figures:
    received: int = 0
    waits: int = 0
    answered: int = 0
    chasers: int = 0
    unanswered: int = 0
    within: int = 0
    judged: int = 0
    working: list[timedelta] = field(default_factory=list)
    calendar: list[timedelta] = field(default_factory=list)


class Reference:
    def __init__(
        self, seeded: SeededHistory, *, keep_days: int, promise: timedelta, now: datetime
    ) -> None:
        self.zone = ZoneInfo(seeded.zone)
        self.now = now
        self.promise = promise
        oldest = now - timedelta(days=keep_days)
        self.messages = [m for m in seeded.messages if oldest <= m.at <= now]
        self._working: dict[datetime, bool] = {}

    # -- who --------------------------------------------------------------------------------
    @staticmethod
    def address(text: str) -> str:
        inner = text.rsplit("<", 1)[-1].rstrip(">") if "<" in text else text
        return inner.strip().lower()

    def is_bulk(self, m: SeededMessage) -> bool:
        local = self.address(m.sender).split("@")[0]
        return bool({h.lower() for h in m.headers} & BULK_HEADERS) or local in ROBOTS

    def customer(self, address: str) -> str | None:
        domain = address.rpartition("@")[2]
        return None if domain == OWN_DOMAIN else domain

    # -- threads ------------------------------------------------------------------------------
    def threads(self) -> dict[str, int]:
        """Message-ID -> group: merge any two groups one of whose messages names a message
        of the other (In-Reply-To, References), or that name a common one, until no pass
        merges anything."""
        groups: list[set[str]] = []
        for m in self.messages:
            ids = {m.message_id, *(m.references or "").split()}
            if m.in_reply_to:
                ids.add(m.in_reply_to)
            groups.append(ids)
        merged = True
        while merged:
            merged = False
            for i in range(len(groups)):
                for j in range(i + 1, len(groups)):
                    if groups[i] & groups[j]:
                        groups[i] |= groups.pop(j)
                        merged = True
                        break
                if merged:
                    break
        return {mid: n for n, g in enumerate(groups) for mid in g}

    # -- time ----------------------------------------------------------------------------------
    def is_working(self, minute: datetime) -> bool:
        if minute not in self._working:
            local = minute.astimezone(self.zone)
            self._working[minute] = local.weekday() < 5 and time(9) <= local.time() < time(17, 30)
        return self._working[minute]

    def walk(self, a: datetime, b: datetime) -> timedelta:
        n, m = 0, a
        while m < b:
            n += self.is_working(m)
            m += MINUTE
        return n * MINUTE

    def due(self, a: datetime) -> datetime:
        need, n, m = self.promise // MINUTE, 0, a
        while True:
            if self.is_working(m):
                n += 1
                if n == need:
                    return m + MINUTE
            m += MINUTE

    def week(self, t: datetime) -> date:
        d = t.astimezone(self.zone).date()
        return d - timedelta(days=d.weekday())

    # -- the figures ---------------------------------------------------------------------------
    def waits(self) -> list[Wait]:
        group_of = self.threads()
        by_group: dict[int, list[SeededMessage]] = defaultdict(list)
        for m in self.messages:
            by_group[group_of[m.message_id]].append(m)
        out: list[Wait] = []
        for items in by_group.values():
            received = [m for m in items if m.folder != "sentitems" and not self.is_bulk(m)]
            customers = {self.customer(self.address(m.sender)) for m in received} - {None}
            for customer in customers:
                events = [
                    (m.at, 1, m)
                    for m in received
                    if self.customer(self.address(m.sender)) == customer
                ] + [
                    (m.at, 0, m)
                    for m in items
                    if m.folder == "sentitems"
                    and m.kind != "autoreply"
                    and any(self.customer(self.address(r)) == customer for r in m.to)
                ]
                current: Wait | None = None
                for at, incoming, _ in sorted(events, key=lambda e: (e[0], e[1])):
                    if incoming:
                        if current is None:
                            current = Wait(str(customer), at)
                        else:
                            current.messages += 1
                    elif current is not None:
                        current.answered = at
                        out.append(current)
                        current = None
                if current is not None:
                    out.append(current)
        return out

    def figures(self, group: list[Wait], received: int) -> Figures:
        f = Figures(received=received, waits=len(group))
        for w in group:
            f.chasers += w.messages - 1
            due = self.due(w.started)
            if w.answered is None:
                f.unanswered += 1
                f.judged += self.now > due
                continue
            f.answered += 1
            f.judged += 1
            f.within += w.answered <= due
            f.working.append(self.walk(w.started, w.answered))
            f.calendar.append(w.answered - w.started)
        return f

    def arrivals(self, since: datetime) -> list[tuple[datetime, str]]:
        out = []
        for m in self.messages:
            if m.folder == "sentitems" or self.is_bulk(m) or m.at < since:
                continue
            customer = self.customer(self.address(m.sender))
            if customer is not None:
                out.append((m.at, customer))
        return out

    def new_customers(self, within: timedelta) -> list[tuple[str, datetime]]:
        first: dict[str, tuple[datetime, bool]] = {}
        for m in sorted(self.messages, key=lambda m: (m.at, m.folder != "sentitems")):
            if m.folder == "sentitems":
                keys = {self.customer(self.address(r)) for r in m.to} - {None}
                for key in keys:
                    first.setdefault(str(key), (m.at, False))
            elif not self.is_bulk(m):
                key = self.customer(self.address(m.sender))
                if key is not None:
                    first.setdefault(key, (m.at, True))
        return sorted(
            (k, at) for k, (at, by_them) in first.items() if by_them and self.now - at <= within
        )


def median_low(values: list[timedelta]) -> timedelta | None:
    return sorted(values)[(len(values) - 1) // 2] if values else None


def p90(values: list[timedelta]) -> timedelta | None:
    for v in sorted(values):
        if sum(1 for x in values if x <= v) * 10 >= 9 * len(values):
            return v
    return None
