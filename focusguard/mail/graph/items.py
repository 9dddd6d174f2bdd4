"""Messages as the engine sees them (`MailItem`), listing, and bulk moves through `$batch`.

With immutable ids a message keeps its id when it moves within the mailbox; the move still
answers with the message, and its `id` is what we report as the new id (old -> new), so the
engine never relies on ids staying the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from focusguard.core.ports import Folder, MailError, MailItem, MoveResult
from focusguard.mail.graph.client import GraphClient, SubRequest, SubResponse
from focusguard.mail.graph.errors import GraphHTTPError, error_codes

log = logging.getLogger(__name__)

# internetMessageHeaders come only when selected
# (https://learn.microsoft.com/en-us/graph/api/resources/message).
# toRecipients/ccRecipients: [exceptions] sent_to (issue 14).
SELECT = (
    "internetMessageId,from,subject,receivedDateTime,internetMessageHeaders,webLink,"
    "toRecipients,ccRecipients"
)
PAGE_SIZE = 100


def sender_text(sender: Any) -> str:
    """The From mailbox as "Name <addr>" (untrusted text; the engine parses it)."""
    address_obj = (sender or {}).get("emailAddress") or {}
    name = str(address_obj.get("name") or "").replace("\r", " ").replace("\n", " ").strip()
    address = str(address_obj.get("address") or "").strip()
    if not address:
        return name
    if not name or name.lower() == address.lower():
        return address
    if any(c in name for c in ',;<>@"()[]:\\'):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        name = f'"{escaped}"'
    return f"{name} <{address}>"


def headers_dict(headers: Iterable[Any] | None) -> dict[str, str]:
    """Internet headers; for repeated ones (Received) the first (topmost) value wins."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for header in headers or ():
        name = str((header or {}).get("name") or "")
        if not name or name.lower() in seen:
            continue
        seen.add(name.lower())
        out[name] = str(header.get("value") or "")
    return out


def parse_instant(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    text = text.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Graph may send 7 fractional digits; Python reads 6
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    value = datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def to_item(message: dict[str, Any], folder: Folder) -> MailItem:
    return MailItem(
        item_id=str(message["id"]),
        # A draft or an odd message may have no Message-ID; the id keeps the ledger unique.
        message_id=str(message.get("internetMessageId") or f"<graph-{message['id']}>"),
        folder=folder,
        sender=sender_text(message.get("from")),
        subject=str(message.get("subject") or ""),
        received=parse_instant(message.get("receivedDateTime")),
        headers=headers_dict(message.get("internetMessageHeaders")),
        web_link=message.get("webLink"),
        recipients=tuple(
            sender_text(r)
            for r in (*(message.get("toRecipients") or ()), *(message.get("ccRecipients") or ()))
        ),
    )


def message_text(client: GraphClient, item_id: str) -> str:
    """The body as text: `Prefer: outlook.body-content-type="text"` has Outlook convert an
    HTML body (https://learn.microsoft.com/en-us/graph/api/message-get#request-headers)."""
    message = client.request(
        "GET",
        f"/me/messages/{item_id}",
        params={"$select": "body"},
        prefer=('outlook.body-content-type="text"',),
    )
    body = (message or {}).get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType", "text")).lower() != "text":
        raise MailError(
            "Could not read the message as text",
            "Microsoft 365 sent the message as HTML although text was asked for; open it in "
            "Outlook instead.",
            retryable=False,
        )
    return content


def iso_z(t: datetime) -> str:
    return t.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def list_folder(
    client: GraphClient, folder_id: str, folder: Folder, since: datetime | None
) -> list[MailItem]:
    params = {"$select": SELECT, "$top": str(PAGE_SIZE)}
    if since is not None:
        params["$filter"] = f"receivedDateTime ge {iso_z(since)}"
    out: list[MailItem] = []
    for page in client.pages(f"/me/mailFolders/{folder_id}/messages", params=params):
        out.extend(to_item(m, folder) for m in page.get("value", []))
    return out


# Codes of "there is no such item" (https://learn.microsoft.com/en-us/graph/errors#code-property
# and Exchange's own ErrorItemNotFound), compared case-insensitively. Code, never message: the
# message text "can change at any time" (same page).
NOT_FOUND_CODES = frozenset({"itemnotfound", "erroritemnotfound", "errorfoldernotfound"})
MOVE_ROUNDS = 4  # sending moves whose earlier attempt is known not to have happened


def not_found(status: int, codes: Iterable[str]) -> bool:
    return status == 404 and any(c.lower() in NOT_FOUND_CODES for c in codes)


def move(
    client: GraphClient,
    items: Sequence[MailItem],
    destination_id: str,
    on_missing_folder: Callable[[], str] | None = None,
) -> MoveResult:
    """Move by `$batch` (20 per request, one batch at a time); per-id outcome.

    A move answered 503/504 (or not at all) may have happened: it is not sent again blindly.
    The message is looked up first — with immutable ids it keeps its id — and counts as moved
    when it is in the destination; only one still elsewhere is sent again. A move that finds
    nothing (404, not-found code) may mean the message or the destination is gone: the
    destination is asked, and a vanished held folder is made again once (`on_missing_folder`).
    """
    pending = {f"{i}": item for i, item in enumerate(items)}
    moved: dict[str, str] = {}
    failed: dict[str, str] = {}
    missing: dict[str, MailItem] = {}
    for _ in range(MOVE_ROUNDS):
        subs = [
            SubRequest(
                key, "POST", f"/me/messages/{item.item_id}/move", {"destinationId": destination_id}
            )
            for key, item in pending.items()
        ]
        responses = client.batch(subs)
        unknown: dict[str, MailItem] = {}
        for key, item in pending.items():
            resp = responses.get(key)
            if resp is not None and resp.ok and isinstance(resp.body, dict) and resp.body.get("id"):
                moved[item.item_id] = str(resp.body["id"])
                failed.pop(item.item_id, None)
                continue
            failed[item.item_id] = _reason(resp)
            if resp is not None and resp.outcome_unknown:
                unknown[key] = item
            elif resp is not None and not_found(resp.status, error_codes(resp.body)):
                missing[key] = item
        pending = {}
        if not unknown:
            break
        for key, where in locate(client, unknown).items():
            item = unknown[key]
            if where is None:
                continue  # nowhere to be found: stays failed
            if where.folder_id == destination_id:
                moved[item.item_id] = where.item_id  # it did move, the answer was lost
                failed.pop(item.item_id, None)
            else:
                pending[key] = item  # it did not: sending the move again is safe now
        if not pending:
            break
    if missing and on_missing_folder is not None and _folder_gone(client, destination_id):
        # The destination folder was deleted: make it again once, retry those messages.
        again = move(client, list(missing.values()), on_missing_folder())
        for old, new in again.moved.items():
            failed.pop(old, None)
            moved[old] = new
    if failed:
        log.info(
            "moved %d, %d failed: %s", len(moved), len(failed), sorted(set(failed.values()))[:5]
        )
    return MoveResult(moved, failed)


@dataclass(frozen=True, slots=True)
class Whereabouts:
    item_id: str
    folder_id: str


def locate(client: GraphClient, items: Mapping[str, MailItem]) -> dict[str, Whereabouts | None]:
    """Where the messages are now (key -> folder and id; None when not found), in batches."""
    subs = [
        SubRequest(key, "GET", f"/me/messages/{item.item_id}?$select=id,parentFolderId")
        for key, item in items.items()
    ]
    out: dict[str, Whereabouts | None] = {}
    for key, resp in client.batch(subs).items():
        body = resp.body if isinstance(resp.body, dict) else {}
        if resp.ok and body.get("id") and body.get("parentFolderId"):
            out[key] = Whereabouts(str(body["id"]), str(body["parentFolderId"]))
        else:
            out[key] = None
    return out


def _folder_gone(client: GraphClient, folder_id: str) -> bool:
    try:
        client.request("GET", f"/me/mailFolders/{folder_id}", params={"$select": "id"})
    except GraphHTTPError as exc:
        return exc.status == 404 and not_found(404, [exc.code])
    return False


def _reason(resp: SubResponse | None) -> str:
    if resp is None:
        return "0 NoResponse"
    return f"{resp.status} {resp.code}".strip()
