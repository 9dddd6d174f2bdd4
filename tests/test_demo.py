"""`focusguard demo` as a newcomer meets it, as real processes: the commands of the README
reach the running demo from another terminal, the GUI demo says where to look and how to
stop, Quit ends it at once, and Ctrl-C / SIGTERM leave no folder behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The suite's own home and keyring (as another terminal of the same user would have),
    and a temporary folder of the test's for the demo's throw-away folder."""
    (tmp_path / "tmp").mkdir()
    return {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "QT_QPA_PLATFORM": "offscreen"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "focusguard", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


class Demo:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.out = Path(env["TMPDIR"]).parent / "demo.out"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "focusguard", "demo", *args],
            stdout=self.out.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def folders(self, env: dict[str, str]) -> list[Path]:
        return sorted(Path(env["TMPDIR"]).glob("focusguard-demo-*"))


@pytest.fixture
def demos() -> Iterator[list[Demo]]:
    started: list[Demo] = []
    yield started
    for demo in started:
        if demo.proc.poll() is None:
            demo.proc.kill()
            demo.proc.wait(10)


def test_status_focus_and_checkin_in_another_terminal_reach_the_demo(
    env: dict[str, str], demos: list[Demo]
) -> None:
    """The demo used a throw-away home for everything, its control socket included, so these
    said "FocusGuard is not running" while it ran."""
    demo = Demo(env, "--headless", "--duration", "90")
    demos.append(demo)
    wait_until(lambda: "Ctrl-C to stop" in demo.text(), 30, "the demo's first line")
    assert "`focusguard status`" in demo.text()
    assert len(demo.folders(env)) == 1
    status = cli(env, "status")
    assert status.returncode == 0, status.stderr
    assert " held · next check-in " in status.stdout
    focus = cli(env, "focus", "start", "25m")
    assert focus.returncode == 0 and focus.stdout.startswith("Focus until "), focus.stderr
    checkin = cli(env, "checkin")
    assert checkin.returncode == 0 and checkin.stdout.startswith("Checked in"), checkin.stderr
    demo.proc.send_signal(signal.SIGTERM)
    assert demo.proc.wait(30) == 0
    assert demo.folders(env) == []  # SIGTERM left the folder behind
    assert '"leaked_popups": 0' in demo.text()


def test_preview_in_another_terminal_replays_the_demo_mailboxs_last_week(
    env: dict[str, str], demos: list[Demo]
) -> None:
    """The demo mailbox has weeks of history from before FocusGuard (issue 13): `focusguard
    preview` replays last week with the demo's settings, and holding the demo's own mail is
    untouched by it (nothing of the history was held)."""
    demo = Demo(env, "--headless", "--duration", "90")
    demos.append(demo)
    wait_until(lambda: "Ctrl-C to stop" in demo.text(), 30, "the demo's first line")
    preview = cli(env, "preview", "--json")
    assert preview.returncode == 0, preview.stderr
    figures = json.loads(preview.stdout)
    assert figures["messages"] > 300, figures  # about 500 a week were seeded
    text = cli(env, "preview")
    assert text.stdout.startswith("Last week with these settings: "), text.stdout
    demo.proc.send_signal(signal.SIGTERM)
    assert demo.proc.wait(30) == 0
    assert '"leaked_popups": 0' in demo.text()


def test_the_gui_demo_says_where_to_look_and_quit_ends_it_at_once(
    env: dict[str, str], demos: list[Demo]
) -> None:
    env = {**env, "DISPLAY": env.get("DISPLAY") or ":0"}  # offscreen: no display is opened
    began = time.monotonic()
    demo = Demo(env, "--duration", "4")  # Quit, 4 s in (what the tray's Quit does)
    demos.append(demo)
    code = demo.proc.wait(60)
    took = time.monotonic() - began
    assert code == 0, demo.text()
    text = demo.text()
    assert "Look for the FocusGuard icon in the system tray" in text
    assert "Quit from its menu, or press Ctrl-C here, to stop" in text
    assert "Traceback" not in text
    # It took ~15 s after Quit (the runtime was stopped twice; the second stop waited for a
    # worker that had already ended); start-up and the 4 s aside, now about a second.
    assert took < 4 + 12, f"{took:.1f} s"
    assert demo.folders(env) == []


def test_sigterm_ends_the_gui_demo_and_removes_its_folder(
    env: dict[str, str], demos: list[Demo]
) -> None:
    env = {**env, "DISPLAY": env.get("DISPLAY") or ":0"}
    demo = Demo(env)
    demos.append(demo)
    wait_until(lambda: "Look for the FocusGuard icon" in demo.text(), 30, "the GUI demo's hint")
    assert len(demo.folders(env)) == 1
    demo.proc.send_signal(signal.SIGTERM)
    assert demo.proc.wait(30) == 0, demo.text()
    assert demo.folders(env) == []
    assert "Traceback" not in demo.text()


def test_with_another_focusguard_running_the_demo_listens_in_its_own_folder(
    tmp_path: Path,
) -> None:
    from focusguard.app.control import ControlServer
    from focusguard.demo import control_root

    assert control_root(tmp_path) == (None, "focusguard status")
    other = ControlServer(lambda request: {"ok": True, "text": "", "data": {}})
    other.start()
    try:
        root, hint = control_root(tmp_path)
    finally:
        other.stop()
    assert root == tmp_path / "run"
    assert hint == f"FOCUSGUARD_HOME={tmp_path} focusguard status"
