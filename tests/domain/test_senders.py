"""Who sent this mail: the SMTP address of From, never the display name; list matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focusguard.domain.senders import (
    Address,
    Category,
    People,
    SenderList,
    SenderPattern,
    sender_address,
)


def addr(text: str) -> str | None:
    a = sender_address(text)
    return None if a is None else str(a)


# -- sender_address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # plain forms
        ("a@b.com", "a@b.com"),
        ("  a@b.com  ", "a@b.com"),
        ("<a@b.com>", "a@b.com"),
        ("Alice <a@b.com>", "a@b.com"),
        ("Alice Example <Alice.Example@B.COM>", "alice.example@b.com"),
        ("Alice\r\n <a@b.com>", "a@b.com"),  # folded header
        ("=?utf-8?q?J=C3=B6rg?= <jorg@b.com>", "jorg@b.com"),
        ("a@b.com.", "a@b.com"),  # trailing root dot
        ('"a.b"@c.com', "a.b@c.com"),
        ("<@relay.example:a@b.com>", "a@b.com"),  # obsolete source route
        # display-name spoofing: the angle address wins, the name never counts
        ('"boss@corp.example" <evil@bad.example>', "evil@bad.example"),
        ("boss@corp.example <evil@bad.example>", "evil@bad.example"),
        ('"Boss <boss@corp.example>" <evil@bad.example>', "evil@bad.example"),
        ('"boss@corp.example, ceo@corp.example" <evil@bad.example>', "evil@bad.example"),
        # quoted names with commas, angles, escaped quotes
        ('"Smith, John" <john@x.com>', "john@x.com"),
        ('"Smith, <John>" <john@x.com>', "john@x.com"),
        ('"He said \\"hi\\" <x@y.com>" <john@x.com>', "john@x.com"),
        # comments
        ("a@b.com (Alice)", "a@b.com"),
        ("(Alice) a@b.com", "a@b.com"),
        ("a@b.com (Alice <evil@bad.example>)", "a@b.com"),
        ("Alice (<evil@bad.example>) <a@b.com>", "a@b.com"),
        ("Alice <a@b.com> (boss@corp.example)", "a@b.com"),
        ("Alice (nested (comment <x@y.z>)) <a@b.com>", "a@b.com"),
        # hostile HTML display names: the last angle address is the mailbox
        ("<b>x</b><img src=http://127.0.0.1/x> <a@b.com>", "a@b.com"),
        ("<script>alert(1)</script> <a@b.com>", "a@b.com"),
        ('<a href="mailto:boss@corp.example">Boss</a> <a@b.com>', "a@b.com"),
        # IDN: Unicode and punycode forms are the same domain
        ("a@bücher.example", "a@bücher.example"),
        ("a@xn--bcher-kva.example", "a@bücher.example"),
        ("a@XN--BCHER-KVA.EXAMPLE", "a@bücher.example"),
        ("a@BÜCHER.example", "a@bücher.example"),
        ("a@bu\u0308cher.example", "a@bücher.example"),  # decomposed ü
        ("a@xn--strae-oqa.de", "a@straße.de"),  # IDNA 2008 label (IDNA 2003 codec rejects it)
        ("a@bücher\u3002example", "a@bücher.example"),  # ideographic full stop
        ("Jörg <jörg@bücher.example>", "jörg@bücher.example"),
    ],
)
def test_sender_address(header: str, expected: str) -> None:
    assert addr(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "\r\n",
        "no address here",
        "Alice",
        "@",
        "a@",
        "@b.com",
        "a@b@c.com",  # unquoted @ in the local part
        "a@-b.com",
        "a@b-.com",
        "a@b..com",
        "a@[127.0.0.1]",
        "a b@c.com",
        "<>",
        "Alice <>",
        "Alice <a@b.com",  # unterminated angle
        '"Alice <a@b.com>',  # unterminated quote
        "Alice <not an address>",
        "<a@b.com> <b>",  # last angle is not a mailbox
        "a@xn--zz-.com",
        "a@xn--abc.com",  # an A-label that decodes to control characters
        "a@" + "x" * 64 + ".com",  # label over 63
        "x" * 65 + "@b.com",  # local part over 64
        "A" * 5000 + " <a@b.com>",  # hostile length
        "<" * 3000,
        # several mailboxes: ambiguous, never pick one
        "a@b.com, c@d.com",
        "Alice <a@b.com>, Carol <c@d.com>",
        "Smith, John <john@x.com>",
        "Group: a@b.com;",
        "Group:a@b.com;",
        "undisclosed-recipients:;",
        "a@b.com\x00",
    ],
)
def test_malformed_from_is_none_and_other(header: str | None) -> None:
    assert sender_address(header) is None
    people = People(customers=SenderList.of(["b.com"]), external_is_customer=True)
    assert people.categorize(sender_address(header)) is Category.OTHER


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300) | st.from_regex(r"[\"<>(),@a-zA-Z \\]{0,60}", fullmatch=True))
def test_sender_address_never_raises(text: str) -> None:
    result = sender_address(text)
    assert result is None or isinstance(result, Address)
    if result is not None:
        assert result.local == result.local.lower() and result.domain == result.domain.lower()


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=40),
    st.from_regex(r"[a-z0-9]{1,10}@[a-z0-9]{1,10}\.[a-z]{2,5}", fullmatch=True),
)
def test_display_name_never_counts(name: str, real: str) -> None:
    """Whatever the (quoted) display name says, the angle address is the sender."""
    quoted = (
        '"'
        + name.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")
        + '"'
    )
    assert addr(f"{quoted} <{real}>") == real


# -- patterns and lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "sender", "matches"),
    [
        ("example.com", "a@example.com", True),
        ("@example.com", "a@example.com", True),
        ("example.com", "a@mail.example.com", True),
        ("example.com", "a@deep.mail.example.com", True),
        ("EXAMPLE.com", "A@Example.COM", True),
        ("example.com", "a@badexample.com", False),
        ("example.com", "a@example.com.evil.net", False),
        ("example.com", "a@example.co", False),
        ("example.com", "a@xample.com", False),
        ("mail.example.com", "a@example.com", False),
        ("example.com", "example.com@evil.net", False),
        ("example.com", '"a@example.com" <a@evil.net>', False),
        # address entries match only themselves
        ("boss@example.com", "boss@example.com", True),
        ("Boss@Example.com", "BOSS@example.COM", True),
        ("boss@example.com", "boss2@example.com", False),
        ("boss@example.com", "boss@mail.example.com", False),
        ("boss@example.com", "other@example.com", False),
        ("boss@example.com", '"boss@example.com" <evil@bad.example>', False),
        # plus addressing: a +detail is the base address's mailbox (RFC 5233)
        ("boss@example.com", "boss+tag@example.com", True),
        ("boss@example.com", "Boss+Board.Pack@EXAMPLE.com", True),
        ("boss@example.com", "boss+@example.com", True),
        ("boss@example.com", "boss+a+b@example.com", True),
        ("boss@example.com", '"boss+tag"@example.com', True),
        ("boss@example.com", "boss+tag@mail.example.com", False),
        ("boss@example.com", "boss+tag@example.com.evil.net", False),
        ("boss@example.com", "bossy+tag@example.com", False),
        ("boss@example.com", "+boss@example.com", False),
        ("boss@example.com", "x+boss@example.com", False),
        ("boss+alerts@example.com", "boss+alerts@example.com", True),
        ("boss+alerts@example.com", "boss@example.com", False),
        ("boss+alerts@example.com", "boss+other@example.com", False),
        ("example.com", "boss+tag@example.com", True),
        ("example.com", "boss+tag@eu.example.com", True),
        ("example.com", "boss+example.com@evil.net", False),
        # IDN both directions
        ("bücher.example", "a@xn--bcher-kva.example", True),
        ("xn--bcher-kva.example", "a@bücher.example", True),
        ("xn--bcher-kva.example", "a@mail.bücher.example", True),
        ("@xn--bcher-kva.example", "a@XN--BCHER-KVA.example", True),
        ("jörg@xn--bcher-kva.example", "Jörg <JÖRG@bücher.example>", True),
        ("xn--strae-oqa.de", "a@straße.de", True),
        ("bücher.example", "a@bucher.example", False),  # lookalike without the umlaut
        ("bücher.example", "a@xn--bcher-kva.example.evil.net", False),
    ],
)
def test_pattern_and_list_matching(entry: str, sender: str, matches: bool) -> None:
    address = sender_address(sender)
    assert address is not None
    pattern = SenderPattern.parse(entry)
    assert pattern is not None
    assert pattern.matches(address) is matches
    assert SenderList.of([entry]).matches(address) is matches
    # a long list behaves the same as one entry
    many = SenderList.of([*(f"c{i}.example" for i in range(500)), entry])
    assert many.matches(address) is matches


@pytest.mark.parametrize(
    "entry", ["", "  ", "@", "com", "corp", "@com", "a@", "@@example.com", "a b.com", "x@y@z.com"]
)
def test_unusable_entries_are_rejected(entry: str) -> None:
    assert SenderPattern.parse(entry) is None
    assert not SenderList.of([entry])


def test_pattern_str_round_trips() -> None:
    assert str(SenderPattern.parse("@Example.com")) == "example.com"
    assert str(SenderPattern.parse("Boss@xn--bcher-kva.example")) == "boss@bücher.example"


# -- categorize -------------------------------------------------------------------------------

PEOPLE = People(
    own_domains=SenderList.of(["corp.example"]),
    customers=SenderList.of(["client.example", "vip@partner.example"]),
    urgent=SenderList.of(["boss@corp.example", "vip@client.example", "alarm.example"]),
    external_is_customer=False,
)


@pytest.mark.parametrize(
    ("sender", "external_is_customer", "category"),
    [
        # urgent first, even when the address is also internal or a customer
        ("boss@corp.example", False, Category.URGENT),
        ("vip@client.example", False, Category.URGENT),
        ("x@pager.alarm.example", True, Category.URGENT),
        # internal before customer
        ("colleague@corp.example", False, Category.INTERNAL),
        ("colleague@eu.corp.example", True, Category.INTERNAL),
        # customers
        ("anyone@client.example", False, Category.CUSTOMER),
        ("vip@partner.example", False, Category.CUSTOMER),
        ("other@partner.example", False, Category.OTHER),
        ("stranger@elsewhere.example", False, Category.OTHER),
        ("stranger@elsewhere.example", True, Category.CUSTOMER),
        ("other@partner.example", True, Category.CUSTOMER),
        # spoofing the display name buys nothing
        ('"boss@corp.example" <evil@bad.example>', False, Category.OTHER),
        ('"boss@corp.example" <evil@bad.example>', True, Category.CUSTOMER),
        ("colleague@corp.example.evil.net", False, Category.OTHER),
        ("colleague@evilcorp.example", False, Category.OTHER),
        # plus-addressed senders are their base address, on every list
        ("boss+board@corp.example", False, Category.URGENT),
        ("BOSS+Board@Corp.Example", True, Category.URGENT),
        ("colleague+lists@corp.example", False, Category.INTERNAL),
        ("vip+x@partner.example", False, Category.CUSTOMER),
        ("boss+x@corp.example.evil.net", False, Category.OTHER),
        ("evil+boss@corp.example", False, Category.INTERNAL),
        # malformed is other whatever the settings
        ("garbage", True, Category.OTHER),
        ("", True, Category.OTHER),
    ],
)
def test_categorize_first_match_wins(
    sender: str, external_is_customer: bool, category: Category
) -> None:
    people = People(PEOPLE.own_domains, PEOPLE.customers, PEOPLE.urgent, external_is_customer)
    assert people.categorize(sender_address(sender)) is category


def test_categorize_none_is_other() -> None:
    assert People().categorize(None) is Category.OTHER


def test_empty_people_make_everyone_a_customer_by_default() -> None:
    assert People().categorize(sender_address("a@b.com")) is Category.CUSTOMER
    assert People(external_is_customer=False).categorize(sender_address("a@b.com")) is (
        Category.OTHER
    )


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["corp.example", "client.example", "x.example"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_categorize_precedence_property(
    domain: str, in_urgent: bool, in_own: bool, in_customers: bool, external: bool
) -> None:
    address = Address("someone", domain)
    people = People(
        own_domains=SenderList.of([domain] if in_own else []),
        customers=SenderList.of([domain] if in_customers else []),
        urgent=SenderList.of([f"someone@{domain}"] if in_urgent else []),
        external_is_customer=external,
    )
    if in_urgent:
        expected = Category.URGENT
    elif in_own:
        expected = Category.INTERNAL
    elif in_customers or external:
        expected = Category.CUSTOMER
    else:
        expected = Category.OTHER
    assert people.categorize(address) is expected


# Local parts as RFC 5322 dot-atoms, without a "+" (the detail separator) of their own.
atoms = st.from_regex(r"[a-z0-9!#$%&'*/=?^_`{|}~-]{1,12}", fullmatch=True)
details = st.from_regex(r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{0,12}", fullmatch=True)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(user=atoms, detail=details, sub=st.lists(labels, max_size=2), external=st.booleans())
def test_plus_addressed_sender_is_its_base_address(
    user: str, detail: str, sub: list[str], external: bool
) -> None:
    """boss+anything@domain is boss@domain on the urgent list, and any +detail at an own
    domain (or a subdomain of it) is a colleague."""
    domain = ".".join([*sub, "corp.example"])
    people = People(
        own_domains=SenderList.of(["corp.example"]),
        urgent=SenderList.of([f"{user}@{domain}"]),
        external_is_customer=external,
    )
    plus = sender_address(f"{user}+{detail}@{domain}")
    assert plus is not None
    assert plus.base == Address(user, domain)
    assert people.categorize(plus) is Category.URGENT
    other = sender_address(f"{user}x+{detail}@{domain}")
    assert other is not None and people.categorize(other) is Category.INTERNAL


@settings(max_examples=300, deadline=None)
@given(
    user=atoms,
    detail=details,
    junk=st.sampled_from([".evil.net", ".co", "-x.net", "x.com", "1.com", ".xn--p1ai"]),
    prefix=st.sampled_from(["not", "evil-", "x", "0"]),
)
def test_plus_addressing_never_widens_a_domain(
    user: str, detail: str, junk: str, prefix: str
) -> None:
    """A look-alike domain stays a stranger, with or without a +detail."""
    people = People(
        own_domains=SenderList.of(["corp.example"]),
        urgent=SenderList.of([f"{user}@corp.example", "pager.example"]),
        external_is_customer=False,
    )
    for domain in (f"corp.example{junk}", f"{prefix}corp.example", f"pager.example{junk}"):
        for local in (user, f"{user}+{detail}"):
            address = sender_address(f"{local}@{domain}")
            assert address is not None
            assert people.categorize(address) is Category.OTHER, str(address)
