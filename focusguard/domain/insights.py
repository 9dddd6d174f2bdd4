"""Insights from the mailbox (issue 13 §2): are my customers trained?

Pure functions over the mailbox's history (`domain.history`) and what FocusGuard itself did
(`Activity`: holds, release batches, focus), per customer and per week, in working time and
in calendar time. The definitions, as docs/insights.md states them for the user:

- A **wait** starts with a customer's first unanswered message in a thread and ends with
  your next reply in that thread to that customer (a message you sent with an address of that
  customer in To or Cc). FocusGuard's own auto-replies are not replies. A customer message
  that arrives while a wait is open is a **chaser** of it. At one instant, a reply comes
  before a message: a reply cannot answer mail that arrived at the same second.
- **First-response time** of an answered wait: from its start to the reply, in calendar
  time and in working time (`WorkingTime.elapsed`: mail that arrives after hours starts the
  clock at the next working start). **Median** is the middle value (the lower of the two
  middle ones for an even count) and **p90** the smallest value that at least 90 % of the
  values do not exceed (the nearest-rank method, so both are response times that happened).
- **Within the promise**: answered at or before its reply-by time (`Promise.due`). The share
  counts the waits whose outcome is known: answered, or still open past their reply-by time;
  a wait still open before its reply-by time is not judged yet.
- **Unanswered now**: waits still open at `now`.
- Everything about a wait (its chasers, response time, promise) belongs to the **week it
  started** (weeks start Monday 00:00 in the schedule's zone); messages received count in the
  week they arrived.
- Bulk and automatic mail (`HistoryEntry.automatic`) is nobody's customer mail.
- **New customer**: one whose first message in the history arrived recently, with nothing
  from them and nothing sent to them before it (issue 12 §2, issue 13 §3).
- **Pop-ups during focus avoided**: mail FocusGuard held while focus was in force;
  **check-in batches**: release runs that brought mail out; **time in focus**: how long
  focus was in force.
- **Before and after**: the same response figures for the waits that started before
  FocusGuard first held mail and for those since.

Customer identity is injected (`CustomerOf`): `customer_of_people` is the interim one, from
the [people] lists, until the application layer's single definition replaces it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from focusguard.domain.clock_time import resolve
from focusguard.domain.history import Direction, HistoryEntry, threads
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import Interval, merge
from focusguard.domain.senders import Address, Category, People, parse_address
from focusguard.domain.working_time import ZERO, WorkingTime

# Who is the customer behind an address: a key (the same for everyone of one customer), or
# None for colleagues, urgent senders and anyone who is not a customer.
CustomerOf = Callable[[Address], str | None]

NEW_CUSTOMER_DAYS = 14  # "new": first mail within this many days (and nothing before it)
WEEK = timedelta(days=7)


def customer_of_people(people: People) -> CustomerOf:
    """The interim customer identity, from the [people] lists: a customer is who
    `People.categorize` calls one; the listed entry that matches names it (an address entry
    before a domain, the longest domain first), else the sender's domain. The application
    layer's one definition of customer identity replaces this callable, nothing else."""
    addresses = sorted(
        (p for p in people.customers.patterns if p.local is not None), key=lambda p: str(p)
    )
    domains = sorted(
        (p for p in people.customers.patterns if p.local is None),
        key=lambda p: (-len(p.domain), p.domain),
    )

    @lru_cache(maxsize=4096)
    def of(address: Address) -> str | None:
        if people.categorize(address) is not Category.CUSTOMER:
            return None
        for pattern in (*addresses, *domains):
            if pattern.matches(address):
                return str(pattern)
        return address.domain

    return of


# -- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """Median and p90 of some durations (None for none)."""

    median: timedelta | None = None
    p90: timedelta | None = None

    @classmethod
    def of(cls, values: Iterable[timedelta]) -> Spread:
        ordered = sorted(values)
        if not ordered:
            return cls()
        return cls(nearest_rank(ordered, 50), nearest_rank(ordered, 90))


def nearest_rank(ordered: Sequence[timedelta], percent: int) -> timedelta:
    """The nearest-rank percentile of sorted values: the value at rank ceil(p/100 * n)."""
    rank = max(1, math.ceil(percent * len(ordered) / 100))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class Wait:
    """One customer waiting for a reply in one thread (see the module docstring)."""

    customer: str
    thread: int
    started: datetime
    messages: int = 1  # the first message and its chasers
    answered: datetime | None = None
    address: str = ""  # who wrote the first message

    @property
    def chasers(self) -> int:
        return self.messages - 1


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    received: int = 0  # customer messages received
    waits: int = 0  # customer waits that started
    answered: int = 0
    chasers: int = 0
    unanswered: int = 0  # waits still open at `now`
    within_promise: int = 0
    judged: int = 0  # waits whose promise outcome is known
    working: Spread = field(default_factory=Spread)  # first-response time, working time
    calendar: Spread = field(default_factory=Spread)  # first-response time, calendar time

    @property
    def share_within_promise(self) -> float | None:
        """Share of the judged waits answered within the promise (None: none judged)."""
        return self.within_promise / self.judged if self.judged else None


@dataclass(frozen=True, slots=True)
class Activity:
    """What FocusGuard did, from the store: when it held mail (the decision log), when a
    release run brought mail out (check-in records), and when focus was in force."""

    held: tuple[datetime, ...] = ()
    batches: tuple[datetime, ...] = ()
    focus: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class WeekFigures:
    week: date  # the Monday it starts on, in the schedule's zone
    responses: ResponseFigures
    focus_popups_avoided: int = 0
    check_in_batches: int = 0
    focus_time: timedelta = ZERO


@dataclass(frozen=True, slots=True)
class CustomerFigures:
    customer: str
    responses: ResponseFigures
    weeks: tuple[tuple[date, ResponseFigures], ...]  # every week of the window, in order
    first_seen: datetime  # first message from them in the history
    new: bool = False


@dataclass(frozen=True, slots=True)
class NewCustomer:
    customer: str
    address: str  # who wrote first
    first_seen: datetime
    messages: int  # messages from them since
    answered: datetime | None  # your first reply to them, if any


@dataclass(frozen=True, slots=True)
class BeforeAfter:
    """The response figures before FocusGuard first held mail and since (`holding_since`);
    `before_weeks`/`after_weeks` are how much of the window each covers, in weeks."""

    holding_since: datetime | None
    before: ResponseFigures
    after: ResponseFigures
    before_weeks: float
    after_weeks: float


@dataclass(frozen=True, slots=True)
class Insights:
    since: datetime
    until: datetime
    total: ResponseFigures
    weeks: tuple[WeekFigures, ...]
    customers: tuple[CustomerFigures, ...]  # busiest first (received, chasers, median)
    new_customers: tuple[NewCustomer, ...]
    before_after: BeforeAfter
    focus_popups_avoided: int
    check_in_batches: int
    focus_time: timedelta


# -- waits ----------------------------------------------------------------------------------


def waits(entries: Sequence[HistoryEntry], customer_of: CustomerOf, now: datetime) -> list[Wait]:
    """Every customer wait in the history up to `now`, in the order they started."""
    thread_of = threads(entries)
    identify = _identifier(customer_of)
    order = sorted(
        range(len(entries)),
        key=lambda i: (entries[i].at, entries[i].direction is Direction.RECEIVED, i),
    )
    open_: dict[tuple[int, str], tuple[int, Wait]] = {}  # (thread, customer) -> (n, wait)
    done: list[tuple[int, Wait]] = []
    for n, i in enumerate(order):
        entry = entries[i]
        if entry.at > now:
            break
        thread = thread_of[i]
        if entry.direction is Direction.RECEIVED:
            customer = None if entry.automatic else _customer(identify, entry.sender)
            if customer is None:
                continue
            slot = (thread, customer)
            if slot in open_:
                number, current = open_[slot]
                open_[slot] = (number, replace(current, messages=current.messages + 1))
            else:
                open_[slot] = (n, Wait(customer, thread, entry.at, 1, None, entry.sender or ""))
        elif not entry.own_autoreply:
            for customer in _customers_of(identify, entry.recipients):
                popped = open_.pop((thread, customer), None)
                if popped is not None:
                    done.append((popped[0], replace(popped[1], answered=entry.at)))
    done.extend(open_.values())
    done.sort(key=lambda nw: nw[0])  # the order they started in
    return [w for _, w in done]


def _customer(identify: Callable[[str], str | None], address: str | None) -> str | None:
    return None if address is None else identify(address)


def _customers_of(identify: Callable[[str], str | None], addresses: Iterable[str]) -> set[str]:
    return {c for a in addresses if (c := identify(a)) is not None}


def _identifier(customer_of: CustomerOf) -> Callable[[str], str | None]:
    cache: dict[str, str | None] = {}

    def identify(address: str) -> str | None:
        if address not in cache:
            parsed = parse_address(address)
            cache[address] = None if parsed is None else customer_of(parsed)
        return cache[address]

    return identify


# -- figures --------------------------------------------------------------------------------


def response_figures(
    group: Iterable[Wait],
    received: int,
    *,
    working: WorkingTime,
    promise: Promise | None,
    now: datetime,
) -> ResponseFigures:
    """The figures of some waits (and the count of customer messages received with them)."""
    group = list(group)
    working_times: list[timedelta] = []
    calendar_times: list[timedelta] = []
    within = judged = unanswered = 0
    for wait in group:
        due = None if promise is None else promise.due(wait.started)
        if wait.answered is None:
            unanswered += 1
            if due is not None and now > due:
                judged += 1
            continue
        calendar_times.append(wait.answered - wait.started)
        working_times.append(working.elapsed(wait.started, wait.answered))
        if due is not None:
            judged += 1
            within += wait.answered <= due
    return ResponseFigures(
        received=received,
        waits=len(group),
        answered=len(working_times),
        chasers=sum(w.chasers for w in group),
        unanswered=unanswered,
        within_promise=within,
        judged=judged,
        working=Spread.of(working_times),
        calendar=Spread.of(calendar_times),
    )


def week_start(t: datetime, zone: tzinfo) -> date:
    """The Monday of the week `t` falls in, in `zone`."""
    day = t.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def week_bounds(week: date, zone: tzinfo) -> Interval:
    """The instants of a week starting on `week` (Monday 00:00 local to the next Monday)."""
    return Interval(resolve(week, time(0), zone), resolve(week + WEEK, time(0), zone))


def insights(
    entries: Sequence[HistoryEntry],
    *,
    customer_of: CustomerOf,
    working: WorkingTime,
    promise: Promise | None,
    now: datetime,
    weeks: int,
    activity: Activity = Activity(),
    holding_since: datetime | None = None,
    new_within: timedelta = timedelta(days=NEW_CUSTOMER_DAYS),
) -> Insights:
    """The figures of the last `weeks` weeks up to `now` (the current week included): the
    window starts on the Monday `weeks - 1` weeks before this week's."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    zone = working.zone
    first_week = week_start(now, zone) - WEEK * (weeks - 1)
    all_weeks = [first_week + WEEK * n for n in range(weeks)]
    since = week_bounds(first_week, zone).start
    every = waits(entries, customer_of, now)
    in_window = [w for w in every if since <= w.started <= now]
    identify = _identifier(customer_of)
    received: list[tuple[datetime, str]] = [
        (e.at, customer)
        for e in entries
        if e.direction is Direction.RECEIVED
        and not e.automatic
        and since <= e.at <= now
        and (customer := _customer(identify, e.sender)) is not None
    ]

    def figures(group: Iterable[Wait], count: int) -> ResponseFigures:
        return response_figures(group, count, working=working, promise=promise, now=now)

    waits_by_week: dict[date, list[Wait]] = defaultdict(list)
    for w in in_window:
        waits_by_week[week_start(w.started, zone)].append(w)
    received_by_week: dict[date, int] = defaultdict(int)
    for at, _ in received:
        received_by_week[week_start(at, zone)] += 1

    focus = merge(activity.focus)
    week_rows = []
    for week in all_weeks:
        bounds = week_bounds(week, zone)
        week_rows.append(
            WeekFigures(
                week=week,
                responses=figures(waits_by_week[week], received_by_week[week]),
                focus_popups_avoided=_count_in_focus(activity.held, focus, bounds, now),
                check_in_batches=sum(1 for t in activity.batches if _inside(t, bounds, now)),
                focus_time=_focus_time(focus, bounds, now),
            )
        )

    news = new_customers(entries, customer_of, now=now, within=new_within)
    new_keys = {n.customer for n in news}
    customers = _customers(in_window, received, all_weeks, zone, figures, entries, identify)
    customers = tuple(
        CustomerFigures(c.customer, c.responses, c.weeks, c.first_seen, c.customer in new_keys)
        for c in customers
    )

    window = Interval(since, max(now, since))
    return Insights(
        since=since,
        until=now,
        total=figures(in_window, len(received)),
        weeks=tuple(week_rows),
        customers=customers,
        new_customers=tuple(news),
        before_after=_before_after(in_window, received, holding_since, window, figures),
        focus_popups_avoided=sum(w.focus_popups_avoided for w in week_rows),
        check_in_batches=sum(w.check_in_batches for w in week_rows),
        focus_time=sum((w.focus_time for w in week_rows), ZERO),
    )


def _customers(
    in_window: Sequence[Wait],
    received: Sequence[tuple[datetime, str]],
    all_weeks: Sequence[date],
    zone: tzinfo,
    figures: Callable[[Iterable[Wait], int], ResponseFigures],
    entries: Sequence[HistoryEntry],
    identify: Callable[[str], str | None],
) -> tuple[CustomerFigures, ...]:
    by_customer: dict[str, list[Wait]] = defaultdict(list)
    for w in in_window:
        by_customer[w.customer].append(w)
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for at, customer in received:
        counts[customer][week_start(at, zone)] += 1
    first = _first_seen(entries, identify)
    out = []
    for customer in set(by_customer) | set(counts):
        mine = by_customer.get(customer, [])
        per_week: dict[date, list[Wait]] = defaultdict(list)
        for w in mine:
            per_week[week_start(w.started, zone)].append(w)
        weekly = tuple(
            (week, figures(per_week[week], counts[customer][week])) for week in all_weeks
        )
        out.append(
            CustomerFigures(
                customer,
                figures(mine, sum(counts[customer].values())),
                weekly,
                first[customer],
            )
        )
    out.sort(key=_busiest)
    return tuple(out)


def _busiest(c: CustomerFigures) -> tuple[int, int, timedelta, str]:
    """Busiest and most demanding first: volume, then chasers, then slowest median."""
    median = c.responses.working.median or ZERO
    return (-c.responses.received, -c.responses.chasers, -median, c.customer)


def _first_seen(
    entries: Sequence[HistoryEntry], identify: Callable[[str], str | None]
) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for e in entries:
        if e.direction is Direction.RECEIVED and not e.automatic:
            customer = _customer(identify, e.sender)
            if customer is not None and (customer not in first or e.at < first[customer]):
                first[customer] = e.at
    return first


def new_customers(
    entries: Sequence[HistoryEntry],
    customer_of: CustomerOf,
    *,
    now: datetime,
    within: timedelta = timedelta(days=NEW_CUSTOMER_DAYS),
) -> list[NewCustomer]:
    """Customers whose first message in the history arrived in the last `within` with no
    earlier message from them and none sent to them; oldest first. The history must reach
    back further than `within` for "no earlier message" to mean anything: callers read it
    for the whole insights window."""
    identify = _identifier(customer_of)
    order = sorted(entries, key=lambda e: (e.at, e.direction is Direction.RECEIVED))
    known: set[str] = set()
    found: dict[str, NewCustomer] = {}
    for e in order:
        if e.at > now:
            break
        if e.direction is Direction.SENT:
            for replied_to in _customers_of(identify, e.recipients):
                n = found.get(replied_to)
                if n is not None and n.answered is None and not e.own_autoreply:
                    found[replied_to] = replace(n, answered=e.at)
                known.add(replied_to)
            continue
        customer = None if e.automatic else _customer(identify, e.sender)
        if customer is None:
            continue
        if customer in found:
            found[customer] = replace(found[customer], messages=found[customer].messages + 1)
        elif customer not in known:
            known.add(customer)
            if now - e.at <= within:
                found[customer] = NewCustomer(customer, e.sender or "", e.at, 1, None)
    return sorted(found.values(), key=lambda n: (n.first_seen, n.customer))


def _before_after(
    in_window: Sequence[Wait],
    received: Sequence[tuple[datetime, str]],
    holding_since: datetime | None,
    window: Interval,
    figures: Callable[[Iterable[Wait], int], ResponseFigures],
) -> BeforeAfter:
    cut = window.end if holding_since is None else min(max(holding_since, window.start), window.end)
    before = [w for w in in_window if w.started < cut]
    after = [w for w in in_window if w.started >= cut]
    return BeforeAfter(
        holding_since=holding_since,
        before=figures(before, sum(1 for at, _ in received if at < cut)),
        after=figures(after, sum(1 for at, _ in received if at >= cut)),
        before_weeks=(cut - window.start) / WEEK,
        after_weeks=(window.end - cut) / WEEK,
    )


def _inside(t: datetime, bounds: Interval, now: datetime) -> bool:
    return bounds.start <= t < bounds.end and t <= now


def _count_in_focus(
    held: Iterable[datetime], focus: Sequence[Interval], bounds: Interval, now: datetime
) -> int:
    return sum(
        1 for t in held if _inside(t, bounds, now) and any(iv.start <= t < iv.end for iv in focus)
    )


def _focus_time(focus: Sequence[Interval], bounds: Interval, now: datetime) -> timedelta:
    end = min(bounds.end, max(now, bounds.start))
    total = ZERO
    for iv in focus:
        lo, hi = max(iv.start, bounds.start), min(iv.end, end)
        if lo < hi:
            total += hi - lo
    return total
