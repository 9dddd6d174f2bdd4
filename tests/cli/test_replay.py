"""`focusguard replay` end to end, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from focusguard.cli import main
from focusguard.core.settings import settings_from_toml
from focusguard.replay import TraceError, parse_trace, replay

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "focusguard", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_replay_of_the_documented_example_prints_the_documented_output() -> None:
    result = run_cli(
        "replay",
        "--config",
        str(EXAMPLES / "focusguard.toml"),
        "--trace",
        str(EXAMPLES / "day.jsonl"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (EXAMPLES / "day.expected.jsonl").read_text(encoding="utf-8")


def test_replay_output_shape() -> None:
    text = (EXAMPLES / "day.expected.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["id"] for r in rows] == [f"m{i}" for i in range(1, 12)]
    for row in rows:
        assert list(row) == [
            "id", "category", "action", "release_at", "reply_by", "autoreply", "reason"
        ]  # fmt: skip
        assert (row["release_at"] is None) == (row["action"] == "deliver")
        # the example promises 4 h: every customer has a reply-by time, nobody else does
        assert (row["reply_by"] is None) == (row["category"] != "customer")
        if row["release_at"] is not None and row["reply_by"] is not None:
            # ... and held mail comes out at least the 1 h margin before it
            margin = datetime.fromisoformat(row["reply_by"]) - datetime.fromisoformat(
                row["release_at"]
            )
            assert margin >= timedelta(hours=1)
    # m6 came out early: the focus started at 12:30 postponed the 13:00 check-in to 13:30,
    # but its reply is due at 14:05
    m6 = rows[5]
    assert (m6["release_at"], m6["reply_by"]) == (
        "2026-03-27T13:05:00+00:00",
        "2026-03-27T14:05:00+00:00",
    )


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        (['{"id": "a", "received": "2026-03-27T09:00:00+00:00"}', "not json"], 2, "not valid JSON"),
        (['{"id": "a", "received": "2026-03-27T09:00:00"}'], 1, "no UTC offset"),
        (['{"id": "a", "received": "yesterday"}'], 1, "not an ISO-8601 time"),
        (['{"event": "focus_start", "at": "2026-03-27T09:00:00+00:00"}'], 1, '"minutes"'),
        (['{"event": "nap", "at": "2026-03-27T09:00:00+00:00"}'], 1, "unknown event"),
        (
            [
                '{"id": "a", "received": "2026-03-27T09:00:00+00:00"}',
                '{"id": "b", "received": "2026-03-27T08:00:00+00:00"}',
            ],
            2,
            "time order",
        ),
        (
            [
                '{"id": "a", "received": "2026-03-27T09:00:00+00:00"}',
                "",
                '{"id": "a", "received": "2026-03-27T09:10:00+00:00"}',
            ],
            3,
            "duplicate",
        ),
        (["[1, 2]"], 1, "JSON object"),
        (
            ['{"id": "a", "received": "2026-03-27T09:00:00+00:00", "headers": {"X": 1}}'],
            1,
            "headers",
        ),
    ],
)
def test_bad_trace_lines_name_their_line_and_exit_2(
    tmp_path: Path, lines: list[str], line: int, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "t.jsonl"
    trace.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TraceError) as info:
        list(parse_trace(trace.read_text().splitlines()))
    assert info.value.line == line
    code = main(["replay", "--config", str(EXAMPLES / "focusguard.toml"), "--trace", str(trace)])
    err = capsys.readouterr()
    assert code == 2
    assert f"line {line}:" in err.err and words in err.err
    assert err.out == ""  # nothing printed before the error
    assert "Traceback" not in err.err


def test_missing_trace_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", "--config", str(EXAMPLES / "focusguard.toml"), "--trace", "/nope"])
    assert code == 2
    assert "cannot read trace /nope" in capsys.readouterr().err


def test_release_at_reflects_later_events() -> None:
    settings = settings_from_toml((EXAMPLES / "focusguard.toml").read_text(encoding="utf-8"))
    trace = [
        '{"id": "c", "received": "2026-03-24T11:00:00+00:00", "from": "c@client.example"}',
        '{"event": "focus_start", "at": "2026-03-24T12:45:00+00:00", "minutes": 45}',
        '{"id": "i", "received": "2026-03-24T12:50:00+00:00", "from": "bob@corp.example"}',
        '{"event": "focus_end", "at": "2026-03-24T13:05:00+00:00"}',
    ]
    rows = {r["id"]: r for r in replay(settings, parse_trace(trace))}
    # The 13:00 check-in was postponed into focus (ends 13:30) but focus ended at 13:05:
    # the check-in fell inside focus when it was due, so it comes at the early end.
    assert rows["i"]["release_at"] == "2026-03-24T13:05:00+00:00"
    assert rows["c"]["release_at"] == "2026-03-24T13:05:00+00:00"


def test_without_a_promise_reply_by_is_null_and_the_check_in_decides() -> None:
    text = (EXAMPLES / "focusguard.toml").read_text(encoding="utf-8")
    without = text.replace('[promise]\nreply_within = "4h"\nrelease_margin = "1h"\n', "")
    assert without != text
    trace = (EXAMPLES / "day.jsonl").read_text(encoding="utf-8").splitlines()
    rows = replay(settings_from_toml(without), parse_trace(trace))
    assert all(r["reply_by"] is None for r in rows)
    assert rows[5]["id"] == "m6" and rows[5]["release_at"] == "2026-03-27T13:30:00+00:00"


def test_focus_wins_keeps_mail_in_focus_past_the_guard() -> None:
    text = (EXAMPLES / "focusguard.toml").read_text(encoding="utf-8")
    wins = text.replace('release_margin = "1h"\n', 'release_margin = "1h"\nfocus_wins = true\n')
    trace = (EXAMPLES / "day.jsonl").read_text(encoding="utf-8").splitlines()
    rows = {r["id"]: r for r in replay(settings_from_toml(wins), parse_trace(trace))}
    # m6's guard (13:05) falls inside the 12:30-13:30 focus: out when the focus ends
    assert rows["m6"]["release_at"] == "2026-03-27T13:30:00+00:00"
    assert rows["m6"]["reply_by"] == "2026-03-27T14:05:00+00:00"
