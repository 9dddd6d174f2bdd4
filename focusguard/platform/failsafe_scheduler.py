"""Installing and removing the fail-safe's OS scheduler units (failsafe_units.py).

One small interface per OS — `current(job)`, `install(job)`, `uninstall()` — with the
command runner injected, so tests run the real `systemctl` against a temporary
XDG_CONFIG_HOME and check what would be run on Windows and macOS:
- Linux: systemd user units in $XDG_CONFIG_HOME/systemd/user, enabled with `systemctl --user
  enable` (which works without a running user manager: the timer then starts at the next
  login) and started when the user manager is reachable;
- Windows: `schtasks /Create /XML` of a per-user task (no admin rights); a copy of the XML
  in the data folder tells whether the installed task is current;
- macOS: a LaunchAgent in ~/Library/LaunchAgents, (re)loaded with `launchctl bootstrap`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Protocol

from focusguard.core import paths
from focusguard.core.errors import FocusGuardError
from focusguard.core.settings import Settings
from focusguard.platform import failsafe_units as units
from focusguard.platform.failsafe_units import FailsafeJob

log = logging.getLogger(__name__)

RUN_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class RunResult:
    returncode: int
    output: str  # stdout and stderr, for messages


Runner = Callable[[Sequence[str], Mapping[str, str] | None], RunResult]


def run_command(args: Sequence[str], env: Mapping[str, str] | None = None) -> RunResult:
    """Run a scheduler tool; a missing tool or a hang is a failed result, not an exception."""
    try:
        proc = subprocess.run(  # noqa: S603 - fixed tool names, arguments built here
            list(args),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            env=None if env is None else dict(env),
            check=False,
        )
    except FileNotFoundError:
        return RunResult(127, f"{args[0]} is not installed")
    except subprocess.TimeoutExpired:
        return RunResult(124, f"{args[0]} did not finish within {RUN_TIMEOUT_S} s")
    except OSError as exc:
        return RunResult(126, f"{args[0]}: {exc.strerror or exc}")
    return RunResult(proc.returncode, (proc.stdout + proc.stderr).strip())


class SchedulerError(FocusGuardError):
    """The fail-safe could not be installed or removed: `title` + `message` with the fix."""


@dataclass(frozen=True, slots=True)
class Installed:
    """What `install` did. `active` False: installed, but the OS scheduler takes it up only
    at the next login (`detail` says why)."""

    where: str
    active: bool
    detail: str = ""


class FailsafeScheduler(Protocol):
    name: str  # for messages: "a systemd user timer"

    def installed(self) -> bool: ...

    def current(self, job: FailsafeJob) -> bool:
        """Installed, and exactly as `install(job)` would install it."""

    def install(self, job: FailsafeJob) -> Installed: ...

    def uninstall(self) -> bool:
        """Remove the units; True when there was something to remove."""


def _local_now() -> tuple[datetime, tzinfo]:
    now = datetime.now(UTC)
    local = now.astimezone().tzinfo
    assert local is not None
    return now, local


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class SystemdTimer:
    name = "a systemd user timer"

    def __init__(self, runner: Runner = run_command, config_home: Path | None = None) -> None:
        self._runner = runner
        self._env: dict[str, str] | None = None
        if config_home is not None:
            # systemctl finds user units through its own XDG_CONFIG_HOME: the same folder.
            self._env = {**os.environ, "XDG_CONFIG_HOME": str(config_home)}
        base = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.unit_dir = base / "systemd" / "user"

    @property
    def wants_link(self) -> Path:
        return self.unit_dir / "timers.target.wants" / units.SYSTEMD_TIMER

    def _systemctl(self, *args: str) -> RunResult:
        return self._runner(["systemctl", "--user", *args], self._env)

    def installed(self) -> bool:
        return (self.unit_dir / units.SYSTEMD_TIMER).is_file()

    def current(self, job: FailsafeJob) -> bool:
        wanted = units.systemd_units(job)
        same = all(_read(self.unit_dir / n) == text.encode() for n, text in wanted.items())
        return same and self.wants_link.is_symlink()

    def install(self, job: FailsafeJob) -> Installed:
        for name, text in units.systemd_units(job).items():
            _write(self.unit_dir / name, text.encode())
        where = str(self.unit_dir / units.SYSTEMD_TIMER)
        reload = self._systemctl("daemon-reload")
        enable = self._systemctl("enable", units.SYSTEMD_TIMER)
        if enable.returncode != 0 and not self.wants_link.is_symlink():
            raise SchedulerError(
                "The fail-safe could not be switched on",
                f"`systemctl --user enable {units.SYSTEMD_TIMER}` failed ({enable.output}). "
                "The fail-safe needs systemd; on a system without it, held mail is released "
                "only while FocusGuard runs.",
            )
        if reload.returncode != 0:
            return Installed(
                where,
                False,
                f"systemd's user manager is not reachable now ({reload.output}); the timer "
                "starts at your next login",
            )
        # restart, not start: a timer that was running re-reads its new OnCalendar lines.
        start = self._systemctl("restart", units.SYSTEMD_TIMER)
        if start.returncode != 0:
            return Installed(where, False, f"the timer did not start ({start.output})")
        return Installed(where, True)

    def uninstall(self) -> bool:
        if not self.installed() and not self.wants_link.is_symlink():
            return False
        self._systemctl("stop", units.SYSTEMD_TIMER)
        self._systemctl("disable", units.SYSTEMD_TIMER)
        # Without systemctl the link is ours to remove (it is what `disable` removes).
        self.wants_link.unlink(missing_ok=True)
        for name in (units.SYSTEMD_TIMER, units.SYSTEMD_SERVICE):
            (self.unit_dir / name).unlink(missing_ok=True)
        self._systemctl("daemon-reload")
        return True


class TaskScheduler:
    name = "a Windows scheduled task"

    def __init__(
        self,
        runner: Runner = run_command,
        state_dir: Path | None = None,
        clock: Callable[[], tuple[datetime, tzinfo]] = _local_now,
    ) -> None:
        self._runner = runner
        self._clock = clock
        self.copy = (state_dir or paths.data_dir()) / "failsafe-task.xml"

    def _xml(self, job: FailsafeJob) -> bytes:
        return units.task_xml_bytes(units.task_xml(job, *self._clock()))

    def _schtasks(self, *args: str) -> RunResult:
        return self._runner(["schtasks", *args], None)

    def installed(self) -> bool:
        return self._schtasks("/Query", "/TN", units.TASK_NAME).returncode == 0

    def current(self, job: FailsafeJob) -> bool:
        return _read(self.copy) == self._xml(job) and self.installed()

    def install(self, job: FailsafeJob) -> Installed:
        _write(self.copy, self._xml(job))
        made = self._schtasks("/Create", "/TN", units.TASK_NAME, "/XML", str(self.copy), "/F")
        if made.returncode != 0:
            self.copy.unlink(missing_ok=True)
            raise SchedulerError(
                "The fail-safe could not be switched on",
                f"Task Scheduler refused the task ({made.output}). Check that the Task "
                "Scheduler service is running, then start FocusGuard again.",
            )
        return Installed(f"Task Scheduler › {units.TASK_NAME}", True)

    def uninstall(self) -> bool:
        removed = self._schtasks("/Delete", "/TN", units.TASK_NAME, "/F").returncode == 0
        had_copy = self.copy.exists()
        self.copy.unlink(missing_ok=True)
        return removed or had_copy


class LaunchAgent:
    name = "a macOS LaunchAgent"

    def __init__(
        self,
        runner: Runner = run_command,
        home: Path | None = None,
        clock: Callable[[], tuple[datetime, tzinfo]] = _local_now,
        uid: int | None = None,
    ) -> None:
        self._runner = runner
        self._clock = clock
        self._uid = uid if uid is not None else getattr(os, "getuid", lambda: 0)()
        self.path = (
            (home or Path.home()) / "Library" / "LaunchAgents" / f"{units.LAUNCH_AGENT_LABEL}.plist"
        )

    def _launchctl(self, *args: str) -> RunResult:
        return self._runner(["launchctl", *args], None)

    def installed(self) -> bool:
        return self.path.is_file()

    def current(self, job: FailsafeJob) -> bool:
        return _read(self.path) == units.launch_agent(job, *self._clock())

    def install(self, job: FailsafeJob) -> Installed:
        _write(self.path, units.launch_agent(job, *self._clock()))
        domain = f"gui/{self._uid}"
        self._launchctl("bootout", domain, str(self.path))  # the old definition, if loaded
        loaded = self._launchctl("bootstrap", domain, str(self.path))
        if loaded.returncode != 0:
            # In ~/Library/LaunchAgents it is loaded at the next login in any case.
            return Installed(
                str(self.path), False, f"launchd did not load it now ({loaded.output})"
            )
        return Installed(str(self.path), True)

    def uninstall(self) -> bool:
        if not self.path.exists():
            return False
        self._launchctl("bootout", f"gui/{self._uid}", str(self.path))
        self.path.unlink(missing_ok=True)
        return True


def for_platform(platform: str = sys.platform, runner: Runner = run_command) -> FailsafeScheduler:
    if platform.startswith("win"):
        return TaskScheduler(runner)
    if platform == "darwin":
        return LaunchAgent(runner)
    return SystemdTimer(runner)


def keep(settings: Settings, config: Path, scheduler: FailsafeScheduler) -> str:
    """Install the fail-safe's units when missing or outdated (the schedule changed), or
    remove them when `holding.failsafe` is false. Returns what happened, for the log."""
    if settings.account is None:
        return "no account: nothing to hold"
    if not settings.holding.failsafe:
        return "removed (holding.failsafe = false)" if scheduler.uninstall() else "off"
    job = units.job_for(settings, config)
    if scheduler.current(job):
        return "up to date"
    done = scheduler.install(job)
    where = f"installed as {scheduler.name} ({done.where})"
    return where if done.active else f"{where}; {done.detail}"
