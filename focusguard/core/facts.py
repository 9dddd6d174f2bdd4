"""Runtime facts the engine persists between runs (focus state, pause), as JSON text."""

from __future__ import annotations

import json
from datetime import datetime

from focusguard.domain.schedule import FocusState, Interval

FOCUS_STATE = "focus_state"
PAUSED_UNTIL = "paused_until"
LAST_TICK = "last_tick"


def encode_focus(state: FocusState) -> str:
    def ivs(items: tuple[Interval, ...]) -> list[list[str]]:
        return [[iv.start.isoformat(), iv.end.isoformat()] for iv in items]

    return json.dumps(
        {"adhoc": ivs(state.adhoc), "calendar": ivs(state.calendar), "ended": ivs(state.ended)}
    )


def decode_focus(text: str | None) -> FocusState:
    """Never fails: a damaged value means no run-time focus (scheduled blocks still apply)."""
    if not text:
        return FocusState()
    try:
        raw = json.loads(text)

        def ivs(key: str) -> tuple[Interval, ...]:
            return tuple(
                Interval(datetime.fromisoformat(a), datetime.fromisoformat(b))
                for a, b in raw.get(key, [])
            )

        return FocusState(ivs("adhoc"), ivs("calendar"), ivs("ended"))
    except (ValueError, TypeError, AttributeError):
        return FocusState()


def encode_instant(t: datetime | None) -> str:
    return json.dumps(None if t is None else t.isoformat())


def decode_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = json.loads(text)
        t = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return t if t is not None and t.tzinfo is not None else None
