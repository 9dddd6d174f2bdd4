"""Serialise folders and items into EWS XML, honouring the requested response shape.

Elements are written in the XSD sequence order (ItemType, then MessageType / CalendarItemType),
because strict mode validates every response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import quote

from ..common.html_text import html_to_text
from .model import Address, Folder, Item
from .soap import Element, local, m, sub, t, xbool, xdt

T = TypeVar("T")

# Field URIs (without the "item:"/"message:" prefix) that each base shape returns.
_DEFAULT = {
    "ItemId",
    "ParentFolderId",
    "ItemClass",
    "Subject",
    "Sensitivity",
    "DateTimeReceived",
    "Size",
    "Importance",
    "HasAttachments",
    "IsRead",
    "From",
    "Sender",
    "ToRecipients",
    "DateTimeSent",
    "DateTimeCreated",
    "Start",
    "End",
    "LegacyFreeBusyStatus",
    "IsAllDayEvent",
    "Body",
    "InternetMessageId",
}
_ALL = _DEFAULT | {
    "InternetMessageHeaders",
    "Categories",
    "InReplyTo",
    "References",
    "CcRecipients",
    "ConversationTopic",
    "LastModifiedTime",
    "DisplayTo",
    "DisplayCc",
    "ReplyTo",
    "IsDraft",
    "IsFromMe",
    "IsSubmitted",
    "Organizer",
    "Location",
    "ConversationId",
    "WebClientReadFormQueryString",
}

OWA_BASE = "https://mail.example.com/owa/"


def owa_link(item_id: str) -> str:
    """The Outlook on the web read form of an item, as Exchange builds it."""
    return f"{OWA_BASE}?ItemID={quote(item_id, safe='')}&exvsurl=1&viewmodel=ReadMessageItem"


# What FindItem never returns, however it is asked: "you cannot extend the FindItem operation
# to retrieve additional properties and elements such as ToRecipients, CcRecipients, and
# BccRecipients" — Table 1 of
# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/email-properties-and-elements-in-ews-in-exchange
# lists these as not first-class for FindItem; a client must GetItem them.
NOT_IN_FIND_ITEM = frozenset(
    {
        "Body",
        "Attachments",
        "Categories",
        "InternetMessageHeaders",
        "ResponseObjects",
        "ToRecipients",
        "CcRecipients",
        "BccRecipients",
        "ReplyTo",
        "TextBody",
    }
)


@dataclass
class Shape:
    fields: set[str]
    extended: list[dict[str, str]] = field(default_factory=list)


def parse_shape(shape_el: Element | None) -> Shape:
    """Read m:ItemShape / m:FolderShape: BaseShape plus t:AdditionalProperties."""
    if shape_el is None:
        return Shape(set(_DEFAULT))
    base = (shape_el.findtext(t("BaseShape")) or "IdOnly").strip()
    fields = {"ItemId"} if base == "IdOnly" else set(_DEFAULT if base == "Default" else _ALL)
    extended: list[dict[str, str]] = []
    extra = shape_el.find(t("AdditionalProperties"))
    if extra is not None:
        for prop in extra:
            name = local(prop)
            if name == "FieldURI":
                fields.add(prop.get("FieldURI", "").split(":")[-1])
            elif name == "ExtendedFieldURI":
                extended.append(dict(prop.attrib))
            elif name == "IndexedFieldURI":
                fields.add(prop.get("FieldURI", "").split(":")[-1])
    return Shape(fields, extended)


def _mailbox(parent: Element, tag: str, addr: Address) -> None:
    box = sub(sub(parent, t(tag)), t("Mailbox"))
    if addr.name:
        sub(box, t("Name"), addr.name)
    sub(box, t("EmailAddress"), addr.email)
    sub(box, t("RoutingType"), "SMTP")
    sub(box, t("MailboxType"), "Mailbox")


def _recipients(parent: Element, tag: str, addrs: list[Address]) -> None:
    if not addrs:
        return
    box = sub(parent, t(tag))
    for addr in addrs:
        mb = sub(box, t("Mailbox"))
        if addr.name:
            sub(mb, t("Name"), addr.name)
        sub(mb, t("EmailAddress"), addr.email)
        sub(mb, t("RoutingType"), "SMTP")
        sub(mb, t("MailboxType"), "Mailbox")


def _matches_extended(prop_attrs: dict[str, str], wanted: dict[str, str]) -> bool:
    keys = (
        "DistinguishedPropertySetId",
        "PropertySetId",
        "PropertyTag",
        "PropertyName",
        "PropertyId",
    )
    return all(prop_attrs.get(k) == wanted.get(k) for k in keys)


def item_element(parent: Element, item: Item, shape: Shape, folder_ck: str = "") -> Element:
    f = shape.fields
    el = sub(parent, t(item.element))
    sub(el, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    if "ParentFolderId" in f:
        sub(el, t("ParentFolderId"), Id=item.folder_id, ChangeKey=folder_ck or None)
    if "ItemClass" in f:
        sub(el, t("ItemClass"), item.item_class)
    if "Subject" in f:
        sub(el, t("Subject"), item.subject)
    if "Sensitivity" in f:
        sub(el, t("Sensitivity"), "Normal")
    if "Body" in f:
        sub(el, t("Body"), item.body, BodyType=item.body_type)
    if "DateTimeReceived" in f:
        sub(el, t("DateTimeReceived"), xdt(item.received))
    if "Size" in f:
        sub(el, t("Size"), str(len(item.body.encode()) + 200 * len(item.headers) + 512))
    if "Categories" in f and item.categories:
        cats = sub(el, t("Categories"))
        for cat in item.categories:
            sub(cats, t("String"), cat)
    if "Importance" in f:
        sub(el, t("Importance"), item.importance)
    if "InReplyTo" in f and item.in_reply_to:
        sub(el, t("InReplyTo"), item.in_reply_to)
    if "IsSubmitted" in f:
        sub(el, t("IsSubmitted"), "false")
    if "IsDraft" in f:
        sub(el, t("IsDraft"), "false")
    if "IsFromMe" in f:
        sub(el, t("IsFromMe"), "false")
    if "InternetMessageHeaders" in f and item.headers:
        hdrs = sub(el, t("InternetMessageHeaders"))
        for name, value in item.headers:
            sub(hdrs, t("InternetMessageHeader"), value, HeaderName=name)
    if "DateTimeSent" in f:
        sub(el, t("DateTimeSent"), xdt(item.sent))
    if "DateTimeCreated" in f:
        sub(el, t("DateTimeCreated"), xdt(item.created))
    if "DisplayCc" in f:
        sub(el, t("DisplayCc"), "; ".join(a.name or a.email for a in item.cc))
    if "DisplayTo" in f:
        sub(el, t("DisplayTo"), "; ".join(a.name or a.email for a in item.to))
    if "HasAttachments" in f:
        sub(el, t("HasAttachments"), "false")
    for wanted in shape.extended:
        for prop in item.extended:
            if _matches_extended(prop.attrs, wanted):
                ext = sub(el, t("ExtendedProperty"))
                sub(ext, t("ExtendedFieldURI"), **prop.attrs)
                sub(ext, t("Value"), prop.value)
    if "LastModifiedTime" in f:
        sub(el, t("LastModifiedTime"), xdt(item.created))
    if "WebClientReadFormQueryString" in f:
        # Exchange 2010 SP1 and later return the whole Outlook on the web address here
        # (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/webclientreadformquerystring).
        sub(el, t("WebClientReadFormQueryString"), owa_link(item.id))
    if "ConversationId" in f and item.conversation_id:
        sub(el, t("ConversationId"), Id=item.conversation_id)
    if "TextBody" in f:
        # The body as text, converted from HTML by the server, Exchange 2013 and later
        # (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/textbody).
        text = item.body if item.body_type.lower() == "text" else html_to_text(item.body)
        sub(el, t("TextBody"), text, BodyType="Text")
    if item.element == "Message":
        _message_tail(el, item, f)
    elif item.element == "CalendarItem":
        _calendar_tail(el, item, f)
    return el


def _message_tail(el: Element, item: Item, f: set[str]) -> None:
    if "Sender" in f and item.sender:
        _mailbox(el, "Sender", item.sender)
    if "ToRecipients" in f:
        _recipients(el, "ToRecipients", item.to)
    if "CcRecipients" in f:
        _recipients(el, "CcRecipients", item.cc)
    if "ConversationTopic" in f:
        sub(el, t("ConversationTopic"), item.subject)
    if "From" in f and item.sender:
        _mailbox(el, "From", item.sender)
    if "InternetMessageId" in f and item.internet_message_id:
        sub(el, t("InternetMessageId"), item.internet_message_id)
    if "IsRead" in f:
        sub(el, t("IsRead"), xbool(item.is_read))
    if "References" in f and item.references:
        sub(el, t("References"), item.references)


def _calendar_tail(el: Element, item: Item, f: set[str]) -> None:
    if "Start" in f and item.start:
        sub(el, t("Start"), xdt(item.start))
    if "End" in f and item.end:
        sub(el, t("End"), xdt(item.end))
    if "IsAllDayEvent" in f:
        sub(el, t("IsAllDayEvent"), xbool(item.is_all_day))
    if "LegacyFreeBusyStatus" in f:
        sub(el, t("LegacyFreeBusyStatus"), item.free_busy)
    if "Organizer" in f and item.sender:
        _mailbox(el, "Organizer", item.sender)


def folder_element(
    parent: Element, folder: Folder, total: int, unread: int, child_count: int
) -> Element:
    el = sub(parent, t(folder.element))
    sub(el, t("FolderId"), Id=folder.id, ChangeKey=folder.change_key)
    if folder.parent_id:
        sub(el, t("ParentFolderId"), Id=folder.parent_id)
    if folder.folder_class:
        sub(el, t("FolderClass"), folder.folder_class)
    sub(el, t("DisplayName"), folder.name)
    sub(el, t("TotalCount"), str(total))
    sub(el, t("ChildFolderCount"), str(child_count))
    if folder.element in ("Folder", "TasksFolder"):
        # Only FolderType (and its TasksFolder subtype) carries UnreadCount in the schema.
        sub(el, t("UnreadCount"), str(unread))
    return el


def indexed_page(msg: Element, found: list[T], offset: int, limit: int) -> tuple[Element, list[T]]:
    """One page of an IndexedPageItemView/IndexedPageFolderView and its m:RootFolder, whose
    IndexedPagingOffset is where the client's next page starts."""
    page = found[offset : offset + limit]
    end = offset + len(page)
    root_folder = sub(
        msg,
        m("RootFolder"),
        IndexedPagingOffset=str(end),
        TotalItemsInView=str(len(found)),
        IncludesLastItemInRange=xbool(end >= len(found)),
    )
    return root_folder, page
