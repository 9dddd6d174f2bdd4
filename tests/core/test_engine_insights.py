"""What the engine writes down for insights (issue 13 §2): the focus ledger (focus really in
force, ad-hoc and ended early included, beyond the two days its own state keeps), when it
first held mail, and the daily pruning of the history and the ledger after keep_days."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from focusguard.core import mailbox_insights
from focusguard.core.facts import decode_instant
from focusguard.core.focus_ledger import HOLDING_SINCE
from focusguard.core.history_records import ReadState
from focusguard.core.ports import HistoryFolder
from focusguard.domain.history import Direction, HistoryEntry
from focusguard.domain.schedule import Interval
from tests.core.test_engine import CONFIG, Rig, at

DAY = timedelta(days=1)


def test_the_ledger_keeps_scheduled_adhoc_and_early_ended_focus(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(23, 8, 0))  # Monday 08:00; focus Mon/Wed 10:00-12:00
    rig.go(at(23, 9, 30))
    rig.go(at(23, 10, 0))
    rig.go(at(23, 11, 0))
    rig.clock.set(at(23, 11, 15))
    rig.engine.focus_end()  # ends the scheduled block early
    rig.go(at(23, 13, 0))
    rig.clock.set(at(23, 14, 0))
    rig.engine.focus_start(25)  # ad hoc
    rig.go(at(23, 16, 30))
    # Two days later the engine's own state has forgotten Monday's ad-hoc block and the
    # early end; the ledger has not.
    rig.go(at(26, 9, 30))
    assert rig.store.focus_spans(at(23, 0), at(24, 0)) == [
        Interval(at(23, 10, 0), at(23, 11, 15)),
        Interval(at(23, 14, 0), at(23, 14, 25)),
    ]
    # Wednesday's block was in force while the engine reconciled through it.
    assert rig.store.focus_spans(at(25, 0), at(26, 0)) == [Interval(at(25, 10), at(25, 12))]


def test_the_ledger_starts_when_the_engine_does(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(25, 11, 0))  # Wednesday 11:00, inside the 10:00-12:00 block
    rig.go(at(25, 12, 30))
    # Nothing is claimed before FocusGuard ran.
    assert rig.store.focus_spans(at(25, 0), at(26, 0)) == [Interval(at(25, 11), at(25, 12))]


def test_the_first_hold_is_noted_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0))
    assert rig.store.get_fact(HOLDING_SINCE) is None
    rig.mail("bob@corp.example")  # delivered: nothing held yet
    assert rig.store.get_fact(HOLDING_SINCE) is None
    rig.clock.set(at(24, 8, 5))
    rig.mail("ann@client.example")  # held until 09:30
    rig.clock.set(at(24, 8, 50))
    rig.mail("cy@client.example")
    assert decode_instant(rig.store.get_fact(HOLDING_SINCE)) == at(24, 8, 5)
    assert mailbox_insights.holding_since(rig.store) == at(24, 8, 5)


def test_without_the_note_the_first_release_counts(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0))
    rig.mail("ann@client.example")
    rig.go(at(24, 9, 30))
    rig.store.delete_fact(HOLDING_SINCE)  # a state file from before the note existed
    assert mailbox_insights.holding_since(rig.store) == at(24, 9, 30)


def test_history_and_ledger_are_pruned_after_keep_days(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(23, 8, 0), CONFIG + "\n[privacy]\nkeep_days = 3\n")
    old = HistoryEntry(
        "k", Direction.RECEIVED, at(23, 8, 30), "ann@client.example", (), None, (), None
    )
    rig.store.save_history(ReadState(HistoryFolder.INBOX, at(23, 8), at(23, 9)), [old])
    rig.go(at(23, 12, 30))  # through Monday's focus block
    assert rig.store.focus_spans(at(23, 0), at(24, 0)) != []
    rig.go(at(26, 12, 31))  # Thursday: more than 3 days after both
    assert rig.store.history(at(20, 0), at(30, 0)) == []
    assert rig.store.focus_spans(at(23, 0), at(24, 0)) == []
    assert rig.store.history_state(HistoryFolder.INBOX) == ReadState(HistoryFolder.INBOX)
