"""`focusguard config check` reports the worst-case wait under the promise, and warns (exit
code still 0) when the check-ins and focus blocks alone would keep a customer waiting longer
than promised (issue 12 §1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from focusguard.cli import main
from focusguard.core.promise_report import promise_report
from focusguard.core.settings import settings_from_toml

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = (REPO / "docs" / "examples" / "focusguard.toml").read_text(encoding="utf-8")
FOUR_HOURS = '[promise]\nreply_within = "4h"\nrelease_margin = "1h"\n'
assert FOUR_HOURS in EXAMPLE
# A Thursday in a week without a daylight-saving switch in London.
NOW = datetime(2026, 6, 4, 12, tzinfo=UTC)


def example_with(promise: str) -> str:
    return EXAMPLE.replace(FOUR_HOURS, promise)


def test_the_documented_example_keeps_its_4h_promise() -> None:
    """Check-ins 09:30 13:00 16:30 (30 minutes), focus Mon/Wed 10:00-12:00: mail arriving as
    Monday's 09:30 window closes waits 3 h of working time for 13:00, inside the 4 h."""
    report = promise_report(settings_from_toml(EXAMPLE), NOW)
    assert report is not None and report.worst is not None
    assert report.worst.wait.total_seconds() == 3 * 3600
    assert not report.exceeded and report.warning is None
    assert report.summary == (
        "promise: the longest wait is mail arriving Mon 10:00, held until 13:00 — 3h of your 4h"
    )


def test_a_promise_the_schedule_breaks_is_a_warning_naming_the_arrival() -> None:
    report = promise_report(
        settings_from_toml(example_with('[promise]\nreply_within = "2h"\n')), NOW
    )
    assert report is not None and report.exceeded
    assert report.summary == (
        "promise: the longest wait is mail arriving Mon 10:00, held until 13:00 — 3h, more "
        "than your 2h; the promise guard brings it out at 11:30"
    )
    assert report.warning == (
        "promise.reply_within: mail arriving Mon 10:00 would wait until 13:00 — 3h of working "
        "time, more than your 2h. FocusGuard will release it early, at 11:30, outside your "
        "check-ins. To keep mail for your check-ins, add or move a check-in, shorten a focus "
        "block, or promise a longer reply_within."
    )


def test_focus_wins_says_the_promise_will_be_late() -> None:
    text = example_with(
        '[promise]\nreply_within = "1h30m"\nrelease_margin = "15m"\nfocus_wins = true\n'
    )
    report = promise_report(settings_from_toml(text), NOW)
    assert report is not None and report.warning is not None
    # Monday 10:00 is due 11:30; its guard (11:15) is inside focus, which lasts until 12:00
    assert "keeps it held until 12:00 although its reply is due at 11:30" in report.warning


def test_no_promise_no_report() -> None:
    assert promise_report(settings_from_toml(example_with("")), NOW) is None


def test_holidays_do_not_change_the_typical_week() -> None:
    with_holidays = EXAMPLE.replace(
        "[schedule]\n", '[schedule]\nholidays = ["2026-06-01", "2026-06-02"]\n'
    )
    plain = promise_report(settings_from_toml(EXAMPLE), NOW)
    report = promise_report(settings_from_toml(with_holidays), NOW)
    assert report is not None and plain is not None and report.worst == plain.worst


def test_config_check_prints_it_and_a_warning_keeps_exit_code_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = tmp_path / "ok.toml"
    ok.write_text(EXAMPLE, encoding="utf-8")
    assert main(["config", "check", "--config", str(ok)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[1].startswith("promise: the longest wait is mail arriving ")
    assert out.err == ""

    tight = tmp_path / "tight.toml"
    tight.write_text(example_with('[promise]\nreply_within = "1h"\n'), encoding="utf-8")
    assert main(["config", "check", "--config", str(tight)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"{tight}: OK\n")
    assert out.err.startswith("warning: promise.reply_within: mail arriving ")
    assert "more than your 1h" in out.err


def test_config_check_without_a_promise_says_nothing_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.toml"
    path.write_text(example_with(""), encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: OK\n"
