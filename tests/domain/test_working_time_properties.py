"""Properties of working-time arithmetic and the promise over random working hours, workdays,
holidays and instants, in zones with and without daylight saving (instants are drawn around
the 2026 switches, and around St John's 2009 fall-back across midnight).

The reference is independent of the month tables: each working day's period is
resolve(day, start)..resolve(day, end), and working time is the sum of their overlaps.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focusguard.domain.clock_time import resolve
from focusguard.domain.promise import Promise, PromiseStatus
from focusguard.domain.working_time import WorkingTime

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Asia/Tokyo",
        "America/St_Johns",
        "UTC",
    )
]
ANCHORS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York spring forward
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # London spring forward
    datetime(2026, 4, 4, 16, tzinfo=UTC),  # Sydney fall back
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Sydney spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # London fall back
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York fall back
    datetime(2009, 11, 1, 2, 30, tzinfo=UTC),  # St John's: an hour repeated across midnight
    datetime(2026, 6, 5, 15, tzinfo=UTC),  # an ordinary Friday afternoon
    datetime(2026, 12, 31, 23, tzinfo=UTC),  # a month (and year) boundary
]
US = timedelta(microseconds=1)
MINUTE = timedelta(minutes=1)

quarter_hours = st.integers(0, 24 * 4 - 1).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def working_times(draw: st.DrawFn, anchor: datetime) -> WorkingTime:
    zone = draw(st.sampled_from(ZONES))
    a, b = draw(quarter_hours), draw(quarter_hours)
    if a == b:
        b = time(23, 59) if a != time(23, 59) else time(0)
    start, end = min(a, b), max(a, b)
    base = anchor.astimezone(zone).date()
    holidays = draw(st.frozensets(st.integers(-20, 20).map(lambda n: base + timedelta(days=n))))
    workdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return WorkingTime(zone, workdays, (start, end), holidays)


@st.composite
def instants(draw: st.DrawFn, anchor: datetime, days: int = 10) -> datetime:
    t = anchor + timedelta(
        minutes=draw(st.integers(-days * 24 * 60, days * 24 * 60)),
        microseconds=draw(st.sampled_from([0, 0, 1, 999_999, 30_000_000])),
    )
    return t


@st.composite
def cases(draw: st.DrawFn) -> tuple[WorkingTime, datetime, datetime]:
    anchor = draw(st.sampled_from(ANCHORS))
    wt = draw(working_times(anchor))
    a, b = draw(instants(anchor)), draw(instants(anchor))
    if draw(st.booleans()):  # given as a local wall clock (with fold) rather than UTC
        a = a.astimezone(wt.zone)
    return wt, a, b


durations = st.integers(1, 6 * 24 * 60).map(lambda m: m * MINUTE)


def reference_elapsed(wt: WorkingTime, since: datetime, until: datetime) -> timedelta:
    total = timedelta()
    if until <= since:
        return total
    day = since.astimezone(wt.zone).date() - timedelta(days=2)
    last = until.astimezone(wt.zone).date() + timedelta(days=2)
    while day <= last:
        if day.weekday() in wt.workdays and day not in wt.holidays:
            s, e = resolve(day, wt.hours[0], wt.zone), resolve(day, wt.hours[1], wt.zone)
            lo, hi = max(s, since), min(e, until)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(cases())
def test_elapsed_is_the_sum_of_the_working_periods(
    case: tuple[WorkingTime, datetime, datetime],
) -> None:
    wt, a, b = case
    assert wt.elapsed(a, b) == reference_elapsed(wt, a, b)
    assert sum((p.duration for p in wt.periods(a, b)), timedelta()) == wt.elapsed(a, b)


@PROPS
@given(cases(), durations)
def test_working_time_between_received_and_due_equals_the_promise(
    case: tuple[WorkingTime, datetime, datetime], promise: timedelta
) -> None:
    wt, received, _ = case
    due = wt.add(received, promise)
    assert due > received
    assert wt.elapsed(received, due) == promise
    assert wt.elapsed(received, due - US) < promise  # the first such instant


@PROPS
@given(cases(), durations)
def test_due_is_monotonic_in_received(
    case: tuple[WorkingTime, datetime, datetime], promise: timedelta
) -> None:
    wt, a, b = case
    early, late = sorted((a, b))
    assert wt.add(early, promise) <= wt.add(late, promise)


@PROPS
@given(cases(), durations)
def test_subtract_is_the_latest_start_of_that_much_working_time(
    case: tuple[WorkingTime, datetime, datetime], amount: timedelta
) -> None:
    wt, _, t = case
    s = wt.subtract(t, amount)
    assert s < t
    assert wt.elapsed(s, t) == amount
    assert wt.elapsed(s + US, t) < amount
    # and add undoes it from the same start
    assert wt.add(s, amount) <= t


@PROPS
@given(cases(), durations)
def test_subtract_finds_the_working_start_that_add_began_at(
    case: tuple[WorkingTime, datetime, datetime], amount: timedelta
) -> None:
    """From a working start, subtracting what was added lands on that start again, never on
    the end of the period before it (which has the same working time up to the due)."""
    wt, t, _ = case
    start = wt.next_start(t)
    assert wt.subtract(wt.add(start, amount), amount) == start


@PROPS
@given(cases(), st.integers(0, 20 * 24 * 60))
def test_elapsed_adds_up(case: tuple[WorkingTime, datetime, datetime], minutes: int) -> None:
    wt, a, b = case
    lo, hi = sorted((a, b))
    mid = lo + timedelta(minutes=minutes) if lo + timedelta(minutes=minutes) < hi else hi
    assert wt.elapsed(lo, mid) + wt.elapsed(mid, hi) == wt.elapsed(lo, hi)


@PROPS
@given(cases())
def test_next_start_is_the_next_working_instant(
    case: tuple[WorkingTime, datetime, datetime],
) -> None:
    wt, t, _ = case
    start = wt.next_start(t)
    assert start >= t
    assert wt.elapsed(t, start) == timedelta()
    assert wt.elapsed(start, start + US) == US


@PROPS
@given(cases(), durations, st.integers(0, 100))
def test_promise_guard_state_and_cut_offs_agree(
    case: tuple[WorkingTime, datetime, datetime], reply_within: timedelta, margin_pct: int
) -> None:
    wt, received, now = case
    margin = min(reply_within * margin_pct // 100, reply_within - MINUTE)
    promise = Promise(wt, reply_within, margin)
    due, guard = promise.due(received), promise.guard(received)
    assert received < guard <= due
    assert wt.elapsed(guard, due) == margin
    state = promise.state(received, now)
    assert state.reply_by == due
    assert state.used == wt.elapsed(received, now)
    # graded by the share of the promise used, and "received at or before the cut-off"
    # says the same thing (what the store counts)
    at_risk = received <= promise.at_risk_cutoff(now)
    breached = received <= promise.breach_cutoff(now)
    assert breached == (now >= due) == (state.status is PromiseStatus.BREACHED)
    assert at_risk == (state.status is not PromiseStatus.ON_TRACK)
    assert at_risk == (state.used * 4 >= reply_within * 3)
