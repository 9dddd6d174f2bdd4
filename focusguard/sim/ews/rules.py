"""Exchange inbox rules: parsing from EWS XML, validation, and evaluation at delivery.

Semantics follow Exchange/Outlook, not FocusGuard's own matching:
- different condition kinds are AND-ed, the values inside one condition are OR-ed;
- exceptions are OR-ed: any one exception predicate that matches cancels the rule;
- ContainsSenderStrings is a case-insensitive *substring* match on the sender's SMTP
  address, never the display name ("corp.example" matches "evil@corp.example.evil.net", and
  `"corp.example" <evil@bad.example>` does not match). EWS documents the strings as those
  "that must appear in the From property" (https://learn.microsoft.com/en-us/exchange/
  client-developer/web-service-reference/containssenderstrings); the same inbox-rule
  predicate is PowerShell's FromAddressContainsWords, "the specified words are in the
  sender's email address" (https://learn.microsoft.com/en-us/powershell/module/exchange/
  new-inboxrule), and Outlook's "with specific words in the sender's address";
- FromAddresses is an exact, case-insensitive match on the sender's address
  (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/
  fromaddresses);
- WithinDateRange compares the delivery time with StartDateTime (inclusive) and EndDateTime
  (exclusive), so a rule silently stops matching once its window is over;
- rules run in ascending Priority; StopProcessingRules ends the walk; disabled rules are skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from .soap import Element, SchemaViolationError, local, parse_dt, sub, t, xbool, xdt

# Predicates whose text is a boolean; echoed back as true/false because exchangelib only parses
# those words (clients send 1/0).
_BOOL_ELEMENTS = {
    "Delete",
    "MarkAsRead",
    "PermanentDelete",
    "StopProcessingRules",
    "HasAttachments",
    "IsApprovalRequest",
    "IsAutomaticForward",
    "IsAutomaticReply",
    "IsEncrypted",
    "IsMeetingRequest",
    "IsMeetingResponse",
    "IsNDR",
    "IsPermissionControlled",
    "IsReadReceipt",
    "IsSigned",
    "IsVoicemail",
    "NotSentToMe",
    "SentCcMe",
    "SentOnlyToMe",
    "SentToMe",
    "SentToOrCcMe",
    "IsEnabled",
}
_STRING_LISTS = {
    "ContainsSenderStrings",
    "ContainsSubjectStrings",
    "ContainsBodyStrings",
    "ContainsSubjectOrBodyStrings",
    "ContainsHeaderStrings",
    "ContainsRecipientStrings",
}
_ADDRESS_LISTS = {"FromAddresses", "SentToAddresses"}
_EVALUATED = _STRING_LISTS | _ADDRESS_LISTS | {"Importance", "WithinDateRange", "HasAttachments"}


# Exchange Server's default RulesQuota: "The size limit for rules. The default is 64 KB", and
# "the quota ... applies only to enabled rules" (https://learn.microsoft.com/en-us/
# previous-versions/office/developer/exchange-server-2010/ff340078(v=exchg.140)).
DEFAULT_RULES_QUOTA = 64 * 1024


class RuleSchemaError(SchemaViolationError):
    """The rule XML is not what the EWS schema allows (Exchange answers ErrorSchemaValidation)."""


@dataclass
class RuleError:
    """One t:Error inside t:RuleOperationError/t:ValidationErrors."""

    field_uri: str
    code: str
    message: str
    value: str | None = None


@dataclass
class Message:
    """What the rule engine sees of a message being delivered."""

    sender_name: str
    sender_email: str
    subject: str
    body: str
    importance: str
    received: dt.datetime
    recipients: list[str]
    header_block: str
    has_attachments: bool = False


@dataclass
class Predicates:
    strings: dict[str, list[str]] = field(default_factory=dict)
    addresses: dict[str, list[str]] = field(default_factory=dict)
    importance: str | None = None
    date_range: tuple[dt.datetime | None, dt.datetime | None] | None = None
    has_attachments: bool | None = None
    unsupported: list[str] = field(default_factory=list)

    def kinds(self) -> int:
        return (
            len(self.strings)
            + len(self.addresses)
            + (self.importance is not None)
            + (self.date_range is not None)
            + (self.has_attachments is not None)
            + len(self.unsupported)
        )

    def results(self, msg: Message) -> list[bool]:
        """One verdict per predicate kind present (values inside a kind are OR-ed)."""
        out: list[bool] = []
        for kind, needles in self.strings.items():
            out.append(any(_contains(kind, n.lower(), msg) for n in needles))
        for kind, addrs in self.addresses.items():
            wanted = {a.lower() for a in addrs}
            if kind == "FromAddresses":
                out.append(msg.sender_email.lower() in wanted)
            else:
                out.append(any(r.lower() in wanted for r in msg.recipients))
        if self.importance is not None:
            out.append(msg.importance == self.importance)
        if self.date_range is not None:
            start, end = self.date_range
            out.append(
                (start is None or msg.received >= start) and (end is None or msg.received < end)
            )
        if self.has_attachments is not None:
            out.append(msg.has_attachments == self.has_attachments)
        # A predicate the simulator cannot evaluate never matches: it neither fires a rule nor
        # cancels one. Rules using it are reported with IsNotSupported=true.
        out.extend(False for _ in self.unsupported)
        return out


def _contains(kind: str, needle: str, msg: Message) -> bool:
    if kind == "ContainsSenderStrings":
        # The address only (module docstring): a display name is whatever the sender typed.
        return needle in msg.sender_email.lower()
    if kind == "ContainsSubjectStrings":
        return needle in msg.subject.lower()
    if kind == "ContainsBodyStrings":
        return needle in msg.body.lower()
    if kind == "ContainsSubjectOrBodyStrings":
        return needle in msg.subject.lower() or needle in msg.body.lower()
    if kind == "ContainsHeaderStrings":
        return needle in msg.header_block.lower()
    if kind == "ContainsRecipientStrings":
        return any(needle in r.lower() for r in msg.recipients)
    return False


@dataclass
class Actions:
    move_to_folder: str | None = None
    copy_to_folder: str | None = None
    delete: bool = False
    mark_as_read: bool = False
    stop_processing_rules: bool = False
    mark_importance: str | None = None
    ignored: list[str] = field(default_factory=list)


@dataclass
class Rule:
    id: str
    name: str
    priority: int
    enabled: bool
    conditions: Predicates
    exceptions: Predicates
    actions: Actions
    # Normalised copies of the XML the client sent; echoed back by GetInboxRules so clients
    # get their own rule back (exchangelib matches it by display name).
    raw_conditions: Element | None = None
    raw_exceptions: Element | None = None
    raw_actions: Element | None = None
    order: int = 0

    @property
    def not_supported(self) -> bool:
        return bool(self.conditions.unsupported or self.exceptions.unsupported)

    def size(self) -> int:
        """Bytes against the RulesQuota. Microsoft: the space a rule uses "depends on several
        factors, such as how long the name is and how many conditions you've applied"
        (https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/
        outlook-on-the-web/increase-the-space-used-by-inbox-rules). Here: the stored rule's
        MAPI form, the name and every string or address as UTF-16 with a content
        restriction's header ([MS-OXCDATA] 2.12: type, fuzzy level, property tag), plus a
        fixed part for the actions."""
        texts = [self.name]
        for preds in (self.conditions, self.exceptions):
            texts += [v for values in preds.strings.values() for v in values]
            texts += [v for values in preds.addresses.values() for v in values]
        return 200 + sum(13 + 2 * (len(text) + 1) for text in texts)

    def matches(self, msg: Message) -> bool:
        if not self.enabled:
            return False
        if not all(self.conditions.results(msg)):  # empty conditions = every message
            return False
        return not any(self.exceptions.results(msg))

    def to_dict(self) -> dict[str, object]:
        def preds(p: Predicates) -> dict[str, object]:
            out: dict[str, object] = {**p.strings, **p.addresses}
            if p.importance is not None:
                out["Importance"] = p.importance
            if p.date_range is not None:
                start, end = p.date_range
                out["WithinDateRange"] = {"start": start and xdt(start), "end": end and xdt(end)}
            if p.has_attachments is not None:
                out["HasAttachments"] = p.has_attachments
            if p.unsupported:
                out["unsupported"] = list(p.unsupported)
            return out

        a = self.actions
        return {
            "id": self.id,
            "name": self.name,
            "priority": self.priority,
            "enabled": self.enabled,
            "not_supported": self.not_supported,
            "conditions": preds(self.conditions),
            "exceptions": preds(self.exceptions),
            "actions": {
                "move_to_folder": a.move_to_folder,
                "copy_to_folder": a.copy_to_folder,
                "delete": a.delete,
                "mark_as_read": a.mark_as_read,
                "stop_processing_rules": a.stop_processing_rules,
                "mark_importance": a.mark_importance,
                "ignored": list(a.ignored),
            },
        }


FolderResolver = Callable[[Element], "str | None"]


def parse_predicates(elem: Element | None, prefix: str, errors: list[RuleError]) -> Predicates:
    preds = Predicates()
    if elem is None:
        return preds
    for child in elem:
        name = local(child)
        if name in _STRING_LISTS:
            preds.strings[name] = [s.text or "" for s in child if local(s) == "String"]
        elif name in _ADDRESS_LISTS:
            preds.addresses[name] = [
                a.findtext(t("EmailAddress")) or "" for a in child if local(a) == "Address"
            ]
        elif name == "Importance":
            preds.importance = (child.text or "").strip()
        elif name == "HasAttachments":
            preds.has_attachments = (child.text or "").strip() in ("1", "true")
        elif name == "WithinDateRange":
            preds.date_range = _parse_date_range(child, prefix, errors)
        else:
            preds.unsupported.append(name)
    return preds


def _parse_date_range(
    elem: Element, prefix: str, errors: list[RuleError]
) -> tuple[dt.datetime | None, dt.datetime | None]:
    names = [local(c) for c in elem]
    if any(n not in ("StartDateTime", "EndDateTime") for n in names):
        # exchangelib 5.6.0 wraps the bounds in <t:DateRange>; Exchange's schema rejects that.
        raise RuleSchemaError(
            f"The element 'WithinDateRange' has invalid child element(s) {names}; "
            "expected StartDateTime/EndDateTime"
        )
    start_txt = elem.findtext(t("StartDateTime"))
    end_txt = elem.findtext(t("EndDateTime"))
    start = parse_dt(start_txt) if start_txt else None
    end = parse_dt(end_txt) if end_txt else None
    if start is None and end is None:
        errors.append(
            RuleError(
                f"{prefix}:WithinDateRange",
                "MissingRangeValue",
                "A date range needs a start or an end.",
            )
        )
    elif start is not None and end is not None and start > end:
        errors.append(
            RuleError(
                f"{prefix}:WithinDateRange",
                "InvalidDateRange",
                "The start of the date range is after its end.",
            )
        )
    return start, end


def parse_actions(
    elem: Element | None, resolve: FolderResolver, errors: list[RuleError]
) -> Actions:
    actions = Actions()
    if elem is None or len(elem) == 0:
        errors.append(RuleError("Actions", "MissingAction", "A rule needs at least one action."))
        return actions
    for child in elem:
        name = local(child)
        if name in ("MoveToFolder", "CopyToFolder"):
            target = child[0] if len(child) else None
            folder_id = resolve(target) if target is not None else None
            if folder_id is None:
                errors.append(
                    RuleError(f"Action:{name}", "FolderDoesNotExist", "The folder doesn't exist.")
                )
            elif name == "MoveToFolder":
                actions.move_to_folder = folder_id
            else:
                actions.copy_to_folder = folder_id
        elif name == "Delete":
            actions.delete = (child.text or "").strip() in ("1", "true")
        elif name == "MarkAsRead":
            actions.mark_as_read = (child.text or "").strip() in ("1", "true")
        elif name == "StopProcessingRules":
            actions.stop_processing_rules = (child.text or "").strip() in ("1", "true")
        elif name == "MarkImportance":
            actions.mark_importance = (child.text or "").strip()
        else:
            actions.ignored.append(name)
    return actions


def parse_rule(
    elem: Element, rule_id: str, order: int, resolve: FolderResolver, errors: list[RuleError]
) -> Rule:
    name = (elem.findtext(t("DisplayName")) or "").strip()
    if not name:
        errors.append(RuleError("DisplayName", "EmptyValueFound", "The rule needs a name."))
    priority_txt = elem.findtext(t("Priority")) or "1"
    try:
        priority = int(priority_txt)
    except ValueError:
        priority = 1
    if priority < 1:
        errors.append(
            RuleError("Priority", "InvalidValue", "Priority must be at least 1.", priority_txt)
        )
    enabled_txt = elem.findtext(t("IsEnabled"))
    conditions_el = elem.find(t("Conditions"))
    exceptions_el = elem.find(t("Exceptions"))
    actions_el = elem.find(t("Actions"))
    return Rule(
        id=rule_id,
        name=name,
        priority=priority,
        enabled=enabled_txt is None or enabled_txt.strip() in ("1", "true"),
        conditions=parse_predicates(conditions_el, "Condition", errors),
        exceptions=parse_predicates(exceptions_el, "Exception", errors),
        actions=parse_actions(actions_el, resolve, errors),
        raw_conditions=_normalise(conditions_el),
        raw_exceptions=_normalise(exceptions_el),
        raw_actions=_normalise(actions_el),
        order=order,
    )


def _normalise(elem: Element | None) -> Element | None:
    """A copy with the wire quirks Exchange would not echo: 1/0 booleans, fractional seconds."""
    if elem is None or len(elem) == 0:
        return None
    out = copy.deepcopy(elem)
    for node in out.iter():
        if not isinstance(node.tag, str):
            continue
        name = local(node)
        if name in _BOOL_ELEMENTS and node.text is not None:
            node.text = xbool(node.text.strip() in ("1", "true"))
        elif name in ("StartDateTime", "EndDateTime") and node.text:
            node.text = xdt(parse_dt(node.text))
    etree.cleanup_namespaces(out)
    return out


def rule_element(parent: Element, rule: Rule, folder_ref: Callable[[str], tuple[str, str]]) -> None:
    """Append <t:Rule> in schema order (RuleId, DisplayName, Priority, IsEnabled, ...)."""
    el = sub(parent, t("Rule"))
    sub(el, t("RuleId"), rule.id)
    sub(el, t("DisplayName"), rule.name)
    sub(el, t("Priority"), str(rule.priority))
    sub(el, t("IsEnabled"), xbool(rule.enabled))
    sub(el, t("IsNotSupported"), xbool(rule.not_supported))
    sub(el, t("IsInError"), "false")
    for raw in (rule.raw_conditions, rule.raw_exceptions):
        if raw is not None:
            el.append(copy.deepcopy(raw))
    if rule.raw_actions is not None:
        actions = copy.deepcopy(rule.raw_actions)
        # Exchange stores the resolved folder, so a DistinguishedFolderId comes back as FolderId.
        for name, folder_id in (
            ("MoveToFolder", rule.actions.move_to_folder),
            ("CopyToFolder", rule.actions.copy_to_folder),
        ):
            node = actions.find(t(name))
            if node is not None and folder_id is not None:
                for child in list(node):
                    node.remove(child)
                fid, ck = folder_ref(folder_id)
                sub(node, t("FolderId"), Id=fid, ChangeKey=ck)
        el.append(actions)
    else:
        sub(el, t("Actions"))


def evaluate(rules: list[Rule], msg: Message) -> tuple[list[Rule], Actions]:
    """Walk enabled rules by priority; return the rules that fired and the combined actions.

    The first MoveToFolder wins (the item can only be in one place); later rules can still add
    copy/mark-as-read actions unless an earlier rule stopped processing.
    """
    fired: list[Rule] = []
    combined = Actions()
    for rule in sorted(rules, key=lambda r: (r.priority, r.order)):
        if not rule.matches(msg):
            continue
        fired.append(rule)
        a = rule.actions
        if a.move_to_folder and combined.move_to_folder is None:
            combined.move_to_folder = a.move_to_folder
        if a.copy_to_folder and combined.copy_to_folder is None:
            combined.copy_to_folder = a.copy_to_folder
        combined.delete = combined.delete or a.delete
        combined.mark_as_read = combined.mark_as_read or a.mark_as_read
        combined.mark_importance = a.mark_importance or combined.mark_importance
        if a.stop_processing_rules:
            combined.stop_processing_rules = True
            break
    return fired, combined


def quota_used(rules: list[Rule]) -> int:
    return sum(rule.size() for rule in rules if rule.enabled)
