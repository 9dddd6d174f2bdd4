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

from focusguard.core.ports import MailboxCheck, Secrets
from focusguard.core.settings import AccountSettings, HoldingSettings
from focusguard.mail.graph import errors, folders
from focusguard.mail.graph.backend import check_base_url
from focusguard.mail.graph.client import GRAPH_URL, GraphClient
from focusguard.mail.graph.rules import RULES_PATH
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
    holding: HoldingSettings | None = None,
    retry: str = f"sign in again with {LOGIN_COMMAND}",
) -> MailboxCheck:
    """Check that FocusGuard is signed in to this mailbox and Graph answers (Settings →
    Account "Test connection", the wizard's last page), and look around; creates and changes
    nothing. Raises AuthError ("Not signed in": sign in with `focusguard account login`) or
    MailError."""
    check_base_url(base_url)
    held_name = (holding or HoldingSettings()).folder
    with errors.boundary(email=account.email, base_url=base_url, action="testing the connection"):
        provider = tokens or MsalTokens(account, secrets, http_client=login_session, retry=retry)
        client = GraphClient(base_url, provider)
        try:
            folders.well_known_id(client, "inbox")
            held = folders.find(client, held_name)
            detail = ""
            try:
                client.request("GET", RULES_PATH, params={"$top": "1"})
            except errors.GraphHTTPError as exc:
                if exc.status != 403:
                    raise
                # Without MailboxSettings.ReadWrite consent Graph refuses the rules
                # (https://learn.microsoft.com/en-us/graph/api/mailfolder-list-messagerules).
                detail = (
                    "Microsoft 365 does not let FocusGuard read the Inbox rules (no "
                    "MailboxSettings permission), so it moves held mail itself."
                )
        finally:
            client.close()
    return MailboxCheck(
        mailbox=account.email,
        held_folder=held_name,
        held_folder_exists=held is not None,
        server_rules=not detail,
        rule_blob=None,  # Outlook's rule blob is an EWS matter: Graph's rules never touch it
        detail=detail,
    )
