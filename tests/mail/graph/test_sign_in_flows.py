"""Microsoft sign-in with the real msal over real HTTP, the Graph simulator standing in for
login.microsoftonline.com (mail/graph/login_transport.py): device code, the system browser
(only the browser itself is played: it follows the sign-in page's redirect), the token cache
in the keyring, and every refusal Microsoft documents becoming a message that says what to do."""

from __future__ import annotations

import html
import json
import re
import threading
import webbrowser
from collections.abc import Iterator

import pytest
import requests

from focusguard.core.ports import AuthError, MailError
from focusguard.core.settings import AccountSettings
from focusguard.mail.graph import login
from focusguard.mail.graph.discovery import look_up
from focusguard.mail.graph.login_transport import simulated_login_session
from focusguard.mail.graph.tokens import MsalTokens, cache_key
from focusguard.secrets import Keyring
from focusguard.sim.graph import GraphSimulator
from focusguard.sim.graph.login import TENANT_ID
from tests.waiting import wait_until

CLIENT_ID = "00000000-0000-0000-0000-00000000f0c5"


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    simulator = GraphSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()


def account(tenant: str = "corp.example", email: str = "me@corp.example") -> AccountSettings:
    return AccountSettings(
        kind="graph", email=email, auth="oauth", client_id=CLIENT_ID, tenant=tenant
    )


def device_sign_in(sim: GraphSimulator, acct: AccountSettings | None = None) -> list[str]:
    """`login.sign_in` with the device code; the simulated user enters the code once shown."""
    shown: list[str] = []

    def user() -> None:
        wait_until(lambda: bool(shown), timeout=10)
        sim.login.approve_device()

    helper = threading.Thread(target=user, daemon=True)
    helper.start()
    try:
        login.sign_in(
            acct or account(),
            Keyring(),
            device_code=True,
            show=shown.append,
            login_session=simulated_login_session(sim.login_url),
        )
    finally:
        helper.join(timeout=10)
    return shown


def follow_sign_in_page(session: requests.Session, url: str) -> None:
    """The person's browser: open the sign-in page and post its form back to msal's loopback
    listener, as the page's onload script makes a browser do."""
    page = session.get(url, timeout=10)
    action = re.search(r'action="([^"]+)"', page.text)
    assert action is not None, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    session.post(html.unescape(action.group(1)), data=fields, timeout=10)


def test_device_code_sign_in_keeps_the_cache_in_the_keyring_and_then_mail_answers(
    sim: GraphSimulator,
) -> None:
    shown = device_sign_in(sim)
    assert "https://microsoft.com/devicelogin" in shown[0]
    cache = json.loads(Keyring().get(cache_key("me@corp.example")) or "{}")
    assert cache["RefreshToken"] and cache["AccessToken"]
    assert sim.login.sign_ins == ["device_code"]
    session = simulated_login_session(sim.login_url)
    login.verify(account(), Keyring(), base_url=sim.url, login_session=session)


def test_browser_sign_in_through_the_loopback_redirect(
    sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = simulated_login_session(sim.login_url)

    def browser(url: str, *args: object, **kwargs: object) -> bool:
        threading.Thread(target=lambda: follow_sign_in_page(session, url), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    login.sign_in(
        account(), Keyring(), device_code=False, show=lambda _: None, login_session=session
    )
    assert sim.login.sign_ins == ["browser"]
    login.verify(account(), Keyring(), base_url=sim.url, login_session=session)


@pytest.mark.parametrize(
    ("refusal", "title", "words"),
    [
        (
            "admin_consent_required",
            "Your organisation must approve FocusGuard",
            f"https://login.microsoftonline.com/corp.example/adminconsent?client_id={CLIENT_ID}",
        ),
        ("consent_required", "Your organisation must approve FocusGuard", "adminconsent"),
        (
            "conditional_access",
            "Blocked by your organisation's access policy",
            "Conditional Access",
        ),
        ("mfa_required", "Extra verification needed", "multi-factor"),
        ("account_disabled", "Account disabled or locked", "me@corp.example is disabled"),
        ("app_not_found", "FocusGuard is not registered in your organisation", CLIENT_ID),
    ],
)
def test_refused_sign_ins_say_what_to_do_and_store_nothing(
    sim: GraphSimulator, refusal: str, title: str, words: str
) -> None:
    sim.login.refuse(refusal)
    with pytest.raises(AuthError) as err:
        device_sign_in(sim)
    assert err.value.title == title
    assert words in err.value.message
    assert "AADSTS" not in err.value.title
    stored = json.loads(Keyring().get(cache_key("me@corp.example")) or "{}")
    assert not stored.get("RefreshToken")


def test_a_refusal_after_sign_in_is_explained_not_sign_in_again(sim: GraphSimulator) -> None:
    device_sign_in(sim)
    tokens = MsalTokens(account(), Keyring(), http_client=simulated_login_session(sim.login_url))
    tokens.invalidate(tokens.token())  # Graph said 401: the next token needs the refresh token
    sim.login.refuse("conditional_access")  # ...which the tenant's policy now refuses
    with pytest.raises(AuthError) as err:
        tokens.token()
    assert err.value.title == "Blocked by your organisation's access policy"


def test_unknown_tenant_and_offline(sim: GraphSimulator) -> None:
    with pytest.raises(AuthError) as err:
        MsalTokens(
            account("nobody.example"), Keyring(), http_client=simulated_login_session(sim.login_url)
        )
    assert err.value.title == "Organisation not found" and "nobody.example" in err.value.message
    dead = simulated_login_session("http://127.0.0.1:9")
    with pytest.raises(MailError) as off:
        MsalTokens(account(), Keyring(), http_client=dead)
    assert off.value.title == "Microsoft 365 sign-in unreachable" and "online" in off.value.message


def test_account_kind_from_the_domain(sim: GraphSimulator) -> None:
    session = simulated_login_session(sim.login_url)
    found = look_up("me@corp.example", session)
    assert (found.kind, found.tenant) == ("graph", TENANT_ID)
    assert look_up("someone@onprem.example", session).kind == "ews"
    offline = look_up("me@corp.example", simulated_login_session("http://127.0.0.1:9"))
    assert offline.kind == "" and "could not be reached" in offline.why
    assert look_up("not an address", session).kind == ""


def test_simulated_login_only_on_loopback() -> None:
    with pytest.raises(MailError, match="Only a simulator"):
        simulated_login_session("https://login.example.com")
