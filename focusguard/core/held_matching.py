"""Matching the held ledger to what is really in the held folder.

The server is the truth, but its items do not carry the ledger's key: Exchange gives an item
a new id on every move (EWS; Graph keeps immutable ids), and the Internet Message-ID is not
unique — duplicates happen, and a hostile sender can reuse a known one (issue 9: "one message
never hides another"). So an entry is matched

1. by the item id it last knew (exact, and no sender can forge it);
2. failing that (an EWS item moved out and back, an id the ledger never learnt), by
   Message-ID *and* the server's receipt time, and only where exactly one unmatched entry and
   one unmatched item share them. The receipt time is stamped by the server and survives
   moves inside the mailbox; a sender can copy a Message-ID, not the second it arrived.

Whatever stays unmatched is not guessed at: an entry left over has left the held folder, an
item left over is new and is decided on its own. A copy with a reused Message-ID therefore
never takes over the real message's entry, and every item in the folder ends up with one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from focusguard.core.ports import MailItem


class Entry(Protocol):
    """What matching reads of a ledger entry: a `HeldRecord`, or the lighter `HeldKey` the
    store reads for 100,000 held entries without building their records (issue 15)."""

    @property
    def entry(self) -> int | None: ...
    @property
    def item_id(self) -> str | None: ...
    @property
    def message_id(self) -> str: ...
    @property
    def received(self) -> datetime: ...


E = TypeVar("E", bound=Entry)


@dataclass(frozen=True, slots=True)
class HeldMatch(Generic[E]):
    """How the held entries and the held folder's items pair up."""

    same: tuple[tuple[E, MailItem], ...]  # matched; the item id may be new
    gone: tuple[E, ...]  # entries whose item is no longer in the folder
    new: tuple[MailItem, ...]  # items no entry accounts for

    @property
    def moved(self) -> tuple[tuple[E, MailItem], ...]:
        """Matched pairs whose item id the ledger has to learn."""
        return tuple((rec, item) for rec, item in self.same if rec.item_id != item.item_id)


def match_held(entries: Iterable[E], items: Iterable[MailItem]) -> HeldMatch[E]:
    """Pair held entries with the items in the held folder (see the module docstring)."""
    same: list[tuple[E, MailItem]] = []
    by_id: dict[str, E] = {}
    rest: list[E] = []
    for entry in entries:
        if entry.item_id is not None and entry.item_id not in by_id:
            by_id[entry.item_id] = entry
        else:
            rest.append(entry)  # no id, or a second entry claiming the same id
    unmatched: list[MailItem] = []
    for item in _unique_items(items):
        rec = by_id.pop(item.item_id, None)
        if rec is None:
            unmatched.append(item)
        else:
            same.append((rec, item))
    left = sorted([*by_id.values(), *rest], key=_order)
    pairs, gone, new = _pair_one_to_one(left, unmatched)
    same.extend(pairs)
    return HeldMatch(tuple(same), gone, new)


def _unique_items(items: Iterable[MailItem]) -> list[MailItem]:
    seen: set[str] = set()
    out: list[MailItem] = []
    for item in items:
        if item.item_id not in seen:  # a listing that repeats an item (paging) counts once
            seen.add(item.item_id)
            out.append(item)
    return out


def _order(rec: Entry) -> tuple[int, str]:
    return (rec.entry or 0, rec.message_id)


def _key(x: Entry | MailItem) -> tuple[str, datetime]:
    return (x.message_id, x.received)


def _pair_one_to_one(
    recs: Sequence[E], items: Sequence[MailItem]
) -> tuple[list[tuple[E, MailItem]], tuple[E, ...], tuple[MailItem, ...]]:
    """Pairs whose (Message-ID, receipt time) occurs exactly once on each side; then what
    is left of each side."""
    rec_groups: defaultdict[tuple[str, datetime], list[E]] = defaultdict(list)
    item_groups: defaultdict[tuple[str, datetime], list[MailItem]] = defaultdict(list)
    for rec in recs:
        rec_groups[_key(rec)].append(rec)
    for item in items:
        item_groups[_key(item)].append(item)
    pairs: list[tuple[E, MailItem]] = []
    for key, group in rec_groups.items():
        candidates = item_groups.get(key, [])
        if len(group) == 1 and len(candidates) == 1:
            pairs.append((group[0], candidates[0]))
    paired = {_key(rec) for rec, _ in pairs}
    gone = tuple(r for r in recs if _key(r) not in paired)
    new = tuple(i for i in items if _key(i) not in paired)
    return pairs, gone, new
