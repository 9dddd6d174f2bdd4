"""Evaluate EWS search restrictions (m:Restriction) and sort orders against items/folders.

Unsupported paths raise, so a client filter the simulator can't honour fails loudly instead of
silently returning the whole folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .model import Item
from .soap import Element, local, parse_dt, t


class RestrictionError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


Getter = Callable[[Any], Any]


def _addr(item: Item) -> str | None:
    return item.sender.email if item.sender else None


ITEM_FIELDS: dict[str, Getter] = {
    "item:Subject": lambda i: i.subject,
    "item:DateTimeReceived": lambda i: i.received,
    "item:DateTimeSent": lambda i: i.sent,
    "item:DateTimeCreated": lambda i: i.created,
    "item:LastModifiedTime": lambda i: i.created,
    "item:Importance": lambda i: i.importance,
    "item:ItemClass": lambda i: i.item_class,
    "item:Body": lambda i: i.body,
    "item:HasAttachments": lambda i: False,
    "item:Categories": lambda i: i.categories,
    "message:From": _addr,
    "message:Sender": _addr,
    "message:InternetMessageId": lambda i: i.internet_message_id,
    "message:IsRead": lambda i: i.is_read,
    "message:ConversationTopic": lambda i: i.subject,
    "calendar:Start": lambda i: i.start,
    "calendar:End": lambda i: i.end,
    "calendar:LegacyFreeBusyStatus": lambda i: i.free_busy,
    "calendar:IsAllDayEvent": lambda i: i.is_all_day,
}

FOLDER_FIELDS: dict[str, Getter] = {
    "folder:DisplayName": lambda f: f.name,
    "folder:FolderClass": lambda f: f.folder_class,
}


def _field(elem: Element, fields: dict[str, Getter]) -> Getter:
    path = next(
        (c for c in elem if local(c) in ("FieldURI", "IndexedFieldURI", "ExtendedFieldURI")), None
    )
    uri = path.get("FieldURI", "") if path is not None else ""
    if path is None or local(path) != "FieldURI" or uri not in fields:
        what = uri or (local(path) if path is not None else "?")
        raise RestrictionError(
            "ErrorUnsupportedPathForQuery",
            f"The property path {what} is not supported by the simulator.",
        )
    return fields[uri]


def _constant(elem: Element) -> str:
    holder = elem.find(t("FieldURIOrConstant"))
    const = holder.find(t("Constant")) if holder is not None else elem.find(t("Constant"))
    if const is None:
        raise RestrictionError(
            "ErrorUnsupportedQueryFilter", "Only constant comparison values are supported."
        )
    return str(const.get("Value", ""))


def _coerce(value: Any, text: str) -> Any:
    if isinstance(value, dt.datetime):
        return parse_dt(text)
    if isinstance(value, bool):
        return text.strip().lower() in ("true", "1")
    if isinstance(value, int):
        return int(text)
    return text.lower()


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b,
    "IsLessThanOrEqualTo": lambda a, b: a <= b,
}


def compile_restriction(elem: Element | None, fields: dict[str, Getter]) -> Callable[[Any], bool]:
    """Turn m:Restriction (or any search expression) into a predicate."""
    if elem is None:
        return lambda _obj: True
    if local(elem) == "Restriction":
        if len(elem) != 1:
            raise RestrictionError("ErrorInvalidRestriction", "A restriction needs one expression.")
        return compile_restriction(elem[0], fields)
    name = local(elem)
    if name in ("And", "Or"):
        parts = [compile_restriction(c, fields) for c in elem]
        if name == "And":
            return lambda obj: all(p(obj) for p in parts)
        return lambda obj: any(p(obj) for p in parts)
    if name == "Not":
        inner = compile_restriction(elem[0], fields)
        return lambda obj: not inner(obj)
    if name == "Exists":
        getter = _field(elem, fields)
        return lambda obj: getter(obj) not in (None, "", [])
    if name in _COMPARE:
        getter = _field(elem, fields)
        text = _constant(elem)
        op = _COMPARE[name]

        def compare(obj: Any) -> bool:
            value = getter(obj)
            if value is None:
                return False
            return op(_norm(value), _coerce(value, text))

        return compare
    if name == "Contains":
        getter = _field(elem, fields)
        const = elem.find(t("Constant"))
        needle = const.get("Value", "") if const is not None else ""
        mode = elem.get("ContainmentMode", "FullString")
        ignore_case = (
            "IgnoreCase" in elem.get("ContainmentComparison", "Exact")
            or elem.get("ContainmentComparison", "Exact") == "Loose"
        )

        def contains(obj: Any) -> bool:
            value = getter(obj)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if v is None:
                    continue
                hay, ndl = (str(v).lower(), needle.lower()) if ignore_case else (str(v), needle)
                if mode == "FullString" and hay == ndl:
                    return True
                if mode == "Prefixed" and hay.startswith(ndl):
                    return True
                if mode in ("Substring", "PrefixOnWords", "ExactPhrase") and ndl in hay:
                    return True
            return False

        return contains
    raise RestrictionError(
        "ErrorUnsupportedQueryFilter",
        f"The search expression {name} is not supported by the simulator.",
    )


def sort_key_funcs(sort_el: Element | None) -> list[tuple[Getter, bool]]:
    """m:SortOrder -> [(getter, descending)] in priority order."""
    if sort_el is None:
        return []
    out: list[tuple[Getter, bool]] = []
    for order in sort_el:
        out.append((_field(order, ITEM_FIELDS), order.get("Order") == "Descending"))
    return out


def sort_items(items: list[Item], keys: list[tuple[Getter, bool]]) -> list[Item]:
    if not keys:
        # Exchange's default view order for mail folders: newest received first.
        return sorted(items, key=lambda i: i.received, reverse=True)
    result = list(items)
    for getter, descending in reversed(keys):

        def key(item: Item, g: Getter = getter) -> tuple[int, Any]:
            return _sortable(g(item))

        result.sort(key=key, reverse=descending)
    return result


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    return (1, _norm(value))
