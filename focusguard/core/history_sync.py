"""Read the mailbox's history into the store: paged, resumable, with progress (issue 13 §1).

Each folder is read oldest first, a page at a time, and every page is saved together with
where the read stands (`ReadState`): an interrupted read — the network gone, the app quit —
continues from its last saved page; a later read fetches only what is new since. A page
does not follow the server's next-page link: a next link made of an offset (`$skip`,
`IndexedPageItemView Offset`) shifts when messages move between folders during the read —
FocusGuard itself moves mail — and would skip one. The read starts each page again from the
last time it saw (`Segment.mark`), skipping what it already has at exactly that time.

The held folder is read before the Inbox: releases move mail from the held folder into the
Inbox, keeping its received time, so a message released during the read is met again in
the Inbox (where the read has not reached it yet) rather than missed in both.

Only the headers that mark bulk or automatic mail are looked at, and only here: the store
keeps flags (`automatic`, `no_autoreply`), not the headers (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from focusguard.core.history_records import ReadState, Segment
from focusguard.core.ports import HistoryFolder, HistoryItem, HistorySource, MailError, MailItem
from focusguard.domain import autoreply
from focusguard.domain.history import (
    Direction,
    HistoryEntry,
    conversation_token,
    message_ids,
    message_token,
    parent_tokens,
    token,
)
from focusguard.domain.senders import Address, sender_address

PAGE_SIZE = 100
# New mail can land with a received time a little before the last read's end (transport
# delay, clock skew between servers): the next read starts this much earlier.
OVERLAP = timedelta(minutes=5)
FOLDERS = (HistoryFolder.HELD, HistoryFolder.INBOX, HistoryFolder.SENT)


@dataclass(frozen=True, slots=True)
class HistoryProgress:
    folder: HistoryFolder
    read: int  # messages read so far in this run, all folders
    done: float  # share of the time to read that is read, 0..1


@dataclass(frozen=True, slots=True)
class SyncResult:
    read: int  # messages read from the server in this run
    pages: int  # requests for pages


ProgressListener = Callable[[HistoryProgress], object]


class HistoryStore(Protocol):
    def history_state(self, folder: HistoryFolder) -> ReadState: ...
    def save_history(self, state: ReadState, entries: Sequence[HistoryEntry]) -> None: ...


def sync_history(
    source: HistorySource,
    store: HistoryStore,
    *,
    since: datetime,
    until: datetime,
    own: Address | None,
    page_size: int = PAGE_SIZE,
    on_progress: ProgressListener | None = None,
) -> SyncResult:
    """Make the store hold every message of the held folder, the Inbox and Sent Items
    received in [since, until) (whole seconds). Raises `MailError` as the source does; what
    was read until then stays saved and the next call continues from there."""
    since, until = _second(since), _second(until)
    if until < since:
        raise ValueError(f"sync_history: until ({until}) is before since ({since})")
    plans = {f: _plan(store.history_state(f), since, until) for f in FOLDERS}
    total = sum((s.end - s.mark for segs in plans.values() for s in segs), timedelta(0))
    progress = _Progress(total, on_progress)
    read = pages = 0
    for folder in FOLDERS:
        for segment in plans[folder]:
            state = store.history_state(folder)
            while True:
                limit = page_size + len(segment.seen)
                page = source.history_page(folder, segment.mark, segment.end, limit)
                pages += 1
                fresh = _fresh(page.items, segment, own)
                read += len(fresh)
                moved = _advance(segment, page.items)
                if not page.more:
                    lo, hi = _cover(state.lo, state.hi, segment.start, segment.end)
                    state = ReadState(folder, lo, hi, None)
                    store.save_history(state, fresh)
                    progress.step(folder, read, segment.end - segment.mark)
                    break
                if not fresh and moved.mark == segment.mark and moved.seen == segment.seen:
                    raise MailError(
                        "Reading the mailbox's history made no progress",
                        f"The server kept answering the same messages of the {folder.value} "
                        "folder. Try again later; what was read so far is kept.",
                    )
                state = ReadState(folder, state.lo, state.hi, moved)
                store.save_history(state, fresh)
                progress.step(folder, read, moved.mark - segment.mark)
                segment = moved
    progress.finish(read)
    return SyncResult(read, pages)


def _plan(state: ReadState, since: datetime, until: datetime) -> list[Segment]:
    """What to read of a folder: a read in progress first, then the stretches of [since,
    until) the store does not hold yet."""
    out: list[Segment] = []
    lo, hi = state.lo, state.hi
    if state.segment is not None:
        out.append(state.segment)
        lo, hi = _cover(lo, hi, state.segment.start, state.segment.end)
    if lo is None or hi is None:
        out.append(Segment(since, until, since))
        return out
    if since < lo:
        out.append(Segment(since, lo, since))
    if hi < until:
        start = max(lo, hi - OVERLAP)
        out.append(Segment(start, until, start))
    return out


def _cover(
    lo: datetime | None, hi: datetime | None, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The range held after reading [start, end) on top of [lo, hi). Reads are planned next
    to what is held, so the two touch; if pruning put a gap between them, the later wins."""
    if lo is None or hi is None:
        return start, end
    if start <= hi and end >= lo:
        return min(lo, start), max(hi, end)
    return (start, end) if end > hi else (lo, hi)


def _advance(segment: Segment, items: Sequence[HistoryItem]) -> Segment:
    """The segment after a page: marked at the page's last time, with the keys seen at it."""
    inside = [i for i in items if segment.mark <= i.position <= segment.end]
    if not inside:
        return segment
    top = max(i.position for i in inside)
    at_top = frozenset(entry_key(i) for i in inside if i.position == top)
    seen = segment.seen | at_top if top == segment.mark else at_top
    return Segment(segment.start, segment.end, top, seen)


def _fresh(
    items: Sequence[HistoryItem], segment: Segment, own: Address | None
) -> list[HistoryEntry]:
    out: list[HistoryEntry] = []
    keys: set[str] = set()
    for item in items:
        key = entry_key(item)
        if key in keys or (item.position == segment.mark and key in segment.seen):
            continue
        keys.add(key)
        out.append(to_entry(item, own))
    return out


def entry_key(item: HistoryItem) -> str:
    """One entry per message, whichever folder it was read in: direction, Message-ID and
    time (a Message-ID alone is not unique: duplicates happen)."""
    direction = _direction(item.folder).value
    ids = message_ids(item.message_id)
    if ids:
        return token(f"{direction}|{ids[0]}|{_second(item.at).isoformat()}")
    return token(f"{direction}|item|{item.item_id}")


def to_entry(item: HistoryItem, own: Address | None) -> HistoryEntry:
    """What the store keeps of a message (addresses, times, flags, tokens)."""
    direction = _direction(item.folder)
    recipients = tuple(
        str(a) for a in (sender_address(r) for r in item.recipients) if a is not None
    )
    received = direction is Direction.RECEIVED
    sender = sender_address(item.sender) if received else None
    headers = autoreply.Headers.of(
        {k: v for k, v in item.headers.items() if autoreply.marks_automatic_mail(k)}
    )
    return HistoryEntry(
        key=entry_key(item),
        direction=direction,
        at=_second(item.at),
        sender=None if sender is None else str(sender),
        recipients=tuple(dict.fromkeys(recipients)),
        message=message_token(item.message_id),
        parents=parent_tokens(item.in_reply_to, item.references),
        conversation=conversation_token(item.conversation_id),
        automatic=received and autoreply.automatic_reason(headers, sender) is not None,
        no_autoreply=received and autoreply.refusal(headers, sender, own) is not None,
        own_autoreply=not received and item.own_autoreply,
        held=item.folder is HistoryFolder.HELD,
    )


def history_entry(item: MailItem, own: Address | None) -> HistoryEntry:
    """The history entry of a message being held now: the same entry (same key) a read of
    the held folder would make of it, less the conversation id, which `MailItem` lacks."""
    headers = autoreply.Headers.of(item.headers)
    return to_entry(
        HistoryItem(
            folder=HistoryFolder.HELD,
            item_id=item.item_id,
            message_id=item.message_id,
            sender=item.sender,
            recipients=item.recipients,
            position=item.received,
            at=item.received,
            in_reply_to=headers.get("In-Reply-To"),
            references=headers.get("References"),
            headers=item.headers,
        ),
        own,
    )


def _direction(folder: HistoryFolder) -> Direction:
    return Direction.SENT if folder is HistoryFolder.SENT else Direction.RECEIVED


def _second(t: datetime) -> datetime:
    return t.replace(microsecond=0)


class _Progress:
    def __init__(self, total: timedelta, listener: ProgressListener | None) -> None:
        self._total = total
        self._done = timedelta(0)
        self._listener = listener
        self._last: HistoryFolder = FOLDERS[0]

    def step(self, folder: HistoryFolder, read: int, covered: timedelta) -> None:
        self._done += max(covered, timedelta(0))
        self._last = folder
        if self._listener is not None:
            share = 1.0 if self._total <= timedelta(0) else min(1.0, self._done / self._total)
            self._listener(HistoryProgress(folder, read, share))

    def finish(self, read: int) -> None:
        if self._listener is not None:
            self._listener(HistoryProgress(self._last, read, 1.0))
