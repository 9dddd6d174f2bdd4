"""Focus blocks from the calendar: appointments whose subject is the focus subject.

`calendar.view()` is a FindItem with CalendarView: recurrences come expanded, items that
overlap the window are returned, and EWS cannot combine it with a restriction, so the subject
is compared here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from exchangelib import EWSDateTime

from focusguard.domain.schedule import Interval
from focusguard.mail.ews.items import plain_utc


def _ews(t: dt.datetime) -> EWSDateTime:
    return EWSDateTime.from_datetime(t.astimezone(dt.UTC).replace(microsecond=0))


def focus_blocks(
    account: Any, subject: str, since: dt.datetime, until: dt.datetime
) -> list[Interval]:
    wanted = subject.strip().casefold()
    if not wanted or until <= since:
        return []
    view = account.calendar.view(start=_ews(since), end=_ews(until)).only("subject", "start", "end")
    out: list[Interval] = []
    for event in view:
        if isinstance(event, Exception):
            continue
        if (event.subject or "").strip().casefold() != wanted:
            continue
        start, end = event.start, event.end
        if start is None or end is None:
            continue
        if not isinstance(start, dt.datetime):  # an all-day EWSDate
            start = dt.datetime.combine(start, dt.time(), dt.UTC)
            end = dt.datetime.combine(end, dt.time(), dt.UTC)
        begin, finish = plain_utc(start), plain_utc(end)
        if finish > begin:
            out.append(Interval(begin, finish))
    return sorted(out)
