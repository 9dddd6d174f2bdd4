"""The server-neutral hold rules both backends translate into their own wire format.

The specs are checked against the EWS simulator's rule engine, which plays Exchange (sender
substrings of the address, case-insensitive; exact addresses; exceptions OR-ed; priority
order; stop processing) and shares no code with the product: whatever the server lets into
the Inbox during a hold must be a sender the engine's exact rules deliver too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focusguard.core.hold_rules import (
    ADDRESS_CHARACTERS,
    DEFAULT_RULES_QUOTA,
    HoldRuleSpec,
    domain_forms,
    estimated_size,
    hold_rule_specs,
    lookalike_strings,
    split_people,
)
from focusguard.core.ports import HoldRules
from focusguard.domain.policy import HoldPlan
from focusguard.domain.schedule import Interval
from focusguard.domain.senders import Category, People, SenderList, sender_address
from focusguard.sim.ews import rules as exchange
from tests.realistic_rules import REALISTIC

T = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
CUSTOMER = Interval(T, T + timedelta(hours=4))
FOCUS = Interval(T + timedelta(hours=1), T + timedelta(hours=2))
LATER_FOCUS = Interval(T + timedelta(hours=5), T + timedelta(hours=6))

OWN = ("corp.example",)
URGENT = ("boss@corp.example", "pager.example")


def rules(plan: HoldPlan, *, all_external: bool = True) -> HoldRules:
    return HoldRules(
        plan=plan,
        customers=("BigClient.com", "alice@small.example", "not an entry"),
        all_external=all_external,
        own_domains=("corp.example", "@corp.example"),
        urgent=URGENT,
    )


def test_split_people_normalises_and_dedupes() -> None:
    assert split_people(["B.example", "@b.example", "X@B.example", "bad..x", ""]) == (
        ("x@b.example",),
        ("b.example",),
    )


def test_domains_are_excepted_by_at_and_dot_never_by_bare_text() -> None:
    specs = {s.kind: s for s in hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=FOCUS)))}
    assert specs["customers"] == HoldRuleSpec(
        "customers",
        CUSTOMER,
        (),
        ("boss@corp.example",),
        ("@corp.example", ".corp.example", "@pager.example", ".pager.example"),
    )
    # Focus holds colleagues too: only urgent senders are exempt.
    assert specs["focus"] == HoldRuleSpec(
        "focus", FOCUS, (), ("boss@corp.example",), ("@pager.example", ".pager.example")
    )


def test_a_lookalike_rule_runs_before_each_hold_in_its_window() -> None:
    specs = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=LATER_FOCUS)))
    assert [s.kind for s in specs] == [
        "customers look-alikes",
        "focus look-alikes",
        "customers",
        "focus",
    ]
    guard_c, guard_f = specs[0], specs[1]
    assert guard_c.window == CUSTOMER and guard_f.window == LATER_FOCUS
    assert set(guard_c.senders) == set(lookalike_strings(["corp.example", "pager.example"]))
    assert set(guard_f.senders) == set(lookalike_strings(["pager.example"]))
    assert "corp.example." in guard_c.senders and "pager.example@" in guard_f.senders
    assert "corp.example" not in guard_c.senders  # a genuine address ends with the domain
    for guard in (guard_c, guard_f):
        assert guard.except_addresses == ("boss@corp.example",) and guard.except_strings == ()


def test_a_focus_block_overlapping_the_customer_hold_shares_its_guard() -> None:
    specs = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=FOCUS)))
    assert [s.kind for s in specs] == ["customers look-alikes", "customers", "focus"]
    # Focus began before the customer hold's "now" and ends after it: the guard spans both.
    early = Interval(T - timedelta(minutes=30), T + timedelta(hours=5))
    [guard, *_] = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=early)))
    assert guard.kind == "customers look-alikes"
    assert guard.window == Interval(early.start, early.end)
    # Touching windows are one stretch of time too.
    touching = Interval(CUSTOMER.end, CUSTOMER.end + timedelta(hours=1))
    [guard, *_] = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=touching)))
    assert guard.window == Interval(CUSTOMER.start, touching.end)


def test_a_focus_block_before_a_pre_armed_customer_hold_gets_its_own_guard() -> None:
    focus = Interval(T - timedelta(minutes=20), T - timedelta(minutes=10))
    specs = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=focus)))
    assert [(s.kind, s.window) for s in specs[:2]] == [
        ("focus look-alikes", focus),
        ("customers look-alikes", CUSTOMER),
    ]


def test_no_excepted_domains_no_lookalike_rule() -> None:
    plain = HoldRules(HoldPlan(customer=None, focus=FOCUS), (), True, (), ("boss@corp.example",))
    assert [s.kind for s in hold_rule_specs(plain)] == ["focus"]


def test_listed_customers_are_matched_at_their_domain_and_as_plus_addresses() -> None:
    specs = hold_rule_specs(rules(HoldPlan(customer=CUSTOMER, focus=None), all_external=False))
    [hold] = [s for s in specs if s.kind == "customers"]
    assert hold.senders == (
        ".bigclient.com",
        "@bigclient.com",
        "alice+",
        "alice@small.example",
    )


def test_subdomains_of_an_excepted_domain_add_nothing() -> None:
    wide = HoldRules(
        HoldPlan(customer=None, focus=FOCUS), (), True, (), ("pager.example", "eu.pager.example")
    )
    [guard, hold] = hold_rule_specs(wide)
    assert hold.except_strings == ("@pager.example", ".pager.example")
    assert set(guard.senders) == set(lookalike_strings(["pager.example"]))


def test_an_idn_domain_is_excepted_and_guarded_in_both_forms() -> None:
    assert domain_forms("bücher.example") == ("bücher.example", "xn--bcher-kva.example")
    assert domain_forms("straße.de") == ("straße.de", "xn--strae-oqa.de")
    idn = HoldRules(
        HoldPlan(None, FOCUS), (), True, (), ("jörg@bücher.example", "xn--bcher-kva.example")
    )
    [guard, hold] = hold_rule_specs(idn)
    assert hold.except_strings == (
        "@bücher.example",
        ".bücher.example",
        "@xn--bcher-kva.example",
        ".xn--bcher-kva.example",
    )
    assert hold.except_addresses == ("jörg@bücher.example", "jörg@xn--bcher-kva.example")
    assert "xn--bcher-kva.example." in guard.senders and "bücher.example-" in guard.senders


def test_the_alphabet_is_every_printable_address_character_but_space_and_capitals() -> None:
    assert len(ADDRESS_CHARACTERS) == 68
    assert set("az09.-_@+\"'!#$%&*/=?^`{|}~()<>[]\\,;:") <= set(ADDRESS_CHARACTERS)
    assert not set(" ABCZ\t") & set(ADDRESS_CHARACTERS)


def test_no_plan_no_rules_and_empty_intervals_are_skipped() -> None:
    assert hold_rule_specs(rules(HoldPlan(customer=None, focus=None))) == []
    empty = Interval(T, T)
    assert hold_rule_specs(rules(HoldPlan(customer=empty, focus=empty))) == []


# -- a realistic configuration fits the server's rules quota -----------------------------------


def realistic_sizes() -> dict[str, int]:
    # The longest names either backend gives a rule ("FocusGuard hold: <kind> · <8 hex>").
    return {
        s.kind: estimated_size(s, f"FocusGuard hold: {s.kind} · 0123abcd")
        for s in hold_rule_specs(REALISTIC)
    }


def test_three_own_and_five_urgent_domains_fit_the_default_rules_quota() -> None:
    """The worst moment: a customer hold now and a focus block armed ahead after the next
    check-in, so both look-alike rules are on the server (docs/ews.md "Rule size")."""
    sizes = realistic_sizes()
    total = sum(sizes.values())
    print(f"\nrule sizes (estimated bytes): {sizes}; total {total} of {DEFAULT_RULES_QUOTA}")
    assert list(sizes) == ["customers look-alikes", "focus look-alikes", "customers", "focus"]
    assert total < 0.75 * DEFAULT_RULES_QUOTA, sizes  # room left for the user's own rules
    specs = hold_rule_specs(REALISTIC)
    strings = sum(len(s.senders) + len(s.except_strings) for s in specs)
    assert strings == 68 * 8 + 68 * 5 + 2 * 8 + 2 * 5


# -- against Exchange's semantics (the EWS simulator's rule engine) ----------------------------


def _server_rules(specs: list[HoldRuleSpec]) -> list[exchange.Rule]:
    out = []
    for priority, spec in enumerate(specs, start=1):
        conditions = exchange.Predicates(date_range=(spec.window.start, spec.window.end))
        if spec.senders:
            conditions.strings["ContainsSenderStrings"] = list(spec.senders)
        exceptions = exchange.Predicates()
        if spec.except_addresses:
            exceptions.addresses["FromAddresses"] = list(spec.except_addresses)
        if spec.except_strings:
            exceptions.strings["ContainsSenderStrings"] = list(spec.except_strings)
        out.append(
            exchange.Rule(
                spec.kind,
                spec.kind,
                priority,
                True,
                conditions,
                exceptions,
                exchange.Actions(move_to_folder="held", stop_processing_rules=True),
            )
        )
    return out


def server_holds(specs: list[HoldRuleSpec], address: str, at: datetime) -> bool:
    msg = exchange.Message("", address, "s", "", "Normal", at, ["me@corp.example"], "")
    _, actions = exchange.evaluate(_server_rules(specs), msg)
    return actions.move_to_folder == "held"


EXCEPTED = ["corp.example", "pager.example", "bücher.example", "xn--bcher-kva.example"]
JUNK = st.text(alphabet="abcxyz019.-_+", max_size=4)


@st.composite
def suspicious_addresses(draw: st.DrawFn) -> str:
    """Addresses built around the excepted domains: genuine ones, subdomains, plus details,
    and look-alikes with text before or after the domain, in the domain or the local part."""
    domain = draw(st.sampled_from(EXCEPTED))
    before, after = draw(JUNK), draw(JUNK)
    local = draw(st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,6}", fullmatch=True))
    where = draw(st.sampled_from(["domain", "local"]))
    if where == "domain":
        host = f"{before}{domain}{after}".strip(".-") or domain
        address = f"{local}@{host}"
    else:
        other = draw(st.sampled_from(["gmail.example", "evil.example", "corp.example"]))
        address = f"{before}{domain}{after}@{other}".lstrip(".")
    if draw(st.booleans()):
        address = address.upper() if address.isascii() else address.title()
    return address


def _people(all_external: bool) -> People:
    return People(
        own_domains=SenderList.of(["corp.example"]),
        customers=SenderList.of(["bigclient.com"]),
        urgent=SenderList.of(["boss@corp.example", "pager.example", "bücher.example"]),
        external_is_customer=all_external,
    )


def _holds(all_external: bool) -> list[HoldRuleSpec]:
    return hold_rule_specs(
        HoldRules(
            HoldPlan(customer=CUSTOMER, focus=LATER_FOCUS),
            ("bigclient.com",),
            all_external,
            ("corp.example",),
            ("boss@corp.example", "pager.example", "bücher.example"),
        )
    )


@settings(max_examples=400, deadline=None)
@given(address=suspicious_addresses(), all_external=st.booleans())
def test_what_the_server_lets_through_the_engine_delivers_too(
    address: str, all_external: bool
) -> None:
    """No sender reaches the Inbox past a server hold unless the exact rules deliver it:
    during focus only urgent senders, during a customer hold no customer."""
    parsed = sender_address(address)
    if parsed is None:
        return  # a server would not accept it either
    category = _people(all_external).categorize(parsed)
    specs = _holds(all_external)
    in_customer_hold = CUSTOMER.start + timedelta(minutes=10)
    in_focus = LATER_FOCUS.start + timedelta(minutes=10)
    if not server_holds(specs, address, in_focus):
        assert category is Category.URGENT, (address, category)
    if not server_holds(specs, address, in_customer_hold):
        assert category is not Category.CUSTOMER, (address, category)


GENUINE = [
    ("boss@corp.example", Category.URGENT),
    ("Boss@CORP.example", Category.URGENT),
    ("alert@pager.example", Category.URGENT),
    ("alert@eu.pager.example", Category.URGENT),
    ("p1@NOC.Pager.Example", Category.URGENT),
    ("jörg@bücher.example", Category.URGENT),
    ("jorg@xn--bcher-kva.example", Category.URGENT),
    ("x+tag@pager.example", Category.URGENT),
    ("bob@corp.example", Category.INTERNAL),
    ("bob@eu.corp.example", Category.INTERNAL),
    ("bob+lists@corp.example", Category.INTERNAL),
]


@pytest.mark.parametrize(("address", "category"), GENUINE)
@pytest.mark.parametrize("all_external", [True, False])
def test_genuine_urgent_senders_and_colleagues_are_never_held_by_the_server(
    address: str, category: Category, all_external: bool
) -> None:
    parsed = sender_address(address)
    assert parsed is not None and _people(all_external).categorize(parsed) is category
    specs = _holds(all_external)
    assert not server_holds(specs, address, CUSTOMER.start + timedelta(minutes=10))
    if category is Category.URGENT:
        assert not server_holds(specs, address, LATER_FOCUS.start + timedelta(minutes=10))
    else:
        assert server_holds(specs, address, LATER_FOCUS.start + timedelta(minutes=10))


def test_a_plus_addressed_urgent_address_is_held_by_the_server_and_urgent_to_the_engine() -> None:
    """FromAddresses is exact, and no substring can say "boss+anything@corp.example" safely:
    the server holds boss+tag@corp.example during focus and the engine, which knows it is the
    boss, moves it straight back (docs/ews.md: what the user sees)."""
    parsed = sender_address("boss+board@corp.example")
    assert parsed is not None and _people(False).categorize(parsed) is Category.URGENT
    assert server_holds(_holds(False), "boss+board@corp.example", LATER_FOCUS.start)


def test_exceptions_beyond_senders_are_on_every_rule_guards_included() -> None:
    """Issue 14: mail with a keyword or sent to my alias is never held, not even by the
    look-alike guard that runs first (it would be moved back, but later)."""
    plan = HoldPlan(customer=CUSTOMER, focus=FOCUS)
    specs = hold_rule_specs(
        HoldRules(
            plan,
            (),
            True,
            OWN,
            URGENT,
            subject_keywords=("[PAGER-", "INC-"),
            sent_to=("Support-Urgent@Corp.Example", "ops@bücher.example"),
        )
    )
    assert [s.kind for s in specs] == ["customers look-alikes", "customers", "focus"]
    for spec in specs:
        assert spec.except_subjects == ("INC-", "[PAGER-")
        # normalised, and for an IDN also in its ASCII form (what servers without SMTPUTF8 see)
        assert spec.except_sent_to == (
            "ops@bücher.example",
            "ops@xn--bcher-kva.example",
            "support-urgent@corp.example",
        )
    bare = hold_rule_specs(HoldRules(plan, (), True, OWN, URGENT))
    assert all(s.except_subjects == () and s.except_sent_to == () for s in bare)
    assert all(
        estimated_size(a, "x") > estimated_size(b, "x") for a, b in zip(specs, bare, strict=True)
    )
