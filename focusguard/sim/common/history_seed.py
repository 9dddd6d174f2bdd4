"""A few realistic weeks of a customer-facing mailbox, for the demo and the insights tests
(issue 13 §1): `seed_history(sim, weeks=4, seed=...)` fills the Inbox, the held folder and
Sent Items of either simulator through its `add_history`, deterministically from `seed`.

The cast: a demanding customer who chases when no answer comes quickly (less so once
replies come at predictable check-ins: customers are trained), regular customers, a new
customer whose first mail came three days ago, newsletters and robots (List-Id,
Precedence: bulk, Auto-Submitted, no-reply senders), colleagues. The owner answers within
working hours (Monday to Friday, 09:00-17:30 in `zone`): whenever they see the mail before
FocusGuard held it (`holding_since`), at the next check-in after. From `holding_since`
customers also get FocusGuard's auto-reply, marked as FocusGuard marks it (docs/ews.md,
docs/graph.md): `Auto-Submitted: auto-replied` and `X-Auto-Response-Suppress: All` as the
client's headers, and on Graph a Message-ID of its own (`<focusguard.…@domain>`). Customer
mail that arrived after the last check-in is still in the held folder.

Times are whole minutes. The simulator keeps only what each protocol lets it keep; the
returned `SeededHistory` lists every message as seeded, so a test can compute the figures
on its own. Nothing here knows the product.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from typing import Protocol
from zoneinfo import ZoneInfo

from .clock import utcnow

WORK_START = dt.time(9, 0)
WORK_END = dt.time(17, 30)
CHECK_INS = (dt.time(9, 30), dt.time(13, 0), dt.time(16, 30))
CHECK_IN_MINUTES = 30
AUTOREPLY_SPACING = dt.timedelta(days=3)  # one auto-reply per sender per 3 days

FIRST_NAMES = (
    "Ann", "Ben", "Chloe", "Dev", "Emma", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Mateo", "Noor", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor",
    "Wen", "Xavi", "Yara", "Zoe",
)  # fmt: skip
TOPICS = (
    "Order {n} — delivery date?", "Invoice {n}", "Question about contract {n}",
    "Ticket {n}: login fails", "Quote request {n}", "Return of order {n}",
    "Change to booking {n}", "Price list {n}",
)  # fmt: skip


class HistorySeedable(Protocol):
    def add_history(
        self,
        folder: str,
        sender: str | None,
        subject: str,
        at: dt.datetime,
        *,
        to: list[str] | None = ...,
        cc: list[str] | None = ...,
        headers: dict[str, str] | None = ...,
        in_reply_to: str | None = ...,
        references: str | None = ...,
        client_headers: dict[str, str] | None = ...,
    ) -> str: ...

    def create_folder(self, name: str, parent: str = ...) -> str: ...
    def folder_id(self, name: str) -> str: ...


@dataclass(frozen=True)
class SeededMessage:
    """One seeded message. `kind`: customer (a thread's first message), chaser, bulk, robot,
    colleague, reply (the owner's, to a customer), internal (the owner's, to a colleague),
    autoreply (FocusGuard's). `thread` is the seeder's own label of the thread."""

    folder: str
    sender: str  # "Name <addr>"; the owner for what the owner sent
    to: tuple[str, ...]
    at: dt.datetime
    message_id: str
    in_reply_to: str | None
    references: str | None
    kind: str
    thread: str
    subject: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeededHistory:
    messages: tuple[SeededMessage, ...]
    owner: str  # the mailbox's address
    now: dt.datetime
    since: dt.datetime
    holding_since: dt.datetime
    zone: str
    held_folder: str


@dataclass
class _Thread:
    label: str
    subject: str
    ids: list[str] = field(default_factory=list)  # Message-IDs so far, oldest first


class _Seeder:
    def __init__(
        self, rng: random.Random, owner: str, zone: ZoneInfo, held: str, holding_since: dt.datetime
    ) -> None:
        self.rng = rng
        self.owner = owner
        self.own_domain = owner.rpartition("@")[2]
        self.zone = zone
        self.held = held
        self.holding_since = holding_since
        self.out: list[SeededMessage] = []
        self.count = 0
        self.last_autoreply: dict[str, dt.datetime] = {}

    # -- working time, wall clock in the zone (the simulator's own arithmetic) ------------
    def local(self, t: dt.datetime) -> dt.datetime:
        return t.astimezone(self.zone)

    def at_local(self, day: dt.date, clock: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, clock, tzinfo=self.zone).astimezone(dt.UTC)

    def working_now(self, t: dt.datetime) -> dt.datetime:
        """t if it is working time, else the next working start."""
        local = self.local(t)
        day = local.date()
        while True:
            if day.weekday() < 5:
                start, end = self.at_local(day, WORK_START), self.at_local(day, WORK_END)
                if t < start:
                    return start
                if t < end:
                    return t
            day += dt.timedelta(days=1)

    def add_working(self, t: dt.datetime, minutes: int) -> dt.datetime:
        t = self.working_now(t)
        left = dt.timedelta(minutes=minutes)
        while True:
            end = self.at_local(self.local(t).date(), WORK_END)
            if t + left <= end:
                return t + left
            left -= end - t
            t = self.working_now(end)

    def next_check_in(self, t: dt.datetime) -> dt.datetime:
        day = self.local(t).date()
        while True:
            if day.weekday() < 5:
                for clock in CHECK_INS:
                    at = self.at_local(day, clock)
                    if at >= t:
                        return at
            day += dt.timedelta(days=1)

    def last_check_in_end(self, now: dt.datetime) -> dt.datetime:
        day = self.local(now).date()
        while True:
            if day.weekday() < 5:
                for clock in reversed(CHECK_INS):
                    end = self.at_local(day, clock) + dt.timedelta(minutes=CHECK_IN_MINUTES)
                    if end <= now:
                        return end
            day -= dt.timedelta(days=1)

    def working_instant(self, day: dt.date) -> dt.datetime:
        """A time on `day`, mostly within working hours, whole minutes."""
        if self.rng.random() < 0.1:
            minute = self.rng.randrange(18 * 60, 22 * 60)  # an evening mail
        else:
            minute = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        return self.at_local(day, dt.time(minute // 60, minute % 60))

    # -- messages -------------------------------------------------------------------------
    def mid(self, domain: str) -> str:
        self.count += 1
        return f"<{self.rng.getrandbits(48):012x}.{self.count}@{domain}>"

    def add(
        self,
        folder: str,
        sender: str,
        to: tuple[str, ...],
        at: dt.datetime,
        kind: str,
        thread: _Thread,
        *,
        subject: str | None = None,
        headers: dict[str, str] | None = None,
        message_id: str | None = None,
    ) -> SeededMessage:
        domain = sender.rpartition("@")[2].rstrip(">")
        msg_id = message_id or self.mid(domain)
        parent = thread.ids[-1] if thread.ids else None
        references = " ".join(thread.ids[-20:]) if thread.ids else None
        msg = SeededMessage(
            folder=folder,
            sender=sender,
            to=to,
            at=at,
            message_id=msg_id,
            in_reply_to=parent,
            references=references,
            kind=kind,
            thread=thread.label,
            subject=subject or (thread.subject if not thread.ids else f"RE: {thread.subject}"),
            headers=dict(headers or {}),
        )
        thread.ids.append(msg_id)
        self.out.append(msg)
        return msg

    def me(self) -> str:
        return f"Me <{self.owner}>"

    def customer_thread(
        self,
        name: str,
        address: str,
        start: dt.datetime,
        now: dt.datetime,
        *,
        patience: int,
        chase: float,
        answered: float = 0.95,
    ) -> None:
        """A customer's case: a first message, chasers while they wait past `patience`
        minutes (with probability `chase` each), the owner's reply; maybe a follow-up."""
        label = f"t{len(self.out)}"
        subject = self.rng.choice(TOPICS).format(n=self.rng.randrange(1000, 9999))
        thread = _Thread(label, subject)
        sender = f"{name} <{address}>"
        at = start
        for _round in range(2):  # the case, then perhaps one follow-up
            if at >= now:
                return
            holding = at >= self.holding_since
            self.add("inbox", sender, (self.owner,), at, "customer", thread)
            if holding:
                self.autoreply(address, at, thread, now)
            reply_at = self.reply_time(at, holding)
            chased = at
            while True:
                chased = chased + dt.timedelta(minutes=patience + self.rng.randrange(0, patience))
                if chased >= reply_at or chased >= now or self.rng.random() > chase:
                    break
                change = self.rng.random() < 0.15  # a chaser that changes the subject
                self.add(
                    "inbox",
                    sender,
                    (self.owner,),
                    chased,
                    "chaser",
                    thread,
                    subject=f"Still waiting: {thread.subject}" if change else None,
                )
            if reply_at >= now or self.rng.random() > answered:
                self.hold_if_recent(thread, now)
                return
            self.add("sentitems", self.me(), (address,), reply_at, "reply", thread)
            if self.rng.random() > 0.35:
                return
            at = reply_at + dt.timedelta(minutes=self.rng.randrange(30, 3 * 24 * 60))

    def reply_time(self, received: dt.datetime, holding: bool) -> dt.datetime:
        if holding:
            seen = self.next_check_in(self.working_now(received))
            return self.add_working(seen, self.rng.randrange(3, 45))
        return self.add_working(received, self.rng.choice((4, 9, 15, 25, 40, 60, 90, 150, 240)))

    def autoreply(self, address: str, at: dt.datetime, thread: _Thread, now: dt.datetime) -> None:
        last = self.last_autoreply.get(address)
        if last is not None and at - last < AUTOREPLY_SPACING:
            return
        sent = at + dt.timedelta(minutes=1)
        if sent >= now:
            return
        self.last_autoreply[address] = sent
        self.add(
            "sentitems",
            self.me(),
            (address,),
            sent,
            "autoreply",
            thread,
            message_id=f"<focusguard.{self.rng.getrandbits(128):032x}@{self.own_domain}>",
            headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
        )

    def hold_if_recent(self, thread: _Thread, now: dt.datetime) -> None:
        """Customer mail still waiting for the next check-in is in the held folder."""
        cut = max(self.last_check_in_end(now), self.holding_since)
        for i, msg in enumerate(self.out):
            if msg.thread == thread.label and msg.kind in ("customer", "chaser") and msg.at >= cut:
                self.out[i] = SeededMessage(
                    self.held, msg.sender, msg.to, msg.at, msg.message_id, msg.in_reply_to,
                    msg.references, msg.kind, msg.thread, msg.subject, msg.headers,
                )  # fmt: skip


def seed_history(
    sim: HistorySeedable,
    *,
    weeks: int = 4,
    seed: int = 0,
    now: dt.datetime | None = None,
    zone: str = "Europe/London",
    owner: str = "me@corp.example",
    held_folder: str = "FocusGuard Held",
    holding_weeks: int | None = None,
    per_week: int = 150,
) -> SeededHistory:
    """Fill `sim` with `weeks` weeks of mail up to `now` (about `per_week` received a week);
    FocusGuard has held mail for the last `holding_weeks` (default: half of them)."""
    if not 1 <= weeks <= 52 or per_week < 1:
        raise ValueError("seed between 1 and 52 weeks, with at least one message a week")
    now = (now or utcnow()).astimezone(dt.UTC).replace(second=0, microsecond=0)
    tz = ZoneInfo(zone)
    since = now - dt.timedelta(weeks=weeks)
    holding = weeks // 2 if holding_weeks is None else holding_weeks
    holding_since = now - dt.timedelta(weeks=holding)
    rng = random.Random(seed)
    s = _Seeder(rng, owner, tz, held_folder, holding_since)
    domain = s.own_domain
    regulars = [
        (f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {chr(65 + i // len(FIRST_NAMES))}.",
         f"{FIRST_NAMES[i % len(FIRST_NAMES)].lower()}@client{i}.example")
        for i in range(max(4, (per_week - 75) // 3))
    ]  # fmt: skip
    colleagues = [("Bob Builder", f"bob@{domain}"), ("Carol Chen", f"carol@{domain}")]
    day = s.local(since).date()
    last_day = s.local(now).date()
    while day <= last_day:
        workday = day.weekday() < 5
        if workday:
            # The demanding customer: a case or two a day; chases when kept waiting, less
            # once replies come at check-ins they can count on.
            for _ in range(rng.choice((1, 1, 2))):
                start = s.working_instant(day)
                trained = start >= holding_since
                s.customer_thread(
                    "Dana Drummond",
                    "dana@bigclient.example",
                    start,
                    now,
                    patience=40,
                    chase=0.35 if trained else 0.8,
                )
            if rng.random() < 0.3:
                s.customer_thread(
                    "Ops Desk", "ops@bigclient.example", s.working_instant(day), now,
                    patience=120, chase=0.3,
                )  # fmt: skip
            for name, address in regulars:
                if rng.random() < 0.6 / 5 * 3:
                    s.customer_thread(
                        name, address, s.working_instant(day), now, patience=24 * 60, chase=0.2
                    )
            for name, address in colleagues:
                for _ in range(rng.randrange(1, 5)):
                    t = _Thread(f"c{len(s.out)}", rng.choice(("Lunch?", "Release notes", "1:1")))
                    at = s.working_instant(day)
                    if at < now:
                        s.add("inbox", f"{name} <{address}>", (owner,), at, "colleague", t)
                        reply = at + dt.timedelta(minutes=rng.randrange(5, 240))
                        if rng.random() < 0.4 and reply < now:
                            s.add("sentitems", s.me(), (address,), reply, "internal", t)
        _bulk(s, day, now, workday)
        day += dt.timedelta(days=1)
    # The new customer: first mail three days ago, a chaser, the second still unanswered.
    first = s.working_now(now - dt.timedelta(days=3))
    if since < first < now:
        t = _Thread("new", "First order — can you help?")
        s.add("inbox", "Nina Newman <nina@freshstart.example>", (owner,), first, "customer", t)
        if first >= holding_since:
            s.autoreply("nina@freshstart.example", first, t, now)
        later = first + dt.timedelta(hours=20)
        if later < now:
            s.add("inbox", "Nina Newman <nina@freshstart.example>", (owner,), later, "chaser", t)
    messages = sorted(s.out, key=lambda m: (m.at, m.message_id))
    try:
        sim.folder_id(held_folder)
    except Exception:  # no such folder yet (each simulator raises its own error)
        sim.create_folder(held_folder, "msgfolderroot")
    # The server names what the owner sent (EWS always; Graph unless the client set it):
    # later messages of the thread refer to the id it gave.
    given: dict[str, str] = {}
    seeded: list[SeededMessage] = []
    for msg in messages:
        mine = msg.folder == "sentitems"
        parent = given.get(msg.in_reply_to, msg.in_reply_to) if msg.in_reply_to else None
        refs = " ".join(given.get(r, r) for r in (msg.references or "").split()) or None
        got = sim.add_history(
            msg.folder,
            None if mine else msg.sender,
            msg.subject,
            msg.at,
            to=list(msg.to),
            headers=None if mine else {**msg.headers, "Message-ID": msg.message_id},
            in_reply_to=parent,
            references=refs,
            client_headers=_client_headers(msg) if mine else None,
        )
        given[msg.message_id] = got
        seeded.append(replace(msg, message_id=got, in_reply_to=parent, references=refs))
    return SeededHistory(tuple(seeded), owner, now, since, holding_since, zone, held_folder)


def _client_headers(msg: SeededMessage) -> dict[str, str] | None:
    if msg.kind != "autoreply":
        return None
    return {**msg.headers, "Message-ID": msg.message_id}


def _bulk(s: _Seeder, day: dt.date, now: dt.datetime, workday: bool) -> None:
    """Newsletters and robots: a list with List-Id, List-Unsubscribe and Precedence: bulk; a
    ticket system's Auto-Submitted mail; a CI robot known by its address only."""
    rng = s.rng
    senders = [
        ("Vendor News <news@vendor-news.example>", {
            "List-Id": "Vendor News <news.vendor-news.example>",
            "List-Unsubscribe": "<https://vendor-news.example/unsubscribe>",
            "Precedence": "bulk",
        }, 1),
        ("Help Desk <noreply@tickets.example>", {"Auto-Submitted": "auto-generated"},
         rng.randrange(1, 4) if workday else 0),
        ("CI <notifications@ci.example>", {}, rng.randrange(1, 5) if workday else 0),
    ]  # fmt: skip
    for sender, headers, count in senders:
        for _ in range(count):
            at = s.at_local(day, dt.time(rng.randrange(6, 22), rng.randrange(0, 60)))
            if at < now:
                thread = _Thread(f"b{len(s.out)}", "Your weekly update")
                kind = "robot" if not headers else "bulk"
                s.add("inbox", sender, (s.owner,), at, kind, thread, headers=headers)
