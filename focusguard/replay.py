"""`focusguard replay`: a what-if run of the real engine on a virtual clock.

Reads a chronological JSON-lines trace of messages and focus events, runs the engine with
the in-memory mailbox until nothing is held, and reports one JSON object per message: what
was decided, when it came out (`release_at`, the promise guard included) and, under a
`[promise]`, the customer's reply-by time (`reply_by`; null for other mail or no promise).

Any trace gives results or a `ReplayError` naming the line and field (issue 9 §4: deep
nesting, 5,000-digit numbers, focus of 10^30 minutes, the years 1 and 9999 and lone
surrogates all used to end in a traceback), in time linear in the length of the trace.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from focusguard.core import command_args
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine, Outcome, Release
from focusguard.core.records import HeldState
from focusguard.core.settings import Settings
from focusguard.domain.policy import Policy
from focusguard.domain.schedule import EARLIEST, LATEST, FocusState, Interval, Timeline
from focusguard.domain.senders import parse_address
from focusguard.mail.memory import MemoryMailbox, SentReply
from focusguard.store import Store

MAX_STEPS = 100_000  # a bound on release steps, so a broken trace can never spin forever


class ReplayError(ValueError):
    """The trace cannot be replayed; the text says where and why."""


class TraceError(ReplayError):
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
    to: tuple[str, ...] = ()  # To and Cc: [exceptions] sent_to (issue 14)


@dataclass(frozen=True, slots=True)
class TraceEvent:
    line: int
    kind: str  # focus_start | focus_end
    at: datetime
    minutes: int | None


TraceEntry = TraceMessage | TraceEvent


def _shown(value: object) -> str:
    """A trace value for a message: JSON as written, shortened, lone surrogates escaped."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 60 else text[:58] + "…"


def _instant(value: object, line: int, key: str) -> datetime:
    if not isinstance(value, str):
        raise TraceError(line, f'"{key}" must be an ISO-8601 time with offset, got {_shown(value)}')
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise TraceError(line, f'"{key}": {_shown(value)} is not an ISO-8601 time') from None
    if t.tzinfo is None:
        raise TraceError(line, f'"{key}": {_shown(value)} has no UTC offset (add e.g. "+00:00")')
    if not EARLIEST <= t < LATEST:
        raise TraceError(
            line,
            f'"{key}": {_shown(value)} is outside the years {EARLIEST.year} to '
            f"{LATEST.year - 1} that FocusGuard can schedule",
        )
    return t


def _text(raw: dict[str, object], key: str, line: int) -> str:
    """A string field ("" when absent); a lone surrogate (JSON "\\ud800") is refused: it is
    not text, and neither SQLite nor any output encoding can store it."""
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise TraceError(line, f'"{key}" must be a string, got {_shown(value)}')
    _check_text(value, f'"{key}"', line)
    return value


def _check_text(value: str, what: str, line: int) -> None:
    for ch in value:
        if "\ud800" <= ch <= "\udfff":
            raise TraceError(
                line, f"{what} contains a lone surrogate (U+{ord(ch):04X}), which is not text"
            )


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
        except RecursionError:
            raise TraceError(number, "not valid JSON here (nested too deeply)") from None
        except ValueError:  # int() refuses more than 4,300 digits
            raise TraceError(number, "not valid JSON here (a number too long to read)") from None
        if not isinstance(raw, dict):
            raise TraceError(number, "each line must be a JSON object")
        entry: TraceEntry
        if "event" in raw:
            kind = raw["event"]
            if kind not in ("focus_start", "focus_end"):
                raise TraceError(
                    number, f'unknown event {_shown(kind)} (use "focus_start" or "focus_end")'
                )
            at = _instant(raw.get("at"), number, "at")
            minutes = None
            if kind == "focus_start":
                try:
                    minutes = command_args.focus_minutes(raw.get("minutes", False))
                except command_args.ArgumentProblem as exc:
                    raise TraceError(number, f'"minutes": {exc}') from None
                if minutes is None:
                    raise TraceError(number, f'"minutes" is null ({command_args.FOCUS_RANGE})')
            entry = TraceEvent(number, kind, at, minutes)
        else:
            ident = raw.get("id")
            if not isinstance(ident, str) or not ident:
                raise TraceError(number, 'a message needs a non-empty string "id"')
            _check_text(ident, '"id"', number)
            if ident in seen:
                raise TraceError(number, f"duplicate message id {_shown(ident)}")
            seen.add(ident)
            at = _instant(raw.get("received"), number, "received")
            sender = _text(raw, "from", number)
            subject = _text(raw, "subject", number)
            headers = raw.get("headers", {})
            if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
            ):
                raise TraceError(number, '"headers" must be an object of string values')
            for name, value in headers.items():
                _check_text(name, "a header name", number)
                _check_text(value, f"header {_shown(name)}", number)
            to = raw.get("to", [])
            if not isinstance(to, list) or not all(isinstance(r, str) for r in to):
                raise TraceError(number, '"to" must be a list of addresses (To and Cc)')
            for recipient in to:
                _check_text(recipient, '"to"', number)
            entry = TraceMessage(number, ident, at, sender, subject, dict(headers), tuple(to))
        if last is not None and entry.at < last:
            raise TraceError(
                number, f"the trace must be in time order ({entry.at} is before {last})"
            )
        last = entry.at
        yield entry


class _Silent:
    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        return None


@dataclass(frozen=True, slots=True)
class Simulation:
    """What the engine did with a trace on its virtual clock (`simulate`): each message's
    outcome and release time, every release run, the auto-replies it sent."""

    order: tuple[str, ...]  # message ids in trace order
    received: Mapping[str, datetime]
    outcomes: Mapping[str, Outcome]
    released_at: Mapping[str, datetime | None]  # None: never held, or still held
    releases: tuple[Release, ...]
    replies: tuple[SentReply, ...]
    policy: Policy  # as it stood at the end (the promise, the schedule)


def simulate(
    settings: Settings,
    trace: Iterable[TraceEntry],
    *,
    start: datetime | None = None,
    calendar: Iterable[Interval] = (),
    autoreplied: Mapping[str, datetime] | None = None,
) -> Simulation:
    """Run the engine with the in-memory mailbox over `trace` until nothing is held.

    `start` (default: the first entry) is when the engine starts; `calendar` are focus
    blocks in the calendar (the configured `calendar_focus_subject`); `autoreplied` who got
    an auto-reply when, before `start` (so `once_per_sender_days` counts them)."""
    entries = list(trace)
    begin = start if start is not None else (entries[0].at if entries else None)
    if begin is None:
        return Simulation((), {}, {}, {}, (), (), _policy_of(settings))
    clock = VirtualClock(begin)
    mailbox = MemoryMailbox()
    subject = settings.schedule.calendar_focus_subject
    mailbox.calendar.extend((subject, iv) for iv in calendar)
    store = Store.open(":memory:")
    latest: dict[str, datetime] = {}
    for address, at in (autoreplied or {}).items():
        parsed = parse_address(address)  # keyed as the engine keys them (its base address)
        key = str(parsed.base) if parsed is not None else address
        latest[key] = max(at, latest.get(key, at))
    for key, at in latest.items():
        store.record_autoreply(key, at, "<before-the-replay>")
    outcomes: dict[str, Outcome] = {}
    releases: list[Release] = []
    engine = Engine(
        settings,
        mailbox,
        store,
        clock,
        _Silent(),
        on_outcome=lambda o: outcomes.setdefault(o.message_id, o),
        on_release=releases.append,
    )
    engine.start()
    order: list[str] = []
    # When the earliest held message is due. Asking the engine costs a pass over every held
    # message; asking before each entry made a 20,000-message trace quadratic (minutes). It
    # changes only when a message is held (then its own release time may be earlier), when
    # focus changes, and after a release step: only then is the engine asked again.
    due = engine.next_release(clock.now())
    received: dict[str, datetime] = {}

    def run_until(t: datetime | None) -> None:
        nonlocal due
        for _ in range(MAX_STEPS):
            if due is None or (t is not None and due > t):
                return
            clock.set(max(due, clock.now()))
            engine.reconcile(clock.now())
            due = engine.next_release(clock.now())
        raise ReplayError("the replay did not settle: releases keep failing")

    for entry in entries:
        run_until(entry.at)
        clock.set(max(entry.at, clock.now()))
        if isinstance(entry, TraceEvent):
            if entry.kind == "focus_start":
                engine.focus_start(entry.minutes)
            else:
                engine.focus_end()
            due = engine.next_release(clock.now())
        else:
            order.append(entry.id)
            received[entry.id] = entry.at
            mailbox.deliver(
                entry.id, entry.sender, entry.subject, entry.at, entry.headers, entry.to
            )
            outcome = outcomes.get(entry.id)
            if outcome is not None and outcome.decision.held:
                at = outcome.decision.release_at or clock.now()
                due = at if due is None else min(due, at)
    run_until(None)

    released_at: dict[str, datetime | None] = {}
    for ident in order:
        rec = store.get_held(ident)
        done = rec is not None and rec.state is not HeldState.HELD
        released_at[ident] = rec.released_at if done and rec is not None else None
    policy = engine.policy
    store.close()
    return Simulation(
        tuple(order), received, outcomes, released_at, tuple(releases), tuple(mailbox.sent), policy
    )


def _policy_of(settings: Settings) -> Policy:
    return Policy(
        settings.people_rules(),
        Timeline(settings.weekly_schedule(), FocusState()),
        settings.promise_rules(),
    )


def replay(settings: Settings, trace: Iterable[TraceEntry]) -> list[dict[str, object]]:
    run = simulate(settings, trace)
    zone = settings.weekly_schedule().zone
    results: list[dict[str, object]] = []
    for ident in run.order:
        outcome = run.outcomes[ident]
        released = run.released_at[ident]
        # Every customer message has a reply-by time under a promise, held or not (the
        # decision's own is None when the engine delivered it without asking the policy).
        reply_by = run.policy.reply_by(outcome.decision.category, run.received[ident])
        results.append(
            {
                "id": ident,
                "category": outcome.decision.category.value,
                "action": outcome.decision.action.value,
                "release_at": None if released is None else released.astimezone(zone).isoformat(),
                "reply_by": None if reply_by is None else reply_by.astimezone(zone).isoformat(),
                "autoreply": outcome.autoreplied,
                "reason": outcome.decision.reason,
            }
        )
    return results


def run(settings: Settings, source: TextIO, out: TextIO) -> None:
    for row in replay(settings, parse_trace(source)):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
