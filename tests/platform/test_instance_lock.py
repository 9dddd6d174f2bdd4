"""The instance lock: held by a live process, released by the kernel when it dies — however
it dies. This is what lets the fail-safe tell a dead app from a sleeping one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from focusguard.core.failsafe import LockState
from focusguard.platform.instance_lock import InstanceLock

HOLDER = """
import sys
from pathlib import Path
from focusguard.platform.instance_lock import InstanceLock
lock = InstanceLock(Path(sys.argv[1]))
print(lock.try_acquire().value, flush=True)
sys.stdin.read()  # hold it until killed
"""


def test_one_holder_at_a_time_within_a_process(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3.lock"
    first, second = InstanceLock(path), InstanceLock(path)
    assert first.try_acquire() is LockState.ACQUIRED and first.held
    assert first.try_acquire() is LockState.ACQUIRED  # re-entrant for its holder
    assert second.try_acquire() is LockState.BUSY and not second.held
    first.release()
    assert second.try_acquire() is LockState.ACQUIRED
    second.release()
    second.release()  # idempotent
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_the_kernel_releases_the_lock_of_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "acquired"
        lock = InstanceLock(path)
        assert lock.try_acquire() is LockState.BUSY
        assert lock.acquire(timeout=0.3, poll=0.05) is LockState.BUSY  # gives up in time
        holder.kill()  # SIGKILL: no clean-up code runs in the holder
        holder.wait(10)
        assert lock.acquire(timeout=10) is LockState.ACQUIRED
        lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_child_processes_do_not_inherit_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3.lock"
    with InstanceLock(path) as lock:
        assert lock.try_acquire() is LockState.ACQUIRED
        # A program started while the lock is held (systemctl, a browser for sign-in) and
        # still running after we released it must not keep it.
        child = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.read()"],
            stdin=subprocess.PIPE,
            close_fds=False,
        )
    try:
        again = InstanceLock(path)
        assert again.try_acquire() is LockState.ACQUIRED
        again.release()
    finally:
        child.kill()
        child.wait(10)
