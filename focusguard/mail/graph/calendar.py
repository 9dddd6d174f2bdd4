"""Focus blocks from the calendar: events whose subject is the focus subject, via calendarView
(recurrences expanded by the server; https://learn.microsoft.com/en-us/graph/api/user-list-calendarview).
Subjects compare case-insensitively after stripping, like the EWS backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from focusguard.domain.schedule import Interval
from focusguard.mail.graph.client import GraphClient
from focusguard.mail.graph.items import iso_z, parse_instant


def _when(value: Any) -> datetime | None:
    if not isinstance(value, dict) or not value.get("dateTime"):
        return None
    zone = str(value.get("timeZone") or "UTC")
    if zone.upper() not in ("UTC", "ETC/UTC"):
        # We ask for UTC (Prefer: outlook.timezone="UTC"); anything else is unexpected.
        raise ValueError(f"calendar time in zone {zone!r}")
    return parse_instant(str(value["dateTime"]))


def focus_blocks(
    client: GraphClient, subject: str, since: datetime, until: datetime
) -> list[Interval]:
    wanted = subject.strip().casefold()
    if not wanted or until <= since:
        return []
    params = {
        "startDateTime": iso_z(since),
        "endDateTime": iso_z(until),
        "$select": "subject,start,end",
        "$top": "100",
    }
    out: list[Interval] = []
    for page in client.pages("/me/calendarView", params=params, prefer=['outlook.timezone="UTC"']):
        for event in page.get("value", []):
            if str(event.get("subject") or "").strip().casefold() != wanted:
                continue
            start, end = _when(event.get("start")), _when(event.get("end"))
            if start is not None and end is not None and end > start:
                out.append(Interval(start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(out)
