"""Plain data records of the simulated mailbox: folders, items, addresses, events."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass, field

from ..common.clock import utcnow


def new_id(kind: bytes = b"I") -> str:
    """An opaque base64 id, shaped like Exchange's (long, not guessable, not reused)."""
    return base64.b64encode(kind + secrets.token_bytes(40)).decode()


def new_change_key() -> str:
    return base64.b64encode(b"CQAAABYAAA" + secrets.token_bytes(12)).decode()


@dataclass
class Address:
    name: str
    email: str

    def display(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass
class Folder:
    id: str
    change_key: str
    parent_id: str | None
    name: str
    folder_class: str | None
    distinguished: str | None = None
    # Element name in responses: Folder, CalendarFolder, ContactsFolder, TasksFolder.
    element: str = "Folder"


@dataclass
class ExtendedProp:
    """An extended MAPI property as EWS addresses it (ExtendedFieldURI attributes + value)."""

    attrs: dict[str, str]
    value: str

    def header_name(self) -> str | None:
        # Properties in the InternetHeaders set become MIME headers of a sent message.
        if self.attrs.get("DistinguishedPropertySetId") == "InternetHeaders":
            return self.attrs.get("PropertyName")
        return None


@dataclass
class Item:
    id: str
    change_key: str
    folder_id: str
    element: str  # "Message" | "CalendarItem"
    subject: str = ""
    body: str = ""
    body_type: str = "Text"
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    importance: str = "Normal"
    received: dt.datetime = field(default_factory=utcnow)
    sent: dt.datetime = field(default_factory=utcnow)
    created: dt.datetime = field(default_factory=utcnow)
    internet_message_id: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    in_reply_to: str | None = None
    references: str | None = None
    is_read: bool = False
    categories: list[str] = field(default_factory=list)
    extended: list[ExtendedProp] = field(default_factory=list)
    item_class: str = "IPM.Note"
    conversation_id: str | None = None  # common/conversation.py
    # Calendar items only.
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    free_busy: str = "Busy"
    is_all_day: bool = False

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Event:
    """One notification event queued for a subscription."""

    kind: str  # NewMailEvent, CreatedEvent, MovedEvent, DeletedEvent, ModifiedEvent, CopiedEvent
    seq: int
    timestamp: dt.datetime
    item_id: str | None
    parent_folder_id: str
    old_item_id: str | None = None
    old_parent_folder_id: str | None = None


@dataclass
class Subscription:
    id: str
    kind: str  # "pull" | "streaming"
    folder_ids: set[str] | None  # None = SubscribeToAllFolders
    event_types: set[str]
    timeout_minutes: int = 30
    events: list[Event] = field(default_factory=list)
    last_seq: int = 0  # seq of the last event handed out (pull watermark)
    last_used: dt.datetime = field(default_factory=utcnow)

    def wants(self, event: Event) -> bool:
        if event.kind not in self.event_types:
            return False
        if self.folder_ids is None:
            return True
        return event.parent_folder_id in self.folder_ids or (
            event.old_parent_folder_id is not None and event.old_parent_folder_id in self.folder_ids
        )
