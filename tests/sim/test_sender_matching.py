"""Both simulators match sender predicates the way Microsoft documents them: substring
predicates (EWS ContainsSenderStrings, Graph senderContains) look at the sender's SMTP
*address* only, case-insensitively; exact predicates (FromAddresses / fromAddresses) compare
whole addresses, case-insensitively. A display name never counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focusguard.sim.ews import EwsSimulator
from focusguard.sim.ews.rules import Actions, Message, Predicates, Rule
from focusguard.sim.graph import GraphSimulator

pytestmark = pytest.mark.timeout(30)
T0 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
HELD = "Held"

# (From header, whether "corp.example" is in the sender's address)
SUBSTRING_CASES = [
    ("Bob <bob@corp.example>", True),
    ("x@CORP.Example.evil.net", True),
    ("Mallory <corp.example@gmail.com>", True),
    ('"corp.example" <evil@bad.example>', False),
    ('"bob@corp.example" <evil@bad.example>', False),
    ("evil@bad.example (bob@corp.example)", False),
    ("Corp.Example Support <help@vendor.example>", False),
]
# (From header, whether it is exactly boss@corp.example)
EXACT_CASES = [
    ("Boss <boss@corp.example>", True),
    ("BOSS@Corp.Example", True),
    ('"boss@corp.example" <evil@bad.example>', False),
    ("boss@corp.example.evil.net", False),
    ("xboss@corp.example", False),
    ("boss+tag@corp.example", False),
]

words = st.text(alphabet="abcXYZ.@-", min_size=1, max_size=8)


def _msg(name: str, address: str) -> Message:
    return Message(
        sender_name=name,
        sender_email=address,
        subject="s",
        body="",
        importance="Normal",
        received=T0,
        recipients=["me@corp.example"],
        header_block="",
    )


def _rule(conditions: Predicates) -> Rule:
    return Rule("r", "r", 1, True, conditions, Predicates(), Actions(move_to_folder=HELD))


@given(name=words, address=words, needle=words)
def test_ews_contains_sender_strings_sees_the_address_only(
    name: str, address: str, needle: str
) -> None:
    rule = _rule(Predicates(strings={"ContainsSenderStrings": [needle]}))
    assert rule.matches(_msg(name, address)) == (needle.lower() in address.lower())


@given(name=words, address=words, wanted=words)
def test_ews_from_addresses_is_exact_and_case_insensitive(
    name: str, address: str, wanted: str
) -> None:
    rule = _rule(Predicates(addresses={"FromAddresses": [wanted]}))
    assert rule.matches(_msg(name, address)) == (wanted.lower() == address.lower())


@pytest.fixture
def ews() -> Iterator[EwsSimulator]:
    sim = EwsSimulator().start()
    sim.create_folder(HELD, parent="inbox")
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


@pytest.fixture
def graph() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    sim.create_folder(HELD)
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


def _landed(deliveries: list[dict[str, object]], imid: str) -> str:
    return str(next(d["folder"] for d in deliveries if d["internet_message_id"] == imid))


@pytest.mark.parametrize(("sender", "contains"), SUBSTRING_CASES)
def test_ews_sender_strings_at_delivery(ews: EwsSimulator, sender: str, contains: bool) -> None:
    ews.add_user_rule("words", contains_sender_strings=["corp.example"], move_to=HELD)
    imid = ews.deliver(sender, "x")
    assert _landed(ews.deliveries, imid) == (HELD if contains else "Inbox")


@pytest.mark.parametrize(("sender", "exact"), EXACT_CASES)
def test_ews_from_addresses_at_delivery(ews: EwsSimulator, sender: str, exact: bool) -> None:
    ews.add_user_rule("boss", from_addresses=["boss@corp.example"], move_to=HELD)
    imid = ews.deliver(sender, "x")
    assert _landed(ews.deliveries, imid) == (HELD if exact else "Inbox")


@pytest.mark.parametrize(("sender", "contains"), SUBSTRING_CASES)
def test_graph_sender_contains_at_delivery(
    graph: GraphSimulator, sender: str, contains: bool
) -> None:
    graph.add_user_rule(
        "words",
        conditions={"senderContains": ["corp.example"]},
        actions={"moveToFolder": HELD, "stopProcessingRules": True},
    )
    imid = graph.deliver(sender, "x")
    assert _landed(graph.deliveries, imid) == (HELD if contains else "inbox")


@pytest.mark.parametrize(("sender", "exact"), EXACT_CASES)
def test_graph_from_addresses_at_delivery(graph: GraphSimulator, sender: str, exact: bool) -> None:
    graph.add_user_rule(
        "boss",
        conditions={"fromAddresses": [{"emailAddress": {"address": "boss@corp.example"}}]},
        actions={"moveToFolder": HELD, "stopProcessingRules": True},
    )
    imid = graph.deliver(sender, "x")
    assert _landed(graph.deliveries, imid) == (HELD if exact else "inbox")


@pytest.mark.parametrize(("sender", "contains"), SUBSTRING_CASES)
def test_graph_sender_contains_exception_sees_the_address_only(
    graph: GraphSimulator, sender: str, contains: bool
) -> None:
    """As an exception too: a display name never lets mail past a hold."""
    graph.add_user_rule(
        "hold",
        exceptions={"senderContains": ["corp.example"]},
        actions={"moveToFolder": HELD, "stopProcessingRules": True},
    )
    imid = graph.deliver(sender, "x")
    assert _landed(graph.deliveries, imid) == ("inbox" if contains else HELD)
