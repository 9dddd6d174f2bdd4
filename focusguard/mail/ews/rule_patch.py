"""What exchangelib 5.6.0's inbox-rule services get wrong or leave out, fixed locally.

1. `WithinDateRange` is serialised as `<t:WithinDateRange><t:DateRange><t:StartDateTime>…`,
   but the EWS schema (`RulePredicateDateRangeType`,
   https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/withindaterange)
   wants StartDateTime/EndDateTime directly under WithinDateRange; Exchange answers
   ErrorSchemaValidation (still on exchangelib master as of 5.6.0+1).
   We do not monkey-patch exchangelib: we detect the bug once by serialising a sample rule,
   and only when it is there we unwrap the extra `DateRange` level in *our* payloads.
   `WithinSizeRange` has the same bug; FocusGuard does not use it.
2. `GetInboxRules` drops `OutlookRuleBlobExists`. We read it: when true, any
   `UpdateInboxRules` with RemoveOutlookRuleBlob=true deletes the user's Outlook client-side
   rules (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateinboxrules-operation).
3. exchangelib hard-codes RemoveOutlookRuleBlob=true and sends one operation per request. We
   send all create/delete operations in one `UpdateInboxRules` (the schema allows a list), so
   replacing a hold rule never leaves a moment without one, and choose the blob flag ourselves.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from exchangelib import UTC, EWSDateTime
from exchangelib.properties import (
    Actions,
    Conditions,
    CreateRuleOperation,
    DeleteRuleOperation,
    Rule,
    WithinDateRange,
)
from exchangelib.services.inbox_rules import GetInboxRules, UpdateInboxRules
from exchangelib.util import MNS, TNS, add_xml_child, create_element, get_xml_attr

_WITHIN = f"{{{TNS}}}WithinDateRange"
_DATE_RANGE = f"{{{TNS}}}DateRange"


@functools.cache
def date_range_bug_present() -> bool:
    """True when this exchangelib wraps WithinDateRange's children in a DateRange element."""
    start = EWSDateTime(2026, 1, 1, tzinfo=UTC)
    sample = Conditions(
        within_date_range=WithinDateRange(
            start_date_time=start, end_date_time=start + dt.timedelta(hours=1)
        )
    )
    elem = sample.to_xml(version=None)
    within = elem.find(_WITHIN)
    return within is not None and within.find(_DATE_RANGE) is not None


def fix_date_ranges(payload: Any) -> Any:
    """Unwrap `WithinDateRange/DateRange/*` to `WithinDateRange/*` in place (if buggy)."""
    if not date_range_bug_present():
        return payload
    for within in payload.iter(_WITHIN):
        wrapper = within.find(_DATE_RANGE)
        if wrapper is None:
            continue
        index = list(within).index(wrapper)
        within.remove(wrapper)
        for offset, child in enumerate(list(wrapper)):
            within.insert(index + offset, child)
    return payload


class GetInboxRulesWithBlob(GetInboxRules):  # type: ignore[misc]
    """GetInboxRules that also reports `OutlookRuleBlobExists`."""

    outlook_rule_blob_exists: bool | None = None

    def _get_element_container(self, message: Any, name: Any = None) -> Any:
        flag = get_xml_attr(message, f"{{{MNS}}}OutlookRuleBlobExists")
        if flag is not None:
            self.outlook_rule_blob_exists = flag.strip().lower() in ("true", "1")
        return super()._get_element_container(message, name)


def read_rules(account: Any) -> tuple[list[Rule], bool]:
    """(the mailbox's inbox rules, whether an Outlook client-side rule blob exists)."""
    service = GetInboxRulesWithBlob(account=account)
    rules: list[Rule] = []
    for item in service.call():
        if isinstance(item, Exception):
            raise item
        if isinstance(item, Rule):
            rules.append(item)
    return rules, bool(service.outlook_rule_blob_exists)


class UpdateInboxRulesBatch(UpdateInboxRules):  # type: ignore[misc]
    """One UpdateInboxRules with several operations and an explicit RemoveOutlookRuleBlob."""

    def call_batch(
        self, create: Sequence[Rule], delete: Sequence[str], *, remove_outlook_rule_blob: bool
    ) -> None:
        payload = self.build(create, delete, remove_outlook_rule_blob=remove_outlook_rule_blob)
        for result in self._get_elements(payload=payload):
            if isinstance(result, Exception):
                raise result

    def build(
        self, create: Sequence[Rule], delete: Sequence[str], *, remove_outlook_rule_blob: bool
    ) -> Any:
        payload = create_element(f"m:{self.SERVICE_NAME}")
        add_xml_child(payload, "m:RemoveOutlookRuleBlob", remove_outlook_rule_blob)
        operations = create_element("m:Operations")
        version = self.account.version
        # Creates first: a changed hold is in place before the old one goes.
        for rule in create:
            operations.append(CreateRuleOperation(rule=rule).to_xml(version=version))
        for rule_id in delete:
            operations.append(DeleteRuleOperation(id=rule_id).to_xml(version=version))
        payload.append(operations)
        return fix_date_ranges(payload)


def whole_seconds(t: dt.datetime) -> EWSDateTime:
    """EWS datetimes without microseconds: exchangelib cannot parse fractions back,
    and the rule would then read back with no date range."""
    return EWSDateTime.from_datetime(t.astimezone(dt.UTC).replace(microsecond=0)).astimezone(UTC)


__all__ = [
    "Actions",
    "GetInboxRulesWithBlob",
    "UpdateInboxRulesBatch",
    "date_range_bug_present",
    "fix_date_ranges",
    "read_rules",
    "whole_seconds",
]
