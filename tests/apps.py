"""Apps for tests, from the real builder (app/builder.py): whatever backend the test brings
(the in-memory mailbox, a real adapter on a simulator), a real SQLite store, real or still
timers. Each test builds its own (no session-wide app fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from focusguard.app.builder import App, Mode, Parts, build
from focusguard.app.events import Event, Events, Notice, Problem
from focusguard.app.runtime import Retry
from focusguard.core.ports import Clock, MailBackend
from focusguard.core.settings import Settings
from focusguard.store import Store


class StillTimers:
    """Timers that fire only when the test says (`beat`, `tick`). With a virtual clock months
    behind the real one every wake time would be overdue and real timers would reconcile in
    a tight loop; tests that drive the engine through the service use these."""

    def __init__(self) -> None:
        self._tick: Callable[[str], None] | None = None
        self._on_beat: Callable[[], None] | None = None

    def start(self, tick: Callable[[str], None], on_beat: Callable[[], None] | None = None) -> None:
        self._tick, self._on_beat = tick, on_beat

    def stop(self) -> None: ...

    def wake_at(self, when: datetime | None, now: datetime) -> datetime:
        return now

    def beat(self) -> None:
        """What the real timers do every 30 seconds."""
        if self._on_beat is not None:
            self._on_beat()

    def tick(self, reason: str) -> None:
        """A wake-up (core/scheduler.py SCHEDULED or WOKE)."""
        if self._tick is not None:
            self._tick(reason)


@dataclass
class Heard:
    """Everything an app published, and its notices and problems as (kind, title, message)."""

    events: list[Event] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    @property
    def seen(self) -> list[tuple[str, str, str]]:
        out = []
        for e in self.events:
            if isinstance(e, Notice):
                out.append((e.kind, e.title, e.message))
            elif isinstance(e, Problem):
                out.append(("error", e.title, e.message))
        return out

    def errors(self) -> list[str]:
        return [title for kind, title, _ in self.seen if kind == "error"]


def listen(events: Events) -> Heard:
    heard = Heard()
    events.subscribe(Event, heard)
    return heard


def build_app(
    settings: Settings,
    backend: MailBackend,
    tmp: Path,
    *,
    mode: Mode = Mode.HEADLESS,
    store: Store | None = None,
    clock: Clock | None = None,
    timers: Any = None,
    control: bool = False,
    retry: Retry | None = None,
    **parts: Any,
) -> App:
    """An app on `backend`, its store in `tmp` (closed with the app unless the test passes
    its own)."""
    return build(
        settings,
        mode,
        parts=Parts(
            backend_for=lambda _settings: backend,
            store=store,
            store_path=tmp / "state.sqlite3",
            clock=clock,
            timers=timers,
            control=control,
            retry=retry,
            **parts,
        ),
    )


def drain(app: App, timeout: float = 10) -> None:
    """Wait until the worker has done everything queued so far (test thread only)."""
    app.runtime.submit(lambda: None, changes=False).result(timeout)
