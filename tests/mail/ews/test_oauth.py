"""OAuth: msal tokens, the cache in the keyring, and no 100 % CPU spin on expiry."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest

from focusguard.core.ports import AuthError
from focusguard.core.settings import AccountSettings
from focusguard.mail.ews.oauth import (
    MsalCredentials,
    TokenSource,
    oauth_cache_key,
    scopes_for,
)

pytestmark = pytest.mark.timeout(20)

ACCOUNT = AccountSettings(
    kind="ews",
    email="me@corp.example",
    auth="oauth",
    client_id="11111111-2222-3333-4444-555555555555",
)


class FakeCache:
    def __init__(self) -> None:
        self.has_state_changed = False

    def serialize(self) -> str:
        return '{"RefreshToken": {"x": "r"}}'


class FakeMsal:
    """msal.PublicClientApplication's surface as TokenSource uses it."""

    def __init__(self, tokens: list[dict[str, Any] | None]) -> None:
        self.tokens = tokens
        self.token_cache = FakeCache()
        self.calls = 0

    def get_accounts(self, username: str | None = None) -> list[dict[str, str]]:
        return [{"username": username or ""}]

    def acquire_token_silent(self, scopes: list[str], account: Any) -> dict[str, Any] | None:
        self.calls += 1
        self.token_cache.has_state_changed = True
        return self.tokens.pop(0) if self.tokens else None


class DictSecrets:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get(self, account: str) -> str | None:
        return self.data.get(account)

    def set(self, account: str, secret: str) -> None:
        self.data[account] = secret

    def delete(self, account: str) -> None:
        self.data.pop(account, None)


def test_scopes() -> None:
    assert scopes_for(ACCOUNT) == ["https://outlook.office365.com/EWS.AccessAsUser.All"]
    onprem = AccountSettings(
        kind="ews",
        email="a@b.example",
        auth="oauth",
        ews_url="https://mail.corp.example/EWS/Exchange.asmx",
    )
    assert scopes_for(onprem) == ["https://mail.corp.example/EWS.AccessAsUser.All"]


def test_token_comes_from_msal_and_the_cache_goes_to_the_keyring() -> None:
    secrets = DictSecrets()
    app = FakeMsal([{"access_token": "tok-1", "expires_in": 3599}])
    creds = MsalCredentials(TokenSource(ACCOUNT, secrets, app=app))
    assert creds.access_token["access_token"] == "tok-1"
    assert creds.access_token["token_type"] == "Bearer"
    assert secrets.data[oauth_cache_key(ACCOUNT.email)] == '{"RefreshToken": {"x": "r"}}'


def test_refresh_that_cannot_get_a_token_raises_instead_of_spinning() -> None:
    app = FakeMsal([{"access_token": "tok-1", "expires_in": 1}])
    creds = MsalCredentials(TokenSource(ACCOUNT, DictSecrets(), app=app))
    # exchangelib calls refresh(session=...) on TokenExpiredError and retries at once.
    with pytest.raises(AuthError) as info:
        creds.refresh(session=None)
    assert "focusguard account login" in info.value.message
    assert app.calls == 2


def test_expired_token_through_exchangelib_ends_with_auth_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #1090: with the base class refresh() this loops forever at 100 % CPU."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the simulator speaks http
    from exchangelib import OAUTH2, Account, Configuration
    from exchangelib.protocol import Protocol

    from focusguard.sim.ews import EwsSimulator

    sim = EwsSimulator().start()
    app = FakeMsal([{"access_token": "tok-1", "expires_in": -10}])
    creds = MsalCredentials(TokenSource(ACCOUNT, DictSecrets(), app=app))
    config = Configuration(service_endpoint=sim.url, credentials=creds, auth_type=OAUTH2)
    result: dict[str, BaseException] = {}

    def run() -> None:
        try:
            Account(ACCOUNT.email, config=config, autodiscover=False).root  # noqa: B018
        except BaseException as exc:
            result["exc"] = exc

    t = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    t.start()
    t.join(10)
    try:
        assert not t.is_alive(), "exchangelib is still retrying the expired token"
        assert isinstance(result.get("exc"), AuthError)
        assert time.monotonic() - start < 10
    finally:
        sim.stop()
        with contextlib.suppress(KeyError):
            del Protocol[config]
