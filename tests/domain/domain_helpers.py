"""Shared helpers for the domain tests: wall-clock instants in named zones."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from focusguard.domain.schedule import Interval, WeeklyBlock

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
SYDNEY = ZoneInfo("Australia/Sydney")

WORKWEEK = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def at(zone: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """An existing wall-clock time in `zone`, as a UTC instant."""
    return datetime(y, mo, d, h, mi, fold=fold, tzinfo=zone).astimezone(UTC)


def lon(d: int, h: int = 0, mi: int = 0, mo: int = 6, y: int = 2026) -> datetime:
    """London wall clock, by default in the DST-free week of Monday 1 June 2026."""
    return at(LONDON, y, mo, d, h, mi)


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def block(days: frozenset[int] | set[int], start: str, end: str) -> WeeklyBlock:
    return WeeklyBlock(frozenset(days), time.fromisoformat(start), time.fromisoformat(end))


def wall(t: datetime, zone: ZoneInfo = LONDON) -> str:
    """A UTC instant as local "YYYY-MM-DD HH:MM ZZZ", for readable assertions."""
    local = t.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
