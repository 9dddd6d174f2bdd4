"""The insights in words (core/insights_text.py): the before/after sentence in each case, new
customers, the CSV export (a customer name that looks like a formula stays text), durations."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from focusguard.core import insights_text
from focusguard.domain.insights import (
    BeforeAfter,
    CustomerFigures,
    Insights,
    NewCustomer,
    ResponseFigures,
    Spread,
    WeekFigures,
)

NOW = datetime(2026, 4, 15, 11, 7, tzinfo=UTC)
SINCE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def figures(waits: int, chasers: int, median: timedelta | None) -> ResponseFigures:
    return ResponseFigures(
        received=waits + chasers,
        waits=waits,
        answered=waits,
        chasers=chasers,
        working=Spread(median, median),
    )


def test_the_before_after_sentence_says_whether_customers_are_trained() -> None:
    before, after = figures(10, 8, H / 2), figures(10, 2, 2 * H)
    ba = BeforeAfter(SINCE, before, after, 2.0, 2.0)
    assert insights_text.trained(ba, UTC) == (
        "Your customers are being trained: they chase less since FocusGuard started holding "
        "mail on 1 Apr — 0.2 chasers per request (was 0.8); median first response 2h of "
        "working time (was 30 min)."
    )
    more = replace(ba, after=figures(10, 9, H))
    assert insights_text.trained(more, UTC).startswith("Your customers chase more since")
    assert insights_text.trained(replace(ba, holding_since=None), UTC).startswith(
        "FocusGuard has not held any mail yet"
    )
    assert "nothing from before to compare with" in insights_text.trained(
        replace(ba, before=ResponseFigures()), UTC
    )
    assert insights_text.trained(replace(ba, after=ResponseFigures()), UTC) == (
        "No customer has written since FocusGuard started holding mail on 1 Apr."
    )


def test_a_new_customer_is_worth_a_follow_up_call() -> None:
    n = NewCustomer("acme.example", "ann@acme.example", NOW - timedelta(days=3, hours=1), 2, None)
    assert insights_text.new_customer(n, NOW) == (
        "acme.example (ann@acme.example): first mail 3 days ago, 2 messages, not answered "
        "yet — worth a follow-up call"
    )
    same = replace(n, customer="ann@acme.example", first_seen=NOW - H, messages=1, answered=NOW)
    assert insights_text.new_customer(same, NOW) == (
        "ann@acme.example: first mail today, 1 message, answered — worth a follow-up call"
    )


def test_csv_rows_per_week_and_per_customer_and_no_formulas() -> None:
    week = date(2026, 4, 13)
    r = figures(3, 1, 90 * timedelta(minutes=1))
    ins = Insights(
        since=SINCE,
        until=NOW,
        total=r,
        weeks=(WeekFigures(week, r),),
        customers=(
            CustomerFigures('=HYPERLINK("http://x")', r, ((week, r),), SINCE),
            CustomerFigures("acme.example", r, ((week, r),), SINCE, new=True),
        ),
        new_customers=(),
        before_after=BeforeAfter(None, ResponseFigures(), r, 0.0, 2.0),
        focus_popups_avoided=0,
        check_in_batches=0,
        focus_time=timedelta(0),
    )
    rows = list(csv.reader(io.StringIO(insights_text.csv_text(ins))))
    assert rows[0] == list(insights_text.CSV_HEADER)
    assert rows[1][:3] == ["(all customers)", "2026-04-13", "4"]
    assert rows[1][9:] == ["90", "90", "", ""]
    assert rows[2][0] == '\'=HYPERLINK("http://x")'
    assert rows[3][0] == "acme.example"
    table = insights_text.table(ins, UTC, NOW)
    assert "acme.example (new)" in table
    assert "FocusGuard did not hold mail or keep focus in these weeks." in table


def test_durations() -> None:
    assert [insights_text.duration(d) for d in (None, H / 4, H, 3 * H + 10 * H / 60)] == [
        "—",
        "15 min",
        "1h",
        "3h10",
    ]
