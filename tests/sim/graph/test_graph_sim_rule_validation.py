"""messageRule validation in the Graph simulator follows the v1.0 metadata: every documented
messageRulePredicates property is accepted with a value of its type, anything else is a 400,
and `sequence` is required when a rule is created."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

pytestmark = pytest.mark.timeout(30)
AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}
RULES = "/me/mailFolders/inbox/messageRules"
ADDRESS = [{"emailAddress": {"address": "ann@client.example"}}]
# https://learn.microsoft.com/en-us/graph/api/resources/messagerulepredicates: all 30.
DOCUMENTED: dict[str, Any] = {
    "bodyContains": ["x"],
    "bodyOrSubjectContains": ["x"],
    "categories": ["Red category"],
    "fromAddresses": ADDRESS,
    "hasAttachments": True,
    "headerContains": ["X-Ticket"],
    "importance": "high",
    "isApprovalRequest": False,
    "isAutomaticForward": False,
    "isAutomaticReply": False,
    "isEncrypted": False,
    "isMeetingRequest": False,
    "isMeetingResponse": False,
    "isNonDeliveryReport": False,
    "isPermissionControlled": False,
    "isReadReceipt": False,
    "isSigned": False,
    "isVoicemail": False,
    "messageActionFlag": "followUp",
    "notSentToMe": False,
    "recipientContains": ["me"],
    "senderContains": ["client"],
    "sensitivity": "confidential",
    "sentCcMe": True,
    "sentOnlyToMe": True,
    "sentToAddresses": ADDRESS,
    "sentToMe": True,
    "sentToOrCcMe": True,
    "subjectContains": ["order"],
    "withinSizeRange": {"minimumSize": 0, "maximumSize": 2048},
}


@pytest.fixture
def gsim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


def create(sim: GraphSimulator, **body: Any) -> requests.Response:
    rule = {
        "displayName": "r",
        "sequence": 1,
        "actions": {"markAsRead": True},
        **body,
    }
    return requests.post(f"{sim.url}{RULES}", headers=AUTH, json=rule, timeout=5)


def test_the_metadata_has_the_predicates_the_simulator_accepts() -> None:
    assert len(DOCUMENTED) == 30


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_documented_predicate_is_accepted_as_condition_and_exception(
    gsim: GraphSimulator, name: str
) -> None:
    resp = create(gsim, conditions={name: DOCUMENTED[name]}, exceptions={name: DOCUMENTED[name]})
    assert resp.status_code == 201, resp.text
    assert resp.json()["conditions"] == {name: DOCUMENTED[name]}


@pytest.mark.parametrize(
    "conditions",
    [
        {"withinDateRange": {}},  # Graph has no date predicate (EWS has)
        {"sentCcMe": "yes"},
        {"messageActionFlag": "later"},
        {"sensitivity": "secret"},
        {"withinSizeRange": {"minimumSize": "big"}},
        {"withinSizeRange": 10},
        {"categories": "Red category"},
    ],
)
def test_unknown_predicates_and_wrong_types_are_refused(
    gsim: GraphSimulator, conditions: dict[str, Any]
) -> None:
    assert create(gsim, conditions=conditions).status_code == 400


def test_sequence_is_required_when_a_rule_is_created(gsim: GraphSimulator) -> None:
    body = {"displayName": "r", "actions": {"markAsRead": True}}
    resp = requests.post(f"{gsim.url}{RULES}", headers=AUTH, json=body, timeout=5)
    assert resp.status_code == 400 and "sequence" in resp.json()["error"]["message"]
    assert create(gsim, sequence=True).status_code == 400
    assert gsim.rules() == []
