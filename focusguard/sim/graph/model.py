"""The simulated mailbox's records: folders, messages, rules, calendar events.

Graph (Exchange Online) keeps two ids per message: the REST id, which changes whenever the
message moves to another folder, and the immutable id, which does not; a client gets the
immutable one when it sends `Prefer: IdType="ImmutableId"`
(https://learn.microsoft.com/en-us/graph/outlook-immutable-id). Both are kept here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from ..common.clock import utcnow

WELL_KNOWN = (
    "msgfolderroot",
    "inbox",
    "drafts",
    "sentitems",
    "deleteditems",
    "junkemail",
    "archive",
    "outbox",
)


def new_id(prefix: str) -> str:
    # Real ids are long base64 strings; the prefix only makes logs readable.
    return f"{prefix}{secrets.token_urlsafe(18)}"


def iso(t: dt.datetime) -> str:
    """Graph's date-time form: UTC with a trailing Z, no fractions."""
    return t.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_iso(text: str) -> dt.datetime:
    """An ISO 8601 instant as Graph accepts it (Z or offset; naive means UTC)."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    head, dot, rest = text.partition(".")
    if dot:  # Graph writes 7 fractional digits; Python reads at most 6
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass
class MailFolder:
    id: str
    display_name: str
    parent_id: str | None
    well_known: str | None = None

    def to_json(self, total: int, unread: int, children: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": self.display_name,
            "parentFolderId": self.parent_id,
            "childFolderCount": children,
            "totalItemCount": total,
            "unreadItemCount": unread,
            "isHidden": False,
        }


@dataclass
class Message:
    immutable_id: str
    rest_id: str
    folder_id: str
    internet_message_id: str
    from_name: str
    from_address: str
    subject: str
    received: dt.datetime
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    body_type: str = "text"
    importance: str = "normal"
    is_read: bool = False
    is_draft: bool = False
    to: list[tuple[str, str]] = field(default_factory=list)  # (name, address)
    cc: list[tuple[str, str]] = field(default_factory=list)  # (name, address)
    in_reply_to: str | None = None
    references: str | None = None
    created_seq: int = 0  # journal position at which it entered its current folder
    conversation_id: str = ""  # common/conversation.py
    sent: dt.datetime | None = None  # sentDateTime (None: the received time)

    def id_for(self, immutable: bool) -> str:
        return self.immutable_id if immutable else self.rest_id

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def to_json(
        self, immutable: bool, web_base: str, in_sent_items: bool = False
    ) -> dict[str, Any]:
        """`in_sent_items`: the copy in Sent Items has no internet headers ("internet headers
        just do not exist on the copy in Sent Items", microsoftgraph/microsoft-graph-docs#2716;
        reported again for sent mail in microsoftgraph/msgraph-sdk-dotnet#3025)."""

        def address(name: str, addr: str) -> dict[str, Any]:
            return {"emailAddress": {"name": name, "address": addr}}

        out = {
            "id": self.id_for(immutable),
            "parentFolderId": self.folder_id,
            "internetMessageId": self.internet_message_id,
            "subject": self.subject,
            "from": address(self.from_name, self.from_address),
            "sender": address(self.from_name, self.from_address),
            "toRecipients": [address(n, a) for n, a in self.to],
            "ccRecipients": [address(n, a) for n, a in self.cc],
            "receivedDateTime": iso(self.received),
            "sentDateTime": iso(self.sent or self.received),
            "conversationId": self.conversation_id,
            "internetMessageHeaders": [{"name": k, "value": v} for k, v in self.headers],
            "body": {"contentType": self.body_type, "content": self.body},
            "bodyPreview": self.body[:255],
            "importance": self.importance,
            "isRead": self.is_read,
            "isDraft": self.is_draft,
            "webLink": f"{web_base}?ItemID={self.immutable_id}&exvsurl=1&viewmodel=ReadMessageItem",
        }
        if in_sent_items:
            del out["internetMessageHeaders"]  # not set at all, not even selected
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.immutable_id,
            "rest_id": self.rest_id,
            "from": f"{self.from_name} <{self.from_address}>",
            "subject": self.subject,
            "internet_message_id": self.internet_message_id,
            "received": iso(self.received),
            "is_read": self.is_read,
            "headers": dict(self.headers),
        }


@dataclass
class MessageRule:
    id: str
    display_name: str
    sequence: int
    is_enabled: bool
    conditions: dict[str, Any]
    exceptions: dict[str, Any]
    actions: dict[str, Any]
    order: int  # creation order breaks sequence ties
    is_read_only: bool = False
    has_error: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": self.display_name,
            "sequence": self.sequence,
            "isEnabled": self.is_enabled,
            "hasError": self.has_error,
            "isReadOnly": self.is_read_only,
            "conditions": self.conditions,
            "exceptions": self.exceptions,
            "actions": self.actions,
        }


@dataclass
class Event:
    id: str
    subject: str
    start: dt.datetime
    end: dt.datetime
    show_as: str = "busy"

    def to_json(self) -> dict[str, Any]:
        def when(t: dt.datetime) -> dict[str, str]:
            # Graph's calendar form: a local date-time string plus the zone (UTC by default).
            text = t.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
            return {"dateTime": text + "0", "timeZone": "UTC"}

        return {
            "id": self.id,
            "subject": self.subject,
            "start": when(self.start),
            "end": when(self.end),
            "showAs": self.show_as,
            "isAllDay": False,
        }


class GraphError(Exception):
    """An error response: HTTP status plus Graph's `{"error": {"code", "message"}}`."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {"date": iso(utcnow())},
            }
        }
