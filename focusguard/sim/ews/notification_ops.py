"""Subscribe, GetEvents, Unsubscribe, and the XML of notifications (shared with streaming)."""

from __future__ import annotations

import datetime as dt

from ..common.clock import utcnow
from .folder_ops import resolve_folder
from .mailbox import Mailbox, MailboxError
from .model import Event, Subscription
from .soap import Element, local, m, response_message, response_root, sub, t, xbool, xdt

ALL_EVENT_TYPES = {
    "CopiedEvent",
    "CreatedEvent",
    "DeletedEvent",
    "ModifiedEvent",
    "MovedEvent",
    "NewMailEvent",
    "FreeBusyChangedEvent",
}
# GetEvents hands out at most this many events per call and sets MoreEvents when it stops early.
PULL_BATCH = 50


def event_element(parent: Element, mb: Mailbox, sub_: Subscription, event: Event) -> None:
    el = sub(parent, t(event.kind))
    sub(el, t("Watermark"), mb.watermark(sub_, event.seq))
    sub(el, t("TimeStamp"), xdt(event.timestamp))
    if event.item_id:
        item = mb.items.get(event.item_id)
        sub(el, t("ItemId"), Id=event.item_id, ChangeKey=item.change_key if item else None)
    sub(el, t("ParentFolderId"), Id=event.parent_folder_id)
    if event.kind in ("MovedEvent", "CopiedEvent"):
        sub(el, t("OldItemId"), Id=event.old_item_id or "")
        sub(el, t("OldParentFolderId"), Id=event.old_parent_folder_id or "")


def subscribe(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("Subscribe")
    request = req[0] if len(req) else None
    try:
        if request is None:
            raise MailboxError("ErrorInvalidSubscriptionRequest", "No subscription request.")
        kind = {"PullSubscriptionRequest": "pull", "StreamingSubscriptionRequest": "streaming"}.get(
            local(request)
        )
        if kind is None:
            raise MailboxError(
                "ErrorInvalidSubscriptionRequest",
                f"{local(request)} is not supported by the simulator.",
            )
        types_el = request.find(t("EventTypes"))
        types = {e.text or "" for e in types_el} if types_el is not None else set()
        if not types or not types <= ALL_EVENT_TYPES:
            raise MailboxError("ErrorInvalidSubscriptionRequest", "Invalid event types.")
        with mb.lock:
            folder_ids: set[str] | None = None
            if request.get("SubscribeToAllFolders") not in ("true", "1"):
                ids_el = request.find(t("FolderIds"))
                folder_ids = {
                    resolve_folder(mb, e).id for e in (ids_el if ids_el is not None else [])
                }
                if not folder_ids:
                    raise MailboxError("ErrorInvalidSubscriptionRequest", "No folders given.")
            timeout = int(request.findtext(t("Timeout")) or "30")
            subscription = mb.subscribe(kind, folder_ids, types, timeout)
            msg = response_message(msgs, "Subscribe")
            sub(msg, m("SubscriptionId"), subscription.id)
            if kind == "pull":
                sub(msg, m("Watermark"), mb.watermark(subscription, subscription.last_seq))
    except MailboxError as exc:
        response_message(msgs, "Subscribe", exc.code, exc.message)
    return root


def _expired(sub_: Subscription, now: dt.datetime) -> bool:
    return now - sub_.last_used > dt.timedelta(minutes=sub_.timeout_minutes)


def get_events(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("GetEvents")
    sub_id = req.findtext(m("SubscriptionId")) or ""
    watermark = req.findtext(m("Watermark")) or ""
    try:
        with mb.lock:
            subscription = mb.subscription(sub_id, "pull")
            now = utcnow()
            if _expired(subscription, now):
                del mb.subscriptions[sub_id]
                raise MailboxError("ErrorExpiredSubscription", "The subscription has expired.")
            subscription.last_used = now
            acked = mb.watermark_seq(watermark)
            # Events up to the watermark the client presents have been seen: forget them.
            subscription.events = [e for e in subscription.events if e.seq > acked]
            batch = subscription.events[:PULL_BATCH]
            msg = response_message(msgs, "GetEvents")
            note = sub(msg, m("Notification"))
            sub(note, t("SubscriptionId"), subscription.id)
            sub(note, t("PreviousWatermark"), watermark)
            sub(note, t("MoreEvents"), xbool(len(subscription.events) > len(batch)))
            for event in batch:
                event_element(note, mb, subscription, event)
            if not batch:
                status = sub(note, t("StatusEvent"))
                subscription.last_seq = max(subscription.last_seq, acked)
                sub(status, t("Watermark"), mb.watermark(subscription, subscription.last_seq))
            else:
                subscription.last_seq = batch[-1].seq
    except MailboxError as exc:
        response_message(msgs, "GetEvents", exc.code, exc.message)
    return root


def unsubscribe(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("Unsubscribe")
    sub_id = req.findtext(m("SubscriptionId")) or ""
    with mb.lock:
        if mb.subscriptions.pop(sub_id, None) is None:
            response_message(
                msgs,
                "Unsubscribe",
                "ErrorSubscriptionNotFound",
                "The specified subscription was not found.",
            )
        else:
            mb.changed.notify_all()  # a stream serving it should close
            response_message(msgs, "Unsubscribe")
    return root
