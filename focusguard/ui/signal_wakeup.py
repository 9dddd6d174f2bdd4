"""Ctrl-C and SIGTERM while Qt's event loop waits, with no timer (issue 15).

Python runs a signal handler only when the interpreter next executes bytecode, and while
`QApplication.exec()` waits in C++ it executes none: the handler would wait for the next
unrelated event. A polling no-op timer fixes that at the cost of a wake-up every tick, all
day, which was most of the idle tray's wake-ups. Instead the C-level handler writes the
signal number to a socket (`signal.set_wakeup_fd`), a `QSocketNotifier` on the other end
wakes the event loop, and the slot it runs is Python code, so the interpreter runs the
pending handler right then. A socket pair rather than a pipe: Windows accepts only a socket
for `set_wakeup_fd`, and a QSocketNotifier there needs a socket too.

https://docs.python.org/3/library/signal.html#signal.set_wakeup_fd
https://doc.qt.io/qt-6/qsocketnotifier.html
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, Slot

Handler = Callable[[int, FrameType | None], object] | int | None


class SignalWakeup(QObject):
    """While it exists, `signals` call `on_signal(signum)` on the GUI thread. Make it on the
    main thread (only it may set signal handlers); `close()` puts the previous ones back."""

    def __init__(
        self,
        signals: Iterable[signal.Signals],
        on_signal: Callable[[int], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)  # set_wakeup_fd requires it; a full buffer must not block
        # The byte only wakes the loop; a full buffer (many signals at once) loses nothing,
        # the handlers have run anyway.
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, Handler] = {
            signum: signal.signal(signum, lambda n, _frame: on_signal(n)) for signum in signals
        }
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    @Slot()
    def _drain(self) -> None:
        # Being here (Python code on the main thread) is what runs the pending handler.
        try:
            while self._read.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def close(self) -> None:
        self._notifier.setEnabled(False)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._read.close()
        self._write.close()
