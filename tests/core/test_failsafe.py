"""The fail-safe's rules (core/failsafe.py): when a run may act, when runs happen, what the
app says afterwards, and the facts the app and the fail-safe share."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from focusguard.core import facts
from focusguard.core.failsafe import (
    STALE_AFTER,
    Heartbeat,
    LastRun,
    LockState,
    RunRecord,
    Trigger,
    Verdict,
    judge,
    needs_server,
    next_run,
    startup_report,
    triggers,
)
from focusguard.domain.schedule import WeeklyBlock, WeeklySchedule

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)  # a Tuesday
FRESH = Heartbeat(NOW - timedelta(seconds=40), 4242, running=True)
STALE = Heartbeat(NOW - STALE_AFTER - timedelta(seconds=1), 4242, running=True)
STOPPED = Heartbeat(NOW - timedelta(seconds=5), 4242, running=False)


@pytest.mark.parametrize(
    ("lock", "beat", "verdict"),
    [
        (LockState.BUSY, FRESH, Verdict.APP_RUNNING),
        (LockState.BUSY, STALE, Verdict.APP_UNRESPONSIVE),  # just woken, or stuck: hands off
        (LockState.BUSY, STOPPED, Verdict.APP_RUNNING),  # a new instance is starting
        (LockState.BUSY, None, Verdict.APP_UNRESPONSIVE),
        (LockState.ACQUIRED, None, Verdict.ACT),
        (LockState.ACQUIRED, STOPPED, Verdict.ACT),  # a clean quit: no need to wait
        (LockState.ACQUIRED, STALE, Verdict.ACT),  # died over five minutes ago
        (LockState.ACQUIRED, FRESH, Verdict.WAIT),  # died moments ago (or is restarting)
        (LockState.UNKNOWN, FRESH, Verdict.WAIT),  # no lock to ask: the heartbeat decides
        (LockState.UNKNOWN, STALE, Verdict.ACT),
        (LockState.UNKNOWN, STOPPED, Verdict.ACT),
    ],
)
def test_judge(lock: LockState, beat: Heartbeat | None, verdict: Verdict) -> None:
    assert judge(lock, beat, NOW) is verdict


def test_a_heartbeat_from_the_future_is_stale_after_the_clock_went_back() -> None:
    ahead = Heartbeat(NOW + timedelta(hours=2), 1, running=True)
    assert judge(LockState.ACQUIRED, ahead, NOW) is Verdict.ACT
    assert judge(LockState.BUSY, ahead, NOW) is Verdict.APP_UNRESPONSIVE
    slightly = Heartbeat(NOW + timedelta(seconds=20), 1, running=True)
    assert judge(LockState.ACQUIRED, slightly, NOW) is Verdict.WAIT


def test_the_threshold_is_configurable() -> None:
    assert judge(LockState.ACQUIRED, FRESH, NOW, timedelta(0)) is Verdict.ACT
    assert judge(LockState.ACQUIRED, STALE, NOW, timedelta(hours=1)) is Verdict.WAIT


SCHEDULE = WeeklySchedule(
    zone=LONDON,
    workdays=frozenset(range(5)),
    check_ins=(time(9, 30), time(13, 0), time(16, 40)),
    focus_blocks=(
        WeeklyBlock(frozenset({0, 2}), time(10, 0), time(12, 0)),
        WeeklyBlock(frozenset({4}), time(22, 0), time(1, 10)),  # Friday night into Saturday
    ),
)


def test_triggers_are_check_ins_on_workdays_and_focus_ends() -> None:
    assert triggers(SCHEDULE) == (
        Trigger(frozenset({5}), time(1, 10)),
        Trigger(frozenset(range(5)), time(9, 30)),
        Trigger(frozenset({0, 2}), time(12, 0)),
        Trigger(frozenset(range(5)), time(13, 0)),
        Trigger(frozenset(range(5)), time(16, 40)),
    )


def test_a_focus_end_on_a_check_in_is_one_trigger() -> None:
    schedule = WeeklySchedule(
        zone=LONDON,
        workdays=frozenset({0}),
        check_ins=(time(12, 0),),
        focus_blocks=(WeeklyBlock(frozenset({1}), time(10, 0), time(12, 0)),),
    )
    assert triggers(schedule) == (Trigger(frozenset({0, 1}), time(12, 0)),)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (NOW, NOW),  # on a quarter hour
        (NOW + timedelta(seconds=1), NOW + timedelta(minutes=15)),
        (NOW.replace(hour=16, minute=31), NOW.replace(hour=16, minute=40)),  # check-in first
        (NOW.replace(hour=16, minute=40), NOW.replace(hour=16, minute=40)),
        (NOW.replace(hour=16, minute=41), NOW.replace(hour=16, minute=45)),
    ],
)
def test_next_run(at: datetime, expected: datetime) -> None:
    assert next_run(at, SCHEDULE) == expected


def test_next_run_at_a_focus_end_after_midnight() -> None:
    friday_night = datetime(2026, 3, 28, 1, 2, tzinfo=LONDON)  # Saturday 01:02
    assert next_run(friday_night, SCHEDULE) == datetime(2026, 3, 28, 1, 10, tzinfo=LONDON)


def test_next_run_across_the_spring_forward_switch() -> None:
    # 29 March 2026: London goes from 01:00 GMT to 02:00 BST.
    before = datetime(2026, 3, 29, 0, 50, tzinfo=UTC)
    assert next_run(before, SCHEDULE) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 30, 8, 31, tzinfo=UTC)  # 09:31 BST
    assert next_run(monday, SCHEDULE) == datetime(2026, 3, 30, 8, 45, tzinfo=UTC)
    assert next_run(monday - timedelta(minutes=2), SCHEDULE) == datetime(
        2026, 3, 30, 8, 30, tzinfo=UTC
    )


def test_next_run_in_a_zone_with_a_45_minute_offset() -> None:
    nepal = ZoneInfo("Asia/Kathmandu")  # UTC+05:45: quarters still line up
    t = datetime(2026, 3, 24, 10, 1, tzinfo=nepal)
    assert next_run(t, SCHEDULE).astimezone(nepal) == datetime(2026, 3, 24, 10, 15, tzinfo=nepal)


def at(hh: int, mm: int = 0) -> datetime:
    return NOW.replace(hour=hh, minute=mm)


def test_startup_report_names_what_was_released_and_when() -> None:
    runs = [
        RunRecord(at(10, 15), 0, 0, rules_off=True),
        RunRecord(at(13, 0), 3, 0, rules_off=False),
        RunRecord(at(16, 40), 2, 0, rules_off=False),
    ]
    title, message = startup_report(runs, LONDON, at(17, 5)) or ("", "")
    assert title == "The fail-safe released held mail"
    assert message == (
        "While FocusGuard was not running, the fail-safe released 5 emails at 13:00 and "
        "16:40. From 10:15 new mail went straight to your Inbox."
    )


def test_startup_report_of_a_run_that_only_switched_holding_off() -> None:
    report = startup_report([RunRecord(at(10, 15), 0, 0, rules_off=True)], LONDON, at(10, 20))
    assert report == (
        "The fail-safe stepped in",
        "From 10:15 new mail went straight to your Inbox.",
    )


def test_startup_report_says_what_went_wrong() -> None:
    runs = [
        RunRecord(at(13, 0), 1, 2, rules_off=True),
        RunRecord(at(13, 15), 0, 0, False, "Exchange is not reachable: check the network"),
    ]
    _, message = startup_report(runs, LONDON, NOW.replace(day=25, hour=9)) or ("", "")
    assert "the fail-safe released 1 email at 24 Mar 13:00." in message
    assert "2 emails could not be moved yet; FocusGuard retries." in message
    assert message.endswith("could not finish: Exchange is not reachable: check the network")


def test_no_report_when_nothing_happened() -> None:
    assert startup_report([], LONDON, NOW) is None
    assert startup_report([RunRecord(NOW, 0, 0, rules_off=False)], LONDON, NOW) is None


def test_needs_server() -> None:
    done = LastRun(FRESH.at, complete=True)
    assert needs_server(None, FRESH, due=False)  # never ran: look
    assert not needs_server(done, FRESH, due=False)  # nothing changed since
    assert needs_server(done, FRESH, due=True)  # something fell due
    assert needs_server(done, STALE, due=False)  # the app ran again since
    assert needs_server(LastRun(FRESH.at, complete=False), FRESH, due=False)
    assert not needs_server(LastRun(None, complete=True), None, due=False)


def test_facts_round_trip() -> None:
    assert facts.decode_heartbeat(facts.encode_heartbeat(FRESH)) == FRESH
    runs = [RunRecord(NOW, 2, 1, True, "x"), RunRecord(NOW, 0, 0, False)]
    assert facts.decode_runs(facts.encode_runs(runs)) == runs
    last = LastRun(NOW, complete=False)
    assert facts.decode_last_run(facts.encode_last_run(last)) == last
    assert facts.decode_last_run(facts.encode_last_run(LastRun(None, True))) == LastRun(None, True)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "nope",
        "[]",
        "{}",
        '{"at": "x", "pid": 1, "running": true}',
        '{"at": "2026-03-24T11:00:00", "pid": 1, "running": true}',  # naive
        '{"at": "2026-03-24T11:00:00+00:00", "pid": "1", "running": true}',
        '{"at": "2026-03-24T11:00:00+00:00", "pid": 1, "running": "yes"}',
    ],
)
def test_a_damaged_heartbeat_is_none(text: str | None) -> None:
    assert facts.decode_heartbeat(text) is None


def test_damaged_run_records_are_skipped_not_fatal() -> None:
    good = {"at": NOW.isoformat(), "released": 1, "failed": 0, "rules_off": True, "problem": None}
    text = facts.json.dumps(
        [good, {"at": 3}, "x", {**good, "released": -1}, {**good, "failed": True}]
    )
    assert facts.decode_runs(text) == [RunRecord(NOW, 1, 0, True)]
    assert facts.decode_runs("{") == []


def test_the_report_keeps_a_bounded_number_of_runs() -> None:
    runs = [RunRecord(NOW + timedelta(minutes=i), 1, 0, False) for i in range(80)]
    kept = facts.decode_runs(facts.encode_runs(runs))
    assert len(kept) == facts.MAX_REPORTED_RUNS and kept[-1] == runs[-1]
