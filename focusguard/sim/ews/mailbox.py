"""The simulated mailbox: folders, items, rules, subscriptions and what the user would have seen.

All state sits behind one re-entrant lock; ``changed`` (a Condition on that lock) wakes the
streaming connections when events are queued.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..common.clock import utcnow
from ..common.conversation import conversation_id
from ..common.recorder import Recorder
from ..common.transport import merge_headers, message_id
from . import rules as rules_mod
from .model import (
    Address,
    Event,
    ExtendedProp,
    Folder,
    Item,
    Subscription,
    new_change_key,
    new_id,
)
from .soap import xdt

# (distinguished id, display name, folder class, element name, parent distinguished id)
_DISTINGUISHED: list[tuple[str, str, str | None, str, str | None]] = [
    ("root", "", None, "Folder", None),
    ("msgfolderroot", "Top of Information Store", None, "Folder", "root"),
    ("inbox", "Inbox", "IPF.Note", "Folder", "msgfolderroot"),
    ("sentitems", "Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
    ("drafts", "Drafts", "IPF.Note", "Folder", "msgfolderroot"),
    ("deleteditems", "Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
    ("outbox", "Outbox", "IPF.Note", "Folder", "msgfolderroot"),
    ("junkemail", "Junk Email", "IPF.Note", "Folder", "msgfolderroot"),
    ("archive", "Archive", "IPF.Note", "Folder", "msgfolderroot"),
    ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
    ("contacts", "Contacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
    ("tasks", "Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
    ("notes", "Notes", "IPF.StickyNote", "Folder", "msgfolderroot"),
]


class MailboxError(Exception):
    """An EWS response code for one item/folder of a request (e.g. ErrorItemNotFound)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


@dataclass
class Journal:
    """Per-folder change log for SyncFolderItems: (seq, change, item id)."""

    entries: list[tuple[int, str, str]] = field(default_factory=list)


def parse_sender(sender: str) -> Address:
    name, addr = email.utils.parseaddr(sender)
    if not addr:
        raise ValueError(f"not an address: {sender!r}")
    return Address(name=name, email=addr)


class Mailbox(Recorder):
    def __init__(self, address: str = "me@corp.example", display_name: str = "Me") -> None:
        super().__init__()
        self.address = address
        self.display_name = display_name
        self.changed = threading.Condition(self.lock)
        self.folders: dict[str, Folder] = {}
        self.items: dict[str, Item] = {}
        self.rules: list[rules_mod.Rule] = []
        self.subscriptions: dict[str, Subscription] = {}
        self.journals: dict[str, Journal] = {}
        self.outlook_rule_blob = False
        self.outlook_rule_blob_destroyed = False
        self.rules_quota = rules_mod.DEFAULT_RULES_QUOTA
        self.blob_events: list[dict[str, Any]] = []
        self._seq = 0
        self._rule_order = 0
        for dist, name, cls, element, parent in _DISTINGUISHED:
            parent_id = self.distinguished(parent).id if parent else None
            self._add_folder(name, parent_id, cls, element, dist)

    # ---- folders -------------------------------------------------------------------------
    def _add_folder(
        self,
        name: str,
        parent_id: str | None,
        folder_class: str | None,
        element: str = "Folder",
        distinguished: str | None = None,
    ) -> Folder:
        folder = Folder(
            new_id(b"F"), new_change_key(), parent_id, name, folder_class, distinguished, element
        )
        self.folders[folder.id] = folder
        self.journals[folder.id] = Journal()
        return folder

    def distinguished(self, dist_id: str) -> Folder:
        for folder in self.folders.values():
            if folder.distinguished == dist_id:
                return folder
        raise MailboxError(
            "ErrorFolderNotFound", f"The distinguished folder {dist_id} wasn't found."
        )

    def folder(self, folder_id: str) -> Folder:
        try:
            return self.folders[folder_id]
        except KeyError:
            raise MailboxError(
                "ErrorFolderNotFound", "The specified folder could not be found in the store."
            ) from None

    def children(self, folder_id: str) -> list[Folder]:
        return [f for f in self.folders.values() if f.parent_id == folder_id]

    def descendants(self, folder_id: str) -> list[Folder]:
        out: list[Folder] = []
        for child in self.children(folder_id):
            out.append(child)
            out.extend(self.descendants(child.id))
        return out

    def create_folder(
        self, parent_id: str, name: str, folder_class: str | None, element: str = "Folder"
    ) -> Folder:
        with self.lock:
            self.folder(parent_id)
            if not name.strip():
                raise MailboxError("ErrorInvalidOperation", "A folder needs a display name.")
            # Exchange compares sibling folder names case-insensitively.
            if any(f.name.lower() == name.lower() for f in self.children(parent_id)):
                raise MailboxError(
                    "ErrorFolderExists", "A folder with the specified name already exists."
                )
            return self._add_folder(name, parent_id, folder_class or "IPF.Note", element)

    def folder_by_path(self, name: str) -> Folder:
        """Distinguished id ("inbox") or display name of any folder (case-insensitive)."""
        with self.lock:
            for folder in self.folders.values():
                if folder.distinguished == name:
                    return folder
            for folder in self.folders.values():
                if folder.name.lower() == name.lower():
                    return folder
        raise MailboxError("ErrorFolderNotFound", f"no folder {name!r}")

    def folder_items(self, folder_id: str) -> list[Item]:
        return [i for i in self.items.values() if i.folder_id == folder_id]

    # ---- journal + events ----------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _journal(self, folder_id: str, change: str, item_id: str) -> None:
        self.journals[folder_id].entries.append((self._next_seq(), change, item_id))

    def _emit(
        self,
        kind: str,
        item_id: str | None,
        parent_id: str,
        old_item_id: str | None = None,
        old_parent_id: str | None = None,
    ) -> None:
        now = utcnow()
        for sub in self.subscriptions.values():
            event = Event(kind, 0, now, item_id, parent_id, old_item_id, old_parent_id)
            if sub.wants(event):
                event.seq = self._next_seq()
                sub.events.append(event)
        self.changed.notify_all()

    def _store(self, item: Item, *, new_mail: bool) -> None:
        self.items[item.id] = item
        self._journal(item.folder_id, "Create", item.id)
        self._emit("CreatedEvent", item.id, item.folder_id)
        if new_mail:
            self._emit("NewMailEvent", item.id, item.folder_id)

    # ---- items -----------------------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise MailboxError(
                "ErrorItemNotFound", "The specified object was not found in the store."
            ) from None

    def move_item(self, item_id: str, to_folder_id: str, *, reason: str = "MoveItem") -> Item:
        """Move an item; like Exchange, the item gets a new ItemId and ChangeKey."""
        with self.lock:
            item = self.item(item_id)
            target = self.folder(to_folder_id)
            source = self.folder(item.folder_id)
            del self.items[item.id]
            self._journal(source.id, "Delete", item.id)
            old_id = item.id
            item.id, item.change_key, item.folder_id = new_id(), new_change_key(), target.id
            self.items[item.id] = item
            self._journal(target.id, "Create", item.id)
            self._emit("MovedEvent", item.id, target.id, old_id, source.id)
            self.moves.append(
                {
                    "time": xdt(utcnow()),
                    "from_folder": source.name,
                    "to_folder": target.name,
                    "old_item_id": old_id,
                    "item_id": item.id,
                    "subject": item.subject,
                    "internet_message_id": item.internet_message_id,
                    "reason": reason,
                }
            )
            return item

    def copy_item(self, item_id: str, to_folder_id: str) -> Item:
        with self.lock:
            src = self.item(item_id)
            self.folder(to_folder_id)
            dup = Item(
                **{
                    **src.__dict__,
                    "id": new_id(),
                    "change_key": new_change_key(),
                    "folder_id": to_folder_id,
                    "headers": list(src.headers),
                    "extended": list(src.extended),
                    "to": list(src.to),
                    "cc": list(src.cc),
                    "categories": list(src.categories),
                }
            )
            self._store(dup, new_mail=False)
            return dup

    def delete_item(self, item_id: str, delete_type: str) -> None:
        with self.lock:
            item = self.item(item_id)
            deleted = self.distinguished("deleteditems")
            if delete_type == "MoveToDeletedItems" and item.folder_id != deleted.id:
                self.move_item(item_id, deleted.id, reason="DeleteItem")
                return
            del self.items[item.id]
            self._journal(item.folder_id, "Delete", item.id)
            self._emit("DeletedEvent", item.id, item.folder_id)

    def update_item(self, item: Item) -> None:
        with self.lock:
            item.change_key = new_change_key()
            self._journal(item.folder_id, "Update", item.id)
            self._emit("ModifiedEvent", item.id, item.folder_id)

    def save_item(self, item: Item) -> Item:
        """Store an item created by the client (draft, sent copy, calendar item)."""
        with self.lock:
            self.folder(item.folder_id)
            self._store(item, new_mail=False)
            return item

    # ---- transport delivery ----------------------------------------------------------------
    def deliver(
        self,
        sender: str,
        subject: str = "",
        *,
        headers: dict[str, str] | None = None,
        importance: str | None = None,
        body: str = "",
        received: dt.datetime | None = None,
        to: list[str] | None = None,
    ) -> str:
        """Deliver a message like the transport would: inbox rules first, then events.

        Returns the Internet Message-ID. Every message that ends up in the Inbox is recorded as
        a pop-up: Outlook alerts only for new items delivered to the default Inbox.
        """
        importance = importance or "Normal"
        if importance not in ("Low", "Normal", "High"):
            raise ValueError(f"importance must be Low, Normal or High, not {importance!r}")
        from_addr = parse_sender(sender)
        when = (received or utcnow()).astimezone(dt.UTC).replace(microsecond=0)
        extra = dict(headers or {})
        imid = message_id(extra)
        recipients = [parse_sender(r) for r in (to or [self.address])]
        base: list[tuple[str, str]] = [
            ("Received", f"from sim-transport by sim-mbx; {email.utils.format_datetime(when)}"),
            ("From", from_addr.display()),
            ("To", ", ".join(r.display() for r in recipients)),
            ("Subject", subject),
            ("Date", email.utils.format_datetime(when)),
            ("Message-ID", imid),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
        ]
        if importance != "Normal":
            base.append(("Importance", importance))
        header_list = merge_headers(base, extra)
        facts = rules_mod.Message(
            sender_name=from_addr.name,
            sender_email=from_addr.email,
            subject=subject,
            body=body,
            importance=importance,
            received=when,
            recipients=[r.email for r in recipients],
            header_block="\r\n".join(f"{k}: {v}" for k, v in header_list),
        )
        with self.lock:
            fired, actions = rules_mod.evaluate(self.rules, facts)
            inbox = self.distinguished("inbox")
            target = inbox.id
            if actions.delete:
                target = self.distinguished("deleteditems").id
            if actions.move_to_folder and actions.move_to_folder in self.folders:
                target = actions.move_to_folder
            item = Item(
                id=new_id(),
                change_key=new_change_key(),
                folder_id=target,
                element="Message",
                subject=subject,
                body=body,
                sender=from_addr,
                to=recipients,
                importance=actions.mark_importance or importance,
                received=when,
                sent=when,
                created=when,
                internet_message_id=imid,
                headers=header_list,
                is_read=actions.mark_as_read,
                in_reply_to=next((v for k, v in header_list if k.lower() == "in-reply-to"), None),
                references=next((v for k, v in header_list if k.lower() == "references"), None),
            )
            item.conversation_id = conversation_id(imid, item.in_reply_to, item.references, subject)
            self._store(item, new_mail=True)
            if actions.copy_to_folder and actions.copy_to_folder in self.folders:
                self.copy_item(item.id, actions.copy_to_folder)
            record = {
                "time": xdt(when),
                "from": from_addr.display(),
                "subject": subject,
                "internet_message_id": imid,
                "folder": self.folders[target].name,
                "rules": [r.name for r in fired],
                "item_id": item.id,
            }
            self.record_delivery(record, to_inbox=target == inbox.id)
            return imid

    def add_calendar_item(
        self, subject: str, start: dt.datetime, end: dt.datetime, free_busy: str = "Busy"
    ) -> Item:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("calendar items need aware datetimes")
        cal = self.distinguished("calendar")
        item = Item(
            id=new_id(),
            change_key=new_change_key(),
            folder_id=cal.id,
            element="CalendarItem",
            subject=subject,
            item_class="IPM.Appointment",
            start=start.astimezone(dt.UTC).replace(microsecond=0),
            end=end.astimezone(dt.UTC).replace(microsecond=0),
            free_busy=free_busy,
            sender=Address(self.display_name, self.address),
        )
        with self.lock:
            self._store(item, new_mail=False)
        return item

    # ---- history from before this run (seeding, common/history_seed.py) ------------------
    def add_history(
        self,
        folder: str,
        sender: str | None,
        subject: str,
        at: dt.datetime,
        *,
        to: list[str] | None = None,
        cc: list[str] | None = None,
        headers: dict[str, str] | None = None,
        in_reply_to: str | None = None,
        references: str | None = None,
        client_headers: dict[str, str] | None = None,
    ) -> str:
        """A message that was in the mailbox before the simulator started: no rules run, no
        pop-up, no delivery or `sent` record. `folder` is a distinguished id or a display
        name. In Sent Items the sender is the owner and the copy has no internet headers
        (`_send`); `client_headers` become InternetHeaders extended properties, the way an EWS
        client puts headers on what it sends — except Message-ID: InternetMessageId is
        read-only to clients (Table 1 of
        https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/email-properties-and-elements-in-ews-in-exchange).
        `in_reply_to` names the Message-ID it answers; without `references`, References
        follow RFC 5322 §3.6.4 from that message when it is in the mailbox. Returns the
        Message-ID (a `Message-ID` in `headers` for received mail; Exchange's own for what
        the owner sent)."""
        if at.tzinfo is None:
            raise ValueError("history needs aware datetimes")
        when = at.astimezone(dt.UTC).replace(microsecond=0)
        with self.lock:
            target = self.folder_by_path(folder)
            sent = target.distinguished == "sentitems"
            own = Address(self.display_name, self.address)
            from_addr = own if sent or sender is None else parse_sender(sender)
            recipients = [parse_sender(r) for r in (to or [self.address])]
            copies = [parse_sender(r) for r in (cc or [])]
            extra = dict(headers or {})
            imid = f"<{uuid.uuid4().hex}@sim-mbx.focusguard.example>" if sent else message_id(extra)
            if in_reply_to and references is None:
                parent = self._by_message_id(in_reply_to)
                prior = (parent.references or parent.in_reply_to or "") if parent else ""
                references = " ".join(x for x in (prior, in_reply_to) if x)
            header_list: list[tuple[str, str]] = []
            if not sent:
                base = [
                    (
                        "Received",
                        f"from sim-transport by sim-mbx; {email.utils.format_datetime(when)}",
                    ),
                    ("From", from_addr.display()),
                    ("To", ", ".join(r.display() for r in recipients)),
                    ("Subject", subject),
                    ("Date", email.utils.format_datetime(when)),
                    ("Message-ID", imid),
                ]
                if in_reply_to:
                    base += [("In-Reply-To", in_reply_to), ("References", references or "")]
                base += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8")]
                header_list = merge_headers(base, extra)
            item = Item(
                id=new_id(),
                change_key=new_change_key(),
                folder_id=target.id,
                element="Message",
                subject=subject,
                sender=from_addr,
                to=recipients,
                cc=copies,
                received=when,
                sent=when,
                created=when,
                internet_message_id=imid,
                headers=header_list,
                is_read=True,
                in_reply_to=in_reply_to,
                references=references,
                extended=[
                    ExtendedProp(
                        {
                            "DistinguishedPropertySetId": "InternetHeaders",
                            "PropertyName": name,
                            "PropertyType": "String",
                        },
                        value,
                    )
                    for name, value in (client_headers or {}).items()
                    if name.lower() != "message-id"
                ],
            )
            item.conversation_id = conversation_id(imid, in_reply_to, references, subject)
            self._store(item, new_mail=False)
            return imid

    def _by_message_id(self, imid: str) -> Item | None:
        for item in self.items.values():
            if item.internet_message_id == imid:
                return item
        return None

    # ---- sending ---------------------------------------------------------------------------
    def record_sent(self, item: Item, kind: str, reference: Item | None) -> dict[str, Any]:
        """Turn a client-submitted message into what would go on the wire, and keep it."""
        now = utcnow()
        imid = f"<{uuid.uuid4().hex}@sim-mbx.focusguard.example>"
        item.internet_message_id = imid
        item.sent = item.received = item.created = now
        item.sender = Address(self.display_name, self.address)
        if reference is not None and reference.internet_message_id:
            # RFC 5322 §3.6.4: In-Reply-To = parent's Message-ID; References = parent's
            # References (or In-Reply-To) followed by the parent's Message-ID.
            parent_refs = reference.references or reference.in_reply_to or ""
            item.in_reply_to = reference.internet_message_id
            item.references = " ".join(x for x in (parent_refs, reference.internet_message_id) if x)
        item.conversation_id = conversation_id(
            imid, item.in_reply_to, item.references, item.subject
        )
        headers: list[tuple[str, str]] = [
            ("From", item.sender.display()),
            ("To", ", ".join(a.display() for a in item.to)),
        ]
        if item.cc:
            headers.append(("Cc", ", ".join(a.display() for a in item.cc)))
        headers += [
            ("Subject", item.subject),
            ("Date", email.utils.format_datetime(now)),
            ("Message-ID", imid),
        ]
        if item.in_reply_to:
            headers.append(("In-Reply-To", item.in_reply_to))
        if item.references:
            headers.append(("References", item.references))
        if item.importance != "Normal":
            headers.append(("Importance", item.importance))
        for prop in item.extended:
            name = prop.header_name()
            if name:
                headers.append((name, prop.value))
        headers += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8")]
        item.headers = headers
        record: dict[str, Any] = {
            "time": xdt(now),
            "kind": kind,
            "from": item.sender.display(),
            "to": [a.email for a in item.to],
            "cc": [a.email for a in item.cc],
            "subject": item.subject,
            "body": item.body,
            "internet_message_id": imid,
            "in_reply_to": item.in_reply_to,
            "references": item.references,
            "headers": dict(headers),
            "extended_properties": [{**p.attrs, "value": p.value} for p in item.extended],
        }
        with self.lock:
            self.sent.append(record)
        return record

    # ---- subscriptions ---------------------------------------------------------------------
    def subscribe(
        self,
        kind: str,
        folder_ids: set[str] | None,
        event_types: set[str],
        timeout_minutes: int = 30,
    ) -> Subscription:
        with self.lock:
            sub = Subscription(new_id(b"S"), kind, folder_ids, event_types, timeout_minutes)
            sub.last_seq = self._seq
            self.subscriptions[sub.id] = sub
            return sub

    def subscription(self, sub_id: str, kind: str | None = None) -> Subscription:
        sub = self.subscriptions.get(sub_id)
        if sub is None or (kind is not None and sub.kind != kind):
            raise MailboxError(
                "ErrorSubscriptionNotFound", "The specified subscription was not found."
            )
        return sub

    def watermark(self, sub: Subscription, seq: int) -> str:
        return base64.b64encode(f"{sub.id[:12]}:{seq}".encode()).decode()

    @staticmethod
    def watermark_seq(watermark: str) -> int:
        try:
            return int(base64.b64decode(watermark).decode().rsplit(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise MailboxError("ErrorInvalidWatermark", "The watermark is invalid.") from None

    # ---- rules -----------------------------------------------------------------------------
    def next_rule_order(self) -> int:
        self._rule_order += 1
        return self._rule_order

    def resolve_folder_element(self, elem: Any) -> str | None:
        """Map a t:FolderId / t:DistinguishedFolderId element to a folder id, or None."""
        from .soap import local

        name = local(elem)
        try:
            if name == "FolderId":
                return self.folder(elem.get("Id", "")).id
            if name == "DistinguishedFolderId":
                return self.distinguished(elem.get("Id", "")).id
        except MailboxError:
            return None
        return None

    # ---- snapshots for the python/control API ----------------------------------------------
    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            out: dict[str, list[dict[str, Any]]] = {}
            for folder in self.folders.values():
                key = folder.distinguished or folder.name
                items = sorted(self.folder_items(folder.id), key=lambda i: i.received)
                out[key] = [item_summary(i) for i in items]
            return out


def item_summary(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "item_id": item.id,
        "change_key": item.change_key,
        "from": item.sender.display() if item.sender else None,
        "subject": item.subject,
        "internet_message_id": item.internet_message_id,
        "received": xdt(item.received),
        "importance": item.importance,
        "is_read": item.is_read,
        "headers": dict(item.headers),
    }
    if item.element == "CalendarItem" and item.start and item.end:
        out.update(start=xdt(item.start), end=xdt(item.end), kind="calendar")
    return out
