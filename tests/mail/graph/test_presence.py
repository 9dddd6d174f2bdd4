"""Teams presence through the real Graph client against the Graph simulator (issue 14), and
Presence.ReadWrite asked for at sign-in only when do_not_disturb.teams is on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from focusguard.core.do_not_disturb import DndError
from focusguard.core.settings import HoldingSettings
from focusguard.mail.graph import login, tokens
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.presence import iso_duration
from focusguard.mail.graph.tokens import (
    PRESENCE_SCOPE,
    PRESENCE_SCOPES,
    SCOPES,
    StaticTokens,
    scopes_for,
)
from focusguard.secrets import Keyring
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.mail.graph.conftest import account
from tests.mail.graph.test_tokens_errors import FakeCache, FakeMsalApp


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    s = GraphSimulator().start()
    yield s
    s.stop()
    assert s.errors == []


def connected(sim: GraphSimulator, token: str = DEMO_TOKEN) -> GraphBackend:
    backend = GraphBackend(account(), HoldingSettings(), StaticTokens(token), base_url=sim.url)
    backend.connect()
    return backend


def expires(sim: GraphSimulator) -> dt.datetime:
    text = sim.presence.snapshot()["preferred"]["expires"]
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.2, "PT1M"), (25, "PT25M"), (25.1, "PT26M"), (60, "PT1H"), (90, "PT1H30M")],
)
def test_durations_are_iso_8601_in_whole_minutes_rounded_up(minutes: float, text: str) -> None:
    assert iso_duration(dt.timedelta(minutes=minutes)) == text


def test_do_not_disturb_until_the_block_ends_then_cleared(sim: GraphSimulator) -> None:
    backend = connected(sim)
    presence = backend.teams_presence()
    now = dt.datetime.now(dt.UTC)
    until = now + dt.timedelta(minutes=25)
    assert presence.set_dnd(until, now) is True
    assert sim.presence.snapshot()["availability"] == "DoNotDisturb"
    assert abs(expires(sim) - until) < dt.timedelta(minutes=1)
    presence.clear()
    assert sim.presence.snapshot()["availability"] == "Available"
    assert [c["call"] for c in sim.presence.calls] == ["set", "clear"]
    backend.close()


def test_a_user_already_in_do_not_disturb_is_left_alone(sim: GraphSimulator) -> None:
    sim.presence.set_preferred({"availability": "DoNotDisturb", "activity": "DoNotDisturb"})
    backend = connected(sim)
    now = dt.datetime.now(dt.UTC)
    assert backend.teams_presence().set_dnd(now + dt.timedelta(minutes=25), now) is False
    assert len(sim.presence.calls) == 1  # only the user's own
    backend.close()


def test_without_the_permission_the_error_says_how_to_get_it(sim: GraphSimulator) -> None:
    backend = connected(sim, sim.issue_token(" ".join(SCOPES)))
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(DndError) as err:
        backend.teams_presence().set_dnd(now + dt.timedelta(minutes=25), now)
    assert err.value.title == "Teams presence not allowed"
    assert "Presence.ReadWrite" in err.value.message and "admin consent" in err.value.message


def test_with_the_scopes_asked_for_at_sign_in_presence_works(sim: GraphSimulator) -> None:
    """A token granted what scopes_for(True) asks for is enough for every presence call."""
    backend = connected(sim, sim.issue_token(" ".join(scopes_for(True))))
    presence = backend.teams_presence()
    now = dt.datetime.now(dt.UTC)
    assert presence.set_dnd(now + dt.timedelta(minutes=25), now) is True
    presence.clear()
    assert [c["call"] for c in sim.presence.calls] == ["set", "clear"]
    backend.close()
    backend.close()


def test_not_connected_is_a_dnd_error_not_a_traceback(sim: GraphSimulator) -> None:
    backend = GraphBackend(account(), HoldingSettings(), StaticTokens(DEMO_TOKEN), base_url=sim.url)
    with pytest.raises(DndError):
        backend.teams_presence().clear()


def test_presence_scope_only_when_teams_is_on() -> None:
    assert not set(PRESENCE_SCOPES) & set(scopes_for(False))
    assert scopes_for(True) == (*SCOPES, *PRESENCE_SCOPES)
    assert "https://graph.microsoft.com/Presence.Read" in PRESENCE_SCOPES


def test_sign_in_asks_for_presence_only_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scopes reach msal's device flow (msal itself is out of reach: a fake app)."""
    apps: list[FakeMsalApp] = []

    def build(
        client_id: str, authority: str, cache: object, http_client: object = None
    ) -> FakeMsalApp:
        apps.append(FakeMsalApp(FakeCache()))
        return apps[-1]

    monkeypatch.setattr(tokens, "_build_app", build)
    for teams in (False, True):
        login.sign_in(
            account(),
            Keyring(service="FocusGuard-test"),
            device_code=True,
            show=lambda _: None,
            scopes=scopes_for(teams),
        )
    (off, on) = (dict(a.calls)["device"] for a in apps)
    assert PRESENCE_SCOPE not in off and PRESENCE_SCOPE in on
