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
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from focusguard.core.ports import MailBackend, MailboxCheck, MailError, Secrets
from focusguard.core.settings import AccountSettings, HoldingSettings, Settings

if TYPE_CHECKING:
    from focusguard.mail.graph.discovery import TenantLookup

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

    @property
    def login_url(self) -> str:
        """Graph: where the simulator plays login.microsoftonline.com (its root)."""
        return self.url.removesuffix("/").removesuffix("/v1.0")


# How the settings window and the wizard tell a person to sign in (their button).
GUI_SIGN_IN = (
    "sign in again with the “Sign in with Microsoft” button (in Settings → Account once set up)"
)

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

    def verify(
        self,
        account: AccountSettings,
        password: str,
        secrets: Secrets,
        server: SimulatedServer | None = None,
        holding: HoldingSettings | None = None,
    ) -> MailboxCheck:
        """Sign in once, look around, keep and change nothing; MailError / AuthError say
        what is wrong."""

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

    def verify(
        self,
        account: AccountSettings,
        password: str,
        secrets: Secrets,
        server: SimulatedServer | None = None,
        holding: HoldingSettings | None = None,
    ) -> MailboxCheck:
        from focusguard.mail.ews.login import verify

        if server is not None:
            # The simulator's address and the password it takes (any, when none is typed).
            account = replace(account, ews_url=server.url)
            password = password or server.credential or "simulated"
        return verify(account, password, holding)

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
        from focusguard.mail.graph.tokens import (
            MsalTokens,
            StaticTokens,
            TokenProvider,
            scopes_for,
        )

        if server is None:
            return connect_backend(settings, secrets)
        _refuse_remote(server)
        if server.credential is None:
            # Signed in for real, the simulator standing in for login.microsoftonline.com.
            tokens: TokenProvider = MsalTokens(
                _account(settings),
                secrets,
                scopes=scopes_for(settings.do_not_disturb.teams),
                http_client=login_session(server),
            )
        else:
            tokens = StaticTokens(server.credential)
        return connect_backend(settings, secrets, tokens=tokens, base_url=server.url)

    def verify(
        self,
        account: AccountSettings,
        password: str,
        secrets: Secrets,
        server: SimulatedServer | None = None,
        holding: HoldingSettings | None = None,
    ) -> MailboxCheck:
        from focusguard.mail.graph.login import verify
        from focusguard.mail.graph.tokens import StaticTokens

        if server is None:
            return verify(account, secrets, holding=holding, retry=GUI_SIGN_IN)
        _refuse_remote(server)
        tokens = None if server.credential is None else StaticTokens(server.credential)
        return verify(
            account,
            secrets,
            tokens=tokens,
            base_url=server.url,
            login_session=login_session(server),
            holding=holding,
            retry=GUI_SIGN_IN,
        )

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
        raise _wrong_simulator(server, account)
    return kind_of(account).build(settings, secrets, server)


def _wrong_simulator(server: SimulatedServer, account: AccountSettings) -> MailError:
    return MailError(
        "Wrong simulator",
        f"The simulator at {server.url} speaks {server.kind}, but the account "
        f"{account.email} is set up for {account.kind}.",
        retryable=False,
    )


def verify(
    account: AccountSettings,
    password: str,
    secrets: Secrets,
    server: SimulatedServer | None = None,
    holding: HoldingSettings | None = None,
) -> MailboxCheck:
    """Settings → Account "Test connection" and the wizard's last page: sign in once, look
    around, keep nothing."""
    if server is not None and server.kind != account.kind:
        raise _wrong_simulator(server, account)
    return kind_of(account).verify(account, password, secrets, server, holding)


def login_session(server: SimulatedServer | None) -> Any:
    """The requests session msal signs in through: None (the real login.microsoftonline.com)
    or one that reaches the Graph simulator standing in for it (loopback only)."""
    if server is None or server.kind != "graph":
        return None
    from focusguard.mail.graph.login_transport import simulated_login_session

    return simulated_login_session(server.login_url)


def look_up_kind(email: str, server: SimulatedServer | None = None) -> TenantLookup:
    """Microsoft 365 or on-premises Exchange for `email`, from the domain's OpenID discovery
    (mail/graph/discovery.py); kind "" when that could not be told. An EWS simulator is
    on-premises Exchange by definition."""
    from focusguard.mail.graph.discovery import TenantLookup, look_up

    if server is not None and server.kind == "ews":
        return TenantLookup("ews")
    return look_up(email, login_session(server))


def has_browser() -> bool:
    """Whether a Microsoft sign-in can open the system browser here (else a device code)."""
    from focusguard.mail.graph.login import has_browser as graph_has_browser

    return graph_has_browser()


def sign_in_microsoft(
    account: AccountSettings,
    secrets: Secrets,
    *,
    device_code: bool,
    show: Callable[[str], object],
    cancelled: threading.Event | None = None,
    server: SimulatedServer | None = None,
    presence: bool = False,
) -> None:
    """The wizard's and Settings' "Sign in with Microsoft": the system browser (msal's
    loopback redirect) or a device code; the token cache goes to the keyring."""
    from focusguard.mail.graph.login import sign_in
    from focusguard.mail.graph.tokens import scopes_for

    if server is not None:
        _refuse_remote(server)
    sign_in(
        account,
        secrets,
        device_code=device_code,
        show=show,
        scopes=scopes_for(presence),
        login_session=login_session(server),
        retry=GUI_SIGN_IN,
        cancelled=cancelled,
    )


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
    "TenantLookup",
    "build",
    "has_browser",
    "kind_of",
    "login_session",
    "look_up_kind",
    "sign_in_microsoft",
    "simulator_account",
    "simulator_from_environment",
    "verify",
]
