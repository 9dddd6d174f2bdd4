"""The mailbox's history over EWS (core.ports.HistorySource): a page of a folder is one
FindItem (ids, oldest received first, restricted to the time range) and one GetItem for the
fields the figures need.

FindItem cannot return recipients or internet headers ("you cannot extend the FindItem
operation to retrieve additional properties and elements such as ToRecipients,
CcRecipients" —
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/email-properties-and-elements-in-ews-in-exchange),
so those come from GetItem, 100 ids a request. Both go through the account's retry policy:
ErrorServerBusy and 503s are waited out as the rest of the backend does (connection.py).

A message in Sent Items has no internet headers (the sender's copy never went through
transport), so FocusGuard's own auto-replies are known by the InternetHeaders extended
properties the backend sets on them (reply.py, `autoreply.REPLY_HEADERS`), read back here as
extended properties. They are registered on a private Message subclass, as reply.py does:
registering them on exchangelib's Message would change it for everyone.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from exchangelib import EWSDateTime, ExtendedProperty, Message
from exchangelib.fields import FieldPath
from exchangelib.items import ID_ONLY
from exchangelib.properties import Fields
from exchangelib.services import GetItem

from focusguard.core.ports import HistoryFolder, HistoryItem, HistoryPage
from focusguard.domain.autoreply import REPLY_HEADERS, marks_automatic_mail
from focusguard.mail.ews.items import headers_dict, plain_utc, sender_text

log = logging.getLogger(__name__)

FETCH_CHUNK = 100


class HistoryMessage(Message):  # type: ignore[misc]
    """A Message that also reads FocusGuard's auto-reply markers (extended properties)."""

    FIELDS = Fields(*Message.FIELDS)


def _marker(header: str) -> type[ExtendedProperty]:
    return type(
        f"HistoryMarker_{header.replace('-', '_')}",
        (ExtendedProperty,),
        {
            "distinguished_property_set_id": "InternetHeaders",
            "property_name": header,
            "property_type": "String",
        },
    )


# attribute name -> (header, value FocusGuard writes)
MARKERS = {
    "fg_mark_" + name.lower().replace("-", "_"): (name, value)
    for name, value in REPLY_HEADERS.items()
}
for _attr, (_header, _value) in MARKERS.items():
    HistoryMessage.register(_attr, _marker(_header))

_COMMON = (
    "message_id",
    "datetime_received",
    "datetime_sent",
    "conversation_id",
    "in_reply_to",
    "references",
    "to_recipients",
    "cc_recipients",
)
RECEIVED_FIELDS = (*_COMMON, "author", "headers")
SENT_FIELDS = (*_COMMON, *MARKERS)


class _GetHistory(GetItem):  # type: ignore[misc]
    """GetItem that reads messages as `HistoryMessage` (other items as exchangelib does)."""

    def _elem_to_obj(self, elem: Any) -> Any:
        if elem.tag == HistoryMessage.response_tag():
            return HistoryMessage.from_xml(elem=elem, account=self.account)
        return super()._elem_to_obj(elem)


def history_page(
    account: Any,
    ews_folder: Any,
    folder: HistoryFolder,
    since: dt.datetime,
    until: dt.datetime,
    limit: int,
) -> HistoryPage:
    start = EWSDateTime.from_datetime(since.astimezone(dt.UTC).replace(microsecond=0))
    end = EWSDateTime.from_datetime(until.astimezone(dt.UTC).replace(microsecond=0))
    qs = (
        ews_folder.filter(datetime_received__gte=start, datetime_received__lt=end)
        .order_by("datetime_received")
        .only("datetime_received")
    )
    qs.page_size = limit + 1  # one more than asked: whether there is more, in the same request
    found = [m for m in qs[: limit + 1] if not isinstance(m, Exception)]
    more = len(found) > limit
    ids = [(m.id, m.changekey) for m in found[:limit]]
    if not ids:
        return HistoryPage((), more)
    names = SENT_FIELDS if folder is HistoryFolder.SENT else RECEIVED_FIELDS
    fields = [FieldPath(field=HistoryMessage.get_field_by_fieldname(n)) for n in names]
    service = _GetHistory(account=account, chunk_size=FETCH_CHUNK)
    items: list[HistoryItem] = []
    for msg in service.call(items=ids, additional_fields=fields, shape=ID_ONLY):
        if isinstance(msg, Exception) or not isinstance(msg, HistoryMessage):
            continue  # gone meanwhile, or not a mail message (meeting requests, reports)
        items.append(to_history_item(msg, folder))
    return HistoryPage(tuple(items), more)


def to_history_item(msg: Any, folder: HistoryFolder) -> HistoryItem:
    received = plain_utc(msg.datetime_received) if msg.datetime_received else None
    sent_at = plain_utc(msg.datetime_sent) if msg.datetime_sent else received
    position = received or sent_at or dt.datetime.now(dt.UTC)
    sent = folder is HistoryFolder.SENT
    conversation = getattr(msg.conversation_id, "id", None)
    return HistoryItem(
        folder=folder,
        item_id=str(msg.id),
        message_id=msg.message_id or None,
        sender="" if sent else sender_text(msg.author),
        recipients=tuple(
            sender_text(r) for r in (*(msg.to_recipients or ()), *(msg.cc_recipients or ()))
        ),
        position=position,
        at=(sent_at or position) if sent else position,
        conversation_id=str(conversation) if conversation else None,
        in_reply_to=msg.in_reply_to or None,
        references=msg.references or None,
        headers={}
        if sent
        else {k: v for k, v in headers_dict(msg.headers).items() if marks_automatic_mail(k)},
        own_autoreply=sent and is_own_autoreply(msg),
    )


def is_own_autoreply(msg: Any) -> bool:
    """Every marker FocusGuard writes on its auto-replies is there with its value."""
    return all(
        str(getattr(msg, attr, None) or "").strip().lower() == value.lower()
        for attr, (_, value) in MARKERS.items()
    )
