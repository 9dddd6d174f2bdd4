"""The settings file and the account, as the settings window and the first-run wizard edit
them: read, check, save (the password to the keyring, never the file) and test a connection.
No running app is needed — the wizard runs before there is one; a running app then applies
what was saved (`Service.apply_settings`).

The checks are the ones `focusguard config check` runs (core/settings/), so a form can
never save what the command line would refuse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from focusguard.app import backends
from focusguard.app.values import ScheduleAudit
from focusguard.core.do_not_disturb import Detection
from focusguard.core.ports import MailboxCheck, Secrets
from focusguard.core.settings import (
    NOT_MANAGED,
    AccountSettings,
    ConfigError,
    HoldingSettings,
    Managed,
    Settings,
    default_settings,
    load_managed,
    load_settings,
    parse_settings,
    save_settings,
)


def desktop_do_not_disturb(settings: Settings) -> Detection:
    """What the Settings window says about desktop Do Not Disturb on this computer."""
    from focusguard.app.dnd import desktop_detection

    return desktop_detection(settings)


def has_browser() -> bool:
    """Whether "Sign in with Microsoft" can open a browser here (else a device code)."""
    return backends.has_browser()


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
    """`server`: a simulator on this computer that the account's tests and sign-ins go to
    instead of the real server (the demo, tests); None for real use."""

    def __init__(
        self,
        path: Path,
        secrets: Secrets | None = None,
        *,
        server: backends.SimulatedServer | None = None,
    ) -> None:
        self.path = Path(path)
        self._secrets = secrets
        self.server = server
        self._managed: Managed | None = None
        self.managed_problems: tuple[str, ...] = ()

    def exists(self) -> bool:
        return self.path.exists()

    # -- the organisation's managed settings (core/settings/managed.py) --------------------
    @property
    def managed(self) -> Managed:
        """The managed settings; none when there are none or they cannot be used (then
        `managed_problems` says why, and the user's own settings still work)."""
        if self._managed is None:
            try:
                self._managed, self.managed_problems = load_managed(), ()
            except ConfigError as exc:
                self._managed = NOT_MANAGED
                self.managed_problems = tuple(str(p) for p in exc.problems)
        return self._managed

    def locked(self) -> frozenset[str]:
        """ "table.key" names the organisation locked: shown read-only."""
        return self.managed.locked

    def account_presets(self) -> dict[str, Any]:
        """The [account] keys the organisation presets (client_id, tenant, kind...)."""
        table = self.managed.document.get("account")
        return dict(table) if isinstance(table, Mapping) else {}

    def defaults(self) -> Settings:
        """The settings of an empty file over the organisation's presets (without the
        account, which needs the person's own email)."""
        preset = {k: v for k, v in self.managed.document.items() if k != "account"}
        try:
            return parse_settings(preset)
        except ConfigError:
            return default_settings()

    def load(self) -> Loaded:
        if not self.path.exists():
            return Loaded(self.defaults(), ())
        try:
            return Loaded(load_settings(self.path, self.managed), ())
        except ConfigError as exc:
            return Loaded(self.defaults(), tuple(str(p) for p in exc.problems))

    def save(self, settings: Settings, password: str = "") -> None:
        """The password (when given) to the keyring, then the file; SecretStoreError or
        ConfigError (both FocusGuardErrors) when either cannot be written."""
        if password and settings.account is not None:
            self.secrets.set(settings.account.email, password)
        save_settings(settings, self.path)

    def verify(
        self, account: AccountSettings, password: str, holding: HoldingSettings | None = None
    ) -> MailboxCheck:
        """Sign in once with these details, look around, keep nothing; MailError with a
        title and a fix. Blocks on the network: call it off the GUI thread."""
        return backends.verify(account, password, self.secrets, self._server_for(account), holding)

    def look_up_kind(self, email: str) -> backends.TenantLookup:
        """Microsoft 365 ("graph") or on-premises ("ews") for `email`; "" when unknown.
        Blocks on the network."""
        return backends.look_up_kind(email, self.server)

    def sign_in_microsoft(
        self,
        account: AccountSettings,
        show: Callable[[str], object],
        *,
        device_code: bool,
        cancelled: threading.Event | None = None,
        presence: bool = False,
    ) -> None:
        """Sign in to Microsoft 365 (browser or device code); the sign-in goes to the
        keyring. Blocks until done: call it off the GUI thread."""
        backends.sign_in_microsoft(
            account,
            self.secrets,
            device_code=device_code,
            show=show,
            cancelled=cancelled,
            server=self._server_for(account),
            presence=presence,
        )

    def _server_for(self, account: AccountSettings) -> backends.SimulatedServer | None:
        if self.server is None:
            return None
        # Signing in for real through the simulator: no fixed token for a Graph sign-in.
        return self.server if self.server.kind == account.kind else None

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
