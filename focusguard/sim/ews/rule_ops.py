"""GetInboxRules and UpdateInboxRules.

Unlike most operations these have no ResponseMessages wrapper: ResponseClass and ResponseCode
sit directly on the response element (as in Microsoft's documented examples).
"""

from __future__ import annotations

import copy

from ..common.clock import utcnow
from . import rules as rules_mod
from .mailbox import Mailbox
from .model import new_id
from .soap import Element, local, m, new, parse_bool, sub, t, xbool, xdt


def _root(op: str, code: str = "NoError", text: str | None = None) -> Element:
    root = new(m(f"{op}Response"), ResponseClass="Success" if code == "NoError" else "Error")
    if code != "NoError":
        sub(root, m("MessageText"), text or code)
    sub(root, m("ResponseCode"), code)
    return root


def get_inbox_rules(mb: Mailbox, req: Element) -> Element:
    root = _root("GetInboxRules")
    with mb.lock:
        sub(root, m("OutlookRuleBlobExists"), xbool(mb.outlook_rule_blob))
        if mb.rules:
            holder = sub(root, m("InboxRules"))
            for rule in sorted(mb.rules, key=lambda r: (r.priority, r.order)):
                rules_mod.rule_element(holder, rule, lambda fid: (fid, mb.folder(fid).change_key))
    return root


def update_inbox_rules(mb: Mailbox, req: Element) -> Element:
    remove_blob = parse_bool(req.findtext(m("RemoveOutlookRuleBlob")))
    ops = req.find(m("Operations"))
    with mb.lock:
        if mb.outlook_rule_blob and not remove_blob:
            # Documented: without RemoveOutlookRuleBlob=true Exchange refuses to touch the rules
            # while Outlook's client-side rule blob exists.
            return _root(
                "UpdateInboxRules",
                "ErrorOutlookRuleBlobExists",
                "The Outlook rule blob exists; set RemoveOutlookRuleBlob to remove it.",
            )
        working = [copy.copy(r) for r in mb.rules]
        failures: list[tuple[int, list[rules_mod.RuleError]]] = []
        for index, op in enumerate(ops if ops is not None else []):
            errors: list[rules_mod.RuleError] = []
            _apply(mb, working, op, errors)
            if errors:
                failures.append((index, errors))
        if failures:
            # The whole request is rejected; no operation is applied.
            root = _root(
                "UpdateInboxRules", "ErrorInboxRulesValidationError", "Inbox rule validation error."
            )
            holder = sub(root, m("RuleOperationErrors"))
            for index, errors in failures:
                op_err = sub(holder, t("RuleOperationError"))
                sub(op_err, t("OperationIndex"), str(index))
                val = sub(op_err, t("ValidationErrors"))
                for err in errors:
                    e = sub(val, t("Error"))
                    sub(e, t("FieldURI"), err.field_uri)
                    sub(e, t("ErrorCode"), err.code)
                    sub(e, t("ErrorMessage"), err.message)
                    sub(e, t("FieldValue"), err.value or "")
            return root
        if rules_mod.quota_used(working) > mb.rules_quota:
            # Exchange keeps the enabled rules of a mailbox within its RulesQuota and refuses
            # a change that would exceed it (ResponseCodeType ErrorRulesOverQuota).
            return _root(
                "UpdateInboxRules",
                "ErrorRulesOverQuota",
                "The rules quota has been exceeded.",
            )
        mb.rules = working
        if remove_blob and mb.outlook_rule_blob:
            # RemoveOutlookRuleBlob deletes Outlook's client-side rules for good.
            mb.outlook_rule_blob = False
            mb.outlook_rule_blob_destroyed = True
            mb.blob_events.append({"time": xdt(utcnow()), "event": "outlook_rule_blob_destroyed"})
    return _root("UpdateInboxRules")


def _find(working: list[rules_mod.Rule], rule_id: str | None) -> rules_mod.Rule | None:
    return next((r for r in working if r.id == rule_id), None)


def _apply(
    mb: Mailbox, working: list[rules_mod.Rule], op: Element, errors: list[rules_mod.RuleError]
) -> None:
    name = local(op)
    if name == "DeleteRuleOperation":
        rule_id = op.findtext(t("RuleId"))
        existing = _find(working, rule_id)
        if existing is None:
            errors.append(
                rules_mod.RuleError("RuleId", "RuleNotFound", "The rule wasn't found.", rule_id)
            )
        else:
            working.remove(existing)
        return
    rule_el = op.find(t("Rule"))
    if rule_el is None:
        errors.append(rules_mod.RuleError("RuleId", "MissingParameter", "No rule given."))
        return
    rule_id = rule_el.findtext(t("RuleId"))
    if name == "CreateRuleOperation":
        if rule_id:
            errors.append(
                rules_mod.RuleError(
                    "RuleId", "CreateWithRuleId", "A new rule can't have a RuleId.", rule_id
                )
            )
            return
        rule = rules_mod.parse_rule(
            rule_el, _new_rule_id(), mb.next_rule_order(), mb.resolve_folder_element, errors
        )
        working.append(rule)
    elif name == "SetRuleOperation":
        existing = _find(working, rule_id)
        if existing is None:
            errors.append(
                rules_mod.RuleError("RuleId", "RuleNotFound", "The rule wasn't found.", rule_id)
            )
            return
        rule = rules_mod.parse_rule(
            rule_el, existing.id, existing.order, mb.resolve_folder_element, errors
        )
        working[working.index(existing)] = rule


def _new_rule_id() -> str:
    # Exchange rule ids are short base64 strings of a 64-bit rule id.
    return new_id(b"R")[:16]
