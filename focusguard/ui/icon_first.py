"""Icon first (issue 15): the tray icon is up before the app is built.

Building the app imports the mail library (exchangelib and its stack, or msal and requests:
most of start-up), opens the state store and reads the keyring. None of that is needed to
show an icon, so `first_icon` shows one at once ("Starting…", the picture the tray shows
until the engine answers) and `built_meanwhile` builds the app on a thread of its own while
the GUI thread goes on processing events, so the tray host embeds and paints the icon
meanwhile. The shell then adopts the same icon (no second icon, no flicker in the tray).
Connecting to the mailbox comes later still, on the engine's worker (app/runtime.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from focusguard.ui import icons

T = TypeVar("T")


def first_icon(title: str) -> QSystemTrayIcon | None:
    """A tray icon, shown now; None where there is no system tray (the status window stands
    in, and it needs the app)."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    icon = QSystemTrayIcon(icons.icon(icons.IconState.OPEN))
    icon.setToolTip(f"{title}\nStarting…")
    icon.show()
    return icon


class _Finished(QObject):
    finished = Signal()


class _Outcome(Generic[T]):
    def __init__(self) -> None:
        self.value: T | None = None
        self.error: BaseException | None = None


class ExitDuringBuild(Exception, Generic[T]):
    """The app was asked to exit (`QApplication.exit`, a signal, the demo's timer) while it
    was being built: `code` is the exit code asked for, `built` what the build made (to be
    stopped), if it got that far."""

    def __init__(self, code: int, built: T | None) -> None:
        super().__init__(code)
        self.code = code
        self.built = built


# What the build's own end makes loop.exec() return; any other value is an exit code someone
# asked for (QCoreApplication::exit ends every event loop of the thread, this one too).
_BUILT = -0x1C0F


def built_meanwhile(build: Callable[[], T]) -> T:
    """`build()` on a thread of its own, while this (the GUI) thread keeps handling events;
    its result, or what it raised. Returns when it is done, like calling it would;
    ExitDuringBuild when the app was told to exit meanwhile."""
    outcome: _Outcome[T] = _Outcome()
    loop = QEventLoop()
    relay = _Finished()
    # Queued: delivered inside loop.exec() below even when the build ends before it starts.
    relay.finished.connect(lambda: loop.exit(_BUILT), Qt.ConnectionType.QueuedConnection)

    def work() -> None:
        try:
            outcome.value = build()
        except BaseException as exc:  # handed to the caller, on its own thread
            outcome.error = exc
        finally:
            relay.finished.emit()

    thread = threading.Thread(target=work, name="focusguard-build", daemon=True)
    thread.start()
    code = loop.exec()
    thread.join()
    if code != _BUILT:
        raise ExitDuringBuild(code, outcome.value)
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]
