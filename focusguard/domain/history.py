"""The mailbox's history as the figures see it: who wrote to whom when, in which thread.

One `HistoryEntry` per message received (Inbox or held folder) or sent (Sent Items). It
keeps only what the insights need (issue 13 §1): addresses, times, whether the mail was
bulk or automatic, and *tokens* for the thread: short one-way digests of the Message-ID, of
the `In-Reply-To` / `References` ids and of the server's conversation id. Tokens link a
reply to what it answers without keeping a readable id; subjects and bodies are never read.

**Threads.** Exchange groups a conversation by the first message's Message-ID, which
replies carry in `References` / `In-Reply-To`, and starts a new conversation when the
subject changes ("Exchange defines conversations based on the Message-ID value of the first
email message in a thread",
https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-work-with-conversations-by-using-ews-in-exchange).
A reply in Sent Items has no internet headers on Graph ("internet headers just do not exist
on the copy in Sent Items", microsoftgraph/microsoft-graph-docs#2716), so neither source is
complete on its own: `threads` joins messages that share a conversation id *or* are linked
by a Message-ID reference, whichever the server gave.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# 80 bits of SHA-256: a collision among a mailbox's messages is out of reach (birthday bound
# ~2^40), and the digest is short enough to index cheaply.
TOKEN_HEX = 20


class Direction(enum.Enum):
    RECEIVED = "received"
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One message of the mailbox's history (see the module docstring)."""

    key: str  # the entry's identity: the same message read again (moved, re-read) is one entry
    direction: Direction
    at: datetime  # received (incoming) or sent (outgoing); aware
    sender: str | None  # incoming: the normalised SMTP address of From; None if malformed
    recipients: tuple[str, ...]  # To and Cc, normalised addresses
    message: str | None  # token of its Message-ID
    parents: tuple[str, ...]  # tokens of In-Reply-To and References
    conversation: str | None  # token of the server's conversation id
    automatic: bool = False  # bulk or machine-sent (List-*, Precedence, Auto-Submitted, robots)
    no_autoreply: bool = False  # RFC 3834 and friends forbid an auto-reply to it
    own_autoreply: bool = False  # one of FocusGuard's own auto-replies (sent)
    held: bool = False  # it was in the held folder when read

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"a history entry's time must be aware, got {self.at!r}")
        if not self.key:
            raise ValueError("a history entry needs a key")


def token(text: str) -> str:
    """A short one-way digest of an id (Message-ID, conversation id)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:TOKEN_HEX]


def message_ids(header: str | None) -> tuple[str, ...]:
    """The msg-ids of a Message-ID / In-Reply-To / References value, in order, normalised to
    `<...>` (RFC 5322 §3.6.4: each is `"<" id-left "@" id-right ">"`, separated by white
    space or comments). Anything outside angle brackets is ignored."""
    if not header:
        return ()
    found: list[str] = []
    start = -1
    for i, ch in enumerate(header):
        if ch == "<":
            start = i
        elif ch == ">" and start >= 0:
            inner = "".join(header[start + 1 : i].split())
            if inner:
                found.append(f"<{inner}>")
            start = -1
    if not found:
        bare = "".join(header.split())
        if bare and "@" in bare and "<" not in bare and ">" not in bare:
            found.append(f"<{bare}>")
    return tuple(found)


def message_token(message_id: str | None) -> str | None:
    ids = message_ids(message_id)
    return token(ids[0]) if ids else None


def parent_tokens(in_reply_to: str | None, references: str | None) -> tuple[str, ...]:
    """Tokens of every id a message answers or refers to, each once, References first."""
    seen: dict[str, None] = {}
    for msg_id in (*message_ids(references), *message_ids(in_reply_to)):
        seen.setdefault(token(msg_id), None)
    return tuple(seen)


def conversation_token(conversation_id: str | None) -> str | None:
    return token("conversation:" + conversation_id) if conversation_id else None


def threads(entries: Sequence[HistoryEntry]) -> list[int]:
    """The thread of each entry (a number, equal for entries of one thread), in input order.

    Two entries are in one thread when they share a conversation token, when one's parents
    name the other's Message-ID, or when they name a common parent: union-find over the
    tokens, near-linear in the number of entries and tokens."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    for entry in entries:
        own = "e:" + entry.key
        find(own)
        for linked in _links(entry):
            union(own, linked)
    numbers: dict[str, int] = {}
    return [numbers.setdefault(find("e:" + e.key), len(numbers)) for e in entries]


def _links(entry: HistoryEntry) -> Iterable[str]:
    if entry.conversation is not None:
        yield "c:" + entry.conversation
    if entry.message is not None:
        yield "m:" + entry.message
    for p in entry.parents:
        yield "m:" + p
