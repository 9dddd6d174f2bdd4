"""Server-side hold rules: FocusGuard's HoldRules as Exchange inbox rules that expire by
themselves (WithinDateRange), so holding stops on the server if FocusGuard dies (fail-open).

The rules are `core.hold_rules`' specs, in that order: the look-alike guards (holding every
sender whose address spells an excepted domain and goes on), then the customer hold and the
focus hold; each "move to the held folder, stop processing more rules" within its window.
On the wire:
- sender substrings are `ContainsSenderStrings` ("strings that must appear in the From
  property", https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/
  containssenderstrings; matched against the sender's address: "the specified words are in the
  sender's email address", https://learn.microsoft.com/en-us/powershell/module/exchange/
  new-inboxrule, FromAddressContainsWords);
- exact addresses are `FromAddresses` (https://learn.microsoft.com/en-us/exchange/
  client-developer/web-service-reference/fromaddresses);
- the window is `WithinDateRange`;
- [exceptions] (issue 14) are `ContainsSubjectStrings` ("strings that must appear in the
  Subject property", https://learn.microsoft.com/en-us/exchange/client-developer/
  web-service-reference/containssubjectstrings) and `SentToAddresses` (the addresses "that
  incoming messages have to have been sent to", https://learn.microsoft.com/en-us/exchange/
  client-developer/web-service-reference/senttoaddresses) among the exceptions.
Exchange ANDs predicates of different kinds, ORs the values inside one and ORs exceptions
and runs rules in Priority order ("the order in which a rule is to be run",
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/priority)
until one with StopProcessingRules fires (https://learn.microsoft.com/en-us/exchange/
client-developer/web-service-reference/stopprocessingrules).

The user's own rules are never touched: only rules whose name starts with `PREFIX` are ours.
Ours go after the user's (higher priority number), so the user's rules see mail first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exchangelib import errors as ews_errors
from exchangelib.properties import Actions, Conditions, Exceptions, Rule, WithinDateRange

from focusguard.core.hold_rules import HoldRuleSpec, hold_rule_specs
from focusguard.core.ports import HoldRules, RuleMode, RuleOutcome
from focusguard.mail.ews.rule_patch import UpdateInboxRulesBatch, read_rules, whole_seconds

log = logging.getLogger(__name__)

PREFIX = "FocusGuard hold: "
# The rule's window opens a little before "now": the server's clock may be behind ours, and
# a rule only ever sees mail delivered after it was created, so an earlier start costs nothing.
CLOCK_SKEW = dt.timedelta(minutes=5)

BLOB_EXPLANATION = (
    "Your mailbox has Outlook client-side rules. Changing server rules through Exchange Web "
    "Services deletes them (RemoveOutlookRuleBlob), so FocusGuard left your rules alone and "
    "is holding mail on this computer instead: mail is held only while FocusGuard runs. To "
    "let FocusGuard use server rules (Outlook's client-only rules are then lost), allow it "
    "in Settings → Holding."
)
QUOTA_EXPLANATION = (
    "Exchange refused FocusGuard's inbox rules because your mailbox's rules quota is full, "
    "so FocusGuard is holding mail on this computer instead: mail is held only while "
    "FocusGuard runs. To use server rules again, delete Outlook rules you no longer need, "
    "list fewer urgent or own domains (each costs a few kilobytes of rules), or ask your "
    "Exchange administrator to raise the quota (Set-Mailbox -RulesQuota)."
)
REFUSED_EXPLANATION = (
    "Exchange refused FocusGuard's inbox rules ({why}), so FocusGuard is holding mail on "
    "this computer instead: mail is held only while FocusGuard runs."
)


@dataclass(frozen=True, slots=True)
class WantedRule:
    """One hold rule as FocusGuard wants it on Exchange: what the engine means by it (the
    server-neutral HoldRuleSpec, core/hold_rules.py) moving to the held folder, with the name
    and key by which it is found again."""

    hold: HoldRuleSpec
    folder_id: str

    @property
    def key(self) -> str:
        # Everything but the start: a rule that opened earlier covers a later start as well,
        # so a new `now` in the plan is not a reason to rewrite the rule. A start that moved
        # *earlier* (the clock jumped back) is caught by `_still_good`.
        text = "\n".join(
            [
                self.hold.kind,
                whole_seconds(self.hold.window.end).isoformat(),
                ",".join(self.hold.senders),
                ",".join(self.hold.except_addresses),
                ",".join(self.hold.except_strings),
                ",".join(self.hold.except_subjects),
                ",".join(self.hold.except_sent_to),
                self.folder_id,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.hold.kind} · {self.key}"

    @property
    def start(self) -> dt.datetime:
        start: dt.datetime = whole_seconds(self.hold.window.start - CLOCK_SKEW).replace(second=0)
        return start

    @property
    def end(self) -> dt.datetime:
        end: dt.datetime = whole_seconds(self.hold.window.end)
        return end


def desired(rules: HoldRules, folder_id: str) -> list[WantedRule]:
    """Our rules in the order Exchange must run them."""
    return [WantedRule(hold, folder_id) for hold in hold_rule_specs(rules)]


def is_ours(rule: Rule) -> bool:
    return (rule.display_name or "").startswith(PREFIX)


def _still_good(rule: Rule, spec: WantedRule) -> bool:
    """The rule on the server holds everything `spec` wants held: enabled, sound, and open
    since the spec's start at the latest. A rule that opens later than the plan's start (the
    clock jumped back: wake, NTP) would hold nothing until real time caught up."""
    if not rule.is_enabled or rule.is_in_error or rule.is_not_supported:
        return False
    within = rule.conditions.within_date_range if rule.conditions is not None else None
    if within is None or within.start_date_time is None:
        return False
    return bool(within.start_date_time <= spec.start)


def plan_changes(
    ours: Sequence[Rule], wanted: Sequence[WantedRule]
) -> tuple[list[WantedRule], list[Rule]]:
    """(specs to create, our rules to delete) to get from `ours` to `wanted`.

    New rules get priorities after every existing rule, so a rule can only be kept while it
    runs before everything that is (re)created: once one spec needs creating, every spec
    after it is created afresh too. That keeps each look-alike guard ahead of its hold.
    """
    by_name: dict[str, Rule] = {}
    for rule in sorted(ours, key=_priority):
        by_name.setdefault(rule.display_name, rule)  # duplicates (a crash mid-update) go
    keep: list[Rule] = []
    create: list[WantedRule] = []
    for spec in wanted:
        rule = by_name.get(spec.name)
        in_order = rule is not None and (not keep or _priority(rule) > _priority(keep[-1]))
        if not create and rule is not None and in_order and _still_good(rule, spec):
            keep.append(rule)
        else:
            create.append(spec)
    kept = {id(rule) for rule in keep}
    return create, [rule for rule in ours if id(rule) not in kept]


def _priority(rule: Rule) -> int:
    return int(rule.priority or 0)


def build_rule(account: Any, spec: WantedRule, priority: int, held_folder: Any) -> Rule:
    hold = spec.hold
    conditions = Conditions(
        within_date_range=WithinDateRange(start_date_time=spec.start, end_date_time=spec.end),
        contains_sender_strings=list(hold.senders) or None,
    )
    exceptions = None
    if hold.except_addresses or hold.except_strings or hold.except_subjects or hold.except_sent_to:
        exceptions = Exceptions(
            from_addresses=list(hold.except_addresses) or None,
            contains_sender_strings=list(hold.except_strings) or None,
            contains_subject_strings=list(hold.except_subjects) or None,
            sent_to_addresses=list(hold.except_sent_to) or None,
        )
    return Rule(
        account=account,
        display_name=spec.name,
        priority=priority,
        is_enabled=True,
        conditions=conditions,
        exceptions=exceptions,
        actions=Actions(move_to_folder=held_folder, stop_processing_rules=True),
    )


class RuleKeeper:
    """Keeps FocusGuard's server rules in line with HoldRules; idempotent."""

    def __init__(self, account: Any, held_folder: Any, allow_blob_removal: bool) -> None:
        self.account = account
        self.held_folder = held_folder
        self.allow_blob_removal = allow_blob_removal
        self.updates = 0  # UpdateInboxRules requests sent (for tests and the log)

    def apply(self, rules: HoldRules | None) -> RuleOutcome:
        existing, blob = read_rules(self.account)
        if blob and not self.allow_blob_removal:
            # Any UpdateInboxRules would destroy the blob; FocusGuard's old rules (if any)
            # are left to expire by themselves.
            log.info("Outlook rule blob present and no consent: client-side holding")
            return RuleOutcome(RuleMode.CLIENT_MOVE, BLOB_EXPLANATION)
        ours = [r for r in existing if is_ours(r)]
        wanted = desired(rules, self.held_folder.id) if rules is not None else []
        create, delete = plan_changes(ours, wanted)
        if not create and not delete:
            return RuleOutcome(RuleMode.SERVER_RULE)
        base = max((r.priority or 0 for r in existing), default=0) + 1
        new_rules = [
            build_rule(self.account, spec, base + i, self.held_folder)
            for i, spec in enumerate(create)
        ]
        service = UpdateInboxRulesBatch(account=self.account)
        try:
            service.call_batch(
                new_rules,
                [r.id for r in delete if r.id],
                # Without a blob, false: should Outlook store one meanwhile, Exchange refuses
                # (ErrorOutlookRuleBlobExists) rather than deleting it.
                remove_outlook_rule_blob=blob,
            )
        except ews_errors.ErrorOutlookRuleBlobExists:
            return RuleOutcome(RuleMode.CLIENT_MOVE, BLOB_EXPLANATION)
        except ews_errors.ErrorRulesOverQuota:
            # The look-alike guards cost a few KB per excepted domain (core.hold_rules).
            log.warning("Exchange refused the hold rules: rules quota full")
            return RuleOutcome(RuleMode.CLIENT_MOVE, QUOTA_EXPLANATION)
        except ews_errors.ErrorInboxRulesValidationError as exc:
            log.warning("Exchange refused the hold rules: %s", type(exc).__name__)
            return RuleOutcome(RuleMode.CLIENT_MOVE, REFUSED_EXPLANATION.format(why=str(exc)[:200]))
        self.updates += 1
        log.info(
            "hold rules: created %s, deleted %s",
            [s.name for s in create],
            [r.display_name for r in delete],
        )
        return RuleOutcome(RuleMode.SERVER_RULE)
