"""`focusguard replay` on traces found by fuzzing (issue 9 §4): a clear error naming the line
and the field, exit code 2, never a traceback; and work linear in the length of the trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from focusguard.cli import main
from focusguard.core.settings import settings_from_toml
from focusguard.domain import schedule
from focusguard.replay import parse_trace, replay
from focusguard.store import Store

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "docs" / "examples" / "focusguard.toml"
AT = "2026-03-27T09:00:00+00:00"


def run_replay(
    tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    trace = tmp_path / "t.jsonl"
    trace.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    code = main(["replay", "--config", str(CONFIG), "--trace", str(trace)])
    out = capsys.readouterr()
    return code, out.out, out.err


def message(**fields: object) -> str:
    return json.dumps({"id": "m1", "received": AT, "from": "ann@client.example", **fields})


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (["[" * 100_000 + "]" * 100_000], "line 1: not valid JSON here (nested too deeply)"),
        (
            ['{"a":' * 50_000 + "1" + "}" * 50_000],
            "line 1: not valid JSON here (nested too deeply)",
        ),
        (
            ['{"event": "focus_start", "at": "' + AT + '", "minutes": ' + "9" * 5000 + "}"],
            "line 1: not valid JSON here (a number too long to read)",
        ),
        (
            [json.dumps({"event": "focus_start", "at": AT, "minutes": 10**30})],
            'line 1: "minutes": focus lasts between 1 minute and 24 hours',
        ),
        (
            ['{"event": "focus_start", "at": "' + AT + '", "minutes": 1e30}'],
            'line 1: "minutes": minutes must be a whole number',
        ),
        (
            [json.dumps({"event": "focus_start", "at": AT, "minutes": 24 * 60 + 1})],
            'line 1: "minutes": focus lasts between 1 minute and 24 hours',
        ),
        (
            [json.dumps({"event": "focus_start", "at": AT, "minutes": True})],
            'line 1: "minutes": minutes must be a whole number',
        ),
        (
            [json.dumps({"event": "focus_start", "at": AT, "minutes": None})],
            'line 1: "minutes" is null',
        ),
        (
            [message(received="9999-12-31T09:00:00+00:00")],
            'line 1: "received": "9999-12-31T09:00:00+00:00" is outside the years 1970 to 8999',
        ),
        (
            [message(received="0001-01-01T00:00:00+05:00")],
            'line 1: "received": "0001-01-01T00:00:00+05:00" is outside the years 1970 to 8999',
        ),
        (
            [message(), json.dumps({"event": "focus_end", "at": "9999-12-31T23:59:59+00:00"})],
            'line 2: "at": "9999-12-31T23:59:59+00:00" is outside the years',
        ),
        (['{"id": "\\ud800", "received": "' + AT + '"}'], 'line 1: "id" contains a lone surrogate'),
        ([message(subject="Order \udfff")], 'line 1: "subject" contains a lone surrogate (U+DFFF)'),
        ([message(**{"from": "\ud83d@x.example"})], '"from" contains a lone surrogate (U+D83D)'),
        ([message(headers={"X-\udc80": "1"})], "line 1: a header name contains a lone surrogate"),
        ([message(headers={"X-A": "\ud800"})], 'line 1: header "X-A" contains a lone surrogate'),
        ([message(subject=["not", "text"])], 'line 1: "subject" must be a string, got ["not"'),
        ([json.dumps({"event": ["x"] * 200, "at": AT})], "line 1: unknown event"),
    ],
)
def test_bad_trace_lines_exit_2_with_the_line_and_field_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], words: str
) -> None:
    code, out, err = run_replay(tmp_path, lines, capsys)
    assert code == 2, err
    assert words in err
    assert out == ""
    assert "Traceback" not in err


def test_the_ends_of_the_supported_years_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for first in ("1970-01-01T00:00:00+00:00", "8999-12-31T20:00:00+00:00"):
        start = datetime.fromisoformat(first)
        lines = [
            message(received=first),
            json.dumps(
                {"event": "focus_start", "at": (start + timedelta(minutes=1)).isoformat(),
                 "minutes": 24 * 60}
            ),
            message(id="m2", received=(start + timedelta(minutes=2)).isoformat(),
                    **{"from": "bob@corp.example"}),
        ]  # fmt: skip
        code, out, err = run_replay(tmp_path, lines, capsys)
        assert code == 0, err
        assert [json.loads(row)["action"] for row in out.splitlines()] == ["hold", "hold"]


def test_a_lone_surrogate_in_a_trace_is_reported_through_the_real_command_line(
    tmp_path: Path,
) -> None:
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"id": "\\udc80x", "received": "' + AT + '"}\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "focusguard", "replay", "--config", str(CONFIG), "--trace",
         str(trace)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert 'line 1: "id" contains a lone surrogate (U+DC80)' in result.stderr
    assert "Traceback" not in result.stderr


def test_output_that_cannot_be_encoded_is_escaped_not_a_traceback(tmp_path: Path) -> None:
    # A file name that is not UTF-8 comes in as a lone surrogate (surrogateescape); printing
    # "<path>: OK" to a strict UTF-8 stdout raised UnicodeEncodeError.
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff.toml"))
    path.write_text("", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "focusguard", "config", "check", "--config", str(path)],
        capture_output=True, cwd=REPO, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stdout.endswith(b"\\udcff.toml: OK\n")


# -- bounded work ------------------------------------------------------------------------------


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.items = 0


def count_calls(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, sized: bool = False
) -> Counter:
    """Wrap the real `owner.name` to count calls (and, with `sized`, the items returned)."""
    counter = Counter()
    real: Callable[..., Any] = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        counter.calls += 1
        result = real(*args, **kwargs)
        if sized:
            counter.items += len(result)
        return result

    monkeypatch.setattr(owner, name, spy)
    return counter


def night_of_customer_mail(n: int) -> list[str]:
    """n customer messages a minute apart on a Thursday night: all held until 09:30."""
    t0 = datetime(2026, 3, 26, 19, 0, tzinfo=UTC)
    return [
        json.dumps(
            {"id": f"m{i}", "received": (t0 + timedelta(minutes=i)).isoformat(),
             "from": f"c{i % 40}@client{i % 7}.example", "subject": "s"}
        )
        for i in range(n)
    ]  # fmt: skip


def test_replay_reads_the_held_ledger_a_bounded_number_of_times_per_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # It asked the engine for the next release before every entry, and each answer walks the
    # whole held ledger: n²/2 records for n held messages (a 20,000-message trace took
    # minutes). Now the ledger is read only when a release or a focus change can move it.
    settings = settings_from_toml(CONFIG.read_text(encoding="utf-8"))
    n = 600
    held = count_calls(monkeypatch, Store, "held", sized=True)
    rows = replay(settings, parse_trace(night_of_customer_mail(n)))
    assert len(rows) == n and all(r["action"] == "hold" for r in rows)
    assert held.items <= 20 * n, f"{held.items} held records read for {n} messages"


def test_a_check_in_every_minute_resolves_each_check_in_once_per_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1,440 check-ins a day: every query of the schedule used to resolve every wall-clock
    # check-in of 18 days again (minutes for a week of trace).
    times = ", ".join(f'"{h:02d}:{m:02d}"' for h in range(24) for m in range(60))
    settings = settings_from_toml(
        f'[people]\nown_domains = ["corp.example"]\n[schedule]\ntimezone = "Europe/London"\n'
        f"check_ins = [{times}]\ncheck_in_minutes = 30\n"
    )
    for value in vars(schedule).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    resolved = count_calls(monkeypatch, schedule, "resolve")
    t0 = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # a week over the spring DST switch
    lines = []
    for i in range(7 * 24 * 2):
        t = t0 + timedelta(minutes=30 * i)
        if i % 8 == 0:
            lines.append(json.dumps({"event": "focus_start", "at": t.isoformat(), "minutes": 90}))
        sender = "bob@corp.example" if i % 3 else f"c{i}@client.example"
        lines.append(json.dumps({"id": f"m{i}", "received": t.isoformat(), "from": sender}))
    rows = replay(settings, parse_trace(lines))
    assert len(rows) == 7 * 24 * 2
    # 7 days of trace, each query looking about 18 days around it: at most ~40 days resolved.
    assert resolved.calls <= 40 * 1440, f"{resolved.calls} check-in times resolved"


def test_a_thousand_focus_blocks_are_resolved_once_per_day_not_per_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A valid file (well under 1 MB) can hold thousands of [[schedule.focus_blocks]]: every
    # query resolved each block on each of 62 days again (a one-day replay took 26 s).
    blocks = "".join(
        f'[[schedule.focus_blocks]]\ndays = ["mon", "tue", "wed", "thu", "fri"]\n'
        f'start = "{h:02d}:{m:02d}"\nend = "{h + 1:02d}:{m:02d}"\n'
        for h, m in ((i % 23, (i * 7) % 60) for i in range(1000))
    )
    settings = settings_from_toml(
        '[people]\nown_domains = ["corp.example"]\n[schedule]\ntimezone = "Europe/London"\n'
        + blocks
    )
    for value in vars(schedule).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    resolved = count_calls(monkeypatch, schedule, "resolve")
    trace = (REPO / "docs" / "examples" / "day.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(replay(settings, parse_trace(trace))) == 11
    assert resolved.calls <= 20_000, f"{resolved.calls} wall-clock times resolved"
