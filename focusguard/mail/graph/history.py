"""The mailbox's history over Microsoft Graph (core.ports.HistorySource): a page of a folder
is one `GET /me/mailFolders/{id}/messages` with `$select`, `$filter` on receivedDateTime,
`$orderby` the same property and `$top` (Sent Items by its well-known name, `sentitems`).

"Properties that appear in $orderby must also appear in $filter", first, or Exchange
answers InefficientFilter (https://learn.microsoft.com/en-us/graph/api/user-list-messages,
"Using filter and orderby in the same query"): the filter names receivedDateTime and
nothing before it. Whether there is more is the page's `@odata.nextLink`; the read itself
starts its next page from the last received time (core/history_sync.py says why). Requests
take a slot of the mailbox's four (slots.py) and wait out 429s by Retry-After, as every
request of the client does.

Sent Items carry no internet headers on Graph ("internet headers just do not exist on the
copy in Sent Items", microsoftgraph/microsoft-graph-docs#2716), so a reply there is linked
to what it answers by its conversationId, and FocusGuard's own auto-replies are known by
the Message-ID FocusGuard gave them (reply.py, `is_own_message_id`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from focusguard.core.ports import HistoryFolder, HistoryItem, HistoryPage
from focusguard.domain.autoreply import marks_automatic_mail
from focusguard.mail.graph.client import GraphClient
from focusguard.mail.graph.items import headers_dict, iso_z, parse_instant, sender_text
from focusguard.mail.graph.reply import is_own_message_id

MAX_TOP = 1000  # the most $top Graph accepts for messages
_COMMON = "internetMessageId,receivedDateTime,sentDateTime,conversationId,toRecipients,ccRecipients"
SELECT_RECEIVED = f"{_COMMON},from,internetMessageHeaders"
SELECT_SENT = _COMMON


def history_page(
    client: GraphClient,
    folder_id: str,
    folder: HistoryFolder,
    since: datetime,
    until: datetime,
    limit: int,
) -> HistoryPage:
    params = {
        "$select": SELECT_SENT if folder is HistoryFolder.SENT else SELECT_RECEIVED,
        "$filter": f"receivedDateTime ge {iso_z(since)} and receivedDateTime lt {iso_z(until)}",
        "$orderby": "receivedDateTime asc",
        "$top": str(min(max(limit, 1), MAX_TOP)),
    }
    body = client.request("GET", f"/me/mailFolders/{folder_id}/messages", params=params) or {}
    values = body.get("value") or []
    items = tuple(to_history_item(m, folder) for m in values[:limit] if isinstance(m, dict))
    more = bool(body.get("@odata.nextLink")) or len(values) > limit
    return HistoryPage(items, more)


def to_history_item(message: dict[str, Any], folder: HistoryFolder) -> HistoryItem:
    sent = folder is HistoryFolder.SENT
    received = parse_instant(message.get("receivedDateTime"))
    headers = headers_dict(message.get("internetMessageHeaders"))
    message_id = message.get("internetMessageId") or None

    def header(name: str) -> str | None:
        return next((v for k, v in headers.items() if k.lower() == name), None)

    return HistoryItem(
        folder=folder,
        item_id=str(message.get("id") or ""),
        message_id=message_id,
        sender="" if sent else sender_text(message.get("from")),
        recipients=tuple(
            sender_text(r)
            for r in (*(message.get("toRecipients") or ()), *(message.get("ccRecipients") or ()))
        ),
        position=received,
        at=parse_instant(message.get("sentDateTime") or message.get("receivedDateTime"))
        if sent
        else received,
        conversation_id=message.get("conversationId") or None,
        in_reply_to=header("in-reply-to"),
        references=header("references"),
        headers={k: v for k, v in headers.items() if marks_automatic_mail(k)},
        own_autoreply=sent and is_own_message_id(message_id),
    )
