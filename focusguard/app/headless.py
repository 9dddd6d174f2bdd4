"""`focusguard run --headless`: the app without a GUI, its events printed to the terminal.

Decisions go to stdout one a line; notices and problems to stderr. Ctrl-C or SIGTERM stops
it cleanly.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from focusguard.app import startup
from focusguard.app.builder import Mode, build
from focusguard.app.events import Decided, Events, Notice, Problem
from focusguard.core.errors import StartupError


def print_events(events: Events, *, decisions: bool = True) -> None:
    """Print what happens: a line on stdout per decision (unless not `decisions`: the demo
    prints its own), a line on stderr per notice or problem."""

    def decided(event: Decided) -> None:
        d = event.outcome.decision
        line = f"{d.category.value:8} {d.action.value:7} {event.outcome.message_id}  {d.reason}"
        print(line, flush=True)

    def notice(event: Notice) -> None:
        print(f"[{event.kind}] {event.title}: {event.message}", file=sys.stderr, flush=True)

    def problem(event: Problem) -> None:
        print(f"[error] {event.title}: {event.message}", file=sys.stderr, flush=True)

    if decisions:
        events.subscribe(Decided, decided)
    events.subscribe(Notice, notice)
    events.subscribe(Problem, problem)


def wait_for_signal(stop: threading.Event, duration: float | None = None) -> None:
    """Until Ctrl-C, SIGTERM or `duration` seconds, whichever comes first."""

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    stop.wait(duration)


def run(config: Path) -> int:
    try:
        settings = startup.load(config)
        lock = startup.take_instance_lock()
    except StartupError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    try:
        try:
            app = build(settings, Mode.HEADLESS, config=config)
        except StartupError as exc:
            print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
            return 1
        print_events(app.events)
        try:
            app.start()
        except StartupError as exc:  # another instance owns the control channel
            app.stop()
            print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
            return 1
        email = settings.account.email if settings.account else "no account"
        print(f"FocusGuard is running headless for {email}. Ctrl-C to stop.", flush=True)
        wait_for_signal(threading.Event())
        app.stop()
        return 0
    finally:
        lock.release()
