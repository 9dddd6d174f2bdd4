"""RFC 3834 auto-reply eligibility, once-per-sender spacing and the reply text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from focusguard.domain.autoreply import REPLY_HEADERS, Headers, due, refusal, render
from focusguard.domain.senders import Address, sender_address

CUSTOMER = Address("ann", "client.example")
OWN = Address("me", "corp.example")


def why(headers: dict[str, str], sender: Address | None = CUSTOMER) -> str | None:
    return refusal(Headers.of(headers), sender, OWN)


def test_plain_customer_mail_may_get_a_reply() -> None:
    assert why({"Subject": "Hello", "From": "ann@client.example"}) is None
    assert why({}) is None


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"Auto-Submitted": "auto-generated"}, "Auto-Submitted"),
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Auto-Submitted": "auto-replied; foo"}, "Auto-Submitted"),
        ({"Auto-Submitted": "auto-notified"}, "Auto-Submitted"),
        ({"Auto-Submitted": ""}, "Auto-Submitted"),
        ({"auto-submitted": "AUTO-GENERATED"}, "Auto-Submitted"),
        ({"AUTO-SUBMITTED": "yes"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"Precedence": "list"}, "Precedence"),
        ({"Precedence": "junk"}, "Precedence"),
        ({"precedence": " BULK "}, "Precedence"),
        ({"Precedence": "bulk; comment"}, "Precedence"),
        ({"List-Id": "<team.lists.example>"}, "List-"),
        ({"List-Unsubscribe": "<mailto:u@lists.example>"}, "List-"),
        ({"list-post": "NO"}, "List-"),
        ({"LIST-HELP": "x"}, "List-"),
        ({"Return-Path": "<>"}, "null return path"),
        ({"return-path": " < > "}, "null return path"),
        ({"X-Auto-Response-Suppress": "OOF"}, "X-Auto-Response-Suppress"),
        ({"X-Auto-Response-Suppress": "AutoReply"}, "X-Auto-Response-Suppress"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress"),
        ({"X-Auto-Response-Suppress": "DR, OOF"}, "X-Auto-Response-Suppress"),
        ({"x-auto-response-suppress": "dr,autoreply"}, "X-Auto-Response-Suppress"),
        ({"X-AUTO-RESPONSE-SUPPRESS": "RN NRN oof"}, "X-Auto-Response-Suppress"),
    ],
)
def test_refusals(headers: dict[str, str], fragment: str) -> None:
    reason = why(headers)
    assert reason is not None and fragment in reason


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"Auto-Submitted": " No "},
        {"Auto-Submitted": "no; comment"},
        {"Precedence": "first-class"},
        {"Precedence": "bulky-but-not-bulk"},
        {"Return-Path": "<ann@client.example>"},
        {"X-Auto-Response-Suppress": "DR, RN"},
        {"X-Auto-Response-Suppress": "NRN, RN, DR"},
        {"X-Auto-Response-Suppress": ""},
        {"X-Auto-Response-Suppress": "OOFX"},
        {"Listing": "not a List-* header"},
        {"X-List-Id": "not a List-* header either"},
    ],
)
def test_allowed(headers: dict[str, str]) -> None:
    assert why(headers) is None


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@client.example",
        "mailer-daemon@mx.client.example",
        "postmaster@client.example",
        "noreply@client.example",
        "no-reply@client.example",
        "NoReply@client.example",
        "no-reply+tag@client.example",
        "noreply-alerts@client.example",
        "donotreply@client.example",
    ],
)
def test_robot_senders_are_refused(sender: str) -> None:
    reason = why({}, sender_address(sender))
    assert reason is not None and "automated" in reason


def test_robot_local_part_is_compared_case_insensitively_even_unnormalised() -> None:
    assert refusal(Headers({}), Address("Mailer-Daemon", "x.example"), None) is not None


def test_own_address_is_refused() -> None:
    reason = why({}, sender_address("Me <ME@Corp.Example>"))
    assert reason is not None and "this mailbox" in reason
    assert why({}, sender_address("colleague@corp.example")) is None
    assert refusal(Headers.of({}), OWN, None) is None  # no own address known


def test_no_sender_is_refused() -> None:
    assert why({}, None) is not None


def test_header_names_are_case_insensitive_however_built() -> None:
    """Headers(...) built directly (not via .of) used to miss mixed-case names entirely."""
    assert refusal(Headers({"Auto-Submitted": "auto-generated"}), CUSTOMER, OWN) is not None
    assert refusal(Headers({"LIST-ID": "x"}), CUSTOMER, OWN) is not None
    h = Headers.of({"Precedence": "bulk", "PRECEDENCE": "first-class"})
    assert h.get("precedence") == "bulk"  # first value wins
    assert h.get("PreCedence") == "bulk"
    assert Headers.of(None).names() == frozenset()


def test_reply_headers_mark_the_reply_automatic() -> None:
    assert REPLY_HEADERS["Auto-Submitted"] == "auto-replied"
    assert "X-Auto-Response-Suppress" in REPLY_HEADERS


# -- due --------------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "days", "expected"),
    [
        (None, 7, True),
        (NOW - timedelta(days=7), 7, True),  # exactly N days later: due again
        (NOW - timedelta(days=7) + timedelta(seconds=1), 7, False),
        (NOW - timedelta(days=6, hours=23, minutes=59), 7, False),
        (NOW - timedelta(days=30), 7, True),
        (NOW, 7, False),
        (NOW - timedelta(days=1), 1, True),
        (NOW - timedelta(hours=23), 1, False),
        (NOW, 0, True),
    ],
)
def test_due(last: datetime | None, days: int, expected: bool) -> None:
    assert due(last, NOW, days) is expected


def test_due_across_zones() -> None:
    from zoneinfo import ZoneInfo

    last = datetime(2026, 6, 1, 14, tzinfo=ZoneInfo("Europe/Berlin"))  # 12:00 UTC
    assert due(last, NOW + timedelta(days=1), 1)
    assert not due(last, NOW + timedelta(days=1) - timedelta(seconds=1), 1)


# -- render -----------------------------------------------------------------------------------


def test_render() -> None:
    template = (
        "Thanks for your mail. I read mail at set times and will reply after "
        "{next_check_in}. If it is urgent, please call {urgent_phone}."
    )
    assert render(template, "13:00 today", "+44 20 7946 0000") == (
        "Thanks for your mail. I read mail at set times and will reply after "
        "13:00 today. If it is urgent, please call +44 20 7946 0000."
    )


def test_render_inserts_values_literally() -> None:
    assert render("{next_check_in}|{urgent_phone}", "{urgent_phone}", "{0}") == "{urgent_phone}|{0}"
    assert render("{{literal}} {next_check_in}", "x", "") == "{literal} x"
    assert render("no placeholders", "x", "y") == "no placeholders"
