"""Runtime facts the engine persists between runs (focus state, pause), and the ones the app
and its fail-safe share (heartbeat, what the fail-safe did), as JSON text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypeGuard

from focusguard.core.failsafe import Heartbeat, LastRun, RunRecord
from focusguard.domain.schedule import FocusState, Interval

FOCUS_STATE = "focus_state"
PAUSED_UNTIL = "paused_until"
LAST_TICK = "last_tick"
# What the held entries' stored release times were computed from (core/release_times.py).
RELEASE_BASIS = "release_basis"


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
    except ValueError:
        return None
    return _instant(value)


def encode_text(value: str) -> str:
    return json.dumps(value)


def decode_text(text: str | None) -> str | None:
    """Never fails: anything but a JSON string is no value."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, str) else None


# -- the fail-safe (core/failsafe.py) ---------------------------------------------------------
HEARTBEAT = "app_heartbeat"
FAILSAFE_RUNS = "failsafe_runs"  # what fail-safe runs did, until the app has reported it
FAILSAFE_LAST = "failsafe_last"  # the last acting run: whether it may skip the server next
MAX_REPORTED_RUNS = 50  # a week of nights at most: the report is a summary


def encode_heartbeat(beat: Heartbeat) -> str:
    return json.dumps({"at": beat.at.isoformat(), "pid": beat.pid, "running": beat.running})


def decode_heartbeat(text: str | None) -> Heartbeat | None:
    """Never fails: a damaged value is no heartbeat (the fail-safe then relies on the lock)."""
    raw = _object(text)
    if raw is None:
        return None
    at = _instant(raw.get("at"))
    pid, running = raw.get("pid"), raw.get("running")
    if at is None or not isinstance(pid, int) or not isinstance(running, bool):
        return None
    return Heartbeat(at, pid, running)


def encode_runs(runs: list[RunRecord]) -> str:
    return json.dumps(
        [
            {
                "at": r.at.isoformat(),
                "released": r.released,
                "failed": r.failed,
                "rules_off": r.rules_off,
                "problem": r.problem,
            }
            for r in runs[-MAX_REPORTED_RUNS:]
        ]
    )


def decode_runs(text: str | None) -> list[RunRecord]:
    try:
        raw = json.loads(text) if text else []
    except ValueError:
        return []
    runs: list[RunRecord] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        at = _instant(item.get("at"))
        released, failed = item.get("released"), item.get("failed")
        problem = item.get("problem")
        if (
            at is None
            or not _count(released)
            or not _count(failed)
            or not isinstance(item.get("rules_off"), bool)
            or not (problem is None or isinstance(problem, str))
        ):
            continue
        runs.append(RunRecord(at, released, failed, item["rules_off"], problem))
    return runs


def encode_last_run(last: LastRun) -> str:
    beat_at = None if last.beat_at is None else last.beat_at.isoformat()
    return json.dumps({"beat_at": beat_at, "complete": last.complete})


def decode_last_run(text: str | None) -> LastRun | None:
    raw = _object(text)
    complete = None if raw is None else raw.get("complete")
    if raw is None or not isinstance(complete, bool):
        return None
    beat_at = raw.get("beat_at")
    at = _instant(beat_at)
    if beat_at is not None and at is None:
        return None
    return LastRun(at, complete)


def _object(text: str | None) -> dict[str, object] | None:
    try:
        raw = json.loads(text) if text else None
    except ValueError:
        return None
    return raw if isinstance(raw, dict) else None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
