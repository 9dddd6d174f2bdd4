"""`focusguard account login`: check the password against Exchange, and only then keep it.

A wrong password is never stored (it would make the app fail later, far from the typo), and
the check fails fast: it uses the fail-fast `CheckPolicy`, so a 401 is an answer after one
immediate retry instead of minutes of "throttling" retries.
"""

from __future__ import annotations

from focusguard.core.errors import FocusGuardError
from focusguard.core.ports import MailboxCheck, MailError, Secrets
from focusguard.core.settings import AccountSettings, HoldingSettings
from focusguard.mail.ews.backend import EwsBackend


def verify(
    account: AccountSettings, password: str, holding: HoldingSettings | None = None
) -> MailboxCheck:
    """Sign in once with these details, look around, and keep and change nothing (Settings →
    Account "Test", the wizard's last page)."""
    if not password and account.auth != "oauth":
        raise MailError(
            "No password given", "Enter the password for your Exchange account.", retryable=False
        )
    backend = EwsBackend(account, holding or HoldingSettings(), password or None)
    try:
        return backend.check()
    finally:
        backend.close()


def sign_in_oauth(account: AccountSettings, secrets: Secrets) -> None:
    """Microsoft sign-in in the browser (msal); the token cache goes to `secrets`, then the
    token is proven against Exchange. For `auth = "oauth"` accounts."""
    from focusguard.mail.ews.oauth import MsalCredentials, TokenSource

    tokens = TokenSource(account, secrets)
    tokens.interactive()
    backend = EwsBackend(account, HoldingSettings(), oauth_credentials=MsalCredentials(tokens))
    try:
        backend.verify()
    finally:
        backend.close()


def verify_and_store(account: AccountSettings, password: str, secrets: Secrets) -> None:
    """Verify `password` for `account`; store it in `secrets` under the email on success.

    Raises AuthError (wrong password), MailError (address, TLS, not EWS, network) — and then
    stores nothing.
    """
    if not password:
        raise MailError(
            "No password given", "Enter the password for your Exchange account.", retryable=False
        )
    backend = EwsBackend(account, HoldingSettings(), password)
    try:
        backend.verify()
    finally:
        backend.close()
    try:
        secrets.set(account.email, password)
    except FocusGuardError as exc:  # SecretStoreError from focusguard.secrets
        raise MailError(exc.title, exc.message, retryable=False) from None
