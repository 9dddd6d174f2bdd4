"""The Qt face of FocusGuard: tray, windows, dialogs. The only package that imports PySide6.

One import-time action, on purpose: a guard against a PySide6 refcount bug (below). It must
run before the app makes many Qt calls, and every GUI module is imported through this
package, so this is the one place that covers them all (the digest and settings windows
too).
"""

from __future__ import annotations

import ctypes
import sys

# Python 3.12 made None/True/False immortal; on older versions give them this many extra
# references, far more than any process lifetime of Qt calls can use up.
_RESERVE = 1 << 40


def _guard_singleton_refcounts() -> bool:
    """PySide6 6.12 returns None from void methods (`QTimer.start`, `processEvents`,
    `setObjectName`, ...) and True from `SignalInstance.emit()` without a new reference —
    harmless on Python >= 3.12, where those objects are immortal, but on 3.11 every such
    call drops one reference, and after a few thousand the interpreter aborts with "Fatal
    Python error: none_dealloc" (or bool_dealloc). Measure it; if it happens, give None,
    True and False a reserve of references, which is what 3.12 does. Returns whether the
    guard was needed."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(8):
        probe.setObjectName("probe")
        probe.ping.emit()
    lost = max(none_before - sys.getrefcount(None), true_before - sys.getrefcount(True))
    if lost < 8:  # a real leak loses one per call; smaller drifts are other threads' noise
        return False
    for value in (None, True, False):
        ctypes.c_ssize_t.from_address(id(value)).value += _RESERVE
    return True


SINGLETON_REFCOUNTS_GUARDED = _guard_singleton_refcounts()
