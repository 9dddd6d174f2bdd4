"""The Graph simulator's Teams presence plays it as Microsoft documents it (sim/graph/
presence.py): the documented pairs only, the default and explicit expirations, preferred
presence only with a presence session, Presence.ReadWrite required, /users/{userId} only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests

from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    s = GraphSimulator().start()
    yield s
    s.stop()
    assert s.errors == []


def call(sim: GraphSimulator, method: str, path: str, body: object = None, token: str = DEMO_TOKEN):
    return requests.request(
        method,
        f"{sim.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def set_path(sim: GraphSimulator, what: str = "set") -> str:
    return f"/users/{sim.presence.user_id}/presence/{what}UserPreferredPresence"


def test_me_presence_is_the_users_presence_with_the_user_id(sim: GraphSimulator) -> None:
    answer = call(sim, "GET", "/me/presence")
    assert answer.status_code == 200
    assert answer.json() == {
        "id": sim.presence.user_id,
        "availability": "Available",
        "activity": "Available",
    }
    assert call(sim, "GET", f"/users/{sim.presence.user_id}/presence").json() == answer.json()


def test_do_not_disturb_with_an_expiration_and_clear(sim: GraphSimulator) -> None:
    body = {
        "availability": "DoNotDisturb",
        "activity": "DoNotDisturb",
        "expirationDuration": "PT8H",
    }
    before = dt.datetime.now(dt.UTC)
    answer = call(sim, "POST", set_path(sim), body)
    assert answer.status_code == 200 and not answer.content
    shown = sim.presence.snapshot()
    assert (shown["availability"], shown["activity"]) == ("DoNotDisturb", "DoNotDisturb")
    expires = dt.datetime.fromisoformat(shown["preferred"]["expires"].replace("Z", "+00:00"))
    assert before + dt.timedelta(hours=8) - dt.timedelta(seconds=2) <= expires
    assert expires <= dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    # it ends by itself on the server
    later = sim.presence.snapshot(now=expires + dt.timedelta(seconds=1))
    assert later["availability"] == "Available" and later["preferred"] is None
    call(sim, "POST", set_path(sim), body)
    assert call(sim, "POST", set_path(sim, "clear"), {}).status_code == 200
    assert sim.presence.snapshot()["availability"] == "Available"


@pytest.mark.parametrize(
    ("availability", "days"), [("DoNotDisturb", 1), ("Busy", 1), ("Away", 7), ("Available", 7)]
)
def test_default_expirations_are_the_documented_ones(
    sim: GraphSimulator, availability: str, days: int
) -> None:
    call(sim, "POST", set_path(sim), {"availability": availability, "activity": availability})
    expires = sim.presence.snapshot()["preferred"]["expires"]
    left = dt.datetime.fromisoformat(expires.replace("Z", "+00:00")) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=days) - dt.timedelta(minutes=1) < left <= dt.timedelta(days=days)


@pytest.mark.parametrize(
    "body",
    [
        {"availability": "DoNotDisturb", "activity": "Presenting"},
        {"availability": "Offline", "activity": "Offline"},  # Offline goes with OffWork
        {"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "8h"},
        {"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "PT0M"},
        {"availability": "DoNotDisturb", "activity": "DoNotDisturb", "sessionId": "x"},
    ],
)
def test_undocumented_pairs_and_bad_durations_are_400(sim: GraphSimulator, body: dict) -> None:
    assert call(sim, "POST", set_path(sim), body).status_code == 400
    assert sim.presence.snapshot()["preferred"] is None


def test_preferred_presence_shows_only_with_a_teams_session(sim: GraphSimulator) -> None:
    sim.presence.teams_signed_in = False
    call(sim, "POST", set_path(sim), {"availability": "DoNotDisturb", "activity": "DoNotDisturb"})
    assert call(sim, "GET", "/me/presence").json()["availability"] == "Offline"
    sim.presence.teams_signed_in = True
    assert call(sim, "GET", "/me/presence").json()["availability"] == "DoNotDisturb"


def test_reading_needs_presence_read_and_writing_presence_readwrite(sim: GraphSimulator) -> None:
    mail_only = sim.issue_token("https://graph.microsoft.com/Mail.ReadWrite offline_access")
    read = sim.issue_token("https://graph.microsoft.com/Presence.Read")
    assert call(sim, "GET", "/me/presence", token=mail_only).status_code == 403
    assert call(sim, "GET", "/me/presence", token=read).status_code == 200
    assert call(sim, "POST", set_path(sim), {}, token=read).status_code == 403
    with_presence = sim.issue_token(
        "https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Presence.ReadWrite"
    )
    body = {"availability": "DoNotDisturb", "activity": "DoNotDisturb"}
    refused = call(sim, "POST", set_path(sim), body, token=mail_only)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "Forbidden"
    assert call(sim, "POST", set_path(sim), body, token=with_presence).status_code == 200


def test_only_the_documented_paths_and_the_users_own_id(sim: GraphSimulator) -> None:
    body = {"availability": "DoNotDisturb", "activity": "DoNotDisturb"}
    assert call(sim, "POST", "/me/presence/setUserPreferredPresence", body).status_code == 400
    other = "/users/00000000-1111-2222-3333-444444444444/presence/setUserPreferredPresence"
    assert call(sim, "POST", other, body).status_code == 404


def test_the_control_api_shows_presence_and_signs_teams_out(sim: GraphSimulator) -> None:
    shown = requests.get(f"{sim.control_url}/presence", timeout=10).json()
    assert shown["availability"] == "Available" and shown["teams_signed_in"] is True
    out = requests.post(f"{sim.control_url}/presence", json={"teams_signed_in": False}, timeout=10)
    assert out.json()["availability"] == "Offline"
