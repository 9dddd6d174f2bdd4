"""Before the app runs: its settings, its state file and its instance lock, each failure a
`StartupError` with the fix (never a traceback)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from focusguard.app import control
from focusguard.core import paths
from focusguard.core.errors import AlreadyRunning, SettingsNeedFixing, StartupError
from focusguard.core.failsafe import LockState
from focusguard.core.settings import ConfigError, Settings, load_settings
from focusguard.platform.instance_lock import InstanceLock
from focusguard.store import Store, StoreError

log = logging.getLogger(__name__)

# How long a starting app waits for a fail-safe run that holds the instance lock (its own
# deadline is 180 s; most runs take a second or two).
LOCK_WAIT_S = 200.0
LOCK_POLL_S = 0.25


def load(config: Path) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise SettingsNeedFixing(
            f"Settings in {config} need fixing",
            "\n".join(f"  {p}" for p in exc.problems)
            + "\nRun `focusguard config check` after editing.",
            tuple(str(p) for p in exc.problems),
        ) from None


def open_store(path: Path | None = None) -> Store:
    target = path or paths.state_db()
    try:
        paths.ensure_private_dir(target.parent)
        return Store.open(target)
    except StoreError as exc:
        raise StartupError(exc.title, exc.message) from None


def take_instance_lock(db: Path | None = None, *, wait: float = LOCK_WAIT_S) -> InstanceLock:
    """The running app's instance lock, held until the process ends (core/failsafe.py): it
    tells the fail-safe that FocusGuard is alive. Waits while a fail-safe run holds it;
    AlreadyRunning when another FocusGuard does."""
    path = paths.instance_lock(db or paths.state_db())
    paths.ensure_private_dir(path.parent)
    lock = InstanceLock(path)
    deadline = time.monotonic() + wait
    while lock.try_acquire() is LockState.BUSY:
        # Busy: a fail-safe run (wait for it) or another FocusGuard, which answers on the
        # control channel as soon as it is up (then say so at once).
        if control.instance_answers() or time.monotonic() >= deadline:
            raise AlreadyRunning(
                "FocusGuard is already running",
                "Another FocusGuard uses this state (look for its icon, or run `focusguard "
                f"status`). If none is running, wait a minute and start FocusGuard again "
                f"({path}).",
            )
        log.info("the instance lock is busy (a fail-safe run?); waiting")
        time.sleep(LOCK_POLL_S)
    return lock
