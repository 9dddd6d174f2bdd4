"""What the check-in digest says about each message besides its headers (issue 12 §2): its
section, its reply-by time against the promise, what the auto-reply told that customer,
whether the sender is a new customer, and which chase it belongs to.

Built on the engine's worker from the store (held ledger, history, auto-reply ledger) and
the policy; the window only shows it. The rules themselves are `domain.triage`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo

from focusguard.core.records import HeldRecord, HeldState, StateStore
from focusguard.domain import autoreply
from focusguard.domain.history import HistoryEntry, message_token
from focusguard.domain.policy import Policy
from focusguard.domain.promise import PromiseStatus
from focusguard.domain.senders import Category, parse_address
from focusguard.domain.triage import Acquaintance, Arrival, Section, chains, chaser_note, section_of

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RecordKey = int | str


def record_key(rec: HeldRecord) -> RecordKey:
    """What makes a row one row: its ledger entry (several entries may share a Message-ID;
    each is a message of its own in the held folder)."""
    return rec.entry if rec.entry is not None else rec.message_id


@dataclass(frozen=True, slots=True)
class MessageNotes:
    section: Section
    reply_by: datetime | None = None  # customer mail under a promise
    promise: PromiseStatus | None = None  # at `now` while held, at its release after
    autoreply: str | None = None  # "13:00 GMT today": the release time the auto-reply named
    new_customer: bool = False
    chain: int | None = None  # the chase it is part of (two or more mails), None alone


@dataclass(frozen=True, slots=True)
class Triage:
    notes: Mapping[RecordKey, MessageNotes] = field(default_factory=dict)
    chain_notes: Mapping[int, str] = field(default_factory=dict)  # "3rd mail from ann@x since"
    history_known: bool = False  # the history has mail before this hold (new customers known)


def triage(
    records: Sequence[HeldRecord],
    store: StateStore,
    policy: Policy,
    now: datetime,
    zone: tzinfo,
) -> Triage:
    history = store.history(_EPOCH, now)
    by_token: dict[str, HistoryEntry] = {e.message: e for e in history if e.message is not None}
    tokens = {r.message_id: message_token(r.message_id) for r in records}
    entry_of = {
        record_key(r): by_token.get(tokens[r.message_id] or "")
        for r in records
        if tokens[r.message_id]
    }
    own = {t for t in tokens.values() if t is not None}
    known = Acquaintance.of(history, exclude=own)
    first_held: dict[str, datetime] = {}
    for r in records:
        if r.address:
            first_held[r.address] = min(first_held.get(r.address, r.received), r.received)
    promises = store.autoreply_promises(
        r.address for r in records if r.address and r.category == "customer"
    )
    notes: dict[RecordKey, MessageNotes] = {}
    for r in records:
        entry = entry_of.get(record_key(r))
        automatic = entry.automatic if entry is not None else _robot(r.address)
        section = section_of(r.category, automatic)
        if section is not Section.CUSTOMERS:
            notes[record_key(r)] = MessageNotes(section)
            continue
        reply_by = policy.reply_by(Category.CUSTOMER, r.received)
        status = None
        if policy.promise is not None:
            end = r.released_at if r.state is not HeldState.HELD and r.released_at else now
            status = policy.promise.state(r.received, end).status
        said = promises.get((r.address or "").lower())
        notes[record_key(r)] = MessageNotes(
            section,
            reply_by=reply_by,
            promise=status,
            autoreply=(
                autoreply.customer_time(said.promised, zone, now)
                if said is not None and said.promised is not None
                else None
            ),
            new_customer=known.is_new(r.address, first_held.get(r.address or "", r.received)),
        )
    chain_notes = _chases(records, notes, entry_of, tokens, now, zone)
    return Triage(
        {k: replace(n, chain=chain_notes[1].get(k)) for k, n in notes.items()},
        chain_notes[0],
        history_known=bool(known.first_received or known.written_to),
    )


def _chases(
    records: Sequence[HeldRecord],
    notes: Mapping[RecordKey, MessageNotes],
    entry_of: Mapping[RecordKey, HistoryEntry | None],
    tokens: Mapping[str, str | None],
    now: datetime,
    zone: tzinfo,
) -> tuple[dict[int, str], dict[RecordKey, int]]:
    """Chases among the customer mail still held: the wait is one customer's however many
    times they wrote."""
    held = [
        r
        for r in records
        if r.state is HeldState.HELD and notes[record_key(r)].section is Section.CUSTOMERS
    ]
    arrivals = []
    for r in held:
        e = entry_of.get(record_key(r))
        arrivals.append(
            Arrival(
                r.address,
                r.received,
                tokens.get(r.message_id),
                e.parents if e is not None else (),
                e.conversation if e is not None else None,
            )
        )
    texts: dict[int, str] = {}
    member: dict[RecordKey, int] = {}
    for number, chain in enumerate(chains(arrivals), start=1):
        if len(chain) < 2:
            continue
        first, last = held[chain[0]], held[chain[-1]]
        who = last.address or first.address or "an unknown sender"
        texts[number] = chaser_note(len(chain), who, first.received, zone, now)
        for i in chain:
            member[record_key(held[i])] = number
    return texts, member


def _robot(address: str | None) -> bool:
    """Without a history entry (held before FocusGuard noted them), only the address can
    say a robot sent it."""
    parsed = parse_address(address) if address else None
    return parsed is not None and autoreply.is_robot_sender(parsed)
