"""`focusguard demo`: the real app against a simulated Exchange server on this machine.

Starts the EWS simulator with a seeded mailbox, writes a settings file for it into a
throw-away FOCUSGUARD_HOME (your own settings and state are never touched), starts a focus
block at once and a compressed schedule of check-ins (every three minutes), and delivers a
scripted stream of realistic mail: customers, colleagues, a newsletter and an urgent sender.
Within five minutes a newcomer sees holding, urgent pass-through and a check-in release.
The demo needs no account, no network and no keyring: the simulator takes any password.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from focusguard.core.engine import Outcome, Release
from focusguard.core.ports import MailBackend
from focusguard.core.settings import Settings, save_settings, settings_from_toml, system_zone_name
from focusguard.domain.schedule import Timeline
from focusguard.domain.senders import Category

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


DEMO_CLIENT_ID = "5f1c2a3b-0d3e-4d3e-9d3e-000000000de0"  # the Graph simulator takes any id


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
    if graph:
        account = f"""
[account]
kind = "graph"
email = "me@corp.example"
auth = "oauth"
client_id = "{DEMO_CLIENT_ID}"
poll_seconds = 5
"""
    else:
        account = f"""
[account]
kind = "ews"
email = "me@corp.example"
ews_url = "{url}"
auth = "basic"
username = "me"
"""
    return settings_from_toml(
        account
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
    os.environ["FOCUSGUARD_HOME"] = str(home)
    try:
        return _run(home, headless=headless, duration=duration, speed=speed, graph=graph)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _quit_gui() -> None:
    from focusguard.ui.main import request_quit

    request_quit()


def _display_available() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _simulated_mailbox(graph: bool, started: datetime) -> tuple[Any, Settings, MailBackend]:
    """The simulator, settings pointing at it, and the real backend for it."""
    zone = system_zone_name()
    if graph:
        from focusguard.mail.graph.backend import connect_backend
        from focusguard.mail.graph.tokens import StaticTokens
        from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
        from focusguard.sim.graph import seed_demo_mailbox as seed_graph

        gsim = GraphSimulator(port=0).start()
        seed_graph(gsim)
        settings = demo_settings(gsim.url, zone, started, graph=True)
        backend = connect_backend(settings, tokens=StaticTokens(DEMO_TOKEN), base_url=gsim.url)
        return gsim, settings, backend
    from focusguard.app import build_backend
    from focusguard.sim.ews import EwsSimulator, seed_demo_mailbox

    esim = EwsSimulator(port=0).start()
    seed_demo_mailbox(esim)
    settings = demo_settings(esim.url, zone, started)
    return esim, settings, build_backend(settings, password=DEMO_PASSWORD)


def _run(home: Path, *, headless: bool, duration: float | None, speed: float, graph: bool) -> int:
    from focusguard.app import ConsoleNotifier, open_store
    from focusguard.core import paths
    from focusguard.runtime import Runtime

    started = datetime.now(UTC).replace(microsecond=0)
    sim, settings, backend = _simulated_mailbox(graph, started)
    save_settings(settings, paths.config_file())
    tally = Tally()
    subjects: dict[str, str] = {}
    urgent_ids: set[str] = set()
    urgent = settings.people_rules()

    def deliver(sender: str, subject: str, headers: dict[str, str]) -> None:
        from focusguard.domain.senders import sender_address

        mid = sim.deliver(sender, subject, headers=headers, body=f"{subject}\n\n-- \n{sender}")
        subjects[mid] = subject
        if urgent.categorize(sender_address(sender)) is Category.URGENT:
            urgent_ids.add(mid)

    def on_outcome(outcome: Outcome) -> None:
        tally.outcome(outcome)
        if headless:
            print(_describe(outcome, subjects), flush=True)

    def on_release(release: Release) -> None:
        tally.release(release)
        if headless:
            print(f"--- released {release.summary} ---", flush=True)

    store = open_store()
    runtime = Runtime(
        settings,
        backend,
        store,
        ConsoleNotifier(),
        on_outcome=on_outcome,
        on_release=on_release,
    )
    runtime.when_connected(lambda: runtime.engine.focus_start(FOCUS_MINUTES))
    script = MailScript(deliver, speed=speed)
    code = 0
    server = "Microsoft Graph" if graph else "Exchange (EWS)"
    try:
        if headless:
            runtime.start()
            print(
                f"FocusGuard demo: simulated {server} at {sim.url}; focus for "
                f"{FOCUS_MINUTES} min, check-ins every {CHECK_IN_EVERY} min. Ctrl-C to stop.",
                flush=True,
            )
            script.start()
            from focusguard.app import wait_for_signal

            wait_for_signal(threading.Event(), duration)
        else:
            from focusguard.ui.main import run_with

            script.start()
            if duration is not None:
                # A daemon timer: after Quit from the menu it must not keep the process
                # alive until `duration` has passed.
                timer = threading.Timer(duration, _quit_gui)
                timer.daemon = True
                timer.start()
            code = run_with(runtime, paths.config_file(), demo=True)
    finally:
        script.stop()
        timeline = runtime.engine.policy.timeline
        runtime.stop()
        store.close()
        popups = sim.popups
        sim.stop()
    if duration is not None or headless:
        summary = tally.summary(popups, timeline, started, datetime.now(UTC), urgent_ids)
        print(json.dumps(summary), flush=True)
    return code
