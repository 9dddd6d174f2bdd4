"""One line that says what FocusGuard is doing: the tooltip, `focusguard status`, the menu."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from focusguard.core.engine import Status
from focusguard.domain.clock_time import format_clock


def status_line(status: Status, problem: str | None = None) -> str:
    """E.g. "Focus until 11:30 · 4 held (1 at risk) · next check-in 13:00"."""
    zone = ZoneInfo(status.zone)

    def clock(t: datetime) -> str:
        return format_clock(t, zone, status.now)

    parts: list[str] = []
    if status.paused_until is not None:
        parts.append(f"Paused until {clock(status.paused_until)}")
    elif status.focus_until is not None:
        parts.append(f"Focus until {clock(status.focus_until)}")
    elif status.in_check_in:
        parts.append("Check-in open")
    else:
        parts.append("Open")
    held = f"{status.held} held"
    against_promise = [
        f"{n} {what}" for n, what in ((status.overdue, "overdue"), (status.at_risk, "at risk")) if n
    ]
    parts.append(f"{held} ({', '.join(against_promise)})" if against_promise else held)
    if status.next_check_in is not None and status.paused_until is None:
        parts.append(f"next check-in {clock(status.next_check_in)}")
    line = " · ".join(parts)
    problem = problem or status.problem
    if problem:
        line += f" · ⚠ {problem}"
    return line
