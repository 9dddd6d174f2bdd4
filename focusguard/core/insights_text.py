"""The insights and the preview in words (issue 13 §3, §4): what `focusguard insights` and
`focusguard preview` print, the CSV export, `--json`, and the sentences the Insights window
shows. Plain text only: customer names and addresses come from mail (untrusted), so nothing
here is ever meant to be rendered as rich text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo

from focusguard.domain.insights import (
    BeforeAfter,
    CustomerFigures,
    Insights,
    NewCustomer,
    ResponseFigures,
    Spread,
)

NONE = "—"  # a figure there is nothing to compute from
CSV_HEADER = (
    "customer",
    "week",
    "received",
    "waits",
    "answered",
    "chasers",
    "unanswered",
    "within_promise",
    "judged",
    "median_working_min",
    "p90_working_min",
    "median_calendar_min",
    "p90_calendar_min",
)
ALL_CUSTOMERS = "(all customers)"


def duration(d: timedelta | None) -> str:
    """45 min, 3h, 3h10 — or "—" for no value."""
    if d is None:
        return NONE
    minutes = max(0, int(d.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def share(value: float | None) -> str:
    return NONE if value is None else f"{round(value * 100)} %"


def plural(n: int, noun: str, many: str | None = None) -> str:
    return f"{n} {noun if n == 1 else many or noun + 's'}"


def _minutes(d: timedelta | None) -> str:
    return "" if d is None else str(int(d.total_seconds() // 60))


def chasers_per_wait(r: ResponseFigures) -> float | None:
    return r.chasers / r.waits if r.waits else None


# -- sentences ------------------------------------------------------------------------------
def trained(before_after: BeforeAfter, zone: tzinfo) -> str:
    """Are my customers trained? The before/after comparison in one sentence."""
    since, before, after = before_after.holding_since, before_after.before, before_after.after
    if since is None:
        return (
            "FocusGuard has not held any mail yet: once it has, this compares how often "
            "customers chase you and how fast you answer before and after."
        )
    day = since.astimezone(zone).strftime("%d %b").lstrip("0")
    if not before.waits:
        return (
            f"FocusGuard has held mail since {day}; the history kept starts after that, so "
            "there is nothing from before to compare with."
        )
    if not after.waits:
        return f"No customer has written since FocusGuard started holding mail on {day}."
    was, now = chasers_per_wait(before), chasers_per_wait(after)
    assert was is not None and now is not None
    if now < was:
        verdict = "Your customers are being trained: they chase less"
    elif now > was:
        verdict = "Your customers chase more"
    else:
        verdict = "Your customers chase as often"
    return (
        f"{verdict} since FocusGuard started holding mail on {day} — "
        f"{now:.1f} chasers per request (was {was:.1f}); "
        f"median first response {duration(after.working.median)} of working time "
        f"(was {duration(before.working.median)})."
    )


def new_customer(customer: NewCustomer, now: datetime) -> str:
    """ "acme.example (ann@acme.example): first mail 3 days ago, 2 messages, not answered
    yet — worth a follow-up call"."""
    days = (now - customer.first_seen) // timedelta(days=1)
    ago = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
    who = (
        customer.customer
        if customer.address in ("", customer.customer)
        else f"{customer.customer} ({customer.address})"
    )
    answered = "answered" if customer.answered is not None else "not answered yet"
    return (
        f"{who}: first mail {ago}, {plural(customer.messages, 'message')}, {answered} — "
        "worth a follow-up call"
    )


def overall(ins: Insights) -> str:
    """The window's period and FocusGuard's own part in one line."""
    t = ins.total
    return (
        f"{plural(t.received, 'customer message')}, {plural(t.waits, 'request')}, "
        f"{plural(t.chasers, 'chaser')}; median first response "
        f"{duration(t.working.median)} (p90 {duration(t.working.p90)}) of working time; "
        f"within the promise {share(t.share_within_promise)}; "
        f"{plural(t.unanswered, 'request')} unanswered now. " + _focusguard_part(ins)
    )


def _focusguard_part(ins: Insights) -> str:
    if not (ins.focus_popups_avoided or ins.check_in_batches or ins.focus_time):
        return "FocusGuard did not hold mail or keep focus in these weeks."
    return (
        f"FocusGuard held {plural(ins.focus_popups_avoided, 'pop-up')} during focus and "
        f"brought mail out in "
        f"{plural(ins.check_in_batches, 'check-in batch', 'check-in batches')}; "
        f"{duration(ins.focus_time)} in focus."
    )


# -- the table ------------------------------------------------------------------------------
def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        out = [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def week_label(week: date) -> str:
    return week.strftime("%d %b").lstrip("0")


def customer_row(c: CustomerFigures) -> list[str]:
    r = c.responses
    return [
        c.customer + (" (new)" if c.new else ""),
        str(r.received),
        str(r.chasers),
        duration(r.working.median),
        duration(r.working.p90),
        share(r.share_within_promise),
        str(r.unanswered),
    ]


CUSTOMER_HEADER = ("customer", "messages", "chasers", "median", "p90", "in promise", "open")


def table(ins: Insights, zone: tzinfo, now: datetime) -> str:
    """What `focusguard insights` prints: the period, the weeks, the customers (busiest
    first), the new customers and the before/after sentence."""
    first = ins.since.astimezone(zone).strftime("%a %d %b %Y")
    last = ins.until.astimezone(zone).strftime("%a %d %b %Y %H:%M")
    out = [f"Insights {first} – {last} (response times in working time)", overall(ins), ""]
    weeks = [
        [
            f"week of {week_label(w.week)}",
            str(w.responses.received),
            str(w.responses.chasers),
            duration(w.responses.working.median),
            duration(w.responses.working.p90),
            share(w.responses.share_within_promise),
            str(w.focus_popups_avoided),
            str(w.check_in_batches),
        ]
        for w in ins.weeks
    ]
    out += _table(
        ("week", "messages", "chasers", "median", "p90", "in promise", "held", "batches"), weeks
    )
    out.append("")
    if ins.customers:
        out += _table(CUSTOMER_HEADER, [customer_row(c) for c in ins.customers])
    else:
        out.append("No customer mail in these weeks.")
    if ins.new_customers:
        out += ["", "New customers:"]
        out += [f"  {new_customer(n, now)}" for n in ins.new_customers]
    out += ["", trained(ins.before_after, zone)]
    return "\n".join(out)


def _csv_row(customer: str, week: str, r: ResponseFigures) -> list[object]:
    return [
        customer,
        week,
        r.received,
        r.waits,
        r.answered,
        r.chasers,
        r.unanswered,
        r.within_promise,
        r.judged,
        _minutes(r.working.median),
        _minutes(r.working.p90),
        _minutes(r.calendar.median),
        _minutes(r.calendar.p90),
    ]


def csv_text(ins: Insights) -> str:
    """One row per week for all customers, then one per customer and week (`--csv`, the
    window's CSV export). Durations in whole minutes; a customer name that looks like a
    spreadsheet formula is quoted with a leading apostrophe (CSV injection)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for w in ins.weeks:
        writer.writerow(_csv_row(ALL_CUSTOMERS, w.week.isoformat(), w.responses))
    for c in ins.customers:
        for week, r in c.weeks:
            writer.writerow(_csv_row(_cell(c.customer), week.isoformat(), r))
    return buffer.getvalue()


def _cell(text: str) -> str:
    # OWASP "CSV Injection": a cell starting with = + - @ (or tab/CR) runs as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- JSON -----------------------------------------------------------------------------------
def _spread(s: Spread) -> dict[str, object]:
    return {"median_min": _number(s.median), "p90_min": _number(s.p90)}


def _number(d: timedelta | None) -> float | None:
    return None if d is None else round(d / timedelta(minutes=1), 1)


def responses_json(r: ResponseFigures) -> dict[str, object]:
    return {
        "received": r.received,
        "waits": r.waits,
        "answered": r.answered,
        "chasers": r.chasers,
        "unanswered": r.unanswered,
        "within_promise": r.within_promise,
        "judged": r.judged,
        "working": _spread(r.working),
        "calendar": _spread(r.calendar),
    }


def insights_json(ins: Insights) -> dict[str, object]:
    ba = ins.before_after
    return {
        "since": ins.since.isoformat(),
        "until": ins.until.isoformat(),
        "total": responses_json(ins.total),
        "focus_popups_avoided": ins.focus_popups_avoided,
        "check_in_batches": ins.check_in_batches,
        "focus_time_min": _number(ins.focus_time),
        "weeks": [
            {
                "week": w.week.isoformat(),
                **responses_json(w.responses),
                "focus_popups_avoided": w.focus_popups_avoided,
                "check_in_batches": w.check_in_batches,
                "focus_time_min": _number(w.focus_time),
            }
            for w in ins.weeks
        ],
        "customers": [
            {
                "customer": c.customer,
                "new": c.new,
                "first_seen": c.first_seen.isoformat(),
                **responses_json(c.responses),
            }
            for c in ins.customers
        ],
        "new_customers": [
            {
                "customer": n.customer,
                "address": n.address,
                "first_seen": n.first_seen.isoformat(),
                "messages": n.messages,
                "answered": None if n.answered is None else n.answered.isoformat(),
            }
            for n in ins.new_customers
        ],
        "before_after": {
            "holding_since": None if ba.holding_since is None else ba.holding_since.isoformat(),
            "before": responses_json(ba.before),
            "after": responses_json(ba.after),
            "before_weeks": round(ba.before_weeks, 2),
            "after_weeks": round(ba.after_weeks, 2),
        },
    }
