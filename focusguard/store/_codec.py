"""Datetimes to and from the database: ISO-8601 UTC text with a fixed width, so text order
is time order and SQL comparisons on the columns are correct."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(value: datetime, name: str = "datetime") -> str:
    """Aware datetime -> 'YYYY-MM-DDTHH:MM:SS.ffffff+00:00'. Naive -> ValueError."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_db_opt(value: datetime | None, name: str = "datetime") -> str | None:
    return None if value is None else to_db(value, name)


def from_db(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is UTC:  # what to_db writes: nothing to convert (the common case)
        return value
    if value.tzinfo is None:  # written by hand or by an older tool: UTC by contract
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_db_opt(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)
