"""Server-side hold rules: FocusGuard's HoldRules as Exchange inbox rules that expire by
themselves (WithinDateRange), so holding stops on the server if FocusGuard dies (fail-open).

Two rules at most, both "move to the held folder, stop processing more rules":
- customers: mail from customers (ContainsSenderStrings, or all mail when every external
  sender is a customer), except urgent senders and our own domains, within
  [plan.customer.start, plan.customer.end);
- focus: all mail except urgent senders, within the focus block.

Exchange semantics (DESIGN.md): predicates of different kinds are AND-ed, values inside one
are OR-ed, exceptions are OR-ed. So the customer condition uses one predicate
(ContainsSenderStrings, a substring match: the engine re-checks every held message exactly),
and exceptions can mix exact FromAddresses (urgent addresses) with ContainsSenderStrings
(urgent and own domains; a substring over-match there only lets mail through: fail-open).

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

from focusguard.core.hold_rules import hold_rule_specs
from focusguard.core.ports import HoldRules, RuleMode, RuleOutcome
from focusguard.domain.schedule import Interval
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
REFUSED_EXPLANATION = (
    "Exchange refused FocusGuard's inbox rules ({why}), so FocusGuard is holding mail on "
    "this computer instead: mail is held only while FocusGuard runs."
)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One hold rule as FocusGuard wants it on the server."""

    kind: str  # "customers" | "focus"
    window: Interval
    senders: tuple[str, ...]  # ContainsSenderStrings condition; () = all mail
    except_addresses: tuple[str, ...]  # FromAddresses exceptions (exact)
    except_strings: tuple[str, ...]  # ContainsSenderStrings exceptions (substring)
    folder_id: str

    @property
    def key(self) -> str:
        # Everything but the start: a rule that opened earlier covers a later start as well,
        # so a new `now` in the plan is not a reason to rewrite the rule.
        text = "\n".join(
            [
                self.kind,
                whole_seconds(self.window.end).isoformat(),
                ",".join(self.senders),
                ",".join(self.except_addresses),
                ",".join(self.except_strings),
                self.folder_id,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.kind} · {self.key}"

    @property
    def start(self) -> dt.datetime:
        start: dt.datetime = whole_seconds(self.window.start - CLOCK_SKEW).replace(second=0)
        return start

    @property
    def end(self) -> dt.datetime:
        end: dt.datetime = whole_seconds(self.window.end)
        return end


def desired(rules: HoldRules, folder_id: str) -> list[RuleSpec]:
    return [
        RuleSpec(h.kind, h.window, h.senders, h.except_addresses, h.except_strings, folder_id)
        for h in hold_rule_specs(rules)
    ]


def is_ours(rule: Rule) -> bool:
    return (rule.display_name or "").startswith(PREFIX)


def _still_good(rule: Rule, spec: RuleSpec) -> bool:
    if not rule.is_enabled or rule.is_in_error or rule.is_not_supported:
        return False
    within = rule.conditions.within_date_range if rule.conditions is not None else None
    if within is None or within.start_date_time is None:
        return False
    return bool(within.start_date_time <= spec.start)


def plan_changes(
    ours: Sequence[Rule], wanted: Sequence[RuleSpec]
) -> tuple[list[RuleSpec], list[Rule]]:
    """(specs to create, our rules to delete) to get from `ours` to `wanted`."""
    by_name = {spec.name: spec for spec in wanted}
    keep: set[str] = set()
    delete: list[Rule] = []
    for rule in ours:
        spec = by_name.get(rule.display_name)
        if spec is not None and rule.display_name not in keep and _still_good(rule, spec):
            keep.add(rule.display_name)
        else:
            delete.append(rule)
    create = [spec for spec in wanted if spec.name not in keep]
    return create, delete


def build_rule(account: Any, spec: RuleSpec, priority: int, held_folder: Any) -> Rule:
    conditions = Conditions(
        within_date_range=WithinDateRange(start_date_time=spec.start, end_date_time=spec.end),
        contains_sender_strings=list(spec.senders) or None,
    )
    exceptions = None
    if spec.except_addresses or spec.except_strings:
        exceptions = Exceptions(
            from_addresses=list(spec.except_addresses) or None,
            contains_sender_strings=list(spec.except_strings) or None,
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
