"""The engine's ports: what it needs from the mail server, the state store, the clock, the
keyring and the notifier. Each has a real adapter and a fake twin, so the whole app runs
headless on a CI box.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from focusguard.core.errors import FocusGuardError
from focusguard.domain.policy import HoldPlan
from focusguard.domain.schedule import Interval


class Folder(enum.Enum):
    INBOX = "inbox"
    HELD = "held"


# The receipt time of a brief item (MailBackend.list_folder): not known, earlier than any.
UNKNOWN_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MailItem:
    """One message as the engine sees it. `item_id` changes on every move (Exchange);
    `message_id` (the Internet Message-ID) does not, so the ledger is keyed on it."""

    item_id: str
    message_id: str
    folder: Folder
    sender: str  # the From header as received, display name included (untrusted text)
    subject: str
    received: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    web_link: str | None = None
    # To and Cc as received, "Name <addr>" each (untrusted): [exceptions] sent_to (issue 14)
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MoveResult:
    """Per-id outcome of a bulk move: new ids for what moved, errors for what did not."""

    moved: Mapping[str, str]  # old item id -> new item id
    failed: Mapping[str, str]  # old item id -> error text


class RuleMode(enum.Enum):
    SERVER_RULE = "server-rule"
    CLIENT_MOVE = "client-move"


@dataclass(frozen=True, slots=True)
class HoldRules:
    """What server-side rules should express: the plan plus who is exempt or targeted."""

    plan: HoldPlan
    customers: tuple[str, ...]  # domains/addresses; empty with all_external
    all_external: bool
    own_domains: tuple[str, ...]
    urgent: tuple[str, ...]
    # [exceptions] (issue 14): mail with one of these in its subject, or sent to one of these
    # addresses, is never held, whoever sent it.
    subject_keywords: tuple[str, ...] = ()
    sent_to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What the backend did about server-side rules, and why not when it could not."""

    mode: RuleMode
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MailboxCheck:
    """What a connection test found (Settings → Account "Test connection", the wizard's last
    page), before anything is saved or changed on the server."""

    mailbox: str  # the address signed in to
    held_folder: str  # its name
    held_folder_exists: bool  # False: FocusGuard creates it on the first start
    server_rules: bool  # the server lets FocusGuard keep rules (else it moves mail itself)
    rule_blob: bool | None  # Outlook's rule blob present (EWS); None where there is none
    detail: str = ""  # why server rules cannot be used, when they cannot


MailListener = Callable[[MailItem], object]
# Watcher health: a MailError while watching fails (it keeps retrying), None once it works.
HealthListener = Callable[["MailError | None"], object]


class MailBackend(Protocol):
    """A mailbox with an Inbox and a held folder. All calls may block on the network and
    raise `MailError`; the engine calls them only from its worker thread."""

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def watch(
        self,
        on_new: MailListener,
        on_resync: Callable[[], object],
        on_health: HealthListener | None = None,
    ) -> None:
        """Start calling `on_new` for mail arriving in the Inbox or the held folder, and
        `on_resync` after any gap (reconnect) in which arrivals may have been missed.

        Watching never stops by itself: a failure (a rejected sign-in included) is retried
        with capped exponential back-off. While it keeps failing, `on_health(error)` says
        why; once it works again `on_health(None)`, then `on_resync`. Mail that arrived
        meanwhile is decided then (issue 9: "a watcher that stops is never silent")."""

    def list_folder(
        self,
        folder: Folder,
        since: datetime | None = None,
        known: Collection[str] = (),
    ) -> Sequence[MailItem]:
        """Messages in `folder` (received at or after `since`, when given).

        Items whose id is in `known` (the caller has their details already) may come back
        brief: their `item_id` and `folder`, every other field empty (`received` is
        `UNKNOWN_TIME`). On EWS that spares the GetItem per 100 messages and the parsing that
        were most of what looking at a held folder of 1,000 cost (issue 15). Every other item
        is complete."""

    def move(self, items: Sequence[MailItem], to: Folder) -> MoveResult: ...

    def send_reply(self, item: MailItem, body: str, headers: Mapping[str, str]) -> None: ...

    def message_text(self, item_id: str) -> str:
        """The message's body as plain text, converted by the server (the digest's preview,
        fetched on demand: never stored, never rendered as rich text)."""
        ...

    def apply_rules(self, rules: HoldRules | None) -> RuleOutcome:
        """Make the server-side hold rules match `rules` (None: no hold rules at all)."""

    def calendar_focus(self, subject: str, since: datetime, until: datetime) -> list[Interval]: ...


class MailError(FocusGuardError):
    """A mail server problem a person can act on: `title` + plain-language `message`."""

    def __init__(self, title: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(title, message)
        self.retryable = retryable


class AuthError(MailError):
    def __init__(self, title: str, message: str) -> None:
        super().__init__(title, message, retryable=False)


# -- the mailbox's history (issue 13 §1): read-only, for insights and the preview -------------


class HistoryFolder(enum.Enum):
    """The folders the history reads: mail received (Inbox, held folder) and sent."""

    HELD = "held"
    INBOX = "inbox"
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One message of a folder's history, as the server has it. Never a subject or body:
    only who, when, the thread ids and the headers that mark bulk or automatic mail."""

    folder: HistoryFolder
    item_id: str  # the server's id (changes on moves: for logs, never an identity)
    message_id: str | None  # the Internet Message-ID
    sender: str  # From as received, "Name <addr>" (untrusted); "" for sent mail
    recipients: tuple[str, ...]  # To and Cc, "Name <addr>" each (untrusted)
    position: datetime  # when it arrived in the folder: what the folder is read in order of
    at: datetime  # received (Inbox, held folder) or sent (Sent Items)
    conversation_id: str | None = None  # EWS ConversationId / Graph conversationId
    in_reply_to: str | None = None
    references: str | None = None
    # Only the headers `domain.autoreply.marks_automatic_mail` names (List-Id, Precedence,
    # Auto-Submitted, X-Auto-Response-Suppress, ...).
    headers: Mapping[str, str] = field(default_factory=dict)
    own_autoreply: bool = False  # sent by FocusGuard as an auto-reply (its markers)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Up to `limit` items of a folder, oldest `position` first; `more` when the range
    holds more after them."""

    items: tuple[HistoryItem, ...]
    more: bool


@runtime_checkable  # the service asks whether a backend can read its history
class HistorySource(Protocol):
    """Reads a mailbox's history; the EWS, Graph and in-memory backends implement it. Calls
    may block on the network and raise `MailError`; they change nothing on the server."""

    def history_page(
        self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
    ) -> HistoryPage:
        """Items of `folder` with `since <= position < until` (whole seconds), oldest first,
        at most `limit`. Items at one position may come in any order."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class Notifier(Protocol):
    """Tells the person something. Text is plain; implementations must not render markup."""

    def notify(self, title: str, message: str, *, kind: str = "info") -> None: ...


class Secrets(Protocol):
    """Where passwords and tokens are kept (focusguard/secrets.py: the OS keyring). Every
    method raises a `FocusGuardError` (the keyring's `SecretStoreError`) when it cannot."""

    def get(self, account: str) -> str | None: ...

    def set(self, account: str, secret: str) -> None: ...

    def delete(self, account: str) -> None: ...
