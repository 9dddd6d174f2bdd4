"""Exceptions beyond senders (issue 14): subject keywords and "sent to" addresses of mine."""

from __future__ import annotations

import pytest

from focusguard.domain.bypass import Bypass, keyword_problem

BYPASS = Bypass.of(["[PAGER-", "Überlauf"], ["support-urgent@corp.example"])


@pytest.mark.parametrize(
    ("subject", "through"),
    [
        ("[PAGER-17] db1 down", True),
        ("Re: [pager-17] db1 down", True),  # case-insensitive, like the server
        ("FW: x [PAGER-", True),  # anywhere in the subject
        ("ÜBERLAUF im Lager", True),  # case folding beyond ASCII
        ("[PAGER 17]", False),
        ("PAGER-17", False),
        ("", False),
    ],
)
def test_subject_keywords_match_anywhere_case_insensitively(subject: str, through: bool) -> None:
    reason = BYPASS.reason(subject, ())
    assert (reason is not None) is through
    if through:
        assert reason is not None and reason.startswith('delivered: subject contains "')


@pytest.mark.parametrize(
    ("recipients", "through"),
    [
        (["support-urgent@corp.example"], True),
        (["Support <SUPPORT-URGENT@CORP.EXAMPLE>"], True),
        (["me@corp.example", "support-urgent@corp.example"], True),  # To and Cc alike
        (["support-urgent+p1@corp.example"], True),  # plus addressing reaches the alias
        (["support-urgent@corp.example.evil.net"], False),
        (["xsupport-urgent@corp.example"], False),
        (["support-urgent@eu.corp.example"], False),  # an address, not a domain
        (['"support-urgent@corp.example" <x@evil.example>'], False),  # display name only
        (["not an address"], False),
        ([], False),
    ],
)
def test_sent_to_matches_whole_addresses_only(recipients: list[str], through: bool) -> None:
    reason = BYPASS.reason("hello", recipients)
    assert (reason is not None) is through
    if through:
        assert reason == "delivered: sent to support-urgent@corp.example"


def test_empty_bypass_is_off_and_lets_nothing_through() -> None:
    off = Bypass.of([], [])
    assert not off
    assert off.reason("[PAGER-1]", ["support-urgent@corp.example"]) is None


@pytest.mark.parametrize("keyword", ["p1", " [PAGER-", "[PAGER- ", "a\tb", "x" * 256])
def test_keywords_that_would_match_too_much_or_be_trimmed_are_refused(keyword: str) -> None:
    assert keyword_problem(keyword) is not None


def test_a_distinctive_keyword_is_fine() -> None:
    assert keyword_problem("[PAGER-") is None
