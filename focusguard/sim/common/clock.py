"""The simulators' clock: UTC, whole seconds (Exchange and Graph both report no fractions)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
