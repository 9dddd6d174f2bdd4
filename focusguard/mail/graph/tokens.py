"""Access tokens for Graph: a `TokenProvider` port with an msal implementation (system browser
or device code, token cache kept in the keyring) and a static one for the simulator and tests.

msal 1.39 API used: `PublicClientApplication(client_id, authority=,
token_cache=)`, `get_accounts(username=)`, `acquire_token_silent_with_error(scopes, account,
force_refresh=)`, `acquire_token_interactive(scopes, login_hint=)` (redirect URI
http://localhost, registered as "Mobile and desktop applications"),
`initiate_device_flow(scopes=)` + `acquire_token_by_device_flow(flow)`.

The cache (refresh tokens included) is `msal.SerializableTokenCache`, serialised into the
Secrets port under `graph-token-cache:{email}` — never a file. `offline_access`, `openid` and
`profile` are added by msal itself; passing them is an error in msal, so SCOPES leaves them out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from focusguard.core.errors import FocusGuardError
from focusguard.core.ports import AuthError, MailError, Secrets
from focusguard.core.settings import AccountSettings
from focusguard.mail.graph import sign_in_errors

log = logging.getLogger(__name__)

GRAPH_RESOURCE = "https://graph.microsoft.com"
SCOPES = tuple(
    f"{GRAPH_RESOURCE}/{s}"
    for s in ("Mail.ReadWrite", "Mail.Send", "MailboxSettings.ReadWrite", "Calendars.Read")
)
# Teams presence (do_not_disturb.teams, issue 14): asked for only when switched on, so an
# organisation that does not use it never has to consent to it. Reading presence takes
# Presence.Read (https://learn.microsoft.com/en-us/graph/api/presence-get), setting and
# clearing the preferred presence Presence.ReadWrite (presence-setuserpreferredpresence).
PRESENCE_SCOPE = f"{GRAPH_RESOURCE}/Presence.ReadWrite"
PRESENCE_SCOPES = (f"{GRAPH_RESOURCE}/Presence.Read", PRESENCE_SCOPE)
LOGIN_AUTHORITY = "https://login.microsoftonline.com"
# How long the browser sign-in may take before FocusGuard stops listening for its redirect
# (as long as a device code lives: 15 minutes).
BROWSER_TIMEOUT_S = 900


def scopes_for(teams_presence: bool) -> tuple[str, ...]:
    return (*SCOPES, *PRESENCE_SCOPES) if teams_presence else SCOPES


LOGIN_COMMAND = "`focusguard account login`"

# AADSTS codes meaning "a person has to sign in again" rather than "try later":
# https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
_REVOKED = ("invalid_grant", "interaction_required", "consent_required", "login_required")


def cache_key(email: str) -> str:
    return f"graph-token-cache:{email}"


def sign_in_again(email: str, why: str = "the sign-in has expired or was revoked") -> AuthError:
    return AuthError(
        "Sign-in needed",
        f"Microsoft 365 needs you to sign in again for {email} ({why}) — sign in again with "
        f"{LOGIN_COMMAND}.",
    )


class TokenProvider(Protocol):
    """Where the backend gets bearer tokens. `token()` may block (a silent refresh over the
    network) and raises AuthError when only a person can fix it."""

    def token(self) -> str: ...

    def invalidate(self, token: str) -> None:
        """The server rejected `token` (401): the next `token()` must not return it."""


class StaticTokens:
    """One fixed token: the simulator's demo token, or a token a test obtained itself."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        return None  # nothing to refresh: the next 401 ends in AuthError

    def __repr__(self) -> str:  # never show the token in logs or tracebacks
        return "StaticTokens(****)"


def _build_app(client_id: str, authority: str, cache: Any, http_client: Any = None) -> Any:
    import msal

    options: dict[str, Any] = {"authority": authority, "token_cache": cache}
    if http_client is not None:
        options["http_client"] = http_client
    return msal.PublicClientApplication(client_id, **options)


def _discovery_failure(exc: ValueError) -> dict[str, Any]:
    """msal's ValueError when the tenant's OpenID discovery was refused, as a token-endpoint
    style result (its text quotes the server's answer: "invalid_tenant", "AADSTS90002")."""
    text = str(exc)
    return {"error": "invalid_tenant", "error_description": text}


class MsalTokens:
    """msal's public-client app for one account, its cache persisted in the keyring.

    `app` and `cache` are for tests (a fake PublicClientApplication: msal's network is out of
    reach there); normally both are built here from the account settings.
    """

    def __init__(
        self,
        account: AccountSettings,
        secrets: Secrets,
        *,
        app: Any = None,
        cache: Any = None,
        authority: str | None = None,
        scopes: tuple[str, ...] = SCOPES,
        http_client: Any = None,
        retry: str = f"sign in again with {LOGIN_COMMAND}",
    ) -> None:
        self.email = account.email
        self.client_id = account.client_id or ""
        self.tenant = account.tenant
        self.retry = retry  # how a person signs in again, where this sign-in is used
        self.scopes = list(scopes)
        self._secrets = secrets
        self._lock = threading.Lock()
        self._rejected: str | None = None
        self._forced = False  # the last silent acquire asked for a refresh
        if cache is None:
            import msal

            cache = msal.SerializableTokenCache()
        self._cache = cache
        stored = self._read_cache()
        if stored:
            cache.deserialize(stored)
        if app is None:
            if not account.client_id:
                raise AuthError(
                    "No app id for Microsoft sign-in",
                    "Microsoft Graph needs the application (client) id registered for "
                    "FocusGuard in your tenant: set account.client_id (docs/graph.md).",
                )
            base = authority or f"{LOGIN_AUTHORITY}/{account.tenant}"
            # msal reads the tenant's OpenID discovery document right here.
            try:
                app = _build_app(account.client_id, base, cache, http_client)
            except ValueError as exc:
                raise self._sign_in_failed(_discovery_failure(exc)) from None
            except Exception as exc:  # requests errors: no network
                raise sign_in_errors.unreachable(self.email, type(exc).__name__) from None
        self._app = app

    def __repr__(self) -> str:
        return f"MsalTokens({self.email})"

    # ---- the keyring ----------------------------------------------------------------------
    def _read_cache(self) -> str | None:
        try:
            return self._secrets.get(cache_key(self.email))
        except FocusGuardError as exc:  # SecretStoreError: a locked or missing keyring
            raise MailError(exc.title, exc.message, retryable=False) from None

    def _persist(self) -> None:
        if not getattr(self._cache, "has_state_changed", False):
            return
        try:
            self._secrets.set(cache_key(self.email), self._cache.serialize())
            self._cache.has_state_changed = False
        except FocusGuardError as exc:
            # The token still works this session; the next start asks for a sign-in.
            log.warning("could not save the Microsoft sign-in to the keyring: %s", exc.title)

    # ---- TokenProvider --------------------------------------------------------------------
    def token(self) -> str:
        with self._lock:
            result = self._silent()
            if _access_token(result) is None and self._reload():
                # Signed in again meanwhile by another FocusGuard process (`account login`,
                # the wizard): the keyring has a newer sign-in than this process read at start.
                result = self._silent()
            self._persist()
        token = _access_token(result)
        if token is None:
            if result is _NOT_SIGNED_IN:
                raise AuthError(
                    "Not signed in",
                    f"FocusGuard has no Microsoft sign-in for {self.email} — "
                    f"{self.retry.replace('sign in again', 'sign in')}.",
                )
            raise self._failure(result)
        if self._forced and token == self._rejected:
            raise sign_in_again(self.email, "Microsoft 365 keeps rejecting the token")
        self._rejected = None
        return token

    def _silent(self) -> Any:
        """msal's silent acquire for this account (the lock held); `_NOT_SIGNED_IN` when the
        cache has no account for it."""
        accounts = self._call(lambda: self._app.get_accounts(username=self.email))
        if not accounts:
            return _NOT_SIGNED_IN
        self._forced = self._rejected is not None
        force = self._forced
        return self._call(
            lambda: self._app.acquire_token_silent_with_error(
                self.scopes, account=accounts[0], force_refresh=force
            )
        )

    def _reload(self) -> bool:
        """Take the keyring's sign-in when it differs from this cache's (the lock held): one
        keyring read, only after the silent acquire failed. True when there was a new one."""
        stored = self._read_cache()
        if not stored or stored == self._cache.serialize():
            return False
        self._cache.deserialize(stored)
        self._rejected = None  # a new sign-in: its tokens have not been rejected
        return True

    def invalidate(self, token: str) -> None:
        with self._lock:
            self._rejected = token

    # ---- signing in (the CLI and the setup wizard) ----------------------------------------
    def sign_in_interactive(self) -> None:
        """Open the system browser (redirect URI http://localhost)."""
        with self._lock:
            result = self._call(
                lambda: self._app.acquire_token_interactive(
                    self.scopes,
                    login_hint=self.email,
                    prompt="select_account",
                    timeout=BROWSER_TIMEOUT_S,
                )
            )
            self._persist()
        if _access_token(result) is None:
            raise self._sign_in_failed(result)

    def sign_in_device_code(
        self,
        show: Callable[[str], object] = print,
        cancelled: threading.Event | None = None,
    ) -> None:
        """Device-code flow for terminals: `show` gets msal's "go to … and enter …" text.
        Setting `cancelled` stops waiting for the code (within one polling interval)."""
        with self._lock:
            flow = self._call(lambda: self._app.initiate_device_flow(scopes=self.scopes))
        if not isinstance(flow, dict) or "user_code" not in flow:
            raise self._sign_in_failed(flow)
        show(str(flow.get("message", "")))
        stop = cancelled or threading.Event()

        def give_up(f: dict[str, Any]) -> bool:  # msal's own rule, plus the cancel button
            return stop.is_set() or float(f.get("expires_at", 0)) < time.time()

        result = self._call(
            lambda: self._app.acquire_token_by_device_flow(flow, exit_condition=give_up)
        )
        with self._lock:
            self._persist()
        if stop.is_set():
            raise AuthError("Sign-in cancelled", f"Nothing was stored for {self.email}.")
        if _access_token(result) is None:
            raise self._sign_in_failed(result)

    def sign_out(self) -> None:
        with self._lock:
            for account in self._app.get_accounts(username=self.email) or []:
                self._app.remove_account(account)
            try:
                self._secrets.delete(cache_key(self.email))
            except Exception as exc:
                log.warning("could not remove the sign-in from the keyring: %s", type(exc).__name__)

    # ---- helpers --------------------------------------------------------------------------
    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except MailError:
            raise
        except Exception as exc:  # requests errors inside msal: the login server is unreachable
            log.debug("msal call failed: %s", type(exc).__name__)
            raise sign_in_errors.unreachable(self.email, type(exc).__name__) from None

    def _failure(self, result: Any) -> MailError:
        error = str((result or {}).get("error", "")) if isinstance(result, dict) else ""
        if (
            isinstance(result, dict)
            and sign_in_errors.codes_of(result) & sign_in_errors.FIXED_BY_IT
        ):
            # Consent, access policy, MFA, a disabled account: signing in again alone does
            # not help, so say what does.
            return self._sign_in_failed(result)
        if not result or error in _REVOKED:
            # No refresh token left, or it was revoked / consent withdrawn (AADSTS50173,
            # AADSTS65001, AADSTS70008...): only a new sign-in helps.
            return sign_in_again(self.email)
        return MailError(
            "Microsoft sign-in failed",
            f"Microsoft sign-in for {self.email} failed ({error or 'no token'}); FocusGuard "
            f"will try again. If it keeps failing, sign in again with {LOGIN_COMMAND}.",
        )

    def _sign_in_failed(self, result: Any) -> AuthError | MailError:
        return sign_in_errors.explain(
            result if isinstance(result, dict) else None,
            email=self.email,
            client_id=self.client_id,
            tenant=self.tenant,
            retry=self.retry,
        )


_NOT_SIGNED_IN = object()  # `_silent`: no account for this address in the cache


def _access_token(result: Any) -> str | None:
    if isinstance(result, dict) and isinstance(result.get("access_token"), str):
        return str(result["access_token"])
    return None
