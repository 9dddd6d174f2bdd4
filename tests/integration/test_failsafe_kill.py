"""Dead app, live machine (issue 9): `focusguard run --headless` holds mail against the EWS
and the Graph simulator, is killed with SIGKILL, and `focusguard failsafe` — run as the OS
scheduler runs it, a separate process — switches the hold rules off on the server and
releases what is due: nothing lost, nothing duplicated, a second run does nothing, and a run
while the app lives does nothing. The restarted app says what the fail-safe did.

Mail falls due without waiting for the clock: the schedule has a check-in that passed a
minute ago (K) and one six hours ahead (C). What the app held is due at C; what arrived
after the app died and was received before K is due at once (its check-in, K, has passed).
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

# The sim fixture (both backends) and the CLI driver of the SIGKILL test.
from tests.integration.test_headless_kill import HELD, Cli, account, folders_of, sim
from tests.waiting import wait_until

__all__ = ["sim"]


def write_config(path: Path, kind: str, url: str, now: datetime) -> datetime:
    """Check-ins at K (a minute before the current minute) and C (six hours on), every day,
    in UTC; returns K."""
    past = (now.replace(second=0, microsecond=0) - timedelta(minutes=1)).astimezone(UTC)
    later = (now + timedelta(hours=6)).astimezone(UTC)
    path.write_text(
        account(kind, url)
        + f"""
[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["{past:%H:%M}", "{later:%H:%M}"]
check_in_minutes = 1
calendar_focus_subject = ""

[holding]
mode = "server-rule"
folder = "{HELD}"
""",
        encoding="utf-8",
    )
    return past


def hold_rules_on(sim: EwsSimulator | GraphSimulator) -> list[str]:
    """Names of FocusGuard's hold rules that hold mail on the server right now."""
    if isinstance(sim, GraphSimulator):
        return [
            r["displayName"]
            for r in sim.rules()
            if r["displayName"].startswith("FocusGuard hold") and r["isEnabled"]
        ]
    return [r["name"] for r in sim.rules() if r["name"].startswith("FocusGuard hold")]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_failsafe_releases_due_mail_after_kill_9_and_switches_the_rules_off(
    sim: EwsSimulator | GraphSimulator, tmp_path: Path
) -> None:
    graph = isinstance(sim, GraphSimulator)
    config = tmp_path / "focusguard.toml"
    check_in_k = write_config(config, "graph" if graph else "ews", sim.url, datetime.now(UTC))
    extra = {"FOCUSGUARD_GRAPH_URL": sim.url, "FOCUSGUARD_GRAPH_TOKEN": DEMO_TOKEN}
    cli = Cli(tmp_path / "home", config, extra if graph else {})
    if not graph:
        login = cli.run("account", "login", "--password-stdin", stdin="secret\n")
        assert login.returncode == 0, login.stderr

    proc = cli.start()
    try:
        cli.wait_for(lambda s: s["mode"] == "server-rule" and s["problem"] is None)
        held_live = {sim.deliver(f"Customer {n} <c{n}@client.example>", f"#{n}") for n in range(5)}
        status = cli.wait_for(lambda s: s["held"] == 5)
        assert hold_rules_on(sim)
        assert status["next_release"] is not None

        # A live app holds the instance lock: the fail-safe leaves everything alone, even
        # when told that any heartbeat is stale (lock held + stale heartbeat: a FocusGuard
        # just woken from sleep, or stuck; it logs that and does nothing).
        before = len(sim.operations())
        live = cli.run("failsafe", "--stale-after", "0")
        assert live.returncode == 0, live.stderr
        assert live.stdout == ""
        assert "leaves a running FocusGuard alone" in live.stderr
        assert hold_rules_on(sim)
        assert len(sim.operations()) == before  # not even a connection

        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

        # Right after the kill the heartbeat is fresh: the default threshold waits.
        fresh = cli.run("failsafe")
        assert fresh.returncode == 0, fresh.stderr
        assert hold_rules_on(sim), "acted on a heartbeat seconds old"

        # Nobody watches any more, but the server rules still hold new mail.
        due = {
            sim.deliver(
                f"Late {n} <l{n}@client.example>",
                f"due {n}",
                received=check_in_k - timedelta(seconds=30),
            )
            for n in range(3)
        }
        not_due = {sim.deliver(f"New {n} <n{n}@client.example>", f"new {n}") for n in range(2)}
        everything = held_live | due | not_due
        wait_until(
            lambda: all(f == [HELD] for f in folders_of(sim, everything).values()),
            timeout=10,
            what="the server rules to hold the mail of the dead app",
        )

        done = cli.run("failsafe", "--stale-after", "0")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        assert hold_rules_on(sim) == []
        where = folders_of(sim, everything)
        assert all(len(f) == 1 for f in where.values()), where  # nothing lost or doubled
        assert {m for m, f in where.items() if f == ["inbox"]} == due
        assert {m for m, f in where.items() if f == [HELD]} == held_live | not_due

        # Holding has stopped: new mail goes straight to the Inbox.
        after = sim.deliver("After <a@client.example>", "after")
        wait_until(lambda: folders_of(sim, {after})[after] == ["inbox"], timeout=10)

        # Nothing changed since: the second run does not even connect.
        before = len(sim.operations())
        again = cli.run("failsafe", "--stale-after", "0")
        assert again.returncode == 0, again.stderr
        assert len(sim.operations()) == before
        assert folders_of(sim, everything) == where

        log = (tmp_path / "home" / "log" / "failsafe.log").read_text(encoding="utf-8")
        assert "released 3" in log
        assert "secret" not in log and DEMO_TOKEN not in log

        # The app comes back, says what happened, and holds the rest again.
        proc = cli.start()
        status = cli.wait_for(lambda s: s["problem"] is None and s["mode"] == "server-rule")
        assert status["held"] == 5 + 2
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert "the fail-safe released 3 emails at " in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
