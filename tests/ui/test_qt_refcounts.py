"""The installed PySide6 must not leak references to None/True.

PySide6-Essentials 6.12.0 on Python 3.11 returns None from void methods and True from
`SignalInstance.emit()` without a new reference; a tray app running all day aborts with
"Fatal Python error: bool_dealloc" after a few thousand calls. pyproject pins below 6.12;
this test fails loudly if a future release (or a different pin) brings the bug back. It runs
in a subprocess because the bug kills the interpreter.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QObject, QTimer, Signal

class Probe(QObject):
    ping = Signal()

probe = Probe()
timer = QTimer()
none0, true0 = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(20000):
    probe.setObjectName("probe")
    probe.ping.emit()
    timer.setInterval(5)
lost = max(none0 - sys.getrefcount(None), true0 - sys.getrefcount(True))
print(lost)
"""


def test_void_calls_and_emits_keep_none_and_true_alive() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) < 100
