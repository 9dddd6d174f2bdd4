"""An in-memory mailbox: the engine's fake mail backend, for `focusguard replay` and tests.

It keeps Exchange's one habit that matters to the engine: an item's id changes every time
it moves, so anything keyed on item ids breaks here as it would on a real server.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from focusguard.core.ports import (
    Folder,
    HealthListener,
    HistoryFolder,
    HistoryItem,
    HistoryPage,
    HoldRules,
    MailError,
    MailItem,
    MailListener,
    MoveResult,
    RuleMode,
    RuleOutcome,
)
from focusguard.domain.schedule import Interval


@dataclass(frozen=True, slots=True)
class SentReply:
    in_reply_to: str
    to: str
    body: str
    headers: Mapping[str, str]


class MemoryMailbox:
    """Implements `core.ports.MailBackend` without a server."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.folders: dict[Folder, dict[str, MailItem]] = {f: {} for f in Folder}
        self.sent: list[SentReply] = []
        self.calendar: list[tuple[str, Interval]] = []
        self.rules: HoldRules | None = None
        self.moves = 0
        self.history: list[HistoryItem] = []  # older mail, as the server's history has it
        self.bodies: dict[str, str] = {}  # plain-text bodies by Message-ID (the preview)
        self._listener: MailListener | None = None
        self._on_resync: Callable[[], object] | None = None
        self._on_health: HealthListener | None = None

    # -- test/replay side: the "server" ----------------------------------------------------
    def deliver(
        self,
        message_id: str,
        sender: str,
        subject: str,
        received: datetime,
        headers: Mapping[str, str] | None = None,
        recipients: tuple[str, ...] = (),
    ) -> MailItem:
        """Transport delivery into the Inbox; the watcher hears of it at once."""
        with self._lock:
            item = MailItem(
                item_id=self._new_id(),
                message_id=message_id,
                folder=Folder.INBOX,
                sender=sender,
                subject=subject,
                received=received,
                headers=dict(headers or {}),
                recipients=recipients,
            )
            self.folders[Folder.INBOX][item.item_id] = item
            listener = self._listener
        if listener is not None:
            listener(item)
        return item

    def add_history(self, item: HistoryItem) -> None:
        """A message of the mailbox's history (Sent Items, or mail older than this run)."""
        with self._lock:
            self.history.append(item)

    def where(self, message_id: str) -> list[Folder]:
        with self._lock:
            return [
                f
                for f, items in self.folders.items()
                for i in items.values()
                if i.message_id == message_id
            ]

    def watcher_failing(self, error: MailError) -> None:
        """What a real watcher reports while it cannot watch (it keeps retrying)."""
        if self._on_health is not None:
            self._on_health(error)

    def watcher_recovered(self) -> None:
        """What a real watcher reports once it works again: healthy, then a resync."""
        if self._on_health is not None:
            self._on_health(None)
        if self._on_resync is not None:
            self._on_resync()

    def _new_id(self) -> str:
        return f"mem-{next(self._ids)}"

    # -- MailBackend -----------------------------------------------------------------------
    def connect(self) -> None:
        return None

    def close(self) -> None:
        self._listener = None

    def watch(
        self,
        on_new: MailListener,
        on_resync: Callable[[], object],
        on_health: HealthListener | None = None,
    ) -> None:
        self._listener = on_new
        self._on_resync = on_resync
        self._on_health = on_health

    def list_folder(
        self, folder: Folder, since: datetime | None = None, known: Collection[str] = ()
    ) -> Sequence[MailItem]:
        with self._lock:
            items = list(self.folders[folder].values())
        return [i for i in items if since is None or i.received >= since]

    def move(self, items: Sequence[MailItem], to: Folder) -> MoveResult:
        moved: dict[str, str] = {}
        failed: dict[str, str] = {}
        with self._lock:
            for item in items:
                source = next((f for f in Folder if item.item_id in self.folders[f]), None)
                if source is None:
                    failed[item.item_id] = "ErrorItemNotFound"
                    continue
                current = self.folders[source].pop(item.item_id)
                new = replace(current, item_id=self._new_id(), folder=to)
                self.folders[to][new.item_id] = new
                moved[item.item_id] = new.item_id
            self.moves += 1
        return MoveResult(moved, failed)

    def message_text(self, item_id: str) -> str:
        with self._lock:
            for folder in self.folders.values():
                if item_id in folder:
                    return self.bodies.get(folder[item_id].message_id, "")
        raise MailError("Message not found", "The message is no longer in the mailbox.")

    def send_reply(self, item: MailItem, body: str, headers: Mapping[str, str]) -> None:
        with self._lock:
            self.sent.append(SentReply(item.message_id, item.sender, body, dict(headers)))

    def apply_rules(self, rules: HoldRules | None) -> RuleOutcome:
        # No server here to run rules at delivery: the engine holds by moving (client-move).
        self.rules = rules
        return RuleOutcome(RuleMode.CLIENT_MOVE, "the in-memory mailbox has no server rules")

    def history_page(
        self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
    ) -> HistoryPage:
        """core.ports.HistorySource: `history` plus what is in the Inbox or held folder now."""
        with self._lock:
            found = [i for i in self.history if i.folder is folder]
            live = {HistoryFolder.INBOX: Folder.INBOX, HistoryFolder.HELD: Folder.HELD}
            if folder in live:
                found += [_history_item(m, folder) for m in self.folders[live[folder]].values()]
        found = sorted((i for i in found if since <= i.position < until), key=lambda i: i.position)
        return HistoryPage(tuple(found[:limit]), len(found) > limit)

    def calendar_focus(self, subject: str, since: datetime, until: datetime) -> list[Interval]:
        with self._lock:
            return [
                iv
                for s, iv in self.calendar
                if s.strip().lower() == subject.strip().lower()
                and iv.overlaps(Interval(since, until))
            ]


def _history_item(item: MailItem, folder: HistoryFolder) -> HistoryItem:
    headers = {k.lower(): v for k, v in item.headers.items()}
    return HistoryItem(
        folder=folder,
        item_id=item.item_id,
        message_id=item.message_id,
        sender=item.sender,
        recipients=item.recipients,
        position=item.received,
        at=item.received,
        in_reply_to=headers.get("in-reply-to"),
        references=headers.get("references"),
        headers=dict(item.headers),
    )
