"""OAuth 2.0 sign-in for EWS with msal, the token cache kept in the keyring (never a file).

Two traps this module exists for:
- exchangelib retries *immediately and forever* when a token expires and the credentials have
  no refresh path (issue https://github.com/ecederstrand/exchangelib/issues/1090: 100 % CPU).
  `MsalCredentials.refresh(session)` asks msal for a fresh token silently and raises
  `AuthError` when it cannot, which ends exchangelib's loop.
- the docs show `refresh(self)`; exchangelib calls `refresh(session=...)`
  (https://github.com/ecederstrand/exchangelib/issues/852).

The msal token cache (refresh tokens) is serialised into the Secrets port under
`oauth_cache_key(email)`. Note: Windows Credential Manager limits a secret to ~2.5 KB; a cache
with one account and one resource fits, several tenants may not (docs/ews.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from exchangelib import OAuth2AuthorizationCodeCredentials

from focusguard.core.ports import AuthError, Secrets
from focusguard.core.settings import AccountSettings

EXO_RESOURCE = "https://outlook.office365.com"


def oauth_cache_key(email: str) -> str:
    return f"oauth-token-cache:{email}"


def scopes_for(account: AccountSettings) -> list[str]:
    """The delegated EWS scope for the account's server.

    Exchange Online is `https://outlook.office365.com/EWS.AccessAsUser.All`; on-premises with
    hybrid modern auth the resource is the server's own external URL (a [gap] to check on a
    real hybrid deployment).
    """
    resource = EXO_RESOURCE
    if account.ews_url:
        parts = urlsplit(account.ews_url)
        if parts.hostname and parts.hostname.lower() != "outlook.office365.com":
            resource = f"https://{parts.hostname}"
    return [f"{resource}/EWS.AccessAsUser.All"]


def sign_in_again(email: str) -> AuthError:
    return AuthError(
        "Sign-in needed",
        f"The Microsoft sign-in for {email} has expired — run `focusguard account login` "
        "or sign in again in Settings → Account.",
    )


class TokenSource:
    """msal's public-client app for one account, with its cache in the keyring."""

    def __init__(self, account: AccountSettings, secrets: Secrets, app: Any = None) -> None:
        self.email = account.email
        self.scopes = scopes_for(account)
        self._secrets = secrets
        self._lock = threading.Lock()
        if app is None:
            import msal

            if not account.client_id:
                raise AuthError(
                    "No app id for Microsoft sign-in",
                    "OAuth needs the application (client) id registered for FocusGuard in "
                    "your tenant: set account.client_id in Settings → Account.",
                )
            self._cache = msal.SerializableTokenCache()
            stored = secrets.get(oauth_cache_key(account.email))
            if stored:
                self._cache.deserialize(stored)
            app = msal.PublicClientApplication(
                account.client_id,
                authority=f"https://login.microsoftonline.com/{account.tenant}",
                token_cache=self._cache,
            )
        else:
            self._cache = getattr(app, "token_cache", None)
        self._app = app

    def silent(self) -> dict[str, Any]:
        """A valid access token from the cache (refreshing it if needed), or `AuthError`."""
        with self._lock:
            accounts = self._app.get_accounts(username=self.email)
            result = None
            if accounts:
                result = self._app.acquire_token_silent(self.scopes, account=accounts[0])
            self._persist()
        if not result or "access_token" not in result:
            raise sign_in_again(self.email)
        return _token(result)

    def interactive(self, scopes: Sequence[str] | None = None) -> dict[str, Any]:
        """Open the browser for sign-in (the CLI / setup wizard calls this)."""
        with self._lock:
            result = self._app.acquire_token_interactive(
                list(scopes or self.scopes), login_hint=self.email
            )
            self._persist()
        if not result or "access_token" not in result:
            raise AuthError(
                "Sign-in failed",
                f"Microsoft sign-in for {self.email} did not complete "
                f"({(result or {}).get('error', 'no token')}).",
            )
        return _token(result)

    def _persist(self) -> None:
        cache = self._cache
        if cache is not None and getattr(cache, "has_state_changed", False):
            self._secrets.set(oauth_cache_key(self.email), cache.serialize())


def _token(result: dict[str, Any]) -> dict[str, Any]:
    # oauthlib needs token_type and expires_in to notice expiry (then exchangelib calls refresh).
    return {
        "access_token": result["access_token"],
        "token_type": result.get("token_type", "Bearer"),
        "expires_in": int(result.get("expires_in", 3600)),
    }


class MsalCredentials(OAuth2AuthorizationCodeCredentials):  # type: ignore[misc]
    """exchangelib credentials whose token comes from (and is refreshed by) msal."""

    def __init__(self, tokens: TokenSource) -> None:
        self._tokens = tokens
        super().__init__(access_token=tokens.silent())

    def refresh(self, session: Any = None) -> None:
        # Raises AuthError when msal cannot refresh: the caller stops instead of spinning.
        self.access_token = self._tokens.silent()
