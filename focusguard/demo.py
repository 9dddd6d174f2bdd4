"""`focusguard demo`: the real app against a simulated Exchange server on this machine.

Starts the EWS (or, with --graph, the Microsoft Graph) simulator with a seeded mailbox, keeps
settings and state in a throw-away folder (your own settings and state are never touched),
starts a focus block at once and a compressed schedule of check-ins (every three minutes),
and delivers a scripted stream of realistic mail: customers, colleagues, a newsletter and an
urgent sender. Within five minutes a newcomer sees holding, urgent pass-through and a
check-in release. The demo needs no account, no network and no keyring: the simulator takes
any password.

While it runs, `focusguard status`, `focusguard focus start` and `focusguard checkin` in
another terminal reach it (unless another FocusGuard already answers there: the demo then
says how to reach it). Ctrl-C, SIGTERM or Quit end it and remove its folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from focusguard.app import backends, control
from focusguard.app.backends import SimulatedServer
from focusguard.app.builder import App, Mode, Parts, build
from focusguard.app.events import Decided, Events, Notice, Problem, Released
from focusguard.app.headless import wait_for_signal
from focusguard.app.setup import SettingsFile
from focusguard.core.engine import Outcome, Release
from focusguard.core.settings import Settings, save_settings, settings_from_toml, system_zone_name
from focusguard.domain.schedule import Timeline
from focusguard.domain.senders import Category, sender_address

FOCUS_MINUTES = 2
CHECK_IN_EVERY = 3  # minutes
CHECK_IN_MINUTES = 1
DEMO_PASSWORD = "demo"  # noqa: S105 - the simulator accepts any password; nothing is stored


@dataclass(frozen=True, slots=True)
class ScriptedMail:
    after: float  # seconds since the demo started
    sender: str
    subject: str
    headers: tuple[tuple[str, str], ...] = ()


SCRIPT: tuple[ScriptedMail, ...] = (
    ScriptedMail(4, "Ann Lee <ann@client.example>", "Order 4711 - delivery date?"),
    ScriptedMail(10, "Bob Smith <bob@corp.example>", "Lunch at 12:30?"),
    ScriptedMail(16, "The Boss <boss@corp.example>", "Board pack - need it by 11"),
    ScriptedMail(
        24,
        "Vendor News <news@vendor.example>",
        "Our November newsletter",
        (("List-Unsubscribe", "<mailto:unsub@vendor.example>"), ("Precedence", "bulk")),
    ),
    ScriptedMail(32, '"Carol (BigClient)" <carol@bigclient.com>', "Renewal quote for 2027"),
    ScriptedMail(44, "Ann Lee <ann@client.example>", "Re: Order 4711 - delivery date?"),
    ScriptedMail(58, "Dave Brown <dave@other.example>", "Quick call this week?"),
    ScriptedMail(
        75,
        '"boss@corp.example" <alerts@monitor.example>',
        "Disk 91% full",
        (("Auto-Submitted", "auto-generated"),),
    ),
    ScriptedMail(95, "Erin Wu <erin@client.example>", "Invoice 2026-118"),
    ScriptedMail(115, "Bob Smith <bob@corp.example>", "Re: Lunch at 12:30?"),
    ScriptedMail(150, "Carol (BigClient) <carol@bigclient.com>", "Re: Renewal quote for 2027"),
    ScriptedMail(170, "On-call pager <alert@pager.example>", "P1: checkout errors"),
    ScriptedMail(200, "Frank Ng <frank@newclient.example>", "Introduction"),
    ScriptedMail(230, "Ann Lee <ann@client.example>", "Thanks!"),
)
SCRIPT_LENGTH = 240.0  # the script repeats after this many seconds, names varied


def demo_settings(url: str, zone: str, now: datetime, *, graph: bool = False) -> Settings:
    local = now.astimezone(ZoneInfo(zone))
    first = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    times: list[str] = []
    t = first
    # Two hours of check-ins every few minutes; the day's last ones stop at midnight.
    while len(times) < 40 and t.date() == first.date():
        times.append(t.strftime("%H:%M"))
        t += timedelta(minutes=CHECK_IN_EVERY)
    check_ins = ", ".join(f'"{x}"' for x in times)
    return settings_from_toml(
        backends.simulator_account("graph" if graph else "ews", url)
        + f"""
[people]
own_domains = ["corp.example"]
customers = ["client.example", "bigclient.com"]
external_is_customer = true
urgent = ["boss@corp.example", "pager.example"]

[schedule]
timezone = "{zone}"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = [{check_ins}]
check_in_minutes = {CHECK_IN_MINUTES}
calendar_focus_subject = "Focus time"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "server-rule"
folder = "FocusGuard Held"
"""
    )


class MailScript:
    """Delivers the scripted mail to the simulator on its own thread."""

    def __init__(self, deliver: object, speed: float = 1.0) -> None:
        self._deliver = deliver
        self._speed = speed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-mail", daemon=True)
        self.sent = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        start = datetime.now(UTC)
        for lap in range(1000):
            for mail in SCRIPT:
                due = start + timedelta(seconds=(lap * SCRIPT_LENGTH + mail.after) / self._speed)
                wait = (due - datetime.now(UTC)).total_seconds()
                if wait > 0 and self._stop.wait(wait):
                    return
                if self._stop.is_set():
                    return
                sender = mail.sender if lap == 0 else mail.sender.replace("@", f"+{lap}@", 1)
                subject = mail.subject if lap == 0 else f"{mail.subject} ({lap + 1})"
                self._deliver(sender, subject, dict(mail.headers))  # type: ignore[operator]
                self.sent += 1


class Tally:
    """Counts what happened, for the demo's closing summary."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: list[Outcome] = []
        self.released = 0

    def outcome(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def release(self, release: Release) -> None:
        with self.lock:
            self.released += len(release.released)

    def summary(
        self,
        popups: list[dict[str, object]],
        timeline: Timeline,
        since: datetime,
        until: datetime,
        urgent: set[str],
    ) -> dict[str, object]:
        focus = timeline.focus(since, until)
        leaked = 0
        for popup in popups:
            at = datetime.fromisoformat(str(popup["time"]).replace("Z", "+00:00"))
            if any(iv.contains(at) for iv in focus) and popup["internet_message_id"] not in urgent:
                leaked += 1
        with self.lock:
            decisions = [o.decision for o in self.outcomes]
            return {
                "delivered": sum(1 for d in decisions if not d.held),
                "held": sum(1 for d in decisions if d.held),
                "released": self.released,
                "urgent_through": sum(1 for d in decisions if d.category is Category.URGENT),
                "autoreplies": sum(1 for o in self.outcomes if o.autoreplied),
                "leaked_popups": leaked,
            }


def _describe(outcome: Outcome, subjects: dict[str, str]) -> str:
    d = outcome.decision
    extra = " (auto-reply sent)" if outcome.autoreplied else ""
    subject = subjects.get(outcome.message_id, "")
    return f"{d.category.value:8} {d.action.value:7} {subject[:40]:40}  {d.reason}{extra}"


def main(*, headless: bool, duration: float | None, graph: bool = False, speed: float = 1.0) -> int:
    if not headless and not _display_available():
        print(
            "No display found: running the demo headless (add --headless to skip this note).",
            file=sys.stderr,
        )
        headless = True
    home = Path(tempfile.mkdtemp(prefix="focusguard-demo-"))
    try:
        with _terminate_like_interrupt():
            return _run(home, headless=headless, duration=duration, speed=speed, graph=graph)
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM ends the demo as Ctrl-C does, through the `finally` that removes its folder
    (the default action ends the process on the spot and left the folder behind)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _display_available() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# Weeks of past mail in the demo mailbox, from before FocusGuard (none of it held, all of it
# received before the demo began, so FocusGuard leaves it where it is): what `focusguard
# insights` and `focusguard preview` read in another terminal (issue 13).
HISTORY_WEEKS = 3
HISTORY_PER_WEEK = 500


def _simulated_mailbox(graph: bool, started: datetime) -> tuple[Any, Settings, SimulatedServer]:
    """The simulator, settings pointing at it, and the builder's option for it."""
    from focusguard.sim.common.history_seed import seed_history

    zone = system_zone_name()
    if graph:
        from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
        from focusguard.sim.graph import seed_demo_mailbox as seed_graph

        gsim = GraphSimulator(port=0).start()
        seed_graph(gsim)
        seed_history(
            gsim,
            weeks=HISTORY_WEEKS,
            per_week=HISTORY_PER_WEEK,
            now=started,
            zone=zone,
            holding_weeks=0,
        )
        settings = demo_settings(gsim.url, zone, started, graph=True)
        return gsim, settings, SimulatedServer("graph", gsim.url, DEMO_TOKEN)
    from focusguard.sim.ews import EwsSimulator, seed_demo_mailbox

    esim = EwsSimulator(port=0).start()
    seed_demo_mailbox(esim)
    seed_history(
        esim,
        weeks=HISTORY_WEEKS,
        per_week=HISTORY_PER_WEEK,
        now=started,
        zone=zone,
        holding_weeks=0,
    )
    settings = demo_settings(esim.url, zone, started)
    return esim, settings, SimulatedServer("ews", esim.url, DEMO_PASSWORD)


def control_root(home: Path) -> tuple[Path | None, str]:
    """Where the demo listens for `focusguard status` & co.: the usual place, so commands in
    another terminal reach it — unless another FocusGuard answers there already; then the
    demo's own folder, and the hint says how to reach it."""
    if not control.instance_answers():
        return None, "focusguard status"
    return home / "run", f"FOCUSGUARD_HOME={home} focusguard status"


def _run(home: Path, *, headless: bool, duration: float | None, speed: float, graph: bool) -> int:
    started = datetime.now(UTC).replace(microsecond=0)
    sim, settings, server = _simulated_mailbox(graph, started)
    try:
        config = home / "config" / "focusguard.toml"
        save_settings(settings, config)
        root, status_hint = control_root(home)
        app = build(
            settings,
            Mode.DEMO,
            config=config,
            parts=Parts(
                server=server, store_path=home / "data" / "state.sqlite3", control_root=root
            ),
        )
        return _run_app(
            app, sim, settings, config, started, status_hint, headless, duration, speed, server
        )
    finally:
        sim.stop()


def _run_app(
    app: App,
    sim: Any,
    settings: Settings,
    config: Path,
    started: datetime,
    status_hint: str,
    headless: bool,
    duration: float | None,
    speed: float,
    simulated: SimulatedServer,
) -> int:
    graph = simulated.kind == "graph"
    tally = Tally()
    subjects: dict[str, str] = {}
    urgent_ids: set[str] = set()
    people = settings.people_rules()

    def deliver(sender: str, subject: str, headers: dict[str, str]) -> None:
        mid = sim.deliver(sender, subject, headers=headers, body=f"{subject}\n\n-- \n{sender}")
        subjects[mid] = subject
        if people.categorize(sender_address(sender)) is Category.URGENT:
            urgent_ids.add(mid)

    app.events.subscribe(Decided, lambda e: tally.outcome(e.outcome))
    app.events.subscribe(Released, lambda e: tally.release(e.release))
    if headless:
        app.events.subscribe(Decided, lambda e: print(_describe(e.outcome, subjects), flush=True))
        app.events.subscribe(
            Released, lambda e: print(f"--- released {e.release.summary} ---", flush=True)
        )
    script = MailScript(deliver, speed=speed)
    server = "Microsoft Graph" if graph else "Exchange (EWS)"
    intro = (
        f"FocusGuard demo: simulated {server} at {sim.url}; focus for {FOCUS_MINUTES} min, "
        f"check-ins every {CHECK_IN_EVERY} min. In another terminal try `{status_hint}`, "
        "`focusguard focus start` or `focusguard checkin`."
    )
    code = 0
    try:
        if headless:
            _print_notes(app.events)
            app.start()
            app.service.focus_start.later(FOCUS_MINUTES)
            print(f"{intro} Ctrl-C to stop.", flush=True)
            script.start()
            wait_for_signal(threading.Event(), duration)
        else:
            # Settings → "Test connection" and "Sign in with Microsoft" reach the simulator.
            code = _run_gui(app, SettingsFile(config, server=simulated), intro, script, duration)
    finally:
        script.stop()
        timeline = app.engine.policy.timeline
        app.stop()
    if duration is not None or headless:
        summary = tally.summary(sim.popups, timeline, started, datetime.now(UTC), urgent_ids)
        print(json.dumps(summary), flush=True)
    return code


def _print_notes(events: Events) -> None:
    """Problems and notices on stderr, as `run --headless` prints them; not the notices
    about releases: the demo prints each release itself."""

    def notice(event: Notice) -> None:
        if not event.about_held_mail:
            print(f"[{event.kind}] {event.title}: {event.message}", file=sys.stderr, flush=True)

    events.subscribe(Notice, notice)
    events.subscribe(
        Problem,
        lambda e: print(f"[error] {e.title}: {e.message}", file=sys.stderr, flush=True),
    )


def _run_gui(
    app: App, settings_file: SettingsFile, intro: str, script: MailScript, duration: float | None
) -> int:
    from focusguard.ui import main as tray

    def started() -> None:
        # Once the tray is up: focus at once, then the mail.
        app.service.focus_start.later(FOCUS_MINUTES)
        script.start()
        print(
            f"{intro} Look for the FocusGuard icon in the system tray (or its window where "
            "there is none). Quit from its menu, or press Ctrl-C here, to stop.",
            flush=True,
        )

    if duration is not None:
        # A daemon timer: after Quit from the menu it must not keep the process alive until
        # `duration` has passed.
        timer = threading.Timer(duration, tray.request_quit)
        timer.daemon = True
        timer.start()
    return tray.run_tray(lambda: app, settings_file, started=started, title="FocusGuard (demo)")
