"""messageRule validation and evaluation at delivery, with Exchange's semantics.

https://learn.microsoft.com/en-us/graph/api/resources/messagerule and
https://learn.microsoft.com/en-us/graph/api/resources/messagerulepredicates:
- enabled rules run in ascending `sequence` (ties: creation order) when a message is delivered,
  never on later moves;
- predicates of different kinds are AND-ed, values inside one predicate OR-ed, an empty
  condition set matches every message; exception predicates are OR-ed (any one cancels);
- `senderContains` ("the strings that appear in the from property") is a case-insensitive
  substring of the sender's *address*, never the display name (`corp.example` matches
  `x@corp.example.evil.net`; `"corp.example" <x@evil.example>` does not): it is Exchange's
  inbox-rule predicate FromAddressContainsWords, "the specified words are in the sender's
  email address" (https://learn.microsoft.com/en-us/powershell/module/exchange/new-inboxrule);
  `fromAddresses` ("the specific sender email addresses") an exact, case-insensitive address;
- there is no date predicate (unlike EWS `WithinDateRange`).
Every predicate of messageRulePredicates in the v1.0 metadata is accepted (and its value's type
checked); unknown predicate or action names are refused with 400, as Graph's OData parser does.
Predicates the simulated messages cannot express (categories, sizes, encryption, ...) are stored
and never match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import GraphError, Message

# The properties of messageRulePredicates, by type, as the v1.0 metadata
# (microsoftgraph/msgraph-metadata, clean_v10_metadata) and
# https://learn.microsoft.com/en-us/graph/api/resources/messagerulepredicates list them.
STRING_LISTS = (
    "senderContains",
    "subjectContains",
    "bodyContains",
    "bodyOrSubjectContains",
    "headerContains",
    "recipientContains",
    "categories",
)
ADDRESS_LISTS = ("fromAddresses", "sentToAddresses")
BOOLEANS = (
    "isAutomaticReply",
    "isAutomaticForward",
    "hasAttachments",
    "sentToMe",
    "sentOnlyToMe",
    "sentCcMe",
    "sentToOrCcMe",
    "notSentToMe",
    "isEncrypted",
    "isSigned",
    "isMeetingRequest",
    "isMeetingResponse",
    "isApprovalRequest",
    "isNonDeliveryReport",
    "isPermissionControlled",
    "isReadReceipt",
    "isVoicemail",
)
ENUMS = {
    "importance": ("low", "normal", "high"),
    "sensitivity": ("normal", "personal", "private", "confidential"),
    "messageActionFlag": (
        "any",
        "call",
        "doNotForward",
        "followUp",
        "fyi",
        "forward",
        "noResponseNecessary",
        "read",
        "reply",
        "replyToAll",
        "review",
    ),
}
SIZE_RANGE = "withinSizeRange"  # sizeRange: minimumSize, maximumSize (Int32, kilobytes)
PREDICATES = (*STRING_LISTS, *ADDRESS_LISTS, *BOOLEANS, *ENUMS, SIZE_RANGE)
ACTIONS = (
    "moveToFolder",
    "copyToFolder",
    "delete",
    "permanentDelete",
    "markAsRead",
    "markImportance",
    "stopProcessingRules",
    "assignCategories",
    "forwardTo",
    "redirectTo",
    "forwardAsAttachmentTo",
)


def _bad(message: str) -> GraphError:
    return GraphError(400, "ErrorInvalidRequest", message)


def validate_predicates(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"{what} must be an object")
    for key, item in value.items():
        if key.startswith("@odata"):
            continue
        if key not in PREDICATES:
            raise GraphError(
                400,
                "RequestBodyRead",
                f"The property '{key}' does not exist on type "
                "'microsoft.graph.messageRulePredicates'.",
            )
        if key in STRING_LISTS and not (
            isinstance(item, list) and all(isinstance(s, str) for s in item)
        ):
            raise _bad(f"{what}.{key} must be a list of strings")
        if key in ADDRESS_LISTS:
            if not isinstance(item, list):
                raise _bad(f"{what}.{key} must be a list of recipients")
            for entry in item:
                address = (entry or {}).get("emailAddress", {}).get("address")
                if not isinstance(address, str) or "@" not in address:
                    raise _bad(f"{what}.{key} needs emailAddress.address values")
        if key in BOOLEANS and not isinstance(item, bool):
            raise _bad(f"{what}.{key} must be true or false")
        if key in ENUMS and str(item).lower() not in {v.lower() for v in ENUMS[key]}:
            raise _bad(f"{what}.{key} must be one of {', '.join(ENUMS[key])}")
        if key == SIZE_RANGE:
            _check_size_range(item, f"{what}.{key}")
    return {k: v for k, v in value.items() if not k.startswith("@odata")}


def _check_size_range(item: Any, where: str) -> None:
    if not isinstance(item, dict) or set(item) - {"minimumSize", "maximumSize", "@odata.type"}:
        raise _bad(f"{where} must be {{minimumSize, maximumSize}}")
    for bound in ("minimumSize", "maximumSize"):
        size = item.get(bound)
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            raise _bad(f"{where}.{bound} must be a whole number of kilobytes")


def validate_actions(value: Any, folder_exists: Callable[[str], bool]) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise _bad("A rule needs at least one action.")
    for key, item in value.items():
        if key not in ACTIONS:
            raise GraphError(
                400,
                "RequestBodyRead",
                f"The property '{key}' does not exist on type "
                "'microsoft.graph.messageRuleActions'.",
            )
        if key in ("moveToFolder", "copyToFolder") and not (
            isinstance(item, str) and folder_exists(item)
        ):
            raise _bad(f"actions.{key}: the folder {item!r} does not exist")
    return dict(value)


def _contains(haystacks: list[str], needles: list[str]) -> bool:
    hay = [h.lower() for h in haystacks if h]
    return any(n and any(n.lower() in h for h in hay) for n in needles)


def _addresses(entries: list[dict[str, Any]]) -> set[str]:
    return {str(e["emailAddress"]["address"]).lower() for e in entries}


def predicate_matches(key: str, value: Any, msg: Message, mailbox: str) -> bool:
    """Does one predicate (all its values OR-ed) match the message?"""
    if key == "senderContains":
        return _contains([msg.from_address], value)  # the address only (module docstring)
    if key == "subjectContains":
        return _contains([msg.subject], value)
    if key == "bodyContains":
        return _contains([msg.body], value)
    if key == "bodyOrSubjectContains":
        return _contains([msg.subject, msg.body], value)
    if key == "headerContains":
        return _contains([f"{k}: {v}" for k, v in msg.headers], value)
    if key == "recipientContains":
        return _contains([a for _, a in msg.to] + [n for n, _ in msg.to], value)
    if key == "fromAddresses":
        return msg.from_address.lower() in _addresses(value)
    if key == "sentToAddresses":
        return bool({a.lower() for _, a in msg.to} & _addresses(value))
    if key == "importance":
        return msg.importance.lower() == str(value).lower()
    if key == "sentToMe":
        return bool(value == any(a.lower() == mailbox.lower() for _, a in msg.to))
    if key == "sentOnlyToMe":
        only = len(msg.to) == 1 and msg.to[0][1].lower() == mailbox.lower()
        return bool(value == only)
    if key == "isAutomaticReply":
        auto = (msg.header("Auto-Submitted") or "no").lower() != "no"
        return bool(value == auto)
    # Other predicates are stored but never match here (documented gap).
    return False


def conditions_match(conditions: dict[str, Any], msg: Message, mailbox: str) -> bool:
    return all(predicate_matches(k, v, msg, mailbox) for k, v in conditions.items())


def exceptions_match(exceptions: dict[str, Any], msg: Message, mailbox: str) -> bool:
    return any(predicate_matches(k, v, msg, mailbox) for k, v in exceptions.items())
