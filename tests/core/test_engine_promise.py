"""The promise guard in the engine, on a virtual clock: held customer mail comes out no later
than `release_margin` before it is due, as a release of its own kind ("promise"), during
focus unless `focus_wins`; the status counts held customer mail at risk and overdue.

London, the week of Monday 23 March 2026; check-ins 09:30 13:00 16:30 (30 minutes), focus
Mon and Wed 10:00-12:00, working time 09:00-17:30.
"""

from __future__ import annotations

from pathlib import Path

from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine, policy_for
from focusguard.core.ports import Folder
from focusguard.core.records import HeldState
from focusguard.core.status_text import status_line
from focusguard.domain.senders import Category
from tests.core.test_engine import CONFIG, Rig, at

NO_CALENDAR = CONFIG.replace("[schedule]\n", '[schedule]\ncalendar_focus_subject = ""\n')
TWO_HOURS = NO_CALENDAR + '\n[promise]\nreply_within = "2h"\nrelease_margin = "30m"\n'
FOCUS_WINS = TWO_HOURS + "focus_wins = true\n"
FOUR_HOURS = NO_CALENDAR + '\n[promise]\nreply_within = "4h"\nrelease_margin = "30m"\n'

ANN = "Ann <ann@client.example>"


def kinds(rig: Rig) -> list[str]:
    return [r.kind for r in rig.releases]


def test_the_guard_releases_before_the_check_in(tmp_path: Path) -> None:
    """Tuesday 10:00, just after the 09:30 window closed: the next check-in is 13:00 (3 h of
    working time), the promise 2 h. Out at 11:30, half an hour before it is due."""
    rig = Rig(tmp_path, at(24, 10, 0), TWO_HOURS)
    ann = rig.mail(ANN)
    decision = rig.outcomes[ann].decision
    assert decision.reason == "held: customer, until 11:30 (promised reply by 12:00)"
    assert decision.release_at == at(24, 11, 30) and decision.reply_by == at(24, 12, 0)
    assert rig.engine.next_wake(at(24, 10, 0)) == at(24, 11, 30)
    rig.go(at(24, 11, 29))
    assert rig.where(ann) == [Folder.HELD]
    rig.go(at(24, 11, 30))
    assert rig.where(ann) == [Folder.INBOX]
    (release,) = rig.releases
    assert release.kind == "promise"
    assert release.reason == "released early: promised reply by 12:00"
    assert [r.message_id for r in release.released] == [ann]
    (record,) = [c for c in rig.store.check_ins() if c.kind == "promise"]
    assert record.released == 1
    assert (
        record.note == "1 customer email from 1 customer, released early: promised reply by 12:00"
    )


def test_without_a_promise_the_same_mail_waits_for_the_check_in(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 10, 0), NO_CALENDAR)
    ann = rig.mail(ANN)
    assert rig.outcomes[ann].decision.reply_by is None
    rig.go(at(24, 12, 59))
    assert rig.where(ann) == [Folder.HELD]
    rig.go(at(24, 13, 0))
    assert rig.where(ann) == [Folder.INBOX] and kinds(rig) == ["check-in"]


def test_the_promise_breaks_a_focus_block(tmp_path: Path) -> None:
    """Monday 10:00 in the 10:00-12:00 focus: due 12:00, out at 11:30 although focus runs."""
    rig = Rig(tmp_path, at(23, 10, 0), TWO_HOURS)
    ann = rig.mail(ANN)
    rig.go(at(23, 11, 30))
    assert rig.engine.status().focus_until == at(23, 12, 0)
    assert rig.where(ann) == [Folder.INBOX] and kinds(rig) == ["promise"]


def test_focus_wins_keeps_the_mail_until_the_focus_ends(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(23, 10, 0), FOCUS_WINS)
    ann = rig.mail(ANN)
    assert rig.outcomes[ann].decision.release_at == at(23, 12, 0)
    rig.go(at(23, 11, 59))
    assert rig.where(ann) == [Folder.HELD]
    rig.go(at(23, 12, 0))  # the focus end, still before the 13:00 check-in: the guard's doing
    assert rig.where(ann) == [Folder.INBOX] and kinds(rig) == ["promise"]


def test_the_ledger_reason_stays_true_when_focus_moves_the_release(tmp_path: Path) -> None:
    """focus_wins: held until the focus end at 12:00 for the promise; a focus started at
    11:00 for 4 h moves both the guard and the 13:00 check-in to 15:00, and the ledger says
    it is the check-in now, not the promise."""
    rig = Rig(tmp_path, at(23, 10, 0), FOCUS_WINS)
    ann = rig.mail(ANN)
    rec = rig.store.get_held(ann)
    assert rec is not None and rec.release_at == at(23, 12, 0)
    assert rec.reason == "held: customer, until 12:00 (promised reply by 12:00)"
    rig.clock.set(at(23, 11, 0))
    rig.engine.focus_start(240)
    rec = rig.store.get_held(ann)
    assert rec is not None and rec.release_at == at(23, 15, 0)
    assert rec.reason == "held: customer, next check-in 15:00"


def test_ending_focus_early_reports_what_the_guard_held_for_it(tmp_path: Path) -> None:
    """focus_wins: Monday 10:00 mail waits for the focus end (its guard 11:30 is in focus).
    "End focus" at 11:45 brings it out, and the focus-end run the user sees says so."""
    rig = Rig(tmp_path, at(23, 10, 0), FOCUS_WINS)
    ann = rig.mail(ANN)
    rig.go(at(23, 11, 40))
    assert rig.where(ann) == [Folder.HELD]
    rig.clock.set(at(23, 11, 45))
    release = rig.engine.focus_end()
    assert release is not None and release.kind == "focus-end"
    assert [r.message_id for r in release.released] == [ann]
    assert kinds(rig) == ["focus-end"]


def test_a_focus_started_over_the_check_in_cannot_push_past_the_guard(tmp_path: Path) -> None:
    """4 h promise: Tuesday 10:00 mail is due 14:00 and would come out at 13:00. A focus
    started at 12:30 for two hours postpones the check-in to 14:30; the guard (13:30) wins."""
    rig = Rig(tmp_path, at(24, 10, 0), FOUR_HOURS)
    ann = rig.mail(ANN)
    assert rig.outcomes[ann].decision.reason == "held: customer, next check-in 13:00"
    rig.clock.set(at(24, 12, 30))
    rig.engine.focus_start(120)
    rec = rig.store.get_held(ann)
    assert rec is not None and rec.release_at == at(24, 13, 30)
    assert rec.reason == "held: customer, until 13:30 (promised reply by 14:00)"
    assert rig.engine.next_release(at(24, 12, 30)) == at(24, 13, 30)
    rig.go(at(24, 13, 29))
    assert rig.where(ann) == [Folder.HELD]
    rig.go(at(24, 13, 30))
    assert rig.where(ann) == [Folder.INBOX] and kinds(rig) == ["promise"]


def test_one_reconcile_releases_guarded_and_scheduled_mail_as_two_runs(tmp_path: Path) -> None:
    """After a sleep through 13:00: mail whose check-in came and mail the guard would have
    released earlier come out together, as a "promise" run and a check-in run."""
    rig = Rig(tmp_path, at(24, 8, 0), TWO_HOURS)
    early = rig.mail(ANN)  # 08:00: due 11:00, check-in 09:30 comes first
    rig.go(at(24, 9, 30))
    assert rig.where(early) == [Folder.INBOX]
    rig.clock.set(at(24, 10, 30))
    guarded = rig.mail("bea@client.example")  # due 12:30, guard 12:00
    rig.clock.set(at(24, 11, 30))
    checked = rig.mail("cy@client.example")  # due 13:30, guard 13:00 = the check-in
    release = rig.engine.reconcile(at(24, 14, 0))  # woke up late
    assert release is not None and release.kind == "check-in"
    assert [r.message_id for r in release.released] == [checked]
    assert kinds(rig) == ["check-in", "promise", "check-in"]
    assert [r.message_id for r in rig.releases[1].released] == [guarded]
    assert rig.where(guarded) == rig.where(checked) == [Folder.INBOX]


def test_status_counts_held_customer_mail_at_risk_and_overdue(tmp_path: Path) -> None:
    """With focus_wins and a long focus, mail stays held past its reply-by time."""
    rig = Rig(tmp_path, at(23, 10, 0), FOCUS_WINS)
    rig.engine.focus_start(240)  # 10:00-14:00, over the scheduled 10:00-12:00
    first = rig.mail(ANN)  # due 12:00
    rig.clock.set(at(23, 10, 45))
    rig.mail("bea@client.example")  # due 12:45
    rig.mail("bob@corp.example")  # a colleague: held by focus, no promise

    def counts(hh: int, mm: int) -> tuple[int, int]:
        rig.go(at(23, hh, mm))
        s = rig.engine.status()
        assert s.as_json()["at_risk"] == s.at_risk and s.as_json()["overdue"] == s.overdue
        return s.at_risk, s.overdue

    assert counts(11, 0) == (0, 0)
    assert counts(11, 30) == (1, 0)  # Ann has used 1h30 of 2h: 75 %
    assert counts(12, 15) == (1, 1)  # Ann is overdue, Bea at risk
    line = status_line(rig.engine.status())
    assert "3 held (1 overdue, 1 at risk)" in line
    assert counts(13, 0) == (0, 2)
    rig.go(at(23, 14, 0))
    assert rig.engine.status().held == 0
    rec = rig.store.get_held(first)
    assert rec is not None and rec.state is HeldState.RELEASED


def test_no_promise_no_counts(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 10, 0), NO_CALENDAR)
    rig.mail(ANN)
    status = rig.engine.status()
    assert (status.at_risk, status.overdue) == (0, 0)
    assert "at risk" not in status_line(status)


def test_the_fail_safe_keeps_the_promise_too(tmp_path: Path) -> None:
    """With FocusGuard not running, the fail-safe's run releases by the same guard."""
    rig = Rig(tmp_path, at(24, 10, 0), TWO_HOURS)
    ann = rig.mail(ANN)
    assert policy_for(rig.settings, rig.store).release_time(Category.CUSTOMER, at(24, 10, 0)) == at(
        24, 11, 30
    )
    later = VirtualClock(at(24, 11, 30))
    fresh = Engine(rig.settings, rig.mailbox, rig.store, later, rig.notes)
    outcome = fresh.stand_down(at(24, 11, 30))
    assert outcome.released == 1 and rig.where(ann) == [Folder.INBOX]
