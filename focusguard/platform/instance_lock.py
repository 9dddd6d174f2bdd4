"""The instance lock: an OS-level exclusive lock on a file beside the state database, held by
the running app for its whole life and by a fail-safe run while it works.

The kernel releases the lock when the process that holds it ends, however it ends (quit,
crash, kill -9), so "the lock is free" means "no FocusGuard is running" without trusting a
file a dead process left behind. POSIX: `flock` (locks belong to the open file, so two opens
in one process exclude each other as well); Windows: `msvcrt.locking` on the first byte.
On a file system that cannot lock (some network mounts) the state is UNKNOWN and the
fail-safe relies on the heartbeat alone (core/failsafe.py).
"""

from __future__ import annotations

import errno
import logging
import os
import time
from pathlib import Path
from typing import Any

from focusguard.core.failsafe import LockState

log = logging.getLogger(__name__)

# Another process holds the lock: flock says EWOULDBLOCK/EAGAIN, msvcrt EACCES/EDEADLOCK.
_BUSY = {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, getattr(errno, "EDEADLOCK", -1)}


class InstanceLock:
    """`try_acquire()` or `acquire(timeout)`, then `release()` (or leave it to the exit)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.state: LockState | None = None  # the last outcome

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> LockState:
        """Take the lock if it is free; never waits."""
        if self._fd is not None:
            return LockState.ACQUIRED
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Not inherited by child processes (os.open's default since Python 3.4), so a
        # program FocusGuard starts never keeps the lock after FocusGuard is gone.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError as exc:
            os.close(fd)
            if exc.errno in _BUSY:
                self.state = LockState.BUSY
            else:
                log.warning("cannot lock %s (%s): relying on the heartbeat", self.path, exc)
                self.state = LockState.UNKNOWN
            return self.state
        self._fd = fd
        self.state = LockState.ACQUIRED
        return self.state

    def acquire(self, timeout: float, poll: float = 0.2) -> LockState:
        """Take the lock, waiting up to `timeout` seconds while another process holds it
        (a fail-safe run finishing its release). BUSY when it is still held then."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.try_acquire()
            if state is not LockState.BUSY or time.monotonic() >= deadline:
                return state
            time.sleep(poll)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        except OSError:
            log.debug("unlocking %s failed", self.path, exc_info=True)
        finally:
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(fd: int) -> None:
    if os.name == "nt":
        msvcrt = _msvcrt()
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    if os.name == "nt":
        msvcrt = _msvcrt()
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _msvcrt() -> Any:
    """The msvcrt module (Windows only); typed Any because mypy's stub elsewhere is empty."""
    import msvcrt

    return msvcrt
