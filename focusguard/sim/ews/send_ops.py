"""CreateItem (save, send, reply, calendar items) and SendItem."""

from __future__ import annotations

from ..common.clock import utcnow
from .folder_ops import resolve_folder
from .mailbox import Mailbox, MailboxError
from .model import Address, ExtendedProp, Item, new_change_key, new_id
from .soap import Element, local, m, parse_bool, parse_dt, response_message, response_root, sub, t

_RESPONSES = {"ReplyToItem": "reply", "ReplyAllToItem": "reply_all", "ForwardItem": "forward"}


def _addresses(elem: Element | None) -> list[Address]:
    if elem is None:
        return []
    out = []
    for mbx in elem:
        addr = mbx.findtext(t("EmailAddress"))
        if addr:
            out.append(Address(mbx.findtext(t("Name")) or "", addr))
    return out


def _extended(elem: Element) -> list[ExtendedProp]:
    out = []
    for prop in elem.findall(t("ExtendedProperty")):
        uri = prop.find(t("ExtendedFieldURI"))
        value = prop.findtext(t("Value"))
        if uri is not None and value is not None:
            out.append(ExtendedProp(dict(uri.attrib), value))
    return out


def _message_from(elem: Element, folder_id: str) -> Item:
    body = elem.find(t("Body"))
    return Item(
        id=new_id(),
        change_key=new_change_key(),
        folder_id=folder_id,
        element="Message",
        subject=elem.findtext(t("Subject")) or "",
        body=(body.text or "") if body is not None else "",
        body_type=body.get("BodyType", "Text") if body is not None else "Text",
        to=_addresses(elem.find(t("ToRecipients"))),
        cc=_addresses(elem.find(t("CcRecipients"))),
        importance=elem.findtext(t("Importance")) or "Normal",
        extended=_extended(elem),
        is_read=parse_bool(elem.findtext(t("IsRead")))
        if elem.find(t("IsRead")) is not None
        else True,
        # A client threading a new message itself (MessageType InReplyTo / References).
        in_reply_to=elem.findtext(t("InReplyTo")) or None,
        references=elem.findtext(t("References")) or None,
    )


def _response_item(mb: Mailbox, elem: Element, kind: str) -> tuple[Item, Item]:
    """Build a reply/forward from t:ReplyToItem etc.; returns (new item, referenced item)."""
    ref_el = elem.find(t("ReferenceItemId"))
    original = mb.item(ref_el.get("Id", "") if ref_el is not None else "")
    item = _message_from(elem, mb.distinguished("drafts").id)
    new_body = elem.find(t("NewBodyContent"))
    if new_body is not None:
        item.body = new_body.text or ""
        item.body_type = new_body.get("BodyType", "Text")
    prefix = "FW: " if kind == "forward" else "RE: "
    if not item.subject:
        item.subject = prefix + original.subject
    if not item.to and kind != "forward":
        item.to = [original.sender] if original.sender else []
        if kind == "reply_all":
            me = mb.address.lower()
            item.cc = [a for a in original.to + original.cc if a.email.lower() != me]
    if not item.to and not item.cc:
        raise MailboxError("ErrorInvalidRecipients", "At least one recipient is required.")
    return item, original


def _calendar_from(elem: Element, folder_id: str, mb: Mailbox) -> Item:
    start_txt, end_txt = elem.findtext(t("Start")), elem.findtext(t("End"))
    if not start_txt or not end_txt:
        raise MailboxError("ErrorInvalidRequest", "Start and End are required.")
    return Item(
        id=new_id(),
        change_key=new_change_key(),
        folder_id=folder_id,
        element="CalendarItem",
        subject=elem.findtext(t("Subject")) or "",
        item_class="IPM.Appointment",
        start=parse_dt(start_txt),
        end=parse_dt(end_txt),
        free_busy=elem.findtext(t("LegacyFreeBusyStatus")) or "Busy",
        is_all_day=parse_bool(elem.findtext(t("IsAllDayEvent"))),
        sender=Address(mb.display_name, mb.address),
    )


def _send(mb: Mailbox, item: Item, kind: str, reference: Item | None, save_to: str | None) -> None:
    mb.record_sent(item, kind, reference)
    if save_to is not None:
        # The copy in Sent Items carries no internet headers: transport writes them on the
        # way out, not into the sender's copy ("internet headers just do not exist on the
        # copy in Sent Items", microsoftgraph/microsoft-graph-docs#2716, the same store).
        # The extended properties the client set stay on it.
        item.headers = []
        item.folder_id = save_to
        item.id, item.change_key, item.is_read = new_id(), new_change_key(), True
        mb.save_item(item)
    # Mail the user sends to their own address comes back through transport (and rules).
    for rcpt in item.to + item.cc:
        if rcpt.email.lower() == mb.address.lower():
            mb.deliver(
                item.sender.display() if item.sender else mb.address,
                item.subject,
                body=item.body,
                headers={"Message-ID": f"<{new_id()[:24]}@loop>"},
                importance=item.importance,
            )


def create_item(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("CreateItem")
    disposition = req.get("MessageDisposition", "SaveOnly")
    saved_el = req.find(m("SavedItemFolderId"))
    items_el = req.find(m("Items"))
    for elem in items_el if items_el is not None else []:
        name = local(elem)
        try:
            with mb.lock:
                saved_to = (
                    resolve_folder(mb, saved_el[0]).id
                    if saved_el is not None and len(saved_el)
                    else None
                )
                reference: Item | None = None
                if name == "CalendarItem":
                    folder = saved_to or mb.distinguished("calendar").id
                    item = _calendar_from(elem, folder, mb)
                    mb.save_item(item)
                    msg = response_message(msgs, "CreateItem")
                    out = sub(sub(msg, m("Items")), t("CalendarItem"))
                    sub(out, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
                    continue
                if name == "Message":
                    item, kind = _message_from(elem, mb.distinguished("drafts").id), "message"
                elif name in _RESPONSES:
                    kind = _RESPONSES[name]
                    item, reference = _response_item(mb, elem, kind)
                else:
                    raise MailboxError(
                        "ErrorInvalidItemForOperation", f"The simulator cannot create {name} items."
                    )
                if disposition == "SaveOnly":
                    item.folder_id = saved_to or mb.distinguished("drafts").id
                    item.sender = Address(mb.display_name, mb.address)
                    mb.save_item(item)
                    msg = response_message(msgs, "CreateItem")
                    out = sub(sub(msg, m("Items")), t("Message"))
                    sub(out, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
                    continue
                if not item.to and not item.cc:
                    raise MailboxError(
                        "ErrorInvalidRecipients", "At least one recipient is required."
                    )
                keep = (
                    saved_to or mb.distinguished("sentitems").id
                    if disposition == "SendAndSaveCopy"
                    else None
                )
                _send(mb, item, kind, reference, keep)
        except MailboxError as exc:
            response_message(msgs, "CreateItem", exc.code, exc.message)
            continue
        # Sent items come back as an empty Items element, like Exchange.
        sub(response_message(msgs, "CreateItem"), m("Items"))
    return root


def send_item(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("SendItem")
    save = parse_bool(req.get("SaveItemToFolder", "true"))
    saved_el = req.find(m("SavedItemFolderId"))
    ids = req.find(m("ItemIds"))
    for id_el in ids if ids is not None else []:
        try:
            with mb.lock:
                draft = mb.item(id_el.get("Id", ""))
                if not draft.to and not draft.cc:
                    raise MailboxError(
                        "ErrorInvalidRecipients", "At least one recipient is required."
                    )
                mb.delete_item(draft.id, "HardDelete")
                target = None
                if save:
                    target = (
                        resolve_folder(mb, saved_el[0]).id
                        if saved_el is not None and len(saved_el)
                        else mb.distinguished("sentitems").id
                    )
                draft.sent = utcnow()
                _send(mb, draft, "message", None, target)
        except MailboxError as exc:
            response_message(msgs, "SendItem", exc.code, exc.message)
            continue
        response_message(msgs, "SendItem")
    return root
