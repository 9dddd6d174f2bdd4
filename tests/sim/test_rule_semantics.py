"""Exchange rule semantics as properties, straight against the simulator's rule engine."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from focusguard.sim.ews import EwsSimulator, dispatch
from focusguard.sim.ews.rules import Actions, Message, Predicates, Rule, evaluate
from focusguard.sim.ews.schema import find_schema_dir
from focusguard.sim.ews.soap import m, new, sub

T0 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
words = st.text(alphabet="abcxyz.@", min_size=1, max_size=6)


def _msg(
    sender: str, subject: str = "s", importance: str = "Normal", received: dt.datetime = T0
) -> Message:
    return Message(
        sender_name="",
        sender_email=sender,
        subject=subject,
        body="",
        importance=importance,
        received=received,
        recipients=["me@corp.example"],
        header_block="",
    )


def _rule(conditions: Predicates, exceptions: Predicates | None = None) -> Rule:
    return Rule(
        id="r",
        name="r",
        priority=1,
        enabled=True,
        conditions=conditions,
        exceptions=exceptions or Predicates(),
        actions=Actions(move_to_folder="held"),
    )


@given(sender=words, needles=st.lists(words, min_size=1, max_size=3))
def test_contains_sender_strings_is_an_or_of_substrings(sender: str, needles: list[str]) -> None:
    rule = _rule(Predicates(strings={"ContainsSenderStrings": needles}))
    assert rule.matches(_msg(sender)) == any(n.lower() in sender.lower() for n in needles)


@given(
    sender=words,
    importance=st.sampled_from(["Low", "Normal", "High"]),
    allow=st.lists(words, max_size=3),
)
def test_exceptions_are_or_ed(sender: str, importance: str, allow: list[str]) -> None:
    exceptions = Predicates(addresses={"FromAddresses": allow}, importance="High")
    rule = _rule(Predicates(), exceptions)
    cancelled = sender.lower() in {a.lower() for a in allow} or importance == "High"
    assert rule.matches(_msg(sender, importance=importance)) == (not cancelled)


@given(sender=words, subject=words, minutes=st.integers(-120, 120))
def test_condition_kinds_are_and_ed(sender: str, subject: str, minutes: int) -> None:
    when = T0 + dt.timedelta(minutes=minutes)
    conditions = Predicates(
        strings={"ContainsSubjectStrings": ["a"]}, date_range=(T0 - dt.timedelta(minutes=60), T0)
    )
    expected = "a" in subject.lower() and T0 - dt.timedelta(minutes=60) <= when < T0
    assert _rule(conditions).matches(_msg(sender, subject, received=when)) == expected


def test_priority_and_stop_processing() -> None:
    first = Rule(
        id="1",
        name="first",
        priority=1,
        enabled=True,
        conditions=Predicates(),
        exceptions=Predicates(),
        actions=Actions(move_to_folder="A", stop_processing_rules=True),
    )
    second = Rule(
        id="2",
        name="second",
        priority=2,
        enabled=True,
        conditions=Predicates(),
        exceptions=Predicates(),
        actions=Actions(mark_as_read=True),
    )
    fired, actions = evaluate([second, first], _msg("x@y"))
    assert [r.name for r in fired] == ["first"]
    assert actions.move_to_folder == "A" and not actions.mark_as_read
    first.enabled = False
    fired, actions = evaluate([second, first], _msg("x@y"))
    assert [r.name for r in fired] == ["second"] and actions.move_to_folder is None


@pytest.mark.timeout(20)
@pytest.mark.skipif(find_schema_dir() is None, reason="EWS schema not found")
def test_invalid_response_is_a_loud_simulator_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(mb: object, req: object) -> object:
        root = new(m("GetFolderResponse"))
        sub(root, m("NotInTheSchema"))
        return root

    monkeypatch.setitem(dispatch.HANDLERS, "GetFolder", broken)
    with EwsSimulator(strict=True) as sim:
        body = (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
            'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Body>'
            "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
            '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
            "</s:Body></s:Envelope>"
        )
        resp = requests.post(sim.url, data=body, auth=("u", "p"), timeout=5)
        assert resp.status_code == 500
        assert b"simulator bug" in resp.content
        assert sim.errors and sim.errors[0]["operation"] == "GetFolder"
        assert sim.schema_errors == []
