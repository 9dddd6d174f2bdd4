"""The simulated Exchange Online mailbox behind the Graph simulator: folders, messages,
message rules run at delivery, a per-folder change journal for delta queries, drafts and
sent mail, calendar events. One lock guards everything.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from ..common.clock import utcnow
from ..common.conversation import conversation_id
from ..common.recorder import Recorder
from ..common.transport import merge_headers, message_id
from . import drafts
from . import rules as rules_mod
from .model import WELL_KNOWN, Event, GraphError, MailFolder, Message, MessageRule, new_id

DISPLAY_NAMES = {
    "msgfolderroot": "Top of Information Store",
    "inbox": "Inbox",
    "drafts": "Drafts",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "junkemail": "Junk Email",
    "archive": "Archive",
    "outbox": "Outbox",
}


# The codes Graph documents for a delta token that is no longer valid (simulator.py).
DELTA_EXPIRED_CODES = ("syncStateNotFound", "resyncRequired", "syncStateInvalid")


@dataclass(frozen=True, slots=True)
class DeltaPage:
    entries: list[tuple[Message | None, str]]  # (message, id) — message None: @removed
    more: bool


def parse_sender(text: str) -> tuple[str, str]:
    name, address = email.utils.parseaddr(text)
    if "@" not in address:
        raise ValueError(f"not a sender address: {text!r}")
    return name, address


def _from_header(name: str, address: str) -> str:
    """Exchange Online receives mail from internationalised (UTF-8) addresses (EAI,
    https://techcommunity.microsoft.com/t5/exchange-team-blog/eai-support-announcement/ba-p/607595;
    RFC 6532 allows UTF-8 in header fields), which `formataddr` refuses to write."""
    if address.isascii():
        return email.utils.formataddr((name, address))
    if not name:
        return address
    shown = email.utils.formataddr((name, "placeholder@invalid"))  # quotes or encodes the name
    return shown.replace("<placeholder@invalid>", f"<{address}>")


def _not_found() -> GraphError:
    # One answer for a missing message and a missing folder, as Exchange gives: a client must
    # tell them apart by asking, not by reading the message (whose text "can change at any
    # time", https://learn.microsoft.com/en-us/graph/errors).
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


class Mailbox(Recorder):
    def __init__(self, address: str, display_name: str) -> None:
        super().__init__()
        self.address = address
        self.display_name = display_name
        self.folders: dict[str, MailFolder] = {}
        self.messages: dict[str, Message] = {}  # immutable id -> message
        self._rest_index: dict[str, str] = {}  # current REST id -> immutable id
        self.rules: list[MessageRule] = []
        self.events: list[Event] = []
        # (seq, folder id, immutable id, "in" | "out" | "change")
        self.journal: list[tuple[int, str, str, str]] = []
        self.delta_epoch = 1
        self.delta_expiry = (410, "syncStateNotFound")  # how an old token is answered
        self._seq = itertools.count(1)
        self._order = itertools.count(1)
        root = self._add_folder("msgfolderroot", None, "msgfolderroot")
        for name in WELL_KNOWN[1:]:
            self._add_folder(DISPLAY_NAMES[name], root.id, name)

    # ---- folders --------------------------------------------------------------------------
    def _add_folder(
        self, name: str, parent: str | None, well_known: str | None = None
    ) -> MailFolder:
        folder = MailFolder(new_id("F"), name, parent, well_known)
        self.folders[folder.id] = folder
        return folder

    def folder(self, ref: str) -> MailFolder:
        """A folder by id or well-known name (case-insensitive, like Graph)."""
        with self.lock:
            if ref in self.folders:
                return self.folders[ref]
            for folder in self.folders.values():
                if folder.well_known is not None and folder.well_known == ref.lower():
                    return folder
        if len(ref) < 8:
            raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        raise _not_found()

    def folder_by_name(self, name: str) -> MailFolder:
        """Well-known name, id, or display name (tests and the control API)."""
        try:
            return self.folder(name)
        except GraphError:
            with self.lock:
                for folder in self.folders.values():
                    if folder.display_name.lower() == name.lower():
                        return folder
            raise

    def children(self, parent_id: str) -> list[MailFolder]:
        with self.lock:
            return [f for f in self.folders.values() if f.parent_id == parent_id]

    def create_folder(self, parent_ref: str, name: str) -> MailFolder:
        if not name or not name.strip():
            raise GraphError(400, "ErrorInvalidRequest", "displayName is required.")
        with self.lock:
            parent = self.folder(parent_ref)
            if any(f.display_name.lower() == name.lower() for f in self.children(parent.id)):
                raise GraphError(
                    409, "ErrorFolderExists", "A folder with the specified name already exists."
                )
            return self._add_folder(name, parent.id)

    def folder_json(self, folder: MailFolder) -> dict[str, Any]:
        with self.lock:
            items = [m for m in self.messages.values() if m.folder_id == folder.id]
            return folder.to_json(
                len(items), sum(not m.is_read for m in items), len(self.children(folder.id))
            )

    # ---- messages -------------------------------------------------------------------------
    def in_sent_items(self, msg: Message) -> bool:
        folder = self.folders.get(msg.folder_id)
        return folder is not None and folder.well_known == "sentitems"

    def message(self, ref: str) -> Message:
        with self.lock:
            msg = self.messages.get(ref)
            if msg is None and ref in self._rest_index:
                msg = self.messages.get(self._rest_index[ref])
            if msg is None:
                raise _not_found()
            return msg

    def _journal(self, folder_id: str, msg: Message, kind: str) -> int:
        seq = next(self._seq)
        self.journal.append((seq, folder_id, msg.immutable_id, kind))
        return seq

    def _store(self, msg: Message) -> None:
        self.messages[msg.immutable_id] = msg
        self._rest_index[msg.rest_id] = msg.immutable_id
        msg.created_seq = self._journal(msg.folder_id, msg, "in")

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
        """Transport delivery: message rules first, then the message appears in its folder.
        Returns the Internet Message-ID. Inbox deliveries are recorded as pop-ups."""
        importance = importance or "normal"
        importance = importance.lower()
        if importance not in ("low", "normal", "high"):
            raise ValueError(f"importance must be low, normal or high, not {importance!r}")
        name, address = parse_sender(sender)
        when = (received or utcnow()).astimezone(dt.UTC).replace(microsecond=0)
        extra = dict(headers or {})
        imid = message_id(extra)
        recipients = [parse_sender(r) for r in (to or [f"{self.display_name} <{self.address}>"])]
        base = [
            ("Received", f"from sim-transport by sim-exo; {email.utils.format_datetime(when)}"),
            ("From", _from_header(name, address)),
            ("To", ", ".join(email.utils.formataddr(r) for r in recipients)),
            ("Subject", subject),
            ("Date", email.utils.format_datetime(when)),
            ("Message-ID", imid),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
        ]
        header_list = merge_headers(base, extra)
        with self.lock:
            msg = Message(
                new_id("M"),
                new_id("R"),
                "",
                imid,
                name,
                address,
                subject,
                when,
                header_list,
                body,
                "text",
                importance,
                to=recipients,
            )
            msg.conversation_id = conversation_id(
                imid,
                next((v for k, v in header_list if k.lower() == "in-reply-to"), None),
                next((v for k, v in header_list if k.lower() == "references"), None),
                subject,
            )
            target, fired, read = self._run_rules(msg)
            msg.folder_id = target.id
            msg.is_read = read
            self._store(msg)
            record = {
                "time": when.isoformat(),
                "from": sender,
                "subject": subject,
                "internet_message_id": imid,
                "folder": target.well_known or target.display_name,
                "rules": fired,
                "id": msg.immutable_id,
            }
            self.record_delivery(record, to_inbox=target.well_known == "inbox")
        return imid

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
        """A message that was in the mailbox before the simulator started: no rules, no
        pop-up, no delivery or `sent` record (a delta round sees it, like any new message).
        `folder` is a well-known name, id or display name. In Sent Items the sender is the
        owner (and the copy shows no internet headers, `in_sent_items`). `in_reply_to`
        names the Message-ID it answers; without `references`, References follow RFC 5322
        §3.6.4 from that message when it is in the mailbox. `client_headers` are what the
        sending client set, as far as Graph lets it: a Message-ID becomes the
        internetMessageId (writable on a draft,
        https://learn.microsoft.com/en-us/graph/api/message-update), `X-` headers become
        internetMessageHeaders, others are dropped (Graph takes only `X-` custom headers,
        https://learn.microsoft.com/en-us/graph/api/resources/internetmessageheader).
        Returns the Message-ID."""
        if at.tzinfo is None:
            raise ValueError("history needs aware datetimes")
        when = at.astimezone(dt.UTC).replace(microsecond=0)
        extra = dict(headers or {})
        for name, value in (client_headers or {}).items():
            if name.lower() == "message-id" or name.lower().startswith("x-"):
                extra[name] = value
        with self.lock:
            target = self.folder_by_name(folder)
            sent = target.well_known == "sentitems"
            chosen = any(k.lower() == "message-id" for k in (client_headers or {}))
            imid = (
                f"<{uuid.uuid4().hex}@sim-exo.focusguard.example>"
                if sent and not chosen
                else message_id(extra)
            )
            name, address = (
                (self.display_name, self.address) if sent or not sender else parse_sender(sender)
            )
            recipients = [
                parse_sender(r) for r in (to or [f"{self.display_name} <{self.address}>"])
            ]
            copies = [parse_sender(r) for r in (cc or [])]
            if in_reply_to and references is None:
                parent = next(
                    (m for m in self.messages.values() if m.internet_message_id == in_reply_to),
                    None,
                )
                prior = (parent.references or parent.header("References") or "") if parent else ""
                references = " ".join(x for x in (prior, in_reply_to) if x)
            base = [
                ("Received", f"from sim-transport by sim-exo; {email.utils.format_datetime(when)}"),
                ("From", _from_header(name, address)),
                ("To", ", ".join(email.utils.formataddr(r) for r in recipients)),
                ("Subject", subject),
                ("Date", email.utils.format_datetime(when)),
                ("Message-ID", imid),
            ]
            if in_reply_to:
                base += [("In-Reply-To", in_reply_to), ("References", references or "")]
            base += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8")]
            msg = Message(
                new_id("M"),
                new_id("R"),
                target.id,
                imid,
                name,
                address,
                subject,
                when,
                merge_headers(base, extra),
                "",
                "text",
                "normal",
                is_read=True,
                to=recipients,
                cc=copies,
                in_reply_to=in_reply_to,
                references=references,
                conversation_id=conversation_id(imid, in_reply_to, references, subject),
                sent=when,
            )
            self._store(msg)
            return imid

    def _run_rules(self, msg: Message) -> tuple[MailFolder, list[str], bool]:
        target = self.folder("inbox")
        fired: list[str] = []
        read = False
        moved = False
        for rule in sorted(self.rules, key=lambda r: (r.sequence, r.order)):
            if not rule.is_enabled:
                continue
            if not rules_mod.conditions_match(rule.conditions, msg, self.address):
                continue
            if rule.exceptions and rules_mod.exceptions_match(rule.exceptions, msg, self.address):
                continue
            fired.append(rule.display_name)
            actions = rule.actions
            if actions.get("markAsRead"):
                read = True
            if actions.get("delete") and not moved:
                target, moved = self.folder("deleteditems"), True
            folder_id = actions.get("moveToFolder")
            if folder_id and not moved and folder_id in self.folders:
                target, moved = self.folders[folder_id], True  # the first move wins
            if actions.get("stopProcessingRules"):
                break
        return target, fired, read

    def move(self, ref: str, destination: str, reason: str = "client") -> Message:
        with self.lock:
            msg = self.message(ref)
            target = self.folder(destination)
            source = msg.folder_id
            old_rest = msg.rest_id
            if source != target.id:
                self._journal(source, msg, "out")  # seen by the source folder's delta as removed
                del self._rest_index[old_rest]
                msg.rest_id = new_id("R")
                self._rest_index[msg.rest_id] = msg.immutable_id
                msg.folder_id = target.id
                msg.created_seq = self._journal(target.id, msg, "in")
            self.moves.append(
                {
                    "time": utcnow().isoformat(),
                    "from_folder": self._label(source),
                    "to_folder": self._label(target.id),
                    "id": msg.immutable_id,
                    "old_rest_id": old_rest,
                    "rest_id": msg.rest_id,
                    "subject": msg.subject,
                    "internet_message_id": msg.internet_message_id,
                    "reason": reason,
                }
            )
            return msg

    def _label(self, folder_id: str) -> str:
        folder = self.folders[folder_id]
        return folder.well_known or folder.display_name

    def delete(self, ref: str) -> None:
        self.move(ref, "deleteditems", reason="delete")

    def purge(self, ref: str) -> None:
        """Gone for good (permanentDelete, or purged from Recoverable Items)."""
        with self.lock:
            msg = self.message(ref)
            self._journal(msg.folder_id, msg, "out")
            del self.messages[msg.immutable_id]
            self._rest_index.pop(msg.rest_id, None)

    def update(self, ref: str, patch: dict[str, Any]) -> Message:
        allowed = {"body", "subject", "isRead", "importance", "toRecipients"}
        draft_only = {"body", "subject", "toRecipients"}
        drafts.refuse_create_only(patch)
        with self.lock:
            msg = self.message(ref)
            for key in patch:
                if key not in allowed:
                    raise GraphError(
                        400,
                        "RequestBodyRead",
                        f"The property '{key}' does not "
                        "exist on type 'microsoft.graph.message' or is read-only.",
                    )
                if key in draft_only and not msg.is_draft:
                    raise GraphError(
                        400,
                        "ErrorInvalidPropertyUpdateSentMessage",
                        f"Update of '{key}' is only allowed on draft messages.",
                    )
            _set_properties(msg, patch)
            self._journal(msg.folder_id, msg, "change")  # an update shows up in delta again
            return msg

    def create_reply(self, ref: str, request: drafts.ReplyRequest | None = None) -> Message:
        """A reply draft in Drafts, threaded on the original; `request` is the createReply
        body (properties of the reply, or a comment above the quoted original)."""
        request = request or drafts.ReplyRequest({}, None)
        with self.lock:
            original = self.message(ref)
            prior = (original.header("References") or "").split()
            references = " ".join([*prior, original.internet_message_id][-20:])
            subject = original.subject
            if not subject.lower().startswith("re:"):
                subject = f"RE: {subject}"
            quoted = "\n".join(f"> {line}" for line in original.body.splitlines())
            # A reply opens with room to write above the quote (or with the comment there).
            top = request.comment if request.comment is not None else ""
            draft = Message(
                new_id("M"),
                new_id("R"),
                self.folder("drafts").id,
                f"<{uuid.uuid4().hex}@sim-exo.focusguard.example>",
                self.display_name,
                self.address,
                subject,
                utcnow(),
                [],
                f"{top}\n\n{quoted}",
                "text",
                "normal",
                is_read=True,
                is_draft=True,
                to=[(original.from_name, original.from_address)],
                in_reply_to=original.internet_message_id,
                references=references,
                # A reply belongs to the original's conversation (common/conversation.py).
                conversation_id=original.conversation_id,
            )
            _set_properties(draft, request.message)
            self._store(draft)
            return draft

    def send(self, ref: str) -> dict[str, Any]:
        with self.lock:
            draft = self.message(ref)
            if not draft.is_draft:
                raise GraphError(400, "ErrorInvalidOperation", "Only drafts can be sent.")
            if not draft.to:
                raise GraphError(
                    400,
                    "ErrorInvalidRecipients",
                    "At least one recipient is "
                    "not valid., A message can't be sent because it contains no "
                    "recipients.",
                )
            headers = dict(draft.headers)
            headers["Message-ID"] = draft.internet_message_id
            if draft.in_reply_to:
                headers["In-Reply-To"] = draft.in_reply_to
                headers["References"] = draft.references or draft.in_reply_to
            sender = f"{self.display_name} <{self.address}>"
            record: dict[str, Any] = {
                "time": utcnow().isoformat(),
                "kind": "reply" if draft.in_reply_to else "message",
                "from": sender,
                "to": [a for _, a in draft.to],
                "subject": draft.subject,
                "body": draft.body,
                "body_type": draft.body_type,
                "internet_message_id": draft.internet_message_id,
                "in_reply_to": draft.in_reply_to,
                "references": draft.references,
                "headers": headers,
            }
            self.sent.append(record)
            draft.is_draft = False
            draft.sent = utcnow()
            self.move(draft.immutable_id, "sentitems", reason="send")
            loopback = [a for _, a in draft.to if a.lower() == self.address.lower()]
        for _ in loopback:  # mail to oneself goes back through transport (and the rules)
            self.deliver(sender, draft.subject, headers=headers, body=draft.body)
        return record

    def list_messages(self, folder_ref: str, since: dt.datetime | None) -> list[Message]:
        """Newest first, like Graph's default order for a folder's messages."""
        with self.lock:
            folder = self.folder(folder_ref)
            items = [m for m in self.messages.values() if m.folder_id == folder.id]
        if since is not None:
            items = [m for m in items if m.received >= since]
        return sorted(items, key=lambda m: (m.received, m.created_seq), reverse=True)

    # ---- delta ----------------------------------------------------------------------------
    def current_seq(self) -> int:
        with self.lock:
            return self.journal[-1][0] if self.journal else 0

    def delta_page(
        self,
        folder_id: str,
        since: int | None,
        until: int,
        offset: int,
        size: int,
        immutable: bool = True,
    ) -> DeltaPage:
        """One page of a delta round: `since` None = initial round (every message now in the
        folder that entered it up to `until`), else the changes in (since, until].

        With immutable ids a message that left the folder and came back within the round is
        reported as removed — and nothing more until it changes again. That is how Exchange
        Online behaves (microsoftgraph/microsoft-graph-docs-contrib#72, and
        https://learn.microsoft.com/en-us/answers/questions/1257719/inconsistent-graph-api-exchange-results-between-im):
        "the moved item will be reported as deleted from folder A and will not be reported
        again until it's changed/deleted/moved again"."""
        with self.lock:
            entries: list[tuple[Message | None, str]] = []
            if since is None:
                current = sorted(
                    (
                        m
                        for m in self.messages.values()
                        if m.folder_id == folder_id and m.created_seq <= until
                    ),
                    key=lambda m: m.created_seq,
                )
                entries = [(m, m.immutable_id) for m in current]
            else:
                touched: dict[str, tuple[str, str]] = {}  # id -> (first kind, last kind)
                for seq, fid, mid, kind in self.journal:
                    if since < seq <= until and fid == folder_id:
                        first = touched.pop(mid, (kind, kind))[0]
                        touched[mid] = (first, kind)  # ordered by last touch
                for mid, (first, last) in touched.items():
                    msg = self.messages.get(mid)
                    here = msg is not None and msg.folder_id == folder_id
                    out_and_back = immutable and first == "out" and last == "in"
                    entries.append((msg if here and not out_and_back else None, mid))
            page = entries[offset : offset + size]
            return DeltaPage(page, offset + size < len(entries))

    # ---- rules ----------------------------------------------------------------------------
    def rule(self, rule_id: str) -> MessageRule:
        with self.lock:
            for rule in self.rules:
                if rule.id == rule_id:
                    return rule
        raise GraphError(404, "ErrorItemNotFound", "The specified rule was not found.")

    def _folder_exists(self, ref: str) -> bool:
        try:
            self.folder(ref)
            return True
        except GraphError:
            return False

    def create_rule(self, data: dict[str, Any]) -> MessageRule:
        name = data.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidRequest", "displayName is required.")
        # "sequence ... Required" (https://learn.microsoft.com/en-us/graph/api/mailfolder-post-messagerules)
        if "sequence" not in data:
            raise GraphError(400, "ErrorInvalidRequest", "sequence is required.")
        sequence = data["sequence"]
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
            raise GraphError(400, "ErrorInvalidRequest", "sequence must be a positive integer.")
        unknown = set(data) - {
            "displayName",
            "sequence",
            "isEnabled",
            "conditions",
            "exceptions",
            "actions",
        }
        if unknown:
            raise GraphError(
                400,
                "RequestBodyRead",
                f"The property '{sorted(unknown)[0]}' "
                "does not exist on type 'microsoft.graph.messageRule'.",
            )
        with self.lock:
            actions = rules_mod.validate_actions(data.get("actions"), self._folder_exists)
            if "moveToFolder" in actions:
                actions["moveToFolder"] = self.folder(actions["moveToFolder"]).id
            rule = MessageRule(
                id=new_id("RU"),
                display_name=name,
                sequence=sequence,
                is_enabled=bool(data.get("isEnabled", True)),
                conditions=rules_mod.validate_predicates(data.get("conditions"), "conditions"),
                exceptions=rules_mod.validate_predicates(data.get("exceptions"), "exceptions"),
                actions=actions,
                order=next(self._order),
            )
            self.rules.append(rule)
            return rule

    def update_rule(self, rule_id: str, data: dict[str, Any]) -> MessageRule:
        with self.lock:
            rule = self.rule(rule_id)
            if rule.is_read_only:
                raise GraphError(403, "ErrorAccessDenied", "The rule is read-only.")
            for key, value in data.items():
                if key == "displayName":
                    if not isinstance(value, str) or not value.strip():
                        raise GraphError(400, "ErrorInvalidRequest", "displayName is required.")
                    rule.display_name = value
                elif key == "sequence":
                    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                        raise GraphError(
                            400, "ErrorInvalidRequest", "sequence must be a positive integer."
                        )
                    rule.sequence = value
                elif key == "isEnabled":
                    rule.is_enabled = bool(value)
                elif key in ("conditions", "exceptions"):
                    setattr(rule, key, rules_mod.validate_predicates(value, key))
                elif key == "actions":
                    actions = rules_mod.validate_actions(value, self._folder_exists)
                    if "moveToFolder" in actions:
                        actions["moveToFolder"] = self.folder(actions["moveToFolder"]).id
                    rule.actions = actions
                elif key != "id":
                    raise GraphError(
                        400,
                        "RequestBodyRead",
                        f"The property '{key}' does not "
                        "exist on type 'microsoft.graph.messageRule'.",
                    )
            return rule

    def delete_rule(self, rule_id: str) -> None:
        with self.lock:
            self.rules.remove(self.rule(rule_id))

    # ---- calendar -------------------------------------------------------------------------
    def add_event(
        self, subject: str, start: dt.datetime, end: dt.datetime, show_as: str = "busy"
    ) -> Event:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("calendar times need a time zone")
        event = Event(
            new_id("E"), subject, start.astimezone(dt.UTC), end.astimezone(dt.UTC), show_as
        )
        with self.lock:
            self.events.append(event)
        return event

    def calendar_view(self, start: dt.datetime, end: dt.datetime) -> list[Event]:
        with self.lock:
            return sorted(
                (e for e in self.events if e.start < end and e.end > start),
                key=lambda e: (e.start, e.id),
            )

    # ---- observing ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            out: dict[str, list[dict[str, Any]]] = {}
            for folder in self.folders.values():
                if folder.well_known == "msgfolderroot":
                    continue
                items = sorted(
                    (m for m in self.messages.values() if m.folder_id == folder.id),
                    key=lambda m: (m.received, m.created_seq),
                )
                out[folder.well_known or folder.display_name] = [m.summary() for m in items]
            return out


def _set_properties(msg: Message, props: dict[str, Any]) -> None:
    """Writable message properties (already checked against what may be written when)."""
    headers = props.get("internetMessageHeaders")
    if headers is not None:
        msg.headers = [(h["name"], h["value"]) for h in _custom_headers(headers)]
    if "internetMessageId" in props:
        msg.internet_message_id = str(props["internetMessageId"])
    if "body" in props:
        body = props["body"] or {}
        msg.body = str(body.get("content", ""))
        msg.body_type = str(body.get("contentType", "text")).lower()
    if "subject" in props:
        msg.subject = str(props["subject"])
    if "isRead" in props:
        msg.is_read = bool(props["isRead"])
    if "importance" in props:
        msg.importance = str(props["importance"]).lower()
    if "toRecipients" in props:
        msg.to = [
            (r["emailAddress"].get("name", ""), r["emailAddress"]["address"])
            for r in props["toRecipients"]
        ]


def _custom_headers(headers: Any) -> list[dict[str, str]]:
    """Graph accepts only custom `X-` headers in internetMessageHeaders (at most 5 KB)."""
    if not isinstance(headers, list):
        raise GraphError(400, "ErrorInvalidRequest", "internetMessageHeaders must be a list.")
    out = []
    for header in headers:
        name = (header or {}).get("name")
        value = (header or {}).get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            raise GraphError(400, "ErrorInvalidRequest", "Each header needs a name and a value.")
        if not name.lower().startswith("x-"):
            raise GraphError(
                400,
                "InvalidInternetMessageHeader",
                f"The internet message header name '{name}' should start with 'x-' or 'X-'.",
            )
        if "\r" in value or "\n" in value:
            raise GraphError(
                400, "InvalidInternetMessageHeader", "Header values cannot span lines."
            )
        out.append({"name": name, "value": value})
    if sum(len(h["name"]) + len(h["value"]) for h in out) > 5000:
        raise GraphError(400, "InvalidInternetMessageHeader", "Custom headers exceed 5 KB.")
    return out
