"""What the user would have seen and what left the mailbox: deliveries, pop-ups, moves and
sent mail, as JSON-ready dicts for the Python and control APIs."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

# What a desktop alert shows; a pop-up record is the delivery record cut down to these.
POPUP_FIELDS = ("time", "from", "subject", "internet_message_id")


class Recorder:
    """Base of both simulated mailboxes. `lock` is the mailbox's one re-entrant lock, so the
    records change atomically with the mailbox state they describe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sent: list[dict[str, Any]] = []
        self.popups: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.moves: list[dict[str, Any]] = []

    def record_delivery(self, record: dict[str, Any], *, to_inbox: bool) -> None:
        """Outlook alerts only for new mail delivered to the default Inbox: a message a rule
        moved elsewhere is a delivery but no pop-up (and later moves into the Inbox neither)."""
        with self.lock:
            self.deliveries.append(record)
            if to_inbox:
                self.popups.append({k: record[k] for k in POPUP_FIELDS})

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
        """Transport delivery with the server's own rule semantics; returns the Message-ID.
        `importance=None` is the protocol's own default ("Normal" / "normal")."""
        raise NotImplementedError

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
        """A message that was in `folder` before the simulator started (seeding history):
        no rules, no pop-up. `headers` are a received message's internet headers;
        `client_headers` what the client that sent a message set on it, kept as far as the
        protocol lets a client set headers. Returns the Message-ID."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """{folder (well-known/distinguished id or display name): [messages, oldest first]}."""
        raise NotImplementedError

    def copy(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A snapshot of one record list, safe to hand out while the server keeps running."""
        with self.lock:
            return list(records)
