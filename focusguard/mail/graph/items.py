"""Messages as the engine sees them (`MailItem`), listing, and bulk moves through `$batch`.

With immutable ids a message keeps its id when it moves within the mailbox; the move still
answers with the message, and its `id` is what we report as the new id (old -> new), so the
engine never relies on ids staying the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from focusguard.core.ports import Folder, MailItem, MoveResult
from focusguard.mail.graph.client import GraphClient, SubRequest

log = logging.getLogger(__name__)

# internetMessageHeaders come only when selected
# (https://learn.microsoft.com/en-us/graph/api/resources/message).
SELECT = "internetMessageId,from,subject,receivedDateTime,internetMessageHeaders,webLink"
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
    )


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


def move(
    client: GraphClient,
    items: Sequence[MailItem],
    destination_id: str,
    on_missing_folder: Callable[[], str] | None = None,
) -> MoveResult:
    """Move by `$batch` (20 per request, up to 4 in flight); per-id outcome."""
    by_key = {f"{i}": item for i, item in enumerate(items)}
    subs = [
        SubRequest(
            key, "POST", f"/me/messages/{item.item_id}/move", {"destinationId": destination_id}
        )
        for key, item in by_key.items()
    ]
    responses = client.batch(subs)
    moved: dict[str, str] = {}
    failed: dict[str, str] = {}
    folder_gone: list[str] = []
    for key, item in by_key.items():
        resp = responses.get(key)
        if resp is not None and resp.ok and isinstance(resp.body, dict) and resp.body.get("id"):
            moved[item.item_id] = str(resp.body["id"])
            continue
        code = _code(resp.body) if resp is not None else "NoResponse"
        if resp is not None and resp.status == 404 and "folder" in _message(resp.body).lower():
            folder_gone.append(key)
        failed[item.item_id] = f"{resp.status if resp else 0} {code}".strip()
    if folder_gone and on_missing_folder is not None:
        # The destination folder was deleted: make it again once, retry those messages.
        again = move(client, [by_key[k] for k in folder_gone], on_missing_folder())
        for old, new in again.moved.items():
            failed.pop(old, None)
            moved[old] = new
    if failed:
        log.info(
            "moved %d, %d failed: %s", len(moved), len(failed), sorted(set(failed.values()))[:5]
        )
    return MoveResult(moved, failed)


def _code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


def _message(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", ""))
    return ""
