"""The service facade (app/service.py): frozen answers, safe from any thread, refusals with a
title and a message; new settings applied to the running app; the timer's reason reaches
the ledger."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focusguard.app.builder import Mode, Parts, build
from focusguard.app.events import FocusChanged, Released, StatusChanged
from focusguard.app.service import NotConnected
from focusguard.app.values import FocusStarted, ReleaseDone, Snapshot
from focusguard.core.clock import VirtualClock
from focusguard.core.errors import StartupError
from focusguard.core.ports import AuthError
from focusguard.core.scheduler import SCHEDULED, WOKE
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import StillTimers, build_app, drain, listen
from tests.fakes import OFFICE_CONFIG

LONDON = ZoneInfo("Europe/London")
TUESDAY = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)  # between the 09:30 and 13:00 check-ins


class Rig:
    def __init__(self, tmp: Path, mailbox: MemoryMailbox | None = None) -> None:
        self.mailbox = mailbox or MemoryMailbox()
        self.clock = VirtualClock(TUESDAY)
        self.timers = StillTimers()
        self.app = build_app(
            settings_from_toml(OFFICE_CONFIG),
            self.mailbox,
            tmp,
            clock=self.clock,
            timers=self.timers,
        )
        self.heard = listen(self.app.events)
        self.service = self.app.service


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    r.app.start()
    drain(r.app)
    yield r
    r.app.stop()


def test_answers_are_frozen_values_with_a_line_of_text_and_json(rig: Rig) -> None:
    started = rig.service.focus_start(25)
    assert started == FocusStarted(TUESDAY + timedelta(minutes=25), "Focus until 11:25")
    assert started.as_json() == {"focus_until": "2026-03-24T11:25:00+00:00"}
    rig.mailbox.deliver("<a@t>", "Ann <ann@bigclient.com>", "s", TUESDAY)
    drain(rig.app)
    done = rig.service.check_in()
    assert isinstance(done, ReleaseDone)
    assert done.text == "Checked in: released 1 customer email from 1 customer"
    assert done.as_json() == {"released": 1, "failed": 0}
    snapshot = rig.service.status()
    assert isinstance(snapshot, Snapshot) and snapshot.held == 0
    with pytest.raises(AttributeError):
        snapshot.problem = "changed"  # type: ignore[misc]


def test_every_call_is_safe_from_any_thread_and_runs_on_the_worker(rig: Rig) -> None:
    threads: set[str] = set()
    rig.app.engine.status = _spy(rig.app.engine.status, threads)  # type: ignore[method-assign]
    answers: list[Snapshot] = []
    callers = [
        threading.Thread(target=lambda: answers.append(rig.service.status())) for _ in range(8)
    ]
    for t in callers:
        t.start()
    for t in callers:
        t.join(10)
    assert len(answers) == 8 and threads == {"focusguard-engine"}


def _spy(fn, threads: set[str]):  # type: ignore[no-untyped-def]
    def spy():  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return fn()

    return spy


def test_events_say_what_changed(rig: Rig) -> None:
    rig.service.focus_start(25)
    drain(rig.app)  # the status is published after the command
    focus = [e for e in rig.heard.events if isinstance(e, FocusChanged)]
    # The first status at start always says whether focus is on (Do Not Disturb restores from it)
    assert focus == [FocusChanged(None), FocusChanged(TUESDAY + timedelta(minutes=25))]
    assert isinstance(rig.heard.events[-1], StatusChanged)
    assert rig.heard.events[-1].snapshot.in_focus
    rig.service.focus_end()
    drain(rig.app)
    assert [e for e in rig.heard.events if isinstance(e, FocusChanged)][-1] == FocusChanged(None)


class NeverConnects(MemoryMailbox):
    def connect(self) -> None:
        raise AuthError("Sign-in rejected", "Microsoft 365 rejected the sign-in — sign in again.")


def test_commands_before_the_first_connection_are_refused_with_the_reason(tmp_path: Path) -> None:
    rig = Rig(tmp_path, NeverConnects())
    rig.app.start()
    try:
        with pytest.raises(NotConnected) as info:
            rig.service.focus_start(25)
        assert info.value.title == "FocusGuard is still connecting"
        assert info.value.message.startswith("Sign-in rejected: ")
        # Queries are answered meanwhile.
        assert rig.service.status().problem is not None
        assert not rig.service.status().in_focus
    finally:
        rig.app.stop()


def test_a_clock_jump_releases_as_a_wake_not_as_a_check_in(rig: Rig) -> None:
    """The timer's reason used to be dropped: every tick was logged as "check-in"."""
    rig.mailbox.deliver("<a@t>", "Ann <ann@bigclient.com>", "s", TUESDAY)
    drain(rig.app)
    assert rig.app.store.count_held() == 1
    rig.clock.jump(TUESDAY.replace(hour=14))  # the laptop slept through the 13:00 check-in
    rig.timers.tick(WOKE)
    drain(rig.app)
    assert rig.app.store.check_ins(1)[0].kind == "wake"
    released = [e.release for e in rig.heard.events if isinstance(e, Released)]
    assert [r.kind for r in released] == ["wake"]
    assert rig.heard.seen[-1][1] == "Check-in: your held mail is in the Inbox"
    rig.mailbox.deliver("<b@t>", "Bob <bob@bigclient.com>", "s", rig.clock.now())
    drain(rig.app)
    rig.clock.jump(TUESDAY.replace(hour=16, minute=30))
    rig.timers.tick(SCHEDULED)
    drain(rig.app)
    assert rig.app.store.check_ins(1)[0].kind == "check-in"


def test_new_settings_apply_without_a_restart(rig: Rig) -> None:
    later = settings_from_toml(OFFICE_CONFIG.replace('"13:00", ', ""))
    assert rig.service.apply_settings(later).text == "Settings applied"
    assert rig.service.settings == later
    assert rig.service.status().status.next_check_in == TUESDAY.replace(hour=16, minute=30)


def test_settings_that_cannot_be_applied_leave_the_running_ones(tmp_path: Path) -> None:
    mailbox = MemoryMailbox()

    def backend_for(settings: Settings) -> MemoryMailbox:  # as the registry, for one account
        assert settings.account is not None
        if settings.account.email != "me@corp.example":
            raise StartupError(
                "No password saved", f"No password saved for {settings.account.email}."
            )
        return mailbox

    before = settings_from_toml(OFFICE_CONFIG)
    app = build(
        before,
        Mode.HEADLESS,
        parts=Parts(
            backend_for=backend_for,
            store_path=tmp_path / "state.sqlite3",
            clock=VirtualClock(TUESDAY),
            timers=StillTimers(),
            control=False,
        ),
    )
    app.start()
    try:
        other = settings_from_toml(OFFICE_CONFIG.replace("me@corp.example", "you@corp.example"))
        with pytest.raises(StartupError, match="No password saved"):
            app.service.apply_settings(other)
        assert app.service.settings == before
        assert app.service.focus_start(25).text == "Focus until 11:25"  # still running
    finally:
        app.stop()
