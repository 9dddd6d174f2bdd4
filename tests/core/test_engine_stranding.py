"""Held mail is never stranded (issue 9 §1): every item in the held folder has a ledger entry
of its own whatever its Message-ID, the manual verbs release what is on the server, and
"mark handled" never leaves mail in the held folder. The engine on the in-memory mailbox, a
real SQLite store and a virtual clock."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from focusguard.core.engine import Engine
from focusguard.core.ports import Folder, MailItem, MoveResult
from focusguard.core.records import HeldState
from tests.core.test_engine import Rig, at


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path, at(24, 8, 0))  # Tuesday 08:00


def in_held_folder(rig: Rig, item_id: str, message_id: str, sender: str) -> MailItem:
    """Mail a server rule put into the held folder at delivery, which no watcher reported."""
    item = MailItem(item_id, message_id, Folder.HELD, sender, "s", rig.clock.now())
    rig.mailbox.folders[Folder.HELD][item.item_id] = item
    return item


def held_ids(rig: Rig) -> set[str]:
    return {i.item_id for i in rig.mailbox.list_folder(Folder.HELD)}


# -- one message never hides another -----------------------------------------------------


def test_two_held_items_with_one_message_id_are_both_released(rig: Rig) -> None:
    # A duplicate (or a hostile copy) that a server rule held next to the original.
    real = in_held_folder(rig, "srv-real", "<dup@t>", "Ann <ann@client.example>")
    copy = in_held_folder(rig, "srv-copy", "<dup@t>", "Ann <ann@client.example>")
    rig.engine.on_new_mail(real)
    rig.engine.on_new_mail(copy)
    assert len(rig.store.entries("<dup@t>")) == 2
    assert rig.engine.status().held == 2
    rig.go(at(24, 9, 30))
    assert held_ids(rig) == set()
    assert rig.where("<dup@t>") == [Folder.INBOX, Folder.INBOX]
    assert rig.store.count_held() == 0


def test_a_copy_with_a_reused_message_id_does_not_take_over_the_real_entry(rig: Rig) -> None:
    real = rig.mail("Ann <ann@client.example>", "Invoice 4711")
    [entry] = rig.store.entries(real)
    # Someone who knows the Message-ID sends a copy during focus; it is held as itself.
    rig.clock.set(at(24, 8, 5))
    rig.engine.focus_start(30)
    hostile = in_held_folder(rig, "srv-hostile", real, "Mallory <m@corp.example>")
    rig.engine.on_new_mail(hostile)
    entries = rig.store.entries(real)
    assert len(entries) == 2
    mine, theirs = entries
    assert (mine.entry, mine.item_id, mine.sender) == (entry.entry, entry.item_id, entry.sender)
    assert mine.category == "customer" and mine.state is HeldState.HELD
    assert (theirs.item_id, theirs.category) == ("srv-hostile", "internal")
    # Each leaves at its own time: the copy when focus ends, the real one at the check-in.
    rig.go(at(24, 8, 35))
    assert "srv-hostile" not in held_ids(rig)
    assert rig.store.get_entry(mine.entry or 0) == mine  # still held, untouched
    rig.go(at(24, 9, 30))
    assert held_ids(rig) == set()


def test_a_copy_in_the_inbox_does_not_release_the_real_entry(rig: Rig) -> None:
    real = rig.mail("Ann <ann@client.example>")
    [entry] = rig.store.entries(real)
    copy = MailItem("inbox-copy", real, Folder.INBOX, "ann@client.example", "s", rig.clock.now())
    rig.mailbox.folders[Folder.INBOX][copy.item_id] = copy
    rig.engine.on_new_mail(copy)
    after = rig.store.get_entry(entry.entry or 0)
    assert after is not None and after.state is HeldState.HELD  # the real one is still held
    assert rig.engine.status().held == 1
    rig.go(at(24, 9, 30))
    assert held_ids(rig) == set()


def test_mail_the_user_moves_to_the_inbox_leaves_the_ledger(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    [item] = rig.mailbox.list_folder(Folder.HELD)
    moved = rig.mailbox.move([item], Folder.INBOX).moved[item.item_id]  # a new id, as on EWS
    [in_inbox] = [i for i in rig.mailbox.list_folder(Folder.INBOX) if i.item_id == moved]
    rig.engine.on_new_mail(in_inbox)
    rec = rig.store.get_held(ann)
    assert rec is not None and rec.state is HeldState.RELEASED
    assert rig.engine.status().held == 0


def test_restart_after_a_crash_keeps_duplicates_apart(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0))
    for n in range(3):
        in_held_folder(rig, f"srv-{n}", "<same@t>", f"C{n} <c{n}@client.example>")
    engine2 = Engine(rig.settings, rig.mailbox, rig.store, rig.clock, rig.notes)
    engine2.start()  # startup reconcile finds the folder's items
    assert sorted(r.item_id or "" for r in rig.store.entries("<same@t>")) == [
        "srv-0",
        "srv-1",
        "srv-2",
    ]
    engine2.reconcile(at(24, 9, 30))
    assert held_ids(rig) == set()


# -- the manual verbs release what is on the server --------------------------------------


def test_release_all_releases_what_the_ledger_never_heard_of(rig: Rig) -> None:
    known = rig.mail("ann@client.example")
    for n in range(5):
        in_held_folder(rig, f"srv-{n}", f"<unseen{n}@t>", f"c{n}@client{n}.example")
    release = rig.engine.release_all()
    assert release is not None and len(release.released) == 6
    assert held_ids(rig) == set()
    assert rig.where(known) == [Folder.INBOX]
    assert rig.store.count_held() == 0


def test_check_in_now_releases_unseen_customers_and_decides_the_rest(rig: Rig) -> None:
    rig.clock.set(at(24, 8, 10))
    rig.engine.focus_start(60)
    in_held_folder(rig, "srv-c", "<cust@t>", "ann@client.example")
    in_held_folder(rig, "srv-i", "<colleague@t>", "bob@corp.example")
    in_held_folder(rig, "srv-u", "<urgent@t>", "boss@corp.example")
    release = rig.engine.check_in_now()
    assert release is not None and [r.message_id for r in release.released] == ["<cust@t>"]
    assert rig.where("<cust@t>") == [Folder.INBOX]
    assert rig.where("<urgent@t>") == [Folder.INBOX]  # exact rules: never held
    assert rig.where("<colleague@t>") == [Folder.HELD]  # held until focus ends, and known
    rec = rig.store.get_held("<colleague@t>")
    assert rec is not None and rec.state is HeldState.HELD and rec.release_at == at(24, 9, 10)


def test_release_by_entry_follows_the_item_wherever_it_is(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    [entry] = rig.store.entries(ann)
    # The ledger's item id went stale (e.g. the user moved it out and back in on EWS).
    [item] = rig.mailbox.list_folder(Folder.HELD)
    out = rig.mailbox.move([item], Folder.INBOX).moved[item.item_id]
    [back] = [i for i in rig.mailbox.list_folder(Folder.INBOX) if i.item_id == out]
    rig.mailbox.move([back], Folder.HELD)
    release = rig.engine.release([entry.entry or 0])
    assert release is not None and len(release.released) == 1
    assert rig.where(ann) == [Folder.INBOX]


# -- mark handled never buries mail ------------------------------------------------------


def test_marking_held_mail_handled_moves_it_to_the_inbox(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    bob = rig.mail("bob@client2.example")
    [entry] = rig.store.entries(ann)
    done = rig.engine.mark_handled([entry.entry or 0])
    assert (done.marked, done.moved, done.failed) == (1, 1, 0)
    assert rig.where(ann) == [Folder.INBOX]
    rec = rig.store.get_held(ann)
    assert rec is not None and rec.state is HeldState.HANDLED
    assert rec.released_at == rig.clock.now()
    assert rig.where(bob) == [Folder.HELD]  # only what was marked
    assert rig.engine.status().held == 1
    # a later check-in has nothing of ann's left to do
    rig.go(at(24, 9, 30))
    assert rig.where(ann) == [Folder.INBOX] and rig.where(bob) == [Folder.INBOX]


def test_marking_released_mail_handled_lists_it_as_handled(rig: Rig) -> None:
    ann = rig.mail("ann@client.example")
    rig.go(at(24, 9, 30))
    [entry] = rig.store.entries(ann)
    assert entry.state is HeldState.RELEASED
    done = rig.engine.mark_handled([entry.entry or 0])
    assert (done.marked, done.moved, done.failed) == (1, 0, 0)
    rec = rig.store.get_entry(entry.entry or 0)
    assert rec is not None and rec.state is HeldState.HANDLED
    assert rec.released_at == at(24, 9, 30)  # when it left the held folder, unchanged
    assert [r.entry for r in rig.store.released_since(at(24, 0, 0))] == [entry.entry]


def test_held_mail_that_cannot_be_moved_is_not_marked_handled(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = rig.mail("ann@client.example")
    [entry] = rig.store.entries(ann)
    real_move = rig.mailbox.move

    def busy(items: Sequence[MailItem], to: Folder) -> MoveResult:
        if to is Folder.INBOX:
            return MoveResult({}, {i.item_id: "ErrorServerBusy" for i in items})
        return real_move(items, to)

    monkeypatch.setattr(rig.mailbox, "move", busy)
    done = rig.engine.mark_handled([entry.entry or 0])
    assert (done.marked, done.moved, done.failed) == (0, 0, 1)
    rec = rig.store.get_entry(entry.entry or 0)
    assert rec is not None and rec.state is HeldState.HELD  # still held, still shown as held
    assert rig.where(ann) == [Folder.HELD]
