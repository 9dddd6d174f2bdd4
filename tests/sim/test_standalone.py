"""The standalone server (`serve`) as the CLI runs it: a real process, stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.timeout(30)
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_seeds_demo_and_stops_on_ctrl_c() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = f"from focusguard.sim.ews import serve; serve('127.0.0.1', {port}, None, seed_demo=True)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/_control"
        for _ in range(100):
            try:
                status = requests.get(f"{base}/status", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("simulator did not come up")
        assert status["url"].endswith(f":{port}/EWS/Exchange.asmx")
        mailbox = requests.get(f"{base}/mailbox", timeout=2).json()
        assert len(mailbox["inbox"]) == 2
        assert [c["subject"] for c in mailbox["calendar"]] == ["Focus time", "Team sync"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "EWS simulator stopped." in out
    assert "Traceback" not in err


def test_an_interrupt_as_soon_as_the_simulator_answers_still_ends_the_process() -> None:
    """Ctrl-C right after the simulator started (what a script waiting for the port does):
    its server threads are stopped and the process ends, instead of running on without a
    main thread. The interrupt is raised by the simulator's own start, so the timing is
    exactly the window that used to lose it."""
    code = (
        "import os, signal\n"
        "from focusguard.sim.common.simulator import serve_until_stopped\n"
        "from focusguard.sim.ews import EwsSimulator\n"
        "sim = EwsSimulator(port=0)\n"
        "start = sim.start\n"
        "def interrupted_start():\n"
        "    started = start()\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return started\n"
        "sim.start = interrupted_start\n"
        "serve_until_stopped(sim, lambda: 'up', 'EWS')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    assert "EWS simulator stopped." in proc.stdout
