"""Wall-clock times in a time zone, resolved to instants the way a person means them.

A wall-clock time that does not exist (the spring-forward gap) means the first instant after
the gap; an ambiguous one (the fall-back repeat) means its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def resolve(day: date, at: time, zone: tzinfo) -> datetime:
    """The instant (UTC) at which the wall clock in `zone` shows `at` on `day`."""
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).replace(fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant  # exists; fold=0 already chose the first of two occurrences
    # In a gap: fold=0 used the offset from before the switch, which lands after the gap.
    # The other fold lands before it; the switch itself lies between. Bisect to the second.
    late = instant
    early = local.replace(fold=1).astimezone(UTC)
    if early > late:
        early, late = late, early
    off_late = late.astimezone(zone).utcoffset()
    while late - early > timedelta(seconds=1):
        mid = early + (late - early) / 2
        if mid.astimezone(zone).utcoffset() == off_late:
            late = mid
        else:
            early = mid
    return late.replace(microsecond=0)


def utc_instant(t: datetime) -> datetime:
    """An aware instant in UTC, so arithmetic is in real time (not wall-clock, not fold-blind)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("FocusGuard needs timezone-aware datetimes")
    return t.astimezone(UTC)


def local_date(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def format_clock(instant: datetime, zone: tzinfo, now: datetime | None = None) -> str:
    """ "13:00" today, "Mon 09:30" within a week, "3 Dec 09:30" beyond: short, for people."""
    local = instant.astimezone(zone)
    hhmm = local.strftime("%H:%M")
    if now is None:
        return hhmm
    today = now.astimezone(zone).date()
    days = (local.date() - today).days
    if days == 0:
        return hhmm
    if days == 1:
        return f"tomorrow {hhmm}"
    if 1 < days < 7:
        return f"{local.strftime('%a')} {hhmm}"
    return f"{local.day} {local.strftime('%b')} {hhmm}"


def tomorrow_at(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The instant `at` on the calendar day after `now`, on the wall clock of `zone`."""
    return resolve(local_date(now, zone) + timedelta(days=1), at, zone)


def format_duration(span: timedelta) -> str:
    """ "3h", "2h59", "45m": a wait or a promise, short, for people (whole minutes, rounded
    up, so a wait a few seconds over the promise never reads as equal to it)."""
    minutes = -(-span // timedelta(minutes=1))
    hours, rest = divmod(max(minutes, 0), 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"
