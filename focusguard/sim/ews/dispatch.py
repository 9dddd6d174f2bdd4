"""SOAP operation name -> handler. Every handler takes (mailbox, request body element)."""

from __future__ import annotations

from collections.abc import Callable

from . import folder_ops, item_ops, notification_ops, rule_ops, send_ops
from .mailbox import Mailbox
from .soap import Element, m, response_message, response_root, sub

Handler = Callable[[Mailbox, Element], Element]


def convert_id(mb: Mailbox, req: Element) -> Element:
    """exchangelib's auth/version probe sends a dummy ConvertId; an error per id is what
    Exchange answers, and the version header is what the client actually wants."""
    root, msgs = response_root("ConvertId")
    ids = req.find(m("SourceIds"))
    for _ in ids if ids is not None else [None]:
        response_message(msgs, "ConvertId", "ErrorInvalidIdMalformed", "Id is malformed.")
    return root


def get_server_time_zones(mb: Mailbox, req: Element) -> Element:
    root, msgs = response_root("GetServerTimeZones")
    sub(response_message(msgs, "GetServerTimeZones"), m("TimeZoneDefinitions"))
    return root


HANDLERS: dict[str, Handler] = {
    "ConvertId": convert_id,
    "GetFolder": folder_ops.get_folder,
    "FindFolder": folder_ops.find_folder,
    "CreateFolder": folder_ops.create_folder,
    "DeleteFolder": folder_ops.delete_folder,
    "FindItem": item_ops.find_item,
    "GetItem": item_ops.get_item,
    "MoveItem": item_ops.move_item,
    "CopyItem": item_ops.copy_item,
    "DeleteItem": item_ops.delete_item,
    "UpdateItem": item_ops.update_item,
    "SyncFolderItems": item_ops.sync_folder_items,
    "CreateItem": send_ops.create_item,
    "SendItem": send_ops.send_item,
    "Subscribe": notification_ops.subscribe,
    "GetEvents": notification_ops.get_events,
    "Unsubscribe": notification_ops.unsubscribe,
    "GetInboxRules": rule_ops.get_inbox_rules,
    "UpdateInboxRules": rule_ops.update_inbox_rules,
}

# Handled by the HTTP layer because it owns the connection.
STREAMING_OPS = {"GetStreamingEvents"}
