"""The settings file and the account, as the settings window and the first-run wizard edit
them: read, check, save (the password to the keyring, never the file) and test a connection.
No running app is needed — the wizard runs before there is one; a running app then applies
what was saved (`Service.apply_settings`).

The checks are the ones `focusguard config check` runs (core/settings/), so a form can
never save what the command line would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from focusguard.app import backends
from focusguard.app.values import ScheduleAudit
from focusguard.core.do_not_disturb import Detection
from focusguard.core.ports import Secrets
from focusguard.core.settings import (
    AccountSettings,
    ConfigError,
    Settings,
    default_settings,
    load_settings,
    parse_settings,
    save_settings,
)


def desktop_do_not_disturb(settings: Settings) -> Detection:
    """What the Settings window says about desktop Do Not Disturb on this computer."""
    from focusguard.app.dnd import desktop_detection

    return desktop_detection(settings)


def check(document: Mapping[str, object]) -> Settings:
    """The settings a document describes; ConfigError lists every problem."""
    return parse_settings(document)


def defaults() -> Settings:
    """The settings of an empty file."""
    return default_settings()


@dataclass(frozen=True, slots=True)
class Loaded:
    settings: Settings  # the defaults when the file is missing or has problems
    problems: tuple[str, ...]  # why the file could not be used ("key: problem (fix)")


class SettingsFile:
    def __init__(self, path: Path, secrets: Secrets | None = None) -> None:
        self.path = Path(path)
        self._secrets = secrets

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> Loaded:
        if not self.path.exists():
            return Loaded(default_settings(), ())
        try:
            return Loaded(load_settings(self.path), ())
        except ConfigError as exc:
            return Loaded(default_settings(), tuple(str(p) for p in exc.problems))

    def save(self, settings: Settings, password: str = "") -> None:
        """The password (when given) to the keyring, then the file; SecretStoreError or
        ConfigError (both FocusGuardErrors) when either cannot be written."""
        if password and settings.account is not None:
            self.secrets.set(settings.account.email, password)
        save_settings(settings, self.path)

    def verify(self, account: AccountSettings, password: str) -> None:
        """Sign in once with these details and keep nothing; MailError with a title and a
        fix. Blocks on the network: call it off the GUI thread."""
        backends.verify(account, password, self.secrets)

    @property
    def secrets(self) -> Secrets:
        if self._secrets is None:
            from focusguard.secrets import Keyring

            self._secrets = Keyring()
        return self._secrets


def schedule_audit(settings: Settings, now: datetime) -> ScheduleAudit | None:
    """The schedule's worst case against the promise, as `focusguard config check` prints it
    (core/promise_report.py), for the Settings window's schedule tab; None without a
    promise."""
    from focusguard.core.promise_report import promise_report

    report = promise_report(settings, now)
    if report is None:
        return None
    return ScheduleAudit(report.summary, report.warning)
