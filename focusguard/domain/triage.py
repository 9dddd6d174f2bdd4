"""How the check-in digest sorts held mail for triage (issue 12 §2): pure rules, no I/O.

- **Sections.** Customers first; colleagues, automated/bulk mail and everything else in
  sections of their own below. Bulk or machine-sent mail (List-*, Precedence,
  Auto-Submitted, no-reply senders: `domain.autoreply.automatic_reason`) is never a
  customer waiting for an answer, whichever domain it came from — the first digest counted
  newsletters and robots as customers.
- **Chasers.** Several held mails from one sender, or in one conversation (a shared
  conversation id, or one answering another by Message-ID: `domain.history`), are one
  customer chasing: they are shown as one collapsed row, "3rd mail from ann@x since 09:30".
- **New customers.** A customer is new when the mailbox's history has no earlier mail from
  that address or its domain and nothing in Sent Items to them: a first contact worth a
  follow-up courtesy. Which addresses count as one customer is `domain.customers`' answer,
  so a gmail.com stranger is never "known" because another gmail.com user wrote before.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from focusguard.domain.customers import customer_of
from focusguard.domain.history import Direction, HistoryEntry


class Section(enum.Enum):
    """The digest's sections, in the order they are shown."""

    CUSTOMERS = "Customers"
    COLLEAGUES = "Colleagues"
    BULK = "Automated and bulk mail"
    OTHER = "Other mail"

    @property
    def order(self) -> int:
        return list(Section).index(self)


def section_of(category: str, automatic: bool) -> Section:
    """Where a message goes: `category` is the policy's ('customer', 'internal', ...);
    `automatic` whether it is bulk or machine-sent."""
    if automatic:
        return Section.BULK
    if category == "customer":
        return Section.CUSTOMERS
    if category == "internal":
        return Section.COLLEAGUES
    return Section.OTHER


@dataclass(frozen=True, slots=True)
class Arrival:
    """One held message as chaser detection sees it: who sent it, when, and the tokens that
    tie it to a thread (its own Message-ID, what it answers, its conversation)."""

    sender: str | None  # normalised address; None when the From header had none
    received: datetime
    message: str | None = None
    parents: tuple[str, ...] = ()
    conversation: str | None = None


def chains(arrivals: Sequence[Arrival]) -> list[list[int]]:
    """Group arrivals into chases: same sender, or linked by conversation or by a Message-ID
    reference. Each chain lists indexes into `arrivals`, oldest first; chains come in the
    order of their oldest message. A message with no sender and no thread is its own."""
    parent = list(range(len(arrivals)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[str, int] = {}
    for i, a in enumerate(arrivals):
        links = [f"from:{a.sender}"] if a.sender else []
        if a.conversation:
            links.append(f"conv:{a.conversation}")
        if a.message:
            links.append(f"msg:{a.message}")
        links.extend(f"msg:{p}" for p in a.parents)
        for link in links:
            j = first.setdefault(link, i)
            if j != i:
                union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(arrivals)):
        groups.setdefault(find(i), []).append(i)
    out = [sorted(g, key=lambda i: (arrivals[i].received, i)) for g in groups.values()]
    out.sort(key=lambda g: (arrivals[g[0]].received, g[0]))
    return out


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def chaser_note(count: int, who: str, since: datetime, zone: tzinfo, now: datetime) -> str:
    """ "3rd mail from ann@client.example since 09:30" (a date when not today). `who` is the
    sender's address, never a display name: a display name can claim to be anyone."""
    local = since.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        when = f"{local:%H:%M}"
    else:
        when = f"{local:%a} {local.day} {local:%b} {local:%H:%M}"
    return f"{ordinal(count)} mail from {who} since {when}"


@dataclass(frozen=True, slots=True)
class Acquaintance:
    """Which customers the mailbox has corresponded with, and since when: the earliest mail
    received from each customer, and the customers it has sent mail to."""

    first_received: dict[str, datetime]
    written_to: frozenset[str]

    @classmethod
    def of(cls, history: Iterable[HistoryEntry], *, exclude: Iterable[str] = ()) -> Acquaintance:
        """From the mailbox's history, leaving out the entries whose Message-ID tokens are
        in `exclude` (the held mail being judged: it cannot make its own sender known)."""
        skip = set(exclude)
        first: dict[str, datetime] = {}
        written: set[str] = set()
        for e in history:
            if e.direction is Direction.SENT:
                if not e.own_autoreply:  # FocusGuard's auto-reply is not a relationship
                    written.update(customer_of(r) for r in e.recipients)
                continue
            if e.sender is None or e.automatic or (e.message is not None and e.message in skip):
                continue
            key = customer_of(e.sender)
            if key not in first or e.at < first[key]:
                first[key] = e.at
        return cls(first, frozenset(written))

    def is_new(self, address: str | None, first_held: datetime) -> bool:
        """No mail from this customer before `first_held` (their first mail on the list) and
        none sent to them. An unknown sender is never called new: there is no one to greet."""
        if not address:
            return False
        key = customer_of(address)
        if key in self.written_to:
            return False
        seen = self.first_received.get(key)
        return seen is None or seen >= first_held
