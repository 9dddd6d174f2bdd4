"""Messages as the engine sees them (`MailItem`), listing, fetching and bulk moves.

Item ids change on every move in Exchange; the Internet Message-ID does not, so that is the
key the engine's ledger uses (`MailItem.message_id`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from exchangelib import EWSDateTime, Message
from exchangelib.errors import ErrorItemNotFound

from focusguard.core.ports import UNKNOWN_TIME, Folder, MailItem, MoveResult

log = logging.getLogger(__name__)

# What the engine needs (GetItem; `headers` is a complex property, not available from FindItem).
FIELDS = (
    "message_id",
    "author",
    "subject",
    "datetime_received",
    "headers",
    "web_client_read_form_query_string",
    "to_recipients",  # [exceptions] sent_to (issue 14)
    "cc_recipients",
)
MOVE_CHUNK = 100  # ids per MoveItem request (exchangelib's default chunk size, stated here)
FETCH_CHUNK = 100
PAGE_SIZE = 200
# FindItem pages of a brief listing: Exchange's default EWSFindCountLimit, the most one FindItem
# may hold in memory for a user ("EWS throttling in Exchange", Throttling policy parameters that
# affect EWS search operations, https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange).
# A server that returns fewer says so (IncludesLastItemInRange) and the next page follows.
BRIEF_PAGE_SIZE = 1000


def sender_text(mailbox: Any) -> str:
    """The From mailbox as "Name <addr>" (untrusted text; the engine parses it)."""
    if mailbox is None:
        return ""
    name = (mailbox.name or "").replace("\r", " ").replace("\n", " ").strip()
    address = (mailbox.email_address or "").strip()
    if not address:
        return name
    if not name or name.lower() == address.lower():
        return f"<{address}>" if name else address
    if any(c in name for c in ',;<>@"()[]:\\'):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        name = f'"{escaped}"'
    return f"{name} <{address}>"


def headers_dict(headers: Iterable[Any] | None) -> dict[str, str]:
    """Internet headers; for repeated ones (Received) the first (topmost) value wins."""
    out: dict[str, str] = {}
    for header in headers or ():
        name = getattr(header, "name", None)
        if not name:
            continue
        if not any(k.lower() == name.lower() for k in out):
            out[name] = str(getattr(header, "value", "") or "")
    return out


def plain_utc(t: Any) -> dt.datetime:
    """A plain aware `datetime` in UTC from exchangelib's EWSDateTime."""
    return dt.datetime.fromtimestamp(t.timestamp(), tz=dt.UTC)


def to_mail_item(msg: Any, folder: Folder) -> MailItem:
    received = msg.datetime_received
    return MailItem(
        item_id=msg.id,
        message_id=msg.message_id or f"<no-message-id:{msg.id}>",
        folder=folder,
        sender=sender_text(msg.author),
        subject=msg.subject or "",
        received=plain_utc(received) if received is not None else dt.datetime.now(dt.UTC),
        headers=headers_dict(msg.headers),
        web_link=msg.web_client_read_form_query_string or None,
        recipients=tuple(
            sender_text(r) for r in (*(msg.to_recipients or ()), *(msg.cc_recipients or ()))
        ),
    )


def message_text(account: Any, item_id: str) -> str:
    """GetItem of TextBody: the server converts an HTML body to text (Exchange 2013 and
    later, https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/textbody)."""
    [msg] = list(account.fetch(ids=[(item_id, None)], only_fields=["text_body"]))
    if isinstance(msg, Exception):
        raise msg
    return str(msg.text_body or "")


def list_folder(ews_folder: Any, folder: Folder, since: dt.datetime | None) -> list[MailItem]:
    qs = ews_folder.all()
    if since is not None:
        start = EWSDateTime.from_datetime(since.astimezone(dt.UTC).replace(microsecond=0))
        qs = ews_folder.filter(datetime_received__gte=start)
    qs = qs.only(*FIELDS).order_by("datetime_received")
    qs.page_size = PAGE_SIZE
    out: list[MailItem] = []
    for msg in qs:
        if isinstance(msg, Exception):
            log.debug("skipping an item that could not be read: %s", type(msg).__name__)
            continue
        if isinstance(msg, Message):
            out.append(to_mail_item(msg, folder))
    return out


def list_known(
    account: Any,
    ews_folder: Any,
    folder: Folder,
    since: dt.datetime | None,
    known: Collection[str],
    folder_of: Callable[[Any], Folder | None],
) -> list[MailItem]:
    """`list_folder`, brief for the ids in `known`: one FindItem per 1,000 messages that
    returns ids only (exchangelib then builds no Message objects: 0.6 s per 1,000 here), and
    GetItem only for the messages the caller does not know yet."""
    qs = ews_folder.all()
    if since is not None:
        start = EWSDateTime.from_datetime(since.astimezone(dt.UTC).replace(microsecond=0))
        qs = ews_folder.filter(datetime_received__gte=start)
    qs = qs.order_by("datetime_received").values_list("id", "changekey")
    qs.page_size = BRIEF_PAGE_SIZE
    order: list[str] = []
    unknown: list[tuple[str, str | None]] = []
    for row in qs:
        if isinstance(row, Exception):
            continue
        item_id, changekey = row
        order.append(item_id)
        if item_id not in known:
            unknown.append((item_id, changekey))
    # Fetched where they are now: one moved away since the FindItem is left out.
    fetched = fetch(account, unknown, folder_of)
    full = {item.item_id: item for item in fetched if item.folder is folder}
    return [
        full[i] if i in full else brief_item(i, folder) for i in order if i in full or i in known
    ]


def brief_item(item_id: str, folder: Folder) -> MailItem:
    """A known item as a brief listing returns it (core.ports.MailBackend.list_folder)."""
    return MailItem(item_id, "", folder, "", "", UNKNOWN_TIME)


def fetch(
    account: Any, ids: Sequence[tuple[str, str | None]], folder_of: Callable[[Any], Folder | None]
) -> list[MailItem]:
    """GetItem for `ids` ((id, changekey)); items not in a watched folder are skipped."""
    if not ids:
        return []
    out: list[MailItem] = []
    fields = (*FIELDS, "parent_folder_id")
    for msg in account.fetch(ids=list(ids), only_fields=list(fields), chunk_size=FETCH_CHUNK):
        if isinstance(msg, Exception) or not isinstance(msg, Message):
            continue  # gone again (moved or deleted meanwhile) or not a mail message
        folder = folder_of(msg.parent_folder_id)
        if folder is not None:
            out.append(to_mail_item(msg, folder))
    return out


def move(account: Any, items: Sequence[MailItem], to_folder: Any) -> MoveResult:
    """MoveItem in chunks of 100; per-id outcome in input order."""
    moved: dict[str, str] = {}
    failed: dict[str, str] = {}
    if not items:
        return MoveResult(moved, failed)
    ids = [(item.item_id, None) for item in items]
    results = account.bulk_move(ids=ids, to_folder=to_folder, chunk_size=MOVE_CHUNK)
    for item, result in zip(items, results, strict=False):
        if isinstance(result, ErrorItemNotFound):
            failed[item.item_id] = "ErrorItemNotFound: the message is no longer there"
        elif isinstance(result, Exception):
            failed[item.item_id] = type(result).__name__
        elif isinstance(result, tuple) and result and result[0]:
            moved[item.item_id] = result[0]
        else:
            # Exchange returns no new id when moving to another mailbox / public folder.
            failed[item.item_id] = "no new id returned"
    for item in items[len(results) :]:
        failed.setdefault(item.item_id, "no answer from the server")
    return MoveResult(moved, failed)
