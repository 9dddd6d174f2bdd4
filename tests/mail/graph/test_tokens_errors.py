"""Sign-in: msal at its boundary (a fake PublicClientApplication: msal's network is out of
reach here), token expiry over HTTP, error translation, and no token ever in a log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests

from focusguard.core.ports import AuthError, Folder, MailError
from focusguard.core.settings import HoldingSettings
from focusguard.mail.graph.backend import GraphBackend, check_base_url
from focusguard.mail.graph.login import sign_in
from focusguard.mail.graph.tokens import SCOPES, MsalTokens, StaticTokens, cache_key
from focusguard.secrets import Keyring
from focusguard.sim.graph import GraphSimulator
from tests.mail.graph.conftest import MAILBOX, account


class FakeCache:
    def __init__(self) -> None:
        self.state = ""
        self.has_state_changed = False

    def deserialize(self, text: str) -> None:
        self.state = text

    def serialize(self) -> str:
        self.has_state_changed = False
        return self.state


class FakeMsalApp:
    """The PublicClientApplication methods MsalTokens calls, with msal's result shapes."""

    def __init__(self, cache: FakeCache, *, signed_in: bool = True) -> None:
        self.cache = cache
        self.accounts = [{"username": MAILBOX, "home_account_id": "uid.tid"}] if signed_in else []
        self.silent: list[dict[str, Any]] = []
        self.calls: list[tuple[str, Any]] = []
        self.token_no = 0

    def _issue(self) -> dict[str, Any]:
        self.token_no += 1
        self.cache.state = f"cache-with-refresh-token-{self.token_no}"
        self.cache.has_state_changed = True
        return {"access_token": f"at-{self.token_no}", "token_type": "Bearer", "expires_in": 3600}

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        return [a for a in self.accounts if username in (None, a["username"])]

    def acquire_token_silent_with_error(
        self, scopes: list[str], account: Any, force_refresh: bool = False
    ) -> Any:
        self.calls.append(("silent", {"scopes": scopes, "force_refresh": force_refresh}))
        if self.silent:
            return self.silent.pop(0)
        return self._issue()

    def acquire_token_interactive(
        self,
        scopes: list[str],
        login_hint: str | None = None,
        prompt: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        self.calls.append(("interactive", {"login_hint": login_hint}))
        self.accounts = [{"username": MAILBOX, "home_account_id": "uid.tid"}]
        return self._issue()

    def initiate_device_flow(self, scopes: list[str]) -> dict[str, Any]:
        self.calls.append(("device", scopes))
        return {
            "user_code": "ABCD-EFGH",
            "message": "To sign in, go to "
            "https://microsoft.com/devicelogin and enter the code ABCD-EFGH.",
        }

    def acquire_token_by_device_flow(
        self, flow: dict[str, Any], exit_condition: Callable[[dict[str, Any]], bool] | None = None
    ) -> Any:
        self.accounts = [{"username": MAILBOX, "home_account_id": "uid.tid"}]
        return self._issue()

    def remove_account(self, acct: Any) -> None:
        self.accounts.remove(acct)


def make_tokens(
    *, signed_in: bool = True, stored: str | None = None
) -> tuple[MsalTokens, FakeMsalApp, Keyring]:
    keyring = Keyring(service="FocusGuard-test")
    if stored is not None:
        keyring.set(cache_key(MAILBOX), stored)
    cache = FakeCache()
    app = FakeMsalApp(cache, signed_in=signed_in)
    return MsalTokens(account(), keyring, app=app, cache=cache), app, keyring


def test_silent_token_comes_from_the_cache_and_the_refreshed_cache_goes_to_the_keyring() -> None:
    tokens, app, keyring = make_tokens(stored="cache-from-last-run")
    assert app.cache.state == "cache-from-last-run"  # loaded from the keyring at start
    assert tokens.token() == "at-1"
    assert app.calls[0] == ("silent", {"scopes": list(SCOPES), "force_refresh": False})
    assert keyring.get(cache_key(MAILBOX)) == "cache-with-refresh-token-1"
    # offline_access/openid/profile are msal's own: passing them makes msal raise.
    assert not any(s.endswith(("offline_access", "openid", "profile")) for s in SCOPES)


def test_a_rejected_token_is_refreshed_with_force_refresh() -> None:
    tokens, app, _ = make_tokens()
    first = tokens.token()
    tokens.invalidate(first)
    assert tokens.token() == "at-2"
    assert app.calls[-1][1]["force_refresh"] is True
    assert tokens.token() == "at-3" and app.calls[-1][1]["force_refresh"] is False


def test_revoked_refresh_token_asks_to_sign_in_again() -> None:
    tokens, app, _ = make_tokens()
    app.silent.append(
        {
            "error": "invalid_grant",
            "error_description": (
                "AADSTS50173: The provided grant has expired due to it being revoked."
            ),
        }
    )
    with pytest.raises(AuthError) as err:
        tokens.token()
    assert err.value.title == "Sign-in needed"
    assert "sign in again with `focusguard account login`" in err.value.message
    assert MAILBOX in err.value.message


def test_withdrawn_consent_asks_to_sign_in_again() -> None:
    tokens, app, _ = make_tokens()
    app.silent.append({"error": "interaction_required", "suberror": "consent_required"})
    with pytest.raises(AuthError, match="focusguard account login"):
        tokens.token()


def test_not_signed_in_says_how() -> None:
    tokens, _, _ = make_tokens(signed_in=False)
    with pytest.raises(AuthError) as err:
        tokens.token()
    assert err.value.title == "Not signed in"
    assert "`focusguard account login`" in err.value.message


class CacheBackedApp(FakeMsalApp):
    """Signed in when its cache holds a sign-in, as msal's accounts come from its cache."""

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        if "refresh-token" not in self.cache.state:
            return []
        return [{"username": MAILBOX, "home_account_id": "uid.tid"}]


def test_a_sign_in_by_another_process_is_taken_from_the_keyring_without_a_restart() -> None:
    """The tray app says "Not signed in"; the user runs `focusguard account login` (another
    process, same keyring): the running app's next token() works."""
    keyring = Keyring(service="FocusGuard-test")
    cache = FakeCache()
    running = MsalTokens(account(), keyring, app=CacheBackedApp(cache), cache=cache)
    with pytest.raises(AuthError, match="Not signed in"):
        running.token()
    other = FakeCache()
    login = MsalTokens(account(), keyring, app=FakeMsalApp(other, signed_in=False), cache=other)
    login.sign_in_device_code(show=lambda _: None)
    assert running.token().startswith("at-")
    assert cache.state == "cache-with-refresh-token-1"  # the keyring's, then refreshed


def test_a_failed_token_reads_the_keyring_once_and_nothing_more() -> None:
    """Without a newer sign-in in the keyring, a failure stays the failure it was."""
    tokens, app, _ = make_tokens(stored="cache-from-last-run")
    app.silent.append({"error": "invalid_grant", "error_description": "AADSTS50173: revoked"})
    with pytest.raises(AuthError, match="Sign-in needed"):
        tokens.token()
    assert [c[0] for c in app.calls] == ["silent"]


def test_unreachable_login_server_is_a_retryable_mail_error() -> None:
    tokens, app, _ = make_tokens()

    def boom(*a: Any, **k: Any) -> Any:
        raise requests.exceptions.ConnectionError("login.microsoftonline.com")

    app.acquire_token_silent_with_error = boom  # type: ignore[method-assign]
    with pytest.raises(MailError) as err:
        tokens.token()
    assert not isinstance(err.value, AuthError) and err.value.retryable


def test_device_code_sign_in_shows_the_code_and_stores_the_cache() -> None:
    tokens, app, keyring = make_tokens(signed_in=False)
    shown: list[str] = []
    sign_in(account(), keyring, device_code=True, show=shown.append, tokens=tokens)
    assert "ABCD-EFGH" in shown[0]
    assert keyring.get(cache_key(MAILBOX)) == f"cache-with-refresh-token-{app.token_no}"


def test_browser_sign_in_uses_the_login_hint() -> None:
    tokens, app, _ = make_tokens(signed_in=False)
    sign_in(
        account(),
        Keyring(service="FocusGuard-test"),
        device_code=False,
        show=lambda _: None,
        tokens=tokens,
    )
    assert ("interactive", {"login_hint": MAILBOX}) in app.calls


def test_cancelled_sign_in_is_an_auth_error() -> None:
    tokens, app, _ = make_tokens(signed_in=False)
    app.acquire_token_interactive = lambda *a, **k: {  # type: ignore[method-assign]
        "error": "access_denied",
        "error_description": "The user cancelled.",
    }
    with pytest.raises(AuthError, match="did not complete"):
        tokens.sign_in_interactive()


def test_no_client_id_is_explained() -> None:
    with pytest.raises(AuthError, match="client_id"):
        MsalTokens(account(client_id=None), Keyring(service="FocusGuard-test"), cache=FakeCache())


# ---- over HTTP against the simulator ----------------------------------------------------
def test_token_expiry_once_is_refreshed_silently(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    backend = make_backend()
    sim.fault("token_expired", count=1)
    assert backend.list_folder(Folder.INBOX) == []


def test_token_that_stays_rejected_is_an_auth_error_with_the_fix(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    backend = make_backend()
    sim.fault("token_expired", rate=1.0)
    with pytest.raises(AuthError) as err:
        backend.list_folder(Folder.INBOX)
    assert err.value.message == (
        "Microsoft 365 rejected the sign-in for me@corp.example — sign in again with "
        "`focusguard account login`."
    )


def test_tokens_issued_by_the_sim_token_endpoint_work(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    token = requests.post(
        f"{sim.authority}/oauth2/v2.0/token",
        timeout=5,
        data={"grant_type": "device_code", "client_id": "x"},
    ).json()
    backend = make_backend(token=token["access_token"])
    assert backend.list_folder(Folder.HELD) == []
    with pytest.raises(AuthError):
        make_backend(token="not-a-token")


def test_errors_have_titles_and_unreachable_server_is_retryable() -> None:
    dead = GraphBackend(
        account(), HoldingSettings(), StaticTokens("t"), base_url="http://127.0.0.1:9/v1.0"
    )
    with pytest.raises(MailError) as err:
        dead.connect()
    assert err.value.title == "Microsoft 365 unreachable" and err.value.retryable


def test_plain_http_only_to_loopback() -> None:
    check_base_url("http://127.0.0.1:8766/v1.0")
    check_base_url("https://graph.microsoft.com/v1.0")
    with pytest.raises(MailError, match="Unencrypted"):
        check_base_url("http://graph.example.com/v1.0")


def test_no_token_ever_reaches_a_log_line_or_an_error(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend], caplog: pytest.LogCaptureFixture
) -> None:
    token = requests.post(
        f"{sim.authority}/oauth2/v2.0/token", timeout=5, data={"grant_type": "device_code"}
    ).json()["access_token"]
    caplog.set_level(logging.DEBUG)
    backend = make_backend(token=token)
    sim.deliver("Ann <ann@client.example>", "x")
    items = backend.list_folder(Folder.INBOX)
    backend.move(items, Folder.HELD)
    sim.fault("throttle", count=1, retry_after_s=0)
    backend.list_folder(Folder.HELD)
    sim.fault("token_expired", rate=1.0)
    with pytest.raises(AuthError) as err:
        backend.list_folder(Folder.HELD)
    sim.clear_faults()
    texts = [r.getMessage() for r in caplog.records] + [str(err.value), repr(backend.tokens)]
    assert len(caplog.records) > 5
    assert not [t for t in texts if token in t]
