"""`focusguard account login` for Microsoft Graph: sign in once, keep msal's cache in the
keyring. The system browser when there is a display (redirect URI http://localhost), the
device-code flow in a terminal or over SSH ("go to https://microsoft.com/devicelogin and enter
ABCD-EFGH"). A failed sign-in stores nothing new."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from focusguard.core.ports import Secrets
from focusguard.core.settings import AccountSettings
from focusguard.mail.graph import errors, folders
from focusguard.mail.graph.backend import check_base_url
from focusguard.mail.graph.client import GRAPH_URL, GraphClient
from focusguard.mail.graph.tokens import LOGIN_COMMAND, SCOPES, MsalTokens, TokenProvider


def has_browser() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def sign_in(
    account: AccountSettings,
    secrets: Secrets,
    *,
    device_code: bool | None = None,
    show: Callable[[str], object] = print,
    tokens: MsalTokens | None = None,
    scopes: tuple[str, ...] = SCOPES,
    login_session: Any = None,
    retry: str = f"sign in again with {LOGIN_COMMAND}",
    cancelled: threading.Event | None = None,
) -> None:
    """Sign in interactively and check that a token comes back silently afterwards.
    `login_session`: a requests session for msal (a simulator standing in for
    login.microsoftonline.com, login_transport.py); `retry` says how to try again.

    Raises AuthError (cancelled, refused, no client id) or MailError (network, keyring)."""
    tokens = tokens or MsalTokens(
        account, secrets, scopes=scopes, http_client=login_session, retry=retry
    )
    if device_code is None:
        device_code = not has_browser()
    if device_code:
        tokens.sign_in_device_code(show, cancelled)
    else:
        show(f"Opening the browser to sign in {account.email} to Microsoft 365…")
        tokens.sign_in_interactive()
    tokens.token()  # the cache in the keyring now answers silently


def verify(
    account: AccountSettings,
    secrets: Secrets,
    *,
    tokens: TokenProvider | None = None,
    base_url: str = GRAPH_URL,
    login_session: Any = None,
) -> None:
    """Check that FocusGuard is signed in to this mailbox and Graph answers (Settings →
    Account "Test connection"); keeps nothing new. Raises AuthError ("Not signed in": sign in
    with `focusguard account login`) or MailError."""
    check_base_url(base_url)
    with errors.boundary(email=account.email, base_url=base_url, action="testing the connection"):
        provider = tokens or MsalTokens(account, secrets, http_client=login_session)
        client = GraphClient(base_url, provider)
        try:
            folders.well_known_id(client, "inbox")
        finally:
            client.close()
