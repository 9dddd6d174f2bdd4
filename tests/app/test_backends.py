"""The backend registry (app/backends.py): one entry per account kind; a simulator is an
explicit option the builder reads (from the environment for a process started by a test),
never an environment variable read inside an adapter; "Test connection" works for either
kind."""

from __future__ import annotations

import pytest

from focusguard.app import backends
from focusguard.app.backends import SimulatedServer
from focusguard.app.setup import SettingsFile
from focusguard.core.ports import AuthError, MailError
from focusguard.core.settings import ACCOUNT_KINDS, settings_from_toml
from focusguard.mail.graph.backend import GraphBackend, connect_backend
from focusguard.mail.graph.client import GRAPH_URL
from focusguard.mail.graph.login import verify
from focusguard.mail.graph.tokens import MsalTokens, StaticTokens
from focusguard.secrets import Keyring
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.mail.graph.test_tokens_errors import FakeCache, FakeMsalApp

GRAPH = settings_from_toml(backends.simulator_account("graph", "unused"))


def test_every_account_kind_the_settings_accept_has_a_backend() -> None:
    assert tuple(backends.KINDS) == ACCOUNT_KINDS


def test_a_simulator_for_graph_is_a_static_token_on_loopback() -> None:
    made = backends.build(
        GRAPH, Keyring(), SimulatedServer("graph", "http://127.0.0.1:8766/v1.0", "sim-token")
    )
    assert isinstance(made, GraphBackend)
    assert made.base_url == "http://127.0.0.1:8766/v1.0"
    assert isinstance(made.tokens, StaticTokens)
    with pytest.raises(MailError, match="only at a simulator"):
        backends.build(GRAPH, Keyring(), SimulatedServer("graph", "https://evil.example/v1.0", "t"))


def test_the_environment_names_a_simulator_only_through_the_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(backends.GRAPH_URL_ENV, "http://127.0.0.1:8766/v1.0")
    monkeypatch.setenv(backends.GRAPH_TOKEN_ENV, "sim-token")
    assert backends.simulator_from_environment() == SimulatedServer(
        "graph", "http://127.0.0.1:8766/v1.0", "sim-token"
    )
    # The adapter itself reads nothing from the environment (it used to: connect_backend
    # went to the URL in FOCUSGUARD_GRAPH_URL with its token behind everyone's back).
    made = connect_backend(GRAPH, Keyring(), tokens=StaticTokens("t"))
    assert made.base_url == GRAPH_URL.rstrip("/")


def test_a_simulator_of_the_other_kind_is_refused() -> None:
    with pytest.raises(MailError, match="Wrong simulator"):
        backends.build(GRAPH, Keyring(), SimulatedServer("ews", "http://127.0.0.1:1/EWS", "pw"))


def test_test_connection_on_a_graph_account_asks_microsoft_not_exchange(tmp_path) -> None:
    """Settings → Account "Test connection" imported the EWS login module by name, so on a
    Graph account it failed with "Wrong account kind". (No network here: Microsoft's sign-in
    cannot be reached, and the answer says so in Microsoft 365's words.)"""
    account = GRAPH.account
    assert account is not None
    with pytest.raises(MailError) as info:
        SettingsFile(tmp_path / "focusguard.toml").verify(account, "")
    assert info.value.title != "Wrong account kind"
    assert "Microsoft 365" in info.value.title


def test_graph_test_connection_against_the_simulator() -> None:
    account = GRAPH.account
    assert account is not None
    sim = GraphSimulator().start()
    try:
        verify(account, Keyring(), tokens=StaticTokens(DEMO_TOKEN), base_url=sim.url)
        not_signed_in = MsalTokens(
            account, Keyring(), app=FakeMsalApp(FakeCache(), signed_in=False), cache=FakeCache()
        )
        with pytest.raises(AuthError) as info:
            verify(account, Keyring(), tokens=not_signed_in, base_url=sim.url)
        assert info.value.title == "Not signed in"
        assert "focusguard account login" in info.value.message
    finally:
        sim.stop()
