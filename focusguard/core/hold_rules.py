"""The server-side hold rules FocusGuard wants, whatever the server: at most two rules that
move mail to the held folder.

- customers: mail from customers (sender substrings, or every message when every outside
  sender is a customer), except urgent senders (exact addresses) and urgent/own domains
  (sender substrings), during the plan's customer interval;
- focus: every message except urgent senders, during the focus block.

Server rules (EWS inbox rules, Graph messageRules) AND different predicates, OR values within
one, and OR exceptions; sender strings are substring matches, so the engine re-checks every
held message exactly. A substring over-match in an exception only lets mail through
(fail-open). Each backend turns these specs into its own wire format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from focusguard.core.ports import HoldRules
from focusguard.domain.schedule import Interval
from focusguard.domain.senders import SenderPattern


@dataclass(frozen=True, slots=True)
class HoldRuleSpec:
    kind: str  # "customers" | "focus"
    window: Interval
    senders: tuple[str, ...]  # sender substrings to match; () = every message
    except_addresses: tuple[str, ...]  # exact sender addresses that are never held
    except_strings: tuple[str, ...]  # sender substrings (domains) that are never held


def split_people(entries: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(exact addresses, domains) of a people list, normalised, de-duplicated, sorted."""
    addresses: set[str] = set()
    domains: set[str] = set()
    for entry in entries:
        pattern = SenderPattern.parse(entry)
        if pattern is not None:
            (domains if pattern.local is None else addresses).add(str(pattern))
    return tuple(sorted(addresses)), tuple(sorted(domains))


def hold_rule_specs(rules: HoldRules) -> list[HoldRuleSpec]:
    urgent_addresses, urgent_domains = split_people(rules.urgent)
    _, own_domains = split_people(rules.own_domains)
    out: list[HoldRuleSpec] = []
    plan = rules.plan
    if plan.customer is not None and plan.customer.end > plan.customer.start:
        senders: tuple[str, ...] = ()
        if not rules.all_external:
            addresses, domains = split_people(rules.customers)
            senders = tuple(sorted(set(addresses) | set(domains)))
        if rules.all_external or senders:
            exempt = tuple(sorted(set(urgent_domains) | set(own_domains)))
            out.append(HoldRuleSpec("customers", plan.customer, senders, urgent_addresses, exempt))
    if plan.focus is not None and plan.focus.end > plan.focus.start:
        out.append(HoldRuleSpec("focus", plan.focus, (), urgent_addresses, urgent_domains))
    return out
