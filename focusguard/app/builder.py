"""The one place that puts a FocusGuard together.

`build(settings, mode)` picks the mail backend (through app/backends.py), the state store,
the keyring, the clock, the timers, the event hub the engine reports to, and the OS
integrations of the mode (start at login, the fail-safe's scheduler units). The tray, `run
--headless`, the demo, the fail-safe run and the tests all call it, so they cannot drift
apart; whatever a caller brings instead — the demo's simulator, a test's in-memory mailbox,
virtual clock and still timers — goes in `Parts`, never patched in afterwards.

    app = build(settings, Mode.HEADLESS, config=path)
    app.start()          # the control socket, then the engine on its worker
    app.service.focus_start(25)
    app.stop()
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from focusguard.app import backends, control, notices, startup
from focusguard.app.backends import SimulatedServer
from focusguard.app.control import ControlServer
from focusguard.app.dnd import DoNotDisturb
from focusguard.app.events import Decided, EventNotifier, Events, Released
from focusguard.app.runtime import Retry, Runtime, Timers
from focusguard.app.service import Service
from focusguard.core import paths
from focusguard.core.clock import SystemClock
from focusguard.core.engine import Engine
from focusguard.core.errors import StartupError
from focusguard.core.ports import Clock, MailBackend, MailError, Secrets
from focusguard.core.records import StateStore
from focusguard.core.scheduler import Ticker
from focusguard.core.settings import Settings
from focusguard.core.worker import Worker
from focusguard.platform import autostart as autostart_module
from focusguard.platform import failsafe_scheduler
from focusguard.platform.autostart import Autostart
from focusguard.platform.failsafe_scheduler import FailsafeScheduler, SchedulerError

log = logging.getLogger(__name__)


class Mode(enum.Enum):
    TRAY = "tray"  # the tray app: offers start at login, keeps the fail-safe's units
    HEADLESS = "headless"  # `focusguard run --headless`: keeps the fail-safe's units
    DEMO = "demo"  # a simulated mailbox and throw-away state: installs nothing in the OS
    FAILSAFE = "failsafe"  # one `focusguard failsafe` run: the engine and its backend only


@dataclass(frozen=True)
class Parts:
    """What a caller brings instead of what the builder would pick."""

    backend_for: Callable[[Settings], MailBackend] | None = None  # tests: a mailbox of theirs
    server: SimulatedServer | None = None  # the demo: its simulator (else the environment's)
    store: StateStore | None = None  # kept open by the caller
    store_path: Path | None = None  # default: paths.state_db()
    clock: Clock | None = None
    timers: Timers | None = None
    retry: Retry | None = None  # how soon a failing server is asked again
    secrets: Secrets | None = None  # default: the OS keyring
    control: bool = True  # listen on the control socket
    control_root: Path | None = None  # default: paths.runtime_dir()
    failsafe: FailsafeScheduler | None = None  # default: this OS's, in TRAY and HEADLESS
    autostart: Autostart | None = None  # default: this OS's, in TRAY


@dataclass(eq=False)
class App:
    """A FocusGuard, built: `start()` it, talk to its `service`, `stop()` it."""

    mode: Mode
    config: Path | None
    events: Events
    service: Service
    runtime: Runtime
    store: StateStore
    control: ControlServer | None
    autostart: Autostart | None
    failsafe: FailsafeScheduler | None
    do_not_disturb: DoNotDisturb | None = None  # the desktop and Teams during focus
    owns_store: bool = False
    running: bool = False

    @property
    def engine(self) -> Engine:
        """The engine, for the fail-safe run (which has no worker) and tests."""
        return self.runtime.engine

    def start(self) -> None:
        """The control socket first (AlreadyRunning when another FocusGuard has it), then
        the engine on its worker; never blocks on the network."""
        if self.control is not None:
            self.control.start()
        if self.do_not_disturb is not None:
            self.do_not_disturb.start()
        self.runtime.start()
        self.running = True
        self.keep_failsafe_soon(self.service.settings)

    def stop(self) -> None:
        """Stop what `start` started (nothing, when it failed) and close the store the
        builder opened."""
        if self.running:
            self.running = False
            if self.control is not None:
                self.control.stop()
            if self.do_not_disturb is not None:
                self.do_not_disturb.stop()  # before the backend closes (Teams needs it)
            self.runtime.stop()
        if self.owns_store:
            self.owns_store = False
            self.store.close()

    def keep_failsafe_soon(self, settings: Settings) -> threading.Thread | None:
        return keep_failsafe_soon(self.failsafe, self.config, settings)


def keep_failsafe_soon(
    scheduler: FailsafeScheduler | None, config: Path | None, settings: Settings
) -> threading.Thread | None:
    """Keep the fail-safe's OS units in step with `settings`, on a background thread
    (systemctl, schtasks and launchctl take a moment), logging the outcome. Not under
    FOCUSGUARD_HOME: that is the tests' or a throw-away setup's, and OS scheduler units would
    outlive it (`focusguard failsafe --install` installs them there on purpose)."""
    if scheduler is None or config is None:
        return None
    if paths.home_override() is not None:
        log.info("fail-safe not installed automatically under %s", paths.HOME_ENV)
        return None

    def work() -> None:
        try:
            log.info("fail-safe: %s", failsafe_scheduler.keep(settings, config, scheduler))
        except (SchedulerError, OSError) as exc:
            log.warning("fail-safe: %s", exc)

    thread = threading.Thread(target=work, name="focusguard-failsafe-units", daemon=True)
    thread.start()
    return thread


def build(
    settings: Settings, mode: Mode, *, config: Path | None = None, parts: Parts | None = None
) -> App:
    """Everything for `settings` in `mode`; StartupError (title + fix) when a part cannot
    be had: no password saved, an unusable state file..."""
    parts = parts or Parts()
    secrets = parts.secrets or _keyring()
    server = parts.server or backends.simulator_from_environment()
    clock = parts.clock or SystemClock()
    events = Events()

    def backend_for(s: Settings) -> MailBackend:
        if parts.backend_for is not None:
            return parts.backend_for(s)
        try:
            return backends.build(s, secrets, server)
        except MailError as exc:
            raise StartupError(exc.title, exc.message) from None

    owns_store = parts.store is None
    store = parts.store or startup.open_store(parts.store_path)
    # The desktop and Teams during focus (docs/do-not-disturb.md); the fail-safe run only
    # restores what a crashed app left on (app/failsafe_run.py).
    dnd = (
        None if mode is Mode.FAILSAFE else DoNotDisturb(events, store, EventNotifier(events), clock)
    )

    def engine_for(s: Settings) -> Engine:
        backend = backend_for(s)
        if dnd is not None:
            dnd.use(s, backend)  # at build, and for new settings before they connect
        return Engine(
            s,
            backend,
            store,
            clock,
            EventNotifier(events),
            on_outcome=lambda outcome: events.publish(Decided(outcome)),
            on_release=lambda release: events.publish(Released(release)),
        )

    try:
        engine = engine_for(settings)
    except BaseException:
        if owns_store:
            store.close()
        raise
    runtime = Runtime(
        engine,
        Worker(),
        parts.timers or Ticker(),
        events,
        retry=parts.retry,
        do_not_disturb=(lambda: None) if dnd is None else dnd.describe,
    )
    # The OS integrations of the mode: the demo and the fail-safe run install nothing.
    failsafe = parts.failsafe
    if failsafe is None and mode in (Mode.TRAY, Mode.HEADLESS):
        failsafe = failsafe_scheduler.for_platform()
    autostart = parts.autostart
    if autostart is None and mode is Mode.TRAY:
        autostart = autostart_module.for_platform()
    service = Service(
        runtime,
        events,
        settings,
        engine_for=engine_for,
        # New settings may change the schedule the fail-safe's units run on.
        settings_applied=lambda new: keep_failsafe_soon(failsafe, config, new),
        failsafe=failsafe,
    )
    notices.announce(events, lambda: service.settings.notifications)
    server_socket = None
    if parts.control and mode is not Mode.FAILSAFE:
        server_socket = control.serve(service, parts.control_root)
    return App(
        mode=mode,
        config=config,
        events=events,
        service=service,
        runtime=runtime,
        store=store,
        control=server_socket,
        autostart=autostart,
        failsafe=failsafe,
        do_not_disturb=dnd,
        owns_store=owns_store,
    )


def _keyring() -> Secrets:
    from focusguard.secrets import Keyring

    return Keyring()
