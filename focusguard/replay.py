"""`focusguard replay`: a what-if run of the real engine on a virtual clock.

Reads a chronological JSON-lines trace of messages and focus events, runs the engine with
the in-memory mailbox until nothing is held, and reports one JSON object per message: what
was decided, when it came out (`release_at`, the promise guard included) and, under a
`[promise]`, the customer's reply-by time (`reply_by`; null for other mail or no promise).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine, Outcome
from focusguard.core.records import HeldState
from focusguard.core.settings import Settings
from focusguard.mail.memory import MemoryMailbox
from focusguard.store import Store

MAX_STEPS = 100_000  # a bound on release steps, so a broken trace can never spin forever


class TraceError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class TraceMessage:
    line: int
    id: str
    at: datetime
    sender: str
    subject: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class TraceEvent:
    line: int
    kind: str  # focus_start | focus_end
    at: datetime
    minutes: int | None


TraceEntry = TraceMessage | TraceEvent


def _instant(value: object, line: int, key: str) -> datetime:
    if not isinstance(value, str):
        raise TraceError(line, f'"{key}" must be an ISO-8601 time with offset, got {value!r}')
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise TraceError(line, f'"{key}": {value!r} is not an ISO-8601 time') from None
    if t.tzinfo is None:
        raise TraceError(line, f'"{key}": {value!r} has no UTC offset (add e.g. "+00:00")')
    return t


def parse_trace(lines: Iterable[str]) -> Iterator[TraceEntry]:
    """Parse and check a trace; raises TraceError naming the line of the first problem."""
    last: datetime | None = None
    seen: set[str] = set()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TraceError(number, f"not valid JSON ({exc.msg}, column {exc.colno})") from None
        if not isinstance(raw, dict):
            raise TraceError(number, "each line must be a JSON object")
        entry: TraceEntry
        if "event" in raw:
            kind = raw["event"]
            if kind not in ("focus_start", "focus_end"):
                raise TraceError(
                    number, f'unknown event {kind!r} (use "focus_start" or "focus_end")'
                )
            at = _instant(raw.get("at"), number, "at")
            minutes = raw.get("minutes")
            if kind == "focus_start" and (
                not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0
            ):
                raise TraceError(number, '"minutes" must be a positive whole number')
            entry = TraceEvent(number, kind, at, minutes if kind == "focus_start" else None)
        else:
            ident = raw.get("id")
            if not isinstance(ident, str) or not ident:
                raise TraceError(number, 'a message needs a non-empty string "id"')
            if ident in seen:
                raise TraceError(number, f"duplicate message id {ident!r}")
            seen.add(ident)
            at = _instant(raw.get("received"), number, "received")
            sender = raw.get("from", "")
            subject = raw.get("subject", "")
            headers = raw.get("headers", {})
            if not isinstance(sender, str) or not isinstance(subject, str):
                raise TraceError(number, '"from" and "subject" must be strings')
            if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
            ):
                raise TraceError(number, '"headers" must be an object of string values')
            entry = TraceMessage(number, ident, at, sender, subject, dict(headers))
        if last is not None and entry.at < last:
            raise TraceError(
                number, f"the trace must be in time order ({entry.at} is before {last})"
            )
        last = entry.at
        yield entry


class _Silent:
    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        return None


def replay(settings: Settings, trace: Iterable[TraceEntry]) -> list[dict[str, object]]:
    entries = list(trace)
    if not entries:
        return []
    clock = VirtualClock(entries[0].at)
    mailbox = MemoryMailbox()
    store = Store.open(":memory:")
    outcomes: dict[str, Outcome] = {}
    engine = Engine(
        settings,
        mailbox,
        store,
        clock,
        _Silent(),
        on_outcome=lambda o: outcomes.setdefault(o.message_id, o),
    )
    engine.start()
    zone = settings.weekly_schedule().zone
    order: list[str] = []
    received: dict[str, datetime] = {}

    def run_until(t: datetime | None) -> None:
        for _ in range(MAX_STEPS):
            nxt = engine.next_release(clock.now())
            if nxt is None or (t is not None and nxt > t):
                return
            clock.set(max(nxt, clock.now()))
            engine.reconcile(clock.now())
        raise RuntimeError("replay did not settle: releases keep failing")

    for entry in entries:
        run_until(entry.at)
        clock.set(entry.at)
        if isinstance(entry, TraceEvent):
            if entry.kind == "focus_start":
                engine.focus_start(entry.minutes)
            else:
                engine.focus_end()
        else:
            order.append(entry.id)
            received[entry.id] = entry.at
            mailbox.deliver(entry.id, entry.sender, entry.subject, entry.at, entry.headers)
    run_until(None)

    results: list[dict[str, object]] = []
    policy = engine.policy
    for ident in order:
        outcome = outcomes[ident]
        rec = store.get_held(ident)
        release_at = None
        if rec is not None and rec.state is not HeldState.HELD and rec.released_at is not None:
            release_at = rec.released_at.astimezone(zone).isoformat()
        # Every customer message has a reply-by time under a promise, held or not (the
        # decision's own is None when the engine delivered it without asking the policy).
        reply_by = policy.reply_by(outcome.decision.category, received[ident])
        results.append(
            {
                "id": ident,
                "category": outcome.decision.category.value,
                "action": outcome.decision.action.value,
                "release_at": release_at,
                "reply_by": None if reply_by is None else reply_by.astimezone(zone).isoformat(),
                "autoreply": outcome.autoreplied,
                "reason": outcome.decision.reason,
            }
        )
    store.close()
    return results


def run(settings: Settings, source: TextIO, out: TextIO) -> None:
    for row in replay(settings, parse_trace(source)):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
