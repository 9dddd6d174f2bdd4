"""The insights figures (domain/insights.py): worked examples, and a hypothesis property that
the figures equal an independent computation — a minute-by-minute working-time walk, a
per-customer scan of each thread, percentiles by counting — over random histories that span
London's spring DST switch."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focusguard.domain.history import Direction, HistoryEntry
from focusguard.domain.insights import (
    Activity,
    ResponseFigures,
    Spread,
    customer_of_people,
    insights,
    nearest_rank,
    new_customers,
    waits,
    week_bounds,
    week_start,
)
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import Interval
from focusguard.domain.senders import Address, People, SenderList, parse_address
from focusguard.domain.working_time import WorkingTime

LONDON = ZoneInfo("Europe/London")
WORKING = WorkingTime(LONDON)  # Monday to Friday, 09:00-17:30
PEOPLE = People(own_domains=SenderList.of(["corp.example"]), urgent=SenderList.of(["vip.example"]))
CUSTOMER_OF = customer_of_people(PEOPLE)
ME = "me@corp.example"
MINUTE = timedelta(minutes=1)


def lon(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LONDON).astimezone(UTC)


_n = 0


def received(
    at: datetime,
    sender: str,
    *,
    thread: str = "t",
    automatic: bool = False,
    parents: tuple[str, ...] = (),
) -> HistoryEntry:
    global _n
    _n += 1
    return HistoryEntry(
        key=f"r{_n}",
        direction=Direction.RECEIVED,
        at=at,
        sender=sender,
        recipients=(ME,),
        message=f"m{_n}",
        parents=parents,
        conversation=thread,
        automatic=automatic,
    )


def sent(at: datetime, *to: str, thread: str = "t", auto: bool = False) -> HistoryEntry:
    global _n
    _n += 1
    return HistoryEntry(
        key=f"s{_n}",
        direction=Direction.SENT,
        at=at,
        sender=None,
        recipients=to,
        message=f"m{_n}",
        parents=(),
        conversation=thread,
        own_autoreply=auto,
    )


# -- worked examples -------------------------------------------------------------------------


def test_friday_afternoon_to_monday_morning_is_three_working_hours() -> None:
    history = [
        received(lon(2026, 6, 5, 16), "ann@client.example"),  # Friday 16:00
        sent(lon(2026, 6, 8, 10, 30), "ann@client.example"),  # Monday 10:30
    ]
    [wait] = waits(history, CUSTOMER_OF, lon(2026, 6, 9))
    assert wait.customer == "client.example"
    assert wait.answered == lon(2026, 6, 8, 10, 30)
    result = insights(
        history,
        customer_of=CUSTOMER_OF,
        working=WORKING,
        promise=Promise(WORKING, timedelta(hours=4)),
        now=lon(2026, 6, 9),
        weeks=2,
    )
    assert result.total.working == Spread(timedelta(hours=3), timedelta(hours=3))
    assert result.total.calendar.median == timedelta(hours=66, minutes=30)
    assert (result.total.within_promise, result.total.judged) == (1, 1)  # due Monday 11:30
    # The wait belongs to the week it started in: the one of Monday 1 June.
    assert [w.responses.waits for w in result.weeks] == [1, 0]


def test_chasers_auto_replies_and_other_peoples_replies() -> None:
    t = lon(2026, 6, 2, 9, 0)
    history = [
        received(t, "ann@client.example"),
        sent(t + MINUTE, "ann@client.example", auto=True),  # FocusGuard's: not a reply
        received(t + 30 * MINUTE, "ann@client.example"),  # chaser
        sent(t + 40 * MINUTE, "bob@corp.example"),  # to a colleague: not a reply to Ann
        received(t + 50 * MINUTE, "ann+urgent@client.example"),  # chaser (same customer)
        sent(t + 90 * MINUTE, "ann@client.example"),  # the reply
        received(t + 120 * MINUTE, "ann@client.example"),  # a new wait, still open
    ]
    found = waits(history, CUSTOMER_OF, t + timedelta(days=1))
    assert [(w.messages, w.chasers, w.answered) for w in found] == [
        (3, 2, t + 90 * MINUTE),
        (1, 0, None),
    ]


def test_a_reply_at_the_same_instant_as_a_message_does_not_answer_it() -> None:
    t = lon(2026, 6, 2, 10, 0)
    history = [
        received(t, "ann@client.example"),
        received(t + 5 * MINUTE, "ann@client.example"),  # arrives as the reply leaves
        sent(t + 5 * MINUTE, "ann@client.example"),
    ]
    found = waits(history, CUSTOMER_OF, t + timedelta(hours=1))
    assert [(w.started, w.answered, w.chasers) for w in found] == [
        (t, t + 5 * MINUTE, 0),
        (t + 5 * MINUTE, None, 0),
    ]


def test_two_customers_in_one_thread_wait_separately() -> None:
    t = lon(2026, 6, 2, 10, 0)
    history = [
        received(t, "ann@alpha.example"),
        received(t + MINUTE, "cy@beta.example"),
        sent(t + 10 * MINUTE, "ann@alpha.example"),  # answers Alpha only
    ]
    found = {w.customer: w.answered for w in waits(history, CUSTOMER_OF, t + timedelta(hours=1))}
    assert found == {"alpha.example": t + 10 * MINUTE, "beta.example": None}


def test_bulk_colleagues_and_urgent_senders_are_not_customers() -> None:
    t = lon(2026, 6, 2, 10, 0)
    history = [
        received(t, "news@list.example", automatic=True, thread="a"),
        received(t, "bob@corp.example", thread="b"),
        received(t, "boss@vip.example", thread="c"),
        received(t, "ann@client.example", thread="d"),
    ]
    assert [w.customer for w in waits(history, CUSTOMER_OF, t + MINUTE)] == ["client.example"]


def test_customer_identity_from_the_people_lists() -> None:
    people = People(
        own_domains=SenderList.of(["corp.example"]),
        customers=SenderList.of(["bigclient.example", "eu.bigclient.example", "ann@small.example"]),
        external_is_customer=False,
    )
    of = customer_of_people(people)

    def key(text: str) -> str | None:
        parsed = parse_address(text)
        assert parsed is not None
        return of(parsed)

    assert key("x@bigclient.example") == "bigclient.example"
    assert key("x@sales.eu.bigclient.example") == "eu.bigclient.example"  # the longest entry
    assert key("ann+tag@small.example") == "ann@small.example"
    assert key("bob@small.example") is None  # not listed, and outsiders are not customers
    assert key("me@corp.example") is None
    # With external_is_customer an unlisted sender is the customer of their domain.
    assert customer_of_people(People())(Address("zed", "other.example")) == "other.example"


def test_promise_judged_only_when_known() -> None:
    t = lon(2026, 6, 2, 9, 0)  # Tuesday
    promise = Promise(WORKING, timedelta(hours=2))
    history = [
        received(t, "a@one.example", thread="1"),
        sent(t + timedelta(hours=3), "a@one.example", thread="1"),  # late
        received(t, "b@two.example", thread="2"),
        sent(t + timedelta(hours=2), "b@two.example", thread="2"),  # exactly at its reply-by
        received(t, "c@three.example", thread="3"),  # open, past its reply-by (11:00)
        received(t + timedelta(hours=2), "d@four.example", thread="4"),  # open, not yet due
    ]
    now = t + timedelta(hours=3, minutes=30)
    got = insights(
        history, customer_of=CUSTOMER_OF, working=WORKING, promise=promise, now=now, weeks=1
    ).total
    assert (got.waits, got.answered, got.unanswered) == (4, 2, 2)
    assert (got.within_promise, got.judged) == (1, 3)
    assert got.share_within_promise == pytest.approx(1 / 3)
    without = insights(
        history, customer_of=CUSTOMER_OF, working=WORKING, promise=None, now=now, weeks=1
    ).total
    assert (without.judged, without.share_within_promise) == (0, None)


def test_weeks_follow_the_zone_across_the_spring_switch() -> None:
    # London springs forward on Sunday 29 March 2026: that week has 167 hours.
    week = week_start(lon(2026, 3, 27, 12), LONDON)
    assert week == date(2026, 3, 23)
    bounds = week_bounds(week, LONDON)
    assert bounds.end - bounds.start == timedelta(hours=167)
    # Sunday 23:30 BST is still the week of the 23rd; Monday 00:00 BST the next.
    assert week_start(lon(2026, 3, 29, 23, 30), LONDON) == date(2026, 3, 23)
    assert week_start(lon(2026, 3, 30, 0, 0), LONDON) == date(2026, 3, 30)


def test_new_customers() -> None:
    now = lon(2026, 6, 10, 12)
    history = [
        sent(lon(2026, 5, 20, 10), "x@known-by-mail.example", thread="1"),
        received(lon(2026, 6, 8, 10), "y@known-by-mail.example", thread="2"),  # we wrote first
        received(lon(2026, 5, 1, 10), "old@regular.example", thread="3"),
        received(lon(2026, 6, 9, 10), "new@regular.example", thread="4"),  # known domain
        received(lon(2026, 6, 7, 10), "nina@fresh.example", thread="5"),
        received(lon(2026, 6, 8, 9), "nina@fresh.example", thread="5"),
        sent(lon(2026, 6, 8, 9, 5), "nina@fresh.example", thread="5", auto=True),
        sent(lon(2026, 6, 8, 11), "nina@fresh.example", thread="5"),
        received(lon(2026, 5, 20, 10), "long@ago.example", thread="6"),  # first, but too long ago
        received(lon(2026, 6, 9, 10), "news@bulk.example", thread="7", automatic=True),
    ]
    found = new_customers(history, CUSTOMER_OF, now=now, within=timedelta(days=14))
    assert [(n.customer, n.address, n.messages, n.answered) for n in found] == [
        ("fresh.example", "nina@fresh.example", 2, lon(2026, 6, 8, 11))
    ]


def test_activity_per_week_and_before_after() -> None:
    now = lon(2026, 6, 10, 12)  # Wednesday of the week of 8 June
    focus = (
        Interval(lon(2026, 6, 1, 10), lon(2026, 6, 1, 12)),
        Interval(lon(2026, 6, 7, 23), lon(2026, 6, 8, 1)),  # across the week boundary
        Interval(lon(2026, 6, 10, 11), lon(2026, 6, 10, 14)),  # runs past now
    )
    activity = Activity(
        held=(lon(2026, 6, 1, 10, 30), lon(2026, 6, 1, 13), lon(2026, 6, 8, 0, 30)),
        batches=(lon(2026, 6, 1, 13), lon(2026, 6, 9, 9, 30)),
        focus=focus,
    )
    history = [
        received(lon(2026, 6, 2, 10), "a@one.example", thread="1"),
        sent(lon(2026, 6, 2, 10, 10), "a@one.example", thread="1"),
        received(lon(2026, 6, 9, 10), "a@one.example", thread="2"),
        sent(lon(2026, 6, 9, 13), "a@one.example", thread="2"),
    ]
    got = insights(
        history,
        customer_of=CUSTOMER_OF,
        working=WORKING,
        promise=None,
        now=now,
        weeks=2,
        activity=activity,
        holding_since=lon(2026, 6, 5),
    )
    assert [w.focus_popups_avoided for w in got.weeks] == [1, 1]
    assert [w.check_in_batches for w in got.weeks] == [1, 1]
    assert [w.focus_time for w in got.weeks] == [timedelta(hours=3), timedelta(hours=2)]
    assert got.focus_time == timedelta(hours=5)
    ba = got.before_after
    assert ba.before.working.median == timedelta(minutes=10)
    assert ba.after.working.median == timedelta(hours=3)
    assert ba.before_weeks + ba.after_weeks == pytest.approx((now - lon(2026, 6, 1)) / timedelta(7))


def test_nearest_rank() -> None:
    values = [timedelta(minutes=m) for m in range(1, 11)]
    assert nearest_rank(values, 50) == timedelta(minutes=5)
    assert nearest_rank(values, 90) == timedelta(minutes=9)
    assert nearest_rank(values[:1], 90) == timedelta(minutes=1)
    assert Spread.of([]) == Spread(None, None)


def test_weeks_must_be_positive() -> None:
    with pytest.raises(ValueError, match="weeks"):
        insights(
            [], customer_of=CUSTOMER_OF, working=WORKING, promise=None, now=lon(2026, 6, 1), weeks=0
        )


# -- against an independent computation ---------------------------------------------------------

T0 = lon(2026, 3, 16)  # Monday; London springs forward on Sunday 29 March
NOW = lon(2026, 4, 8, 12, 0)
ADDRESSES = {
    "alpha.example": ("ann@alpha.example", "bo@alpha.example"),
    "beta.example": ("cy@beta.example",),
    "gamma.example": ("di+x@gamma.example",),
}
OTHERS = ("bob@corp.example", "news@list.example", "boss@vip.example")


def is_working_minute(m: datetime) -> bool:
    local = m.astimezone(LONDON)
    return local.weekday() < 5 and time(9, 0) <= local.time() < time(17, 30)


def walk(a: datetime, b: datetime) -> timedelta:
    """Working time from a to b, minute by minute (both whole minutes)."""
    n, m = 0, a
    while m < b:
        n += is_working_minute(m)
        m += MINUTE
    return n * MINUTE


def due_by_walk(a: datetime, promise: timedelta) -> datetime:
    need, n, m = promise // MINUTE, 0, a
    while True:
        if is_working_minute(m):
            n += 1
            if n == need:
                return m + MINUTE
        m += MINUTE


def customer_by_hand(address: str) -> str | None:
    domain = address.rpartition("@")[2]
    return None if domain in ("corp.example", "vip.example") else domain


@dataclass
class RefWait:
    customer: str
    started: datetime
    messages: int
    answered: datetime | None


def reference_waits(entries: list[HistoryEntry], labels: list[str]) -> list[RefWait]:
    """Per thread and per customer: that customer's own messages and the replies sent to
    them, in time order (replies first at one instant), scanned from the start."""
    out: list[RefWait] = []
    by_thread: dict[str, list[HistoryEntry]] = defaultdict(list)
    for e, label in zip(entries, labels, strict=True):
        by_thread[label].append(e)
    for items in by_thread.values():
        customers = {
            customer_by_hand(e.sender)
            for e in items
            if e.direction is Direction.RECEIVED and not e.automatic and e.sender
        } - {None}
        for customer in customers:
            mine = [
                e
                for e in items
                if (
                    e.direction is Direction.RECEIVED
                    and not e.automatic
                    and e.sender
                    and customer_by_hand(e.sender) == customer
                )
                or (
                    e.direction is Direction.SENT
                    and not e.own_autoreply
                    and any(customer_by_hand(r) == customer for r in e.recipients)
                )
            ]
            mine.sort(key=lambda e: (e.at, e.direction is Direction.RECEIVED))
            current: RefWait | None = None
            for e in mine:
                if e.at > NOW:
                    break
                if e.direction is Direction.RECEIVED:
                    if current is None:
                        current = RefWait(str(customer), e.at, 1, None)
                    else:
                        current.messages += 1
                elif current is not None:
                    current.answered = e.at
                    out.append(current)
                    current = None
            if current is not None:
                out.append(current)
    return out


def median_low(values: list[timedelta]) -> timedelta | None:
    return sorted(values)[(len(values) - 1) // 2] if values else None


def p90_by_counting(values: list[timedelta]) -> timedelta | None:
    """The smallest value that at least 90 % of the values do not exceed."""
    for v in sorted(values):
        if sum(1 for x in values if x <= v) * 10 >= 9 * len(values):
            return v
    return None


def reference_figures(
    group: list[RefWait], received: int, promise: timedelta | None
) -> ResponseFigures:
    answered = [w for w in group if w.answered is not None]
    working = [walk(w.started, w.answered) for w in answered if w.answered]
    calendar = [w.answered - w.started for w in answered if w.answered]
    within = judged = 0
    if promise is not None:
        for w in group:
            due = due_by_walk(w.started, promise)
            if w.answered is not None:
                judged += 1
                within += w.answered <= due
            elif due < NOW:
                judged += 1
    return ResponseFigures(
        received=received,
        waits=len(group),
        answered=len(answered),
        chasers=sum(w.messages - 1 for w in group),
        unanswered=len(group) - len(answered),
        within_promise=within,
        judged=judged,
        working=Spread(median_low(working), p90_by_counting(working)),
        calendar=Spread(median_low(calendar), p90_by_counting(calendar)),
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[HistoryEntry], list[str]]:
    """Random threads over three weeks and a half; each message linked to its thread by the
    conversation token or by a reference to the thread's first message."""
    entries: list[HistoryEntry] = []
    labels: list[str] = []
    for t in range(draw(st.integers(1, 7))):
        customer = draw(st.sampled_from(sorted(ADDRESSES)))
        start = draw(st.integers(0, 23 * 24 * 60))  # minutes after T0
        offsets = sorted(draw(st.lists(st.integers(0, 5 * 24 * 60), min_size=1, max_size=7)))
        root = f"m{t}-0"
        for i, offset in enumerate(offsets):
            at = T0 + (start + offset) * MINUTE
            kind = "in" if i == 0 else draw(st.sampled_from(["in", "out", "out", "auto", "odd"]))
            link = i == 0 or draw(st.booleans())
            common = {
                "key": f"k{t}-{i}",
                "at": at,
                "message": f"m{t}-{i}",
                "parents": () if i == 0 or link else (root,),
                "conversation": f"c{t}" if link else None,
            }
            if kind == "in":
                sender = draw(st.sampled_from(ADDRESSES[customer]))
                e = HistoryEntry(
                    direction=Direction.RECEIVED, sender=sender, recipients=(ME,), **common
                )
            elif kind == "odd":  # a colleague, a list or the boss writes in the thread
                sender = draw(st.sampled_from(OTHERS))
                e = HistoryEntry(
                    direction=Direction.RECEIVED,
                    sender=sender,
                    recipients=(ME,),
                    automatic=sender.startswith("news@"),
                    **common,
                )
            else:
                to = draw(
                    st.lists(
                        st.sampled_from(
                            [*ADDRESSES[customer], *ADDRESSES["beta.example"], *OTHERS]
                        ),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                )
                e = HistoryEntry(
                    direction=Direction.SENT,
                    sender=None,
                    recipients=tuple(to),
                    own_autoreply=kind == "auto",
                    **common,
                )
            entries.append(e)
            labels.append(f"t{t}")
    return entries, labels


promises = st.none() | st.integers(1, 16).map(lambda q: timedelta(minutes=30 * q))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), promises)
def test_figures_match_an_independent_computation(
    history: tuple[list[HistoryEntry], list[str]], promise: timedelta | None
) -> None:
    entries, labels = history
    got = insights(
        entries,
        customer_of=CUSTOMER_OF,
        working=WORKING,
        promise=None if promise is None else Promise(WORKING, promise, timedelta(0)),
        now=NOW,
        weeks=4,
    )
    ref_waits = reference_waits(entries, labels)
    weeks = [T0.astimezone(LONDON).date() + timedelta(days=7 * n) for n in range(4)]

    def week_of(t: datetime) -> date:
        d = t.astimezone(LONDON).date()
        return d - timedelta(days=d.weekday())

    arrivals = [
        (e.at, customer_by_hand(e.sender))
        for e in entries
        if e.direction is Direction.RECEIVED and not e.automatic and e.sender and e.at <= NOW
    ]
    arrivals = [(at, c) for at, c in arrivals if c is not None]
    assert got.total == reference_figures(ref_waits, len(arrivals), promise)
    assert [w.week for w in got.weeks] == weeks
    for row in got.weeks:
        group = [w for w in ref_waits if week_of(w.started) == row.week]
        count = sum(1 for at, _ in arrivals if week_of(at) == row.week)
        assert row.responses == reference_figures(group, count, promise), row.week
    customers = {c.customer: c for c in got.customers}
    assert set(customers) == {c for _, c in arrivals}
    for key, c in customers.items():
        group = [w for w in ref_waits if w.customer == key]
        count = sum(1 for _, who in arrivals if who == key)
        assert c.responses == reference_figures(group, count, promise), key
        for week, figures in c.weeks:
            in_week = [w for w in group if week_of(w.started) == week]
            n = sum(1 for at, who in arrivals if who == key and week_of(at) == week)
            assert figures == reference_figures(in_week, n, promise), (key, week)
    # Busiest first.
    volumes = [c.responses.received for c in got.customers]
    assert volumes == sorted(volumes, reverse=True)
    assert math.isfinite(sum(w.responses.received for w in got.weeks))
