"""Composition root: builds settings, store, mail backend and runtime; picks GUI or headless.

Errors a person can fix (bad settings, no password, a newer state file) are printed as one
clear message with the fix, never as a traceback.
"""

from __future__ import annotations

import getpass
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from focusguard.core import paths
from focusguard.core.engine import Outcome, Release
from focusguard.core.failsafe import LockState
from focusguard.core.ports import MailBackend, MailError
from focusguard.core.settings import ConfigError, Settings, load_settings
from focusguard.platform.failsafe_scheduler import FailsafeScheduler, SchedulerError
from focusguard.platform.instance_lock import InstanceLock
from focusguard.runtime import Runtime

log = logging.getLogger(__name__)

# How long a starting app waits for a fail-safe run that holds the instance lock (its own
# deadline is 180 s; most runs take a second or two).
LOCK_WAIT_S = 200.0
LOCK_POLL_S = 0.25


class StartupError(Exception):
    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message


class AlreadyRunning(StartupError):
    """Another FocusGuard holds the instance lock."""


class ConsoleNotifier:
    """Headless notifications: one line on stderr each."""

    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        print(f"[{kind}] {title}: {message}", file=sys.stderr, flush=True)


def load(config: Path) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise StartupError(
            f"Settings in {config} need fixing",
            "\n".join(f"  {p}" for p in exc.problems)
            + "\nRun `focusguard config check` after editing.",
        ) from None


def open_store(path: Path | None = None):  # type: ignore[no-untyped-def]
    from focusguard.store import Store, StoreError

    target = path or paths.state_db()
    try:
        paths.ensure_private_dir(target.parent)
        return Store.open(target)
    except StoreError as exc:
        raise StartupError(exc.title, exc.message) from None


def take_instance_lock(db: Path | None = None, *, wait: float = LOCK_WAIT_S) -> InstanceLock:
    """The running app's instance lock, held until the process ends (core/failsafe.py): it
    tells the fail-safe that FocusGuard is alive. Waits while a fail-safe run holds it;
    StartupError when another FocusGuard does."""
    path = paths.instance_lock(db or paths.state_db())
    paths.ensure_private_dir(path.parent)
    lock = InstanceLock(path)
    deadline = time.monotonic() + wait
    while lock.try_acquire() is LockState.BUSY:
        # Busy: a fail-safe run (wait for it) or another FocusGuard, which answers on the
        # control channel as soon as it is up (then say so at once).
        if _instance_answers() or time.monotonic() >= deadline:
            raise AlreadyRunning(
                "FocusGuard is already running",
                "Another FocusGuard uses this state (look for its icon, or run `focusguard "
                f"status`). If none is running, wait a minute and start FocusGuard again "
                f"({path}).",
            )
        log.info("the instance lock is busy (a fail-safe run?); waiting")
        time.sleep(LOCK_POLL_S)
    return lock


def _instance_answers() -> bool:
    from focusguard import control

    try:
        control.request({"cmd": "status"}, timeout=5)
    except control.NotRunning:
        return False
    except (TimeoutError, OSError, ValueError):
        return True  # something holds the channel: an instance, if a slow one
    return True


# -- the fail-safe's OS scheduler units (docs/failsafe.md) ------------------------------------
def failsafe_scheduler() -> FailsafeScheduler:
    from focusguard.platform.failsafe_scheduler import for_platform

    return for_platform()


def keep_failsafe(
    settings: Settings, config: Path, scheduler: FailsafeScheduler | None = None
) -> str:
    """Install the fail-safe's units when missing or outdated (the schedule changed), or
    remove them when `holding.failsafe` is false. Returns what happened, for the log."""
    from focusguard.platform.failsafe_units import job_for

    if settings.account is None:
        return "no account: nothing to hold"
    sched = scheduler or failsafe_scheduler()
    if not settings.holding.failsafe:
        return "removed (holding.failsafe = false)" if sched.uninstall() else "off"
    job = job_for(settings, config)
    if sched.current(job):
        return "up to date"
    done = sched.install(job)
    where = f"installed as {sched.name} ({done.where})"
    return where if done.active else f"{where}; {done.detail}"


def keep_failsafe_soon(settings: Settings, config: Path) -> threading.Thread | None:
    """`keep_failsafe` on a background thread (systemctl, schtasks and launchctl take a
    moment), logging the outcome. Not under FOCUSGUARD_HOME: that is the demo's, the tests'
    or a throwaway setup's, and OS scheduler units would outlive it (`focusguard failsafe
    --install` installs them there on purpose)."""
    if paths.home_override() is not None:
        log.info("fail-safe not installed automatically under %s", paths.HOME_ENV)
        return None

    def work() -> None:
        try:
            log.info("fail-safe: %s", keep_failsafe(settings, config))
        except (SchedulerError, OSError) as exc:
            log.warning("fail-safe: %s", exc)

    thread = threading.Thread(target=work, name="focusguard-failsafe-units", daemon=True)
    thread.start()
    return thread


def build_backend(settings: Settings, password: str | None = None) -> MailBackend:
    account = settings.account
    if account is None:
        raise StartupError(
            "No mail account configured",
            "Add an [account] section to the settings (or run the setup wizard).",
        )
    if account.kind == "graph":
        try:
            from focusguard.mail.graph.backend import connect_backend as graph_backend
        except ImportError:
            raise StartupError(
                "Microsoft Graph is not supported yet",
                "This version of FocusGuard talks to Exchange through EWS only "
                '(account.kind = "ews").',
            ) from None
        backend: MailBackend = graph_backend(settings)
        return backend
    from focusguard.mail.ews.backend import EwsBackend, connect_backend

    if password is not None:
        return EwsBackend(account, settings.holding, password=password)
    try:
        ews: MailBackend = connect_backend(settings)
        return ews
    except MailError as exc:
        raise StartupError(exc.title, exc.message) from None


def _print_outcome(outcome: Outcome) -> None:
    d = outcome.decision
    print(f"{d.category.value:8} {d.action.value:7} {outcome.message_id}  {d.reason}", flush=True)


def _print_release(release: Release) -> None:
    print(f"released {release.summary} ({release.kind})", flush=True)


def wait_for_signal(stop: threading.Event, duration: float | None = None) -> None:
    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    stop.wait(duration)


def run_headless(config: Path, *, on_ready: Callable[[Runtime], None] | None = None) -> int:
    try:
        settings = load(config)
        lock = take_instance_lock()
    except StartupError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    try:
        return _run_headless(config, settings, on_ready)
    finally:
        lock.release()


def _run_headless(
    config: Path, settings: Settings, on_ready: Callable[[Runtime], None] | None
) -> int:
    try:
        store = open_store()
        backend = build_backend(settings)
    except StartupError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    from focusguard import dnd_wiring
    from focusguard.core.clock import SystemClock

    notifier = ConsoleNotifier()
    runtime = Runtime(
        settings,
        backend,
        store,
        notifier,
        on_outcome=_print_outcome,
        on_release=_print_release,
        dnd=dnd_wiring.build(settings, store, backend, notifier, SystemClock()),  # issue 14
    )
    try:
        runtime.start()
    except RuntimeError as exc:  # another instance owns the control channel
        print(f"focusguard: {exc}", file=sys.stderr)
        return 1
    print(
        f"FocusGuard is running headless for {settings.account and settings.account.email}. "
        "Ctrl-C to stop.",
        flush=True,
    )
    keep_failsafe_soon(settings, config)
    if on_ready is not None:
        on_ready(runtime)
    stop = threading.Event()
    wait_for_signal(stop)
    runtime.stop()
    store.close()
    return 0


def run_gui(config: Path) -> int:
    from focusguard.ui.main import run as run_tray

    code: int = run_tray(config)
    return code


def account_login(config: Path, *, password_stdin: bool) -> int:
    try:
        settings = load(config)
    except StartupError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    account = settings.account
    if account is None:
        print("focusguard: no [account] section in the settings", file=sys.stderr)
        return 1
    from focusguard.secrets import Keyring, SecretStoreError

    try:
        # Before asking for the password: with no safe keyring it could not be kept anyway.
        where = Keyring().check()
    except SecretStoreError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    if account.kind == "graph" or account.auth == "oauth":
        return _oauth_login(settings, where)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {account.username or account.email}: ")
    if not password:
        print("focusguard: no password given", file=sys.stderr)
        return 1
    from focusguard.mail.ews.login import verify_and_store

    try:
        verify_and_store(account, password, Keyring())
    except MailError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    except SecretStoreError as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    print(f"Signed in as {account.email}; the password is in {where}.")
    return 0


def _oauth_login(settings: Settings, where: str) -> int:
    """Microsoft sign-in (browser, or a device code in a terminal); the token cache goes to
    the keyring."""
    from focusguard.secrets import Keyring, SecretStoreError

    account = settings.account
    assert account is not None
    try:
        if account.kind == "graph":
            from focusguard.mail.graph.login import sign_in
            from focusguard.mail.graph.tokens import scopes_for

            # Presence.ReadWrite only with do_not_disturb.teams on (issue 14)
            sign_in(account, Keyring(), scopes=scopes_for(settings.do_not_disturb.teams))
        else:
            from focusguard.mail.ews.login import sign_in_oauth

            sign_in_oauth(account, Keyring())
    except (MailError, SecretStoreError) as exc:
        print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
        return 1
    print(f"Signed in as {account.email}; the sign-in is kept in {where}.")
    return 0
