"""The server-side hold rules FocusGuard wants, whatever the server, in priority order.

Server rules (EWS inbox rules, Graph messageRules) AND predicates of different kinds, OR the
values within one and OR exceptions (any one cancels the rule); a rule that fires with "stop
processing rules" ends the walk. For senders there are only two predicates: exact whole
addresses (EWS FromAddresses, Graph fromAddresses) and substrings of the sender's address
(EWS ContainsSenderStrings, Graph senderContains; "the specified words are in the sender's
email address", https://learn.microsoft.com/en-us/powershell/module/exchange/new-inboxrule,
matched case-insensitively). There is no "sender's domain is". So, for every domain D that a
hold lets through (own domains, urgent domains):

- the exception is the pair of substrings "@D" and ".D": D itself and its subdomains, and
  never a prefix look-alike (`alert@notpager.example` contains neither "@pager.example" nor
  ".pager.example");
- those substrings also occur *inside* suffix look-alikes (`ceo@corp.example.evil.net`,
  `boss@corp.example.co`, `x@corp.example-x.net`, `corp.example@gmail.com`), so a look-alike
  rule runs first, in the same window as the hold it protects, and holds every sender whose
  address contains D followed by one more character that can occur in an address (a finite
  list: D + c for every c in `ADDRESS_CHARACTERS`). A genuine address *ends* with D, so it
  never matches.

The engine re-checks every held message exactly (domain/senders.py) and moves back what the
rules held but should not have (a colleague whose local part spells a domain, a non-customer
caught by a look-alike rule when customers are a list, a plus-addressed urgent sender):
moving mail into the Inbox raises no new-mail alert, so that costs a moment, not a pop-up.

Known limits (docs/ews.md "Server-side hold rules"): a non-ASCII character right after D
(possible only where the server accepts SMTPUTF8 addresses, i.e. Exchange Online) and a
space right after D inside a quoted local part are not on the list; and when one excepted
domain spelled with one more character starts another (`example.com`, `example.com.au`),
mail from the longer one is held for a moment and moved back.

Rules, in the order they must run:
1. "customers look-alikes": the customer hold's window (and an overlapping focus block's);
   look-alikes of own + urgent domains; except exact urgent addresses.
2. "focus look-alikes": the focus block; look-alikes of urgent domains; except exact urgent
   addresses. Only when the focus block does not overlap the customer hold (a block armed
   ahead after the next check-in): otherwise rule 1 covers both windows.
3. "customers": the customer hold's window; customers (substrings) or every message when
   every outside sender is a customer; except exact urgent addresses, own and urgent domains.
4. "focus": the focus block; every message; except exact urgent addresses and urgent domains.

Exceptions beyond senders ([exceptions], issue 14) are on every rule, guards included: a
subject keyword (EWS ContainsSubjectStrings, Graph subjectContains: a case-insensitive
substring of the subject, which is what the keyword means, so the server and the engine's
re-check agree) and the user's own addresses or aliases the mail was sent to (EWS
SentToAddresses, Graph sentToAddresses: exact addresses, so no look-alike can use them; a
plus-addressed or Cc'd form the server does not match is held for a moment and moved back).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from focusguard.core.ports import HoldRules
from focusguard.domain.schedule import Interval
from focusguard.domain.senders import SUBADDRESS_SEPARATOR, SenderPattern

# What can follow a domain's text inside a sender address: in the domain part letters, digits,
# "-", "." (and "_", "[", "]" that lax servers accept); in the local part any RFC 5322 atext
# character, "." and "@", and inside a quoted local part any printable character. Upper-case
# letters are left out because the servers compare case-insensitively; the space because a
# server that trims its strings would turn "D " into "D" and hold every genuine sender.
ADDRESS_CHARACTERS = "".join(
    sorted(set(string.printable) - set(string.whitespace) - set(string.ascii_uppercase))
)

LOOKALIKE_SUFFIX = " look-alikes"

# Exchange counts the size of all enabled inbox rules against the mailbox's RulesQuota:
# 64 KB by default on Exchange Server (https://learn.microsoft.com/en-us/previous-versions/
# office/developer/exchange-server-2010/ff340078(v=exchg.140)), 256 KB in Exchange Online
# (https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/
# outlook-on-the-web/increase-the-space-used-by-inbox-rules). "The actual amount of space a
# rule uses depends on ... how long the name is and how many conditions you've applied."
DEFAULT_RULES_QUOTA = 64 * 1024


@dataclass(frozen=True, slots=True)
class HoldRuleSpec:
    """One rule: during `window`, move mail from `senders` (every message when empty) to the
    held folder and stop processing rules, unless an exception matches."""

    kind: str  # "customers look-alikes" | "focus look-alikes" | "customers" | "focus"
    window: Interval
    senders: tuple[str, ...]  # sender-address substrings, OR-ed; () = every message
    except_addresses: tuple[str, ...]  # exact sender addresses that are never held
    except_strings: tuple[str, ...]  # sender-address substrings that are never held
    except_subjects: tuple[str, ...] = ()  # subject substrings that are never held
    except_sent_to: tuple[str, ...] = ()  # exact recipient addresses that are never held


def split_people(entries: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(exact addresses, domains) of a people list, normalised, de-duplicated, sorted."""
    addresses: set[str] = set()
    domains: set[str] = set()
    for entry in entries:
        pattern = SenderPattern.parse(entry)
        if pattern is not None:
            (domains if pattern.local is None else addresses).add(str(pattern))
    return tuple(sorted(addresses)), tuple(sorted(domains))


def domain_forms(domain: str) -> tuple[str, ...]:
    """How a (normalised, Unicode) domain can appear in a sender address on the server: as
    is, and for an IDN also in its ASCII form (A-labels, RFC 5890), which is what servers
    without SMTPUTF8 see."""
    if domain.isascii():
        return (domain,)
    labels = [
        label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
        for label in domain.split(".")
    ]
    return (domain, ".".join(labels))


def address_forms(address: str) -> tuple[str, ...]:
    local, _, domain = address.rpartition("@")
    return tuple(f"{local}@{form}" for form in domain_forms(domain))


def outermost(domains: Iterable[str]) -> tuple[str, ...]:
    """The domains that are not subdomains of another one: "@D"/".D" and D's look-alikes
    already cover every subdomain of D."""
    unique = set(domains)
    return tuple(sorted(d for d in unique if not any(d.endswith("." + e) for e in unique)))


def domain_strings(domains: Iterable[str]) -> tuple[str, ...]:
    """Substrings that match a sender at one of `domains` or a subdomain of it."""
    return tuple(
        f"{sep}{form}" for d in outermost(domains) for form in domain_forms(d) for sep in "@."
    )


def lookalike_strings(domains: Iterable[str]) -> tuple[str, ...]:
    """Substrings that match a sender whose address goes on after one of `domains`."""
    return tuple(
        form + c for d in outermost(domains) for form in domain_forms(d) for c in ADDRESS_CHARACTERS
    )


def customer_strings(addresses: Iterable[str], domains: Iterable[str]) -> tuple[str, ...]:
    """Substrings that match every customer: "@D"/".D" for domains; the address itself and
    its plus-addressed forms ("ann+") for addresses. Over-matching only holds a stranger for
    a moment (the engine moves it back); under-matching would let a customer pop up."""
    out = set(domain_strings(domains))
    for address in addresses:
        out.update(address_forms(address))
        local = address.rpartition("@")[0]
        if SUBADDRESS_SEPARATOR not in local:
            out.add(local + SUBADDRESS_SEPARATOR)
    return tuple(sorted(out))


def urgent_address_forms(addresses: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({form for a in addresses for form in address_forms(a)}))


def hold_rule_specs(rules: HoldRules) -> list[HoldRuleSpec]:
    """Every rule the plan needs, in the order the server must run them."""
    urgent_addresses, urgent_domains = split_people(rules.urgent)
    _, own_domains = split_people(rules.own_domains)
    exact = urgent_address_forms(urgent_addresses)
    subjects = tuple(sorted(set(rules.subject_keywords)))
    sent_to = urgent_address_forms(split_people(rules.sent_to)[0])
    plan = rules.plan
    holds: list[tuple[HoldRuleSpec, tuple[str, ...]]] = []  # (hold, domains it lets through)
    if plan.customer is not None and plan.customer.end > plan.customer.start:
        senders: tuple[str, ...] = ()
        if not rules.all_external:
            senders = customer_strings(*split_people(rules.customers))
        if rules.all_external or senders:
            passing = (*urgent_domains, *own_domains)
            hold = HoldRuleSpec("customers", plan.customer, senders, exact, domain_strings(passing))
            holds.append((hold, passing))
    if plan.focus is not None and plan.focus.end > plan.focus.start:
        hold = HoldRuleSpec("focus", plan.focus, (), exact, domain_strings(urgent_domains))
        holds.append((hold, urgent_domains))
    specs = [*_guards(holds, exact), *(hold for hold, _ in holds)]
    if subjects or sent_to:
        specs = [replace(s, except_subjects=subjects, except_sent_to=sent_to) for s in specs]
    return specs


def _guards(
    holds: list[tuple[HoldRuleSpec, tuple[str, ...]]], exact: tuple[str, ...]
) -> list[HoldRuleSpec]:
    """One look-alike guard per stretch of time that holds with domain exceptions cover:
    holds whose windows overlap or touch share one guard over their union (during focus the
    look-alikes of own domains are held anyway), so a customer hold and a focus block inside
    it need one guard, and a focus block armed ahead after the next check-in a second one.
    A guard that protects the customer hold is named after it, whatever else it covers."""
    stretches: list[tuple[Interval, set[str], set[str]]] = []  # (window, kinds, domains)
    for hold, passing in sorted(holds, key=lambda h: h[0].window.start):
        if not passing:
            continue
        if stretches and hold.window.start <= stretches[-1][0].end:
            window, kinds, domains = stretches[-1]
            window = Interval(window.start, max(window.end, hold.window.end))
            stretches[-1] = (window, kinds | {hold.kind}, domains | set(passing))
        else:
            stretches.append((hold.window, {hold.kind}, set(passing)))
    return [
        HoldRuleSpec(
            ("customers" if "customers" in kinds else "focus") + LOOKALIKE_SUFFIX,
            window,
            lookalike_strings(domains),
            exact,
            (),
        )
        for window, kinds, domains in stretches
    ]


def estimated_size(spec: HoldRuleSpec, name: str) -> int:
    """A generous estimate, in bytes, of what `spec` costs against the mailbox's RulesQuota.

    Exchange stores a rule as MAPI properties: its name, its actions and its condition as a
    restriction (PidTagRuleCondition, https://learn.microsoft.com/en-us/openspecs/
    exchange_server_protocols/ms-oxorule/fbcda4fc-998c-4de2-b5b3-ccac6fed85fa: one content
    restriction per string, [MS-OXCDATA] 2.12, about 13 bytes of header plus the UTF-16
    text). Microsoft does not document the quota arithmetic; this rounds every part up.
    """
    strings = (*spec.senders, *spec.except_strings, *spec.except_subjects)
    size = 512 + 2 * (len(name) + 1)  # rule header, actions, date range, name
    size += sum(16 + 2 * (len(s) + 1) for s in strings)
    addresses = (*spec.except_addresses, *spec.except_sent_to)
    size += sum(64 + 2 * (len(a) + 1) for a in addresses)  # recipient entries
    return size
