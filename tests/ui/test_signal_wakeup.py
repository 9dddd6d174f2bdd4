"""Ctrl-C and SIGTERM end the tray's event loop through a wakeup socket, with no polling timer:
the idle loop does not wake on its own (issue 15)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from focusguard.ui.signal_wakeup import SignalWakeup
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
# The tray's own loop (ui/main._exec) in a process of its own; exit code 7 = exec returned 0.
LOOP = textwrap.dedent(
    """\
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from focusguard.ui import main
    app = main.application()
    print(os.getpid(), flush=True)
    sys.exit(main._exec(app) + 7)
    """
)
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _main_thread(pid: int) -> Path:
    return Path(f"/proc/{pid}/task/{pid}")


def _switches(pid: int) -> int:
    text = (_main_thread(pid) / "status").read_text()
    return sum(int(line.split()[1]) for line in text.splitlines() if "ctxt_switches" in line)


def _sleeping(pid: int) -> bool:
    return (_main_thread(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "S"


def _start_loop(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    script = tmp_path / "loop.py"
    script.write_text(LOOP, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


@linux_only
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_signal_quits_the_idle_loop_cleanly(tmp_path: Path, signum: int) -> None:
    proc, pid = _start_loop(tmp_path)
    try:
        wait_until(lambda: _sleeping(pid), what="the event loop to wait")
        proc.send_signal(signum)
        assert proc.wait(10) == 7  # exec() returned 0: the loop ended, not the process killed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@linux_only
def test_the_idle_loop_has_no_wake_up_of_its_own(tmp_path: Path) -> None:
    # The 500 ms no-op timer this replaces woke the GUI thread 4 times in these 2 seconds.
    proc, pid = _start_loop(tmp_path)
    try:
        wait_until(lambda: _sleeping(pid), what="the event loop to wait")
        before = _switches(pid)
        time.sleep(2.0)  # the measurement window itself, not a wait for a condition
        assert _switches(pid) - before <= 1
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def test_handlers_run_on_the_gui_thread_and_close_restores_them(qtbot) -> None:
    app = QApplication.instance()
    assert app is not None
    heard: list[int] = []
    before = signal.getsignal(signal.SIGINT)
    wakeup = SignalWakeup([signal.SIGINT], lambda n: (heard.append(n), QApplication.exit(0)))
    try:
        QTimer.singleShot(0, lambda: os.kill(os.getpid(), signal.SIGINT))
        assert app.exec() == 0
    finally:
        wakeup.close()
    assert heard == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
    assert signal.set_wakeup_fd(-1) == -1  # no wakeup fd left behind
