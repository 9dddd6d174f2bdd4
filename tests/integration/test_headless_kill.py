"""`focusguard run --headless` as a real process: controlled through the CLI, killed with
SIGKILL in the middle of a release, restarted — and no message lost or duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from focusguard.app.backends import simulator_account
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

REPO = Path(__file__).resolve().parents[2]
HELD = "FocusGuard Held"


def account(kind: str, url: str) -> str:
    return simulator_account(kind, url)


def write_config(path: Path, kind: str, url: str) -> None:
    # One check-in six hours from now: for the whole test, customer mail is held.
    later = (datetime.now().astimezone() + timedelta(hours=6)).strftime("%H:%M")
    path.write_text(
        account(kind, url)
        + f"""
[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["{later}"]
check_in_minutes = 5
calendar_focus_subject = ""

[holding]
mode = "server-rule"
folder = "{HELD}"
""",
        encoding="utf-8",
    )


class Cli:
    def __init__(self, home: Path, config: Path, extra_env: dict[str, str]) -> None:
        self.config = config
        self.env = dict(os.environ)
        self.env.update(
            FOCUSGUARD_HOME=str(home),
            # A real file-based keyring backend in a temp folder, chosen on purpose (the
            # product refuses file keyrings otherwise): the subprocess cannot share the
            # suite's memory keyring.
            PYTHON_KEYRING_BACKEND="tests.keyring_file.FileKeyring",
            FOCUSGUARD_TEST_KEYRING_FILE=str(home / "keyring.json"),
            XDG_DATA_HOME=str(home / "xdg-data"),
            **extra_env,
        )

    def run(
        self, *args: str, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "focusguard", *args, "--config", str(self.config)],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            cwd=REPO,
        )

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "focusguard", "run", "--headless", "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            cwd=REPO,
        )

    def status(self) -> dict[str, object] | None:
        result = self.run("status", "--json", timeout=30)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def wait_for(self, predicate: object, timeout: float = 30) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        last: dict[str, object] | None = None
        while time.monotonic() < deadline:
            last = self.status()
            if last is not None and predicate(last):  # type: ignore[operator]
                return last
            time.sleep(0.2)
        raise AssertionError(f"status never matched: {last}")


@pytest.fixture(params=["ews", "graph"])
def sim(request: pytest.FixtureRequest) -> Iterator[EwsSimulator | GraphSimulator]:
    simulator: EwsSimulator | GraphSimulator
    if request.param == "ews":
        simulator = EwsSimulator(password="secret", stream_minute_s=2.0, heartbeat_s=0.5)
    else:
        simulator = GraphSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


def folders_of(sim: EwsSimulator | GraphSimulator, mids: set[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {m: [] for m in mids}
    for folder, messages in sim.mailbox_snapshot().items():
        for m in messages:
            if m["internet_message_id"] in where:
                where[m["internet_message_id"]].append(folder)
    return where


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_kill_9_in_the_middle_of_a_release_loses_and_duplicates_nothing(
    sim: EwsSimulator | GraphSimulator, tmp_path: Path
) -> None:
    graph = isinstance(sim, GraphSimulator)
    config = tmp_path / "focusguard.toml"
    write_config(config, "graph" if graph else "ews", sim.url)
    # Graph: the backend's simulator hook (loopback only) stands in for the msal sign-in.
    extra = {"FOCUSGUARD_GRAPH_URL": sim.url, "FOCUSGUARD_GRAPH_TOKEN": DEMO_TOKEN}
    cli = Cli(tmp_path / "home", config, extra if graph else {})

    if not graph:
        wrong = cli.run("account", "login", "--password-stdin", stdin="nope\n")
        assert wrong.returncode == 1 and "password" in wrong.stderr.lower()
        assert "Traceback" not in wrong.stderr
        login = cli.run("account", "login", "--password-stdin", stdin="secret\n")
        assert login.returncode == 0, login.stderr

    proc = cli.start()
    try:
        cli.wait_for(lambda s: s["mode"] == "server-rule" and s["problem"] is None)
        mids = {
            sim.deliver(f"Customer {n} <c{n}@client{n % 7}.example>", f"#{n}") for n in range(150)
        }
        cli.wait_for(lambda s: s["held"] == 150, timeout=60)
        assert all(f == [HELD] for f in folders_of(sim, mids).values())

        # Slow every bulk move down (EWS MoveItem of 100 ids, Graph $batch of 20), start a
        # release, and kill FocusGuard after the first went through but before the last.
        sim.fault("slow", count=100, operation="batch" if graph else "MoveItem", delay_s=1.5)
        releaser = subprocess.Popen(
            [sys.executable, "-m", "focusguard", "release-all", "--config", str(config)],
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not sim.moves:
            time.sleep(0.05)
        assert sim.moves, "no move started"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        releaser.wait(30)
        assert releaser.returncode != 0  # its instance died under it
        sim.clear_faults()
        # The server finishes a move whose client was killed (a slowed MoveItem/$batch may
        # still be sleeping): look at the mailbox once nothing is being worked on.
        assert sim.wait_idle(30)

        where = folders_of(sim, mids)
        assert all(len(f) == 1 for f in where.values()), where
        in_inbox = sum(1 for f in where.values() if f == ["inbox"])
        assert 0 < in_inbox < 150, in_inbox  # really the middle of a release

        proc = cli.start()
        status = cli.wait_for(lambda s: s["problem"] is None and s["held"] == 150 - in_inbox)
        assert status["held"] == 150 - in_inbox  # the ledger followed the mailbox
        done = cli.run("release-all")
        assert done.returncode == 0, done.stderr
        assert f"{150 - in_inbox} customer emails" in done.stdout
        where = folders_of(sim, mids)
        assert all(f == ["inbox"] for f in where.values()), where
        assert cli.wait_for(lambda s: s["held"] == 0)["held"] == 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                assert proc.wait(20) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
