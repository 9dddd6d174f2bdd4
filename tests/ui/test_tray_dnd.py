"""Issue 14, done when: a focus block started from the tray quiets the desktop (GNOME and KDE)
and Teams, and both come back after the block, when focus ends early and on quit.

Real parts throughout: the tray's own menu (offscreen Qt), the real runtime and engine with a
SQLite store, the real Graph client against the Graph simulator (presence as Microsoft
documents it), a private session bus with a KDE-like notification server, GNOME's key through
the real gsettings and dconf. Only time is virtual (the runtime's timers are off, as in the
other tray tests), so "the block is over" is a step of the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from focusguard.app.builder import App, Mode
from focusguard.core.clock import VirtualClock
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from focusguard.store import Store
from focusguard.ui.menu import find_action
from focusguard.ui.notifier import TrayNotifier
from tests import desktop_bus
from tests.apps import StillTimers, build_app
from tests.desktop_bus import DesktopSession, NotificationServer, gnome_session
from tests.ui.conftest import RecordingSink

desktop_session = desktop_bus.desktop_session  # the fixture, for this module

CONFIG = """
[account]
kind = "graph"
email = "me@corp.example"
client_id = "3f1c2a7e-9b4d-4c61-8e2f-5a6b7c8d9e01"

[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["{check_in}"]
calendar_focus_subject = ""

[do_not_disturb]
desktop = true
teams = true
"""


@dataclass
class Desktop:
    kind: str
    session: DesktopSession
    server: NotificationServer  # GNOME Shell's or Plasma's notification server

    def quiet(self) -> bool:
        if self.kind == "kde":
            return self.server.inhibited
        return self.session.banners() is False


@pytest.fixture(params=["gnome", "kde"])
def desktop(
    request: pytest.FixtureRequest, desktop_session: DesktopSession, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Desktop]:
    kde = request.param == "kde"
    if kde:
        monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    else:
        gnome_session(desktop_session, monkeypatch)
    # GNOME Shell's server has no Inhibit; Plasma's has.
    server = NotificationServer(desktop_session.address, kde=kde).start()
    yield Desktop(request.param, desktop_session, server)
    server.stop()


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    s = GraphSimulator().start()
    yield s
    s.stop()
    assert s.errors == []


@dataclass
class Rig:
    settings: Settings
    clock: VirtualClock
    app: App
    store: Store
    shell: object
    exits: list[bool]
    start: dt.datetime  # the virtual clock's start: now, when the test began
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.shell.stop()  # type: ignore[attr-defined]

    def reconcile(self) -> None:
        """What a timer does when it fires: reconcile at the clock's now."""
        engine = self.app.engine
        self.app.runtime.submit(lambda: engine.reconcile(self.clock.now())).result(10)


@pytest.fixture
def rig(qtbot, tmp_path: Path, sim: GraphSimulator, desktop: Desktop) -> Iterator[Rig]:
    from focusguard.ui.main import Shell

    # Now, so the simulator's presence expirations (on its real clock) line up with focus.
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    check_in = (start + dt.timedelta(hours=6)).strftime("%H:%M")
    settings = settings_from_toml(CONFIG.format(check_in=check_in))
    assert settings.account is not None
    clock = VirtualClock(start)
    store = Store.open(tmp_path / "state.sqlite3")
    backend = GraphBackend(
        settings.account,
        settings.holding,
        StaticTokens(DEMO_TOKEN),
        base_url=sim.url,
        clock=clock.now,
        poll_seconds=0.2,
    )
    # The real builder, as the tray app has it: Do Not Disturb is built and fed by it.
    app = build_app(
        settings, backend, tmp_path, mode=Mode.TRAY, store=store, clock=clock, timers=StillTimers()
    )
    notifier = TrayNotifier(RecordingSink(), platform="linux")
    exits: list[bool] = []
    shell = Shell(
        app,
        settings_file=None,
        tray_available=True,
        notifier=notifier,
        exit_app=lambda: exits.append(True),
    )
    notifier.set_sink(RecordingSink())
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None, timeout=10_000)
    qtbot.waitUntil(lambda: app.runtime.connected, timeout=10_000)
    made = Rig(settings, clock, app, store, shell, exits, start)
    yield made
    made.stop()
    store.close()


def start_focus_from_the_tray(qtbot, rig: Rig) -> None:
    shell = rig.shell
    shell.tray.menu.aboutToShow.emit()  # type: ignore[attr-defined]
    find_action(shell.tray.menu, "Start focus", "25 min").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: shell.feed.current.in_focus, timeout=10_000)  # type: ignore[attr-defined]


def dnd_status(rig: Rig) -> dict[str, Any]:
    dnd: dict[str, Any] = rig.app.service.status().as_json()["do_not_disturb"]
    return dnd


def teams(sim: GraphSimulator) -> str:
    return str(sim.presence.snapshot()["availability"])


def test_tray_focus_quiets_desktop_and_teams_and_end_focus_restores_both(
    qtbot, rig: Rig, desktop: Desktop, sim: GraphSimulator
) -> None:
    assert not desktop.quiet() and teams(sim) == "Available"
    start_focus_from_the_tray(qtbot, rig)
    qtbot.waitUntil(desktop.quiet, timeout=10_000)
    qtbot.waitUntil(lambda: teams(sim) == "DoNotDisturb", timeout=10_000)
    (call,) = sim.presence.calls
    assert call["expirationDuration"] == "PT25M"  # ends on the server with the block
    # The simulator records the call before it answers: Do Not Disturb's own thread notes
    # the presence once the answer is in, so wait for that rather than for the engine.
    until = (rig.start + dt.timedelta(minutes=25)).isoformat()
    qtbot.waitUntil(lambda: dnd_status(rig)["teams_until"] == until, timeout=10_000)
    dnd = dnd_status(rig)
    assert dnd["desktop"]["kind"] == desktop.kind and dnd["desktop_on"] is True

    rig.shell.tray.menu.aboutToShow.emit()  # type: ignore[attr-defined]
    find_action(rig.shell.tray.menu, "End focus").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not desktop.quiet(), timeout=10_000)
    qtbot.waitUntil(lambda: teams(sim) == "Available", timeout=10_000)
    assert [c["call"] for c in sim.presence.calls] == ["set", "clear"]


def test_when_the_block_runs_out_the_desktop_comes_back_and_teams_expires_by_itself(
    qtbot, rig: Rig, desktop: Desktop, sim: GraphSimulator
) -> None:
    start_focus_from_the_tray(qtbot, rig)
    qtbot.waitUntil(desktop.quiet, timeout=10_000)
    qtbot.waitUntil(lambda: len(sim.presence.calls) == 1, timeout=10_000)
    rig.clock.set(rig.start + dt.timedelta(minutes=26))
    rig.reconcile()
    qtbot.waitUntil(lambda: not desktop.quiet(), timeout=10_000)
    # No clear: the presence set for the block expires on the server at its end.
    expires = sim.presence.snapshot()["preferred"]["expires"]
    end = dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
    assert abs(end - (rig.start + dt.timedelta(minutes=25))) < dt.timedelta(minutes=2)
    later = sim.presence.snapshot(now=end + dt.timedelta(seconds=1))
    assert later["availability"] == "Available"
    assert [c["call"] for c in sim.presence.calls] == ["set"]


def test_quit_during_focus_restores_desktop_and_teams(
    qtbot, rig: Rig, desktop: Desktop, sim: GraphSimulator
) -> None:
    start_focus_from_the_tray(qtbot, rig)
    qtbot.waitUntil(desktop.quiet, timeout=10_000)
    qtbot.waitUntil(lambda: teams(sim) == "DoNotDisturb", timeout=10_000)
    rig.shell.tray.menu.aboutToShow.emit()  # type: ignore[attr-defined]
    find_action(rig.shell.tray.menu, "Quit FocusGuard").trigger()  # type: ignore[attr-defined]
    assert rig.exits == [True]  # nothing held: no question asked
    rig.stop()  # what the event loop's end does (ui.main._exec -> Shell.stop)
    assert not desktop.quiet()
    assert teams(sim) == "Available"


def test_urgent_mail_during_focus_is_a_critical_notification_on_the_session_bus(
    qtbot, rig: Rig, desktop: Desktop, sim: GraphSimulator
) -> None:
    start_focus_from_the_tray(qtbot, rig)
    qtbot.waitUntil(desktop.quiet, timeout=10_000)
    sim.deliver("Boss <boss@corp.example>", "<b>call me</b>", received=rig.clock.now())
    sim.deliver("Ann <ann@client.example>", "not urgent", received=rig.clock.now())
    qtbot.waitUntil(lambda: bool(desktop.server.shown()), timeout=15_000)
    (shown,) = desktop.server.shown()
    assert shown.urgency == 2 and shown.summary == "Urgent email in your Inbox"
    assert "urgent sender" in shown.body
    qtbot.waitUntil(lambda: rig.app.service.status().held == 1, timeout=15_000)
    assert len(desktop.server.shown()) == 1  # the held customer raised nothing


def test_urgent_mail_outside_focus_raises_no_critical_notification(
    qtbot, rig: Rig, desktop: Desktop, sim: GraphSimulator
) -> None:
    mid = sim.deliver("Boss <boss@corp.example>", "hello", received=rig.clock.now())
    qtbot.waitUntil(lambda: rig.store.decided(mid), timeout=15_000)
    assert desktop.server.shown() == []
