"""RFC 3834 auto-reply eligibility, once-per-sender spacing and the reply text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focusguard.domain.autoreply import (
    REPLY_HEADERS,
    Headers,
    clean_message_id,
    clean_subject,
    due,
    refusal,
    render,
    reply_references,
    reply_subject,
)
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


# -- issue 9 §5: auto-replies never answer a machine ----------------------------------------------


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"Precedence": "auto_reply"}, "Precedence"),  # cPanel / BoxTrapper
        ({"Precedence": "AUTO_REPLY"}, "Precedence"),
        ({"X-Precedence": "auto_reply"}, "X-Precedence"),
        ({"X-Precedence": "bulk"}, "X-Precedence"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),  # Gmail's vacation responder
        ({"x-autoreply": "YES"}, "X-Autoreply"),
        ({"X-Autorespond": "Out of office"}, "X-Autorespond"),
        ({"X-AutoReply-From": "ann@client.example"}, "X-AutoReply-From"),
        ({"X-Mail-Autoreply": "yes"}, "X-Mail-Autoreply"),
        ({"X-FC-MachineGenerated": "true"}, "X-FC-MachineGenerated"),
        ({"X-POST-MessageClass": "9; Autoresponder"}, "X-POST-MessageClass"),
        ({"X-Autogenerated": "Reply"}, "X-Autogenerated"),
        ({"X-Autogenerated": "Mirror"}, "X-Autogenerated"),
        ({"Delivered-To": "Autoresponder"}, "Delivered-To"),
        ({"X-Loop": "helpdesk@client.example"}, "X-Loop"),
        ({"List-Archive": "<https://lists.example/a>"}, "List-"),
        ({"List-Subscribe": "<mailto:s@lists.example>"}, "List-"),
    ],
)
def test_machine_markers_are_refused(headers: dict[str, str], fragment: str) -> None:
    reason = why(headers)
    assert reason is not None and fragment in reason


@pytest.mark.parametrize(
    "headers",
    [
        # Google's feedback loop id rides on ordinary mail from a customer's help desk or
        # shop: not a sign of an auto-responder.
        {"Feedback-ID": "1234:campaign:mailer:google"},
        {"X-Mailer": "Microsoft Outlook 16.0"},
        {"X-Autoreply": "no"},
        {"X-FC-MachineGenerated": "false"},
        {"X-POST-MessageClass": "1; Normal"},
        {"Delivered-To": "ann@client.example"},
        {"Precedence": "normal"},
        {"X-MS-Exchange-Organization-AuthAs": "Anonymous"},
    ],
)
def test_ordinary_customer_mail_is_not_over_blocked(headers: dict[str, str]) -> None:
    assert why(headers) is None


@pytest.mark.parametrize(
    "sender",
    [
        "no_reply@client.example",
        "do.not.reply@client.example",
        "do_not_reply@client.example",
        "do-not-reply@client.example",
        "DoNotReply@client.example",
        "no.reply+orders@client.example",
        "noreply-billing@client.example",
        "notifications@github.example",
        "notification@client.example",
        "notifications+abc123@client.example",
        "notifications-orders@client.example",
        "bounces+42=ann=client.example@mail.example",
        "bounce-7f3a@client.example",
        "daemon@client.example",
        "Postmaster@client.example",
        "mailer_daemon@client.example",
    ],
)
def test_more_robot_senders_are_refused(sender: str) -> None:
    reason = why({}, sender_address(sender))
    assert reason is not None and "automated" in reason


@pytest.mark.parametrize(
    "sender",
    [
        "noreen@client.example",
        "notify@client.example",
        "bouncer@client.example",
        "dan.daemon@client.example",
        "ann.notifications@client.example",
        "replies@client.example",
        "post@client.example",
    ],
)
def test_people_whose_names_look_a_bit_like_robots_still_get_a_reply(sender: str) -> None:
    assert why({}, sender_address(sender)) is None


_ROBOT_WORDS_NEEDING_A_SEPARATOR = {
    "notifications",
    "notification",
    "postmaster",
    "bounces",
    "bounce",
    "daemon",
}
_ROBOT_STARTS = [
    "noreply",
    "no-reply",
    "no_reply",
    "no.reply",
    "do.not.reply",
    "donotreply",
    "mailer-daemon",
    "notifications",
    "notification",
    "postmaster",
    "bounces",
    "bounce",
    "daemon",
]


@given(
    start=st.sampled_from(_ROBOT_STARTS),
    sep=st.sampled_from(["", "-", ".", "_", "+"]),
    tail=st.from_regex(r"[a-z0-9]{0,12}", fullmatch=True),
    upper=st.booleans(),
)
def test_robot_local_parts_with_any_tag_are_refused(
    start: str, sep: str, tail: str, upper: bool
) -> None:
    if start in _ROBOT_WORDS_NEEDING_A_SEPARATOR and sep == "" and tail:
        return  # "bouncesfoo" is a word, not a robot's address
    local = f"{start}{sep}{tail}"
    sender = Address(local.upper() if upper else local, "client.example")
    assert why({}, sender) == "the sender is an automated address"


# -- the reply subject and threading ids -------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "reply"),
    [
        ("Order 4711", "Re: Order 4711"),
        ("Order\r\nBcc: evil@attacker.example", "Re: Order Bcc: evil@attacker.example"),
        ("Order\nX-Injected: 1", "Re: Order X-Injected: 1"),
        ("Order\r", "Re: Order"),
        ("Order\x00 4711", "Re: Order 4711"),
        ("Order\u2028Bcc: x@y.example", "Re: Order Bcc: x@y.example"),
        ("Order\u2029\u0085\x0b\x0c\x1b[31m", "Re: Order [31m"),
        ("Tab\there", "Re: Tab here"),
        ("\ud800broken surrogate", "Re: \ufffdbroken surrogate"),
        ("RE: already a reply", "RE: already a reply"),
        ("re:\r\nlower", "re: lower"),
        ("", "Re:"),
        ("Straße café 注文", "Re: Straße café 注文"),
        (
            "Persian zero-width non-joiner: می\u200cخواهم",
            "Re: Persian zero-width non-joiner: می\u200cخواهم",
        ),
    ],
)
def test_reply_subject_is_one_clean_line(subject: str, reply: str) -> None:
    assert reply_subject(subject) == reply


def test_reply_subject_prefix_is_the_backends_choice() -> None:
    assert reply_subject("Order 4711", prefix="RE:") == "RE: Order 4711"


@given(st.text(max_size=200))
def test_no_subject_ever_yields_a_line_break_or_control_character(subject: str) -> None:
    import unicodedata

    out = reply_subject(subject)
    assert clean_subject(out) == out
    assert not any(unicodedata.category(ch) in {"Cc", "Zl", "Zp", "Cs"} for ch in out)
    assert out.encode("utf-8")  # no lone surrogates: it can be sent


@pytest.mark.parametrize(
    ("prior", "message_id", "expected"),
    [
        ("<a@x> <b@x>", "<c@x>", "<a@x> <b@x> <c@x>"),
        ("<a@x>\r\n <b@x>", "<b@x>", "<a@x> <b@x>"),  # folded header: unfolded
        ("", "<c@x>\r\nBcc: evil@attacker.example", "<c@x>Bcc:evil@attacker.example"),
        ("<a@x>\x00<b@x>", "<c@x>", "<a@x><b@x> <c@x>"),
        ("", "", ""),
    ],
)
def test_reply_references_carry_no_line_breaks(prior: str, message_id: str, expected: str) -> None:
    assert reply_references(prior, message_id) == expected
    assert "\r" not in expected and "\n" not in expected


def test_reply_references_keep_the_newest_twenty() -> None:
    prior = " ".join(f"<{i}@x>" for i in range(30))
    ids = reply_references(prior, "<new@x>").split()
    assert len(ids) == 20 and ids[-1] == "<new@x>" and ids[0] == "<11@x>"


def test_message_ids_lose_every_control_and_space() -> None:
    assert clean_message_id(" <a\u2028b@x>\r\n") == "<ab@x>"
