"""The mail backends FocusGuard speaks, by `account.kind`: "ews" (Exchange Web Services,
on-premises Exchange) and "graph" (Microsoft Graph, Exchange Online / Microsoft 365).

For each kind: how the app gets a backend (`build`), how Settings → Account "Test
connection" checks an account (`verify`), and how `focusguard account login` signs in
(`sign_in`). The builder, `account login`, the settings window and the fail-safe all ask
here; nothing else picks a backend or hands it its secrets, and no adapter reads the
environment.

A simulator on this computer (`focusguard demo`, `focusguard sim`, tests) is an explicit
option, `SimulatedServer`, not a variable read deep inside an adapter.

Adapters are imported on first use: exchangelib is heavy and must not load with the command
line or the tray's settings window.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from focusguard.core.ports import MailBackend, MailError, Secrets
from focusguard.core.settings import AccountSettings, Settings

# `FOCUSGUARD_GRAPH_URL` points a Graph account at `focusguard sim --graph` (loopback only),
# `FOCUSGUARD_GRAPH_TOKEN` gives the simulator's token: for trying the tray or `run
# --headless` against the simulator, and for tests that start FocusGuard as a process. Read
# by the builder only (`simulator_from_environment`), docs/simulator.md.
GRAPH_URL_ENV = "FOCUSGUARD_GRAPH_URL"
GRAPH_TOKEN_ENV = "FOCUSGUARD_GRAPH_TOKEN"  # noqa: S105 - the name of a variable, not a secret


@dataclass(frozen=True, slots=True)
class SimulatedServer:
    """A mail server simulator on this computer: the backend talks to `url` and signs in with
    `credential` (which the simulator accepts: EWS a password, Graph a bearer token) instead
    of the keyring's password or Microsoft's sign-in. Never used against a real server."""

    kind: str  # "ews" | "graph"
    url: str
    credential: str | None = None

    def __repr__(self) -> str:  # the credential stays out of logs
        return f"SimulatedServer({self.kind!r}, {self.url!r})"


SIMULATED_EMAIL = "me@corp.example"
SIMULATED_CLIENT_ID = "5f1c2a3b-0d3e-4d3e-9d3e-000000000de0"  # the Graph simulator takes any


def simulator_account(
    kind: str,
    url: str,
    *,
    email: str = SIMULATED_EMAIL,
    username: str = "me",
    poll_seconds: int = 5,
    extra: str = "",
) -> str:
    """The `[account]` table (TOML) of a mailbox on a simulator at `url`: the one definition
    the demo, the tests and the benchmarks share. `extra` adds lines to the table."""
    if kind == "graph":
        lines = [
            'kind = "graph"',
            f'email = "{email}"',
            'auth = "oauth"',
            f'client_id = "{SIMULATED_CLIENT_ID}"',
            f"poll_seconds = {poll_seconds}",
        ]
    else:
        lines = [
            'kind = "ews"',
            f'email = "{email}"',
            f'ews_url = "{url}"',
            'auth = "basic"',
            f'username = "{username}"',
        ]
    return "[account]\n" + "\n".join(lines) + "\n" + extra + "\n"


def simulator_from_environment(environ: Mapping[str, str] = os.environ) -> SimulatedServer | None:
    url = environ.get(GRAPH_URL_ENV, "").strip()
    if not url:
        return None
    return SimulatedServer("graph", url, environ.get(GRAPH_TOKEN_ENV) or None)


class BackendKind(Protocol):
    """One `account.kind`."""

    name: str

    def build(
        self, settings: Settings, secrets: Secrets, server: SimulatedServer | None
    ) -> MailBackend:
        """A backend for the configured account; touches no network. MailError (with the
        fix) when it cannot be built, e.g. no password saved."""

    def verify(self, account: AccountSettings, password: str, secrets: Secrets) -> None:
        """Sign in once and keep nothing; MailError / AuthError say what is wrong."""

    def asks_password(self, account: AccountSettings) -> bool:
        """Whether signing in takes a password (else a browser or device-code sign-in)."""

    def sign_in(
        self,
        account: AccountSettings,
        secrets: Secrets,
        password: Callable[[], str],
        *,
        presence: bool = False,
    ) -> None:
        """`focusguard account login`: sign in, and keep the password or token in
        `secrets` only once the server accepted it. `presence`: also ask for the Teams
        presence permission (do_not_disturb.teams)."""


class _Ews:
    name = "ews"

    def build(
        self, settings: Settings, secrets: Secrets, server: SimulatedServer | None
    ) -> MailBackend:
        from focusguard.mail.ews.backend import EwsBackend, connect_backend

        account = _account(settings)
        if server is not None and server.credential is not None:
            # The simulator takes any password: nothing from (or for) the keyring.
            return EwsBackend(account, settings.holding, password=server.credential)
        return connect_backend(settings, secrets)

    def verify(self, account: AccountSettings, password: str, secrets: Secrets) -> None:
        from focusguard.mail.ews.login import verify

        verify(account, password)

    def asks_password(self, account: AccountSettings) -> bool:
        return account.auth != "oauth"

    def sign_in(
        self,
        account: AccountSettings,
        secrets: Secrets,
        password: Callable[[], str],
        *,
        presence: bool = False,
    ) -> None:
        from focusguard.mail.ews import login

        if account.auth == "oauth":
            login.sign_in_oauth(account, secrets)
        else:
            login.verify_and_store(account, password(), secrets)


class _Graph:
    name = "graph"

    def build(
        self, settings: Settings, secrets: Secrets, server: SimulatedServer | None
    ) -> MailBackend:
        from focusguard.mail.graph.backend import connect_backend
        from focusguard.mail.graph.tokens import StaticTokens

        if server is None:
            return connect_backend(settings, secrets)
        _refuse_remote(server)
        tokens = None if server.credential is None else StaticTokens(server.credential)
        return connect_backend(settings, secrets, tokens=tokens, base_url=server.url)

    def verify(self, account: AccountSettings, password: str, secrets: Secrets) -> None:
        from focusguard.mail.graph.login import verify

        verify(account, secrets)

    def asks_password(self, account: AccountSettings) -> bool:
        return False

    def sign_in(
        self,
        account: AccountSettings,
        secrets: Secrets,
        password: Callable[[], str],
        *,
        presence: bool = False,
    ) -> None:
        from focusguard.mail.graph.login import sign_in
        from focusguard.mail.graph.tokens import scopes_for

        # Presence.ReadWrite only with do_not_disturb.teams on (docs/graph.md)
        sign_in(account, secrets, scopes=scopes_for(presence))


# One entry per kind the settings accept (core/settings/schema.py ACCOUNT_KINDS; a test checks).
KINDS: Mapping[str, BackendKind] = {"ews": _Ews(), "graph": _Graph()}


def kind_of(account: AccountSettings) -> BackendKind:
    """The backend kind of `account` (the settings accept only the kinds registered here)."""
    return KINDS[account.kind]


def build(
    settings: Settings, secrets: Secrets, server: SimulatedServer | None = None
) -> MailBackend:
    """The backend for the configured account; MailError when there is none to build."""
    account = _account(settings)
    if server is not None and server.kind != account.kind:
        raise MailError(
            "Wrong simulator",
            f"The simulator at {server.url} speaks {server.kind}, but the account "
            f"{account.email} is set up for {account.kind}.",
            retryable=False,
        )
    return kind_of(account).build(settings, secrets, server)


def verify(account: AccountSettings, password: str, secrets: Secrets) -> None:
    """Settings → Account "Test connection": sign in once, keep nothing."""
    kind_of(account).verify(account, password, secrets)


def _account(settings: Settings) -> AccountSettings:
    if settings.account is None:
        raise MailError(
            "No mail account configured",
            "Add an [account] section to the settings (or run the setup wizard).",
            retryable=False,
        )
    return settings.account


def _refuse_remote(server: SimulatedServer) -> None:
    from focusguard.mail.graph.backend import is_loopback_host

    if not is_loopback_host(urlsplit(server.url).hostname or ""):
        raise MailError(
            "Graph address refused",
            f"{GRAPH_URL_ENV} may point only at a simulator on this computer.",
            retryable=False,
        )


__all__ = [
    "KINDS",
    "SIMULATED_CLIENT_ID",
    "SIMULATED_EMAIL",
    "BackendKind",
    "SimulatedServer",
    "build",
    "kind_of",
    "simulator_account",
    "simulator_from_environment",
    "verify",
]
