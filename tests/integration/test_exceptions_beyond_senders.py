"""Exceptions beyond senders (issue 14) on both servers: a subject keyword and a "sent to" alias
of mine let mail through the server-side hold straight away (a pop-up, from the server itself),
while everything that only looks like them stays held. The real engine on the real EWS
backend (real exchangelib) and the real Graph client, against the simulators, which evaluate
ContainsSubjectStrings/SentToAddresses and subjectContains/sentToAddresses as Microsoft
documents them (sim/ews/rules.py, sim/graph/rules.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from focusguard.core.settings import ExceptionSettings
from focusguard.domain.senders import Category
from tests.integration.day import Day, ews_day, graph_day, office_settings, tue

PEOPLE = 'own_domains = ["corp.example"]\nurgent = ["boss@corp.example"]'
KEYWORD = "[PAGER-"
ALIAS = "support-urgent@corp.example"

# (sender, subject, To) that must come straight through, from the server
THROUGH = [
    ("alerts@monitoring.example", "[PAGER-4711] disk full on db1", ["me@corp.example"]),
    ("alerts@monitoring.example", "Re: [pager-4712] lower case", ["me@corp.example"]),
    ("customer@client.example", "site down", [ALIAS]),
    (
        "customer@client.example",
        "site down (upper case)",
        ["Support <SUPPORT-URGENT@Corp.Example>"],
    ),
    ("customer@client.example", "me and the alias", ["me@corp.example", ALIAS]),
]
# ... that must stay held: near misses of the keyword, look-alikes of the alias
HELD = [
    ("alerts@monitoring.example", "[PAGER 4713] no dash", ["me@corp.example"]),
    ("alerts@monitoring.example", "PAGER-4714 no bracket", ["me@corp.example"]),
    ("customer@client.example", "look-alike domain", ["support-urgent@corp.example.evil.net"]),
    ("customer@client.example", "look-alike local part", ["xsupport-urgent@corp.example"]),
    (
        "customer@client.example",
        "display name only",
        ['"support-urgent@corp.example" <x@y.example>'],
    ),
]
# The server's SentToAddresses is exact: a plus-addressed alias is held there for a moment
# and the engine (which knows `+detail` reaches the alias) moves it back, raising no pop-up.
MOVED_BACK = [
    ("customer@client.example", "plus-addressed alias", ["support-urgent+p1@corp.example"])
]


def open_exception_day(request: pytest.FixtureRequest, backend: str, tmp: Path) -> Day:
    sim = request.getfixturevalue(f"{backend}_sim")
    settings = replace(
        office_settings(backend, sim.url, PEOPLE),
        exceptions=ExceptionSettings(subject_keywords=(KEYWORD,), sent_to=(ALIAS,)),
    )
    opener = ews_day if backend == "ews" else graph_day
    return opener(sim, tmp, settings, tue(10, 15))  # inside the 10:00-11:00 focus block


def deliver(day: Day, mails: list[tuple[str, str, list[str]]]) -> dict[str, str]:
    sent = {
        day.sim.deliver(sender, subject, received=day.clock.now(), to=to): subject
        for sender, subject, to in mails
    }
    day.settle(set(sent), timeout=60)
    return sent


@pytest.mark.timeout(180)
@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_subject_keywords_and_my_alias_get_through_and_look_alikes_do_not(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    day = open_exception_day(request, backend, tmp_path)
    try:
        assert day.engine.status().mode == "server-rule"
        through = deliver(day, THROUGH)
        held = deliver(day, HELD)
        moved = deliver(day, MOVED_BACK)
        popups = [p["internet_message_id"] for p in day.sim.popups]
        where = day.folder_of()
        for mid, subject in through.items():
            outcome = day.outcomes[mid]
            assert popups.count(mid) == 1, f"{subject!r} did not come straight through"
            assert not outcome.moved and where[mid] == ["inbox"], subject
            assert outcome.decision.category is Category.URGENT, subject
            assert outcome.decision.reason.startswith("delivered: "), subject
        for mid, subject in held.items():
            assert mid not in popups, f"{subject!r} popped up"
            assert day.outcomes[mid].decision.held and where[mid] == ["FocusGuard Held"], subject
        for mid, subject in moved.items():
            outcome = day.outcomes[mid]
            assert mid not in popups, subject
            assert outcome.moved and outcome.decision.category is Category.URGENT, subject
            assert outcome.decision.reason == f"delivered: sent to {ALIAS}"
            assert day.folder_of()[mid] == ["inbox"]
    finally:
        day.close()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_without_exceptions_the_same_mail_is_held(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The default (no [exceptions]): nothing above comes through during focus."""
    sim = request.getfixturevalue(f"{backend}_sim")
    settings = office_settings(backend, sim.url, PEOPLE)
    day = (ews_day if backend == "ews" else graph_day)(sim, tmp_path, settings, tue(10, 15))
    try:
        sent = deliver(day, THROUGH)
        assert not set(sent) & {p["internet_message_id"] for p in day.sim.popups}
        assert all(day.outcomes[m].decision.held for m in sent)
    finally:
        day.close()
