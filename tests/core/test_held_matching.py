"""Matching ledger entries to the held folder's items: by item id, else only one-to-one by
Message-ID and receipt time; never letting a copy take over an entry (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from focusguard.core.held_matching import match_held
from focusguard.core.ports import Folder, MailItem
from focusguard.core.records import HeldRecord

T0 = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)


def entry(n: int, item_id: str | None, mid: str = "<a@t>", minute: int = 0) -> HeldRecord:
    return HeldRecord(
        message_id=mid,
        item_id=item_id,
        sender="ann@client.example",
        address="ann@client.example",
        subject="s",
        category="customer",
        received=T0 + timedelta(minutes=minute),
        held_at=T0,
        release_at=None,
        reason="held",
        entry=n,
    )


def item(item_id: str, mid: str = "<a@t>", minute: int = 0) -> MailItem:
    return MailItem(item_id, mid, Folder.HELD, "x@y.example", "s", T0 + timedelta(minutes=minute))


def pairs(match: object) -> set[tuple[int | None, str]]:
    return {(rec.entry, it.item_id) for rec, it in match.same}  # type: ignore[attr-defined]


def test_item_id_wins_over_a_copy_with_the_same_message_id() -> None:
    match = match_held([entry(1, "A")], [item("B"), item("A")])
    assert pairs(match) == {(1, "A")}
    assert [i.item_id for i in match.new] == ["B"] and match.gone == ()
    assert match.moved == ()


def test_a_stale_id_is_matched_by_message_id_and_receipt_time() -> None:
    match = match_held([entry(1, "old")], [item("new")])
    assert pairs(match) == {(1, "new")}
    assert [(r.entry, i.item_id) for r, i in match.moved] == [(1, "new")]


def test_an_entry_without_an_id_is_matched_too() -> None:
    assert pairs(match_held([entry(1, None)], [item("A")])) == {(1, "A")}


def test_a_copy_cannot_claim_an_entry_whose_item_left() -> None:
    # The real item left (released by the user); a copy with its Message-ID arrived later.
    match = match_held([entry(1, "gone")], [item("copy", minute=7)])
    assert match.same == ()
    assert [r.entry for r in match.gone] == [1]
    assert [i.item_id for i in match.new] == ["copy"]


def test_ambiguity_is_not_guessed_at() -> None:
    # Two items in the same second with the entry's Message-ID, and its own id is stale.
    match = match_held([entry(1, "stale")], [item("X"), item("Y")])
    assert match.same == ()
    assert [r.entry for r in match.gone] == [1]
    assert sorted(i.item_id for i in match.new) == ["X", "Y"]


def test_two_entries_claiming_one_id_leave_one_over() -> None:
    match = match_held([entry(1, "A"), entry(2, "A")], [item("A")])
    assert pairs(match) == {(1, "A")}
    assert [r.entry for r in match.gone] == [2]


def test_a_listing_that_repeats_an_item_counts_it_once() -> None:
    match = match_held([], [item("A"), item("A")])
    assert [i.item_id for i in match.new] == ["A"]


ids = st.sampled_from(["A", "B", "C", "D", "E", None])
mids = st.sampled_from(["<a@t>", "<b@t>"])
minutes = st.integers(0, 2)


@given(
    st.lists(st.tuples(ids, mids, minutes), max_size=6),
    st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D", "E", "F"]), mids, minutes), max_size=6),
)
def test_every_item_and_every_entry_ends_up_exactly_once(
    entries: list[tuple[str | None, str, int]], items: list[tuple[str, str, int]]
) -> None:
    recs = [entry(n + 1, i, m, t) for n, (i, m, t) in enumerate(entries)]
    listed = [item(i, m, t) for i, m, t in items]
    match = match_held(recs, listed)
    unique_items = {i.item_id for i in listed}
    matched_items = [i.item_id for _, i in match.same]
    assert sorted(matched_items + [i.item_id for i in match.new]) == sorted(unique_items)
    matched_entries = [r.entry for r, _ in match.same]
    assert sorted(matched_entries + [r.entry for r in match.gone]) == list(range(1, len(recs) + 1))
    for rec, it in match.same:
        assert rec.item_id == it.item_id or (
            (rec.message_id, rec.received) == (it.message_id, it.received)
        )
    # An entry whose item is listed keeps it, whatever copies arrive next to it.
    first_claim: dict[str, int] = {}
    for rec in recs:
        if rec.item_id is not None and rec.entry is not None:
            first_claim.setdefault(rec.item_id, rec.entry)
    for item_id, claimant in first_claim.items():
        if item_id in unique_items:
            assert (claimant, item_id) in pairs(match)
