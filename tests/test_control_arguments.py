"""The control channel checks its arguments exactly like the command line does (issue 9 §4):
one validator (core/command_args.py), named by the verb's declaration (app/service.py), for
`focus start`, `pause`, the socket and replay."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from focusguard.app import control
from focusguard.app.builder import App
from focusguard.cli import main
from focusguard.core.command_args import (
    FOCUS_RANGE,
    PAUSE_RANGE,
    ArgumentProblem,
    focus_minutes,
    parse_duration,
    pause_hours,
)
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import build_app, drain

CONFIG = """
[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["00:00"]

[holding]
mode = "client-move"
"""


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[App]:
    app = build_app(settings_from_toml(CONFIG), MemoryMailbox(), tmp_path, control=True)
    app.start()
    drain(app)  # connected
    yield app
    app.stop()


def status() -> dict[str, object]:
    reply = control.request({"cmd": "status"})
    data = reply["data"]
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("minutes", "error"),
    [
        (6_000_000, FOCUS_RANGE),  # focus until 2038: accepted before
        (24 * 60 + 1, FOCUS_RANGE),
        (10**400, FOCUS_RANGE),
        (True, "minutes must be a whole number"),  # bool is an int: accepted before
        (25.0, "minutes must be a whole number"),
        ("25", "minutes must be a whole number"),
        (0, FOCUS_RANGE),
        (-5, FOCUS_RANGE),
    ],
)
def test_focus_minutes_out_of_range_or_wrong_type_are_refused(
    runtime: App, minutes: object, error: str
) -> None:
    reply = control.request({"cmd": "focus-start", "minutes": minutes})
    assert reply["ok"] is False
    assert error in str(reply["error"])
    assert status()["in_focus"] is False


@pytest.mark.parametrize(
    ("hours", "error"),
    [
        (True, "hours must be a number"),  # accepted before: one hour
        ("2", "hours must be a number"),
        (None, "hours must be a number"),
        (0.001, PAUSE_RANGE),  # 3.6 seconds: accepted before
        (169, PAUSE_RANGE),
        (-1, PAUSE_RANGE),
        (math.nan, PAUSE_RANGE),
        (math.inf, PAUSE_RANGE),
        (10**400, PAUSE_RANGE),
    ],
)
def test_pause_hours_out_of_range_or_wrong_type_are_refused(
    runtime: App, hours: object, error: str
) -> None:
    reply = control.request({"cmd": "pause", "hours": hours})
    assert reply["ok"] is False
    assert error in str(reply["error"])
    assert status()["paused_until"] is None


def test_the_limits_are_the_command_lines_limits(runtime: App) -> None:
    assert parse_duration("24h") == 24 * 60
    with pytest.raises(ArgumentProblem, match=FOCUS_RANGE):
        parse_duration("24h1m")
    assert control.request({"cmd": "focus-start", "minutes": 24 * 60})["ok"] is True
    assert control.request({"cmd": "focus-end"})["ok"] is True
    assert control.request({"cmd": "focus-start", "minutes": None})["ok"] is True  # until check-in
    assert control.request({"cmd": "pause", "hours": 168})["ok"] is True
    assert control.request({"cmd": "resume"})["ok"] is True
    assert control.request({"cmd": "pause"})["ok"] is True  # default: one hour


@pytest.mark.parametrize("hours", ["0", "0.001", "169", "nan", "inf", "-1", "soon"])
def test_pause_hours_on_the_command_line_are_checked_before_sending(
    hours: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # No instance runs: a value the CLI refuses never gets as far as "not running".
    with pytest.raises(SystemExit) as info:
        main(["pause", "--hours", hours])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--hours" in err and "not running" not in err


def test_validators_refuse_what_json_can_smuggle_in() -> None:
    assert focus_minutes(None) is None
    assert focus_minutes(90) == 90
    assert pause_hours(1) == 1.0 and pause_hours(0.5) == 0.5
    for bad in (True, False, 1.5, math.nan, [], {}):
        with pytest.raises(ValueError):
            focus_minutes(bad)
    for bad in (True, math.nan, -math.inf, "1", [1]):
        with pytest.raises(ValueError):
            pause_hours(bad)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{", "not valid JSON"),
        (b'{"cmd": "pause", "hours": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[" * 30_000 + b"]" * 30_000, "not valid JSON"),  # RecursionError in json
        (b'["status"]', "must be a JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_a_malformed_request_gets_a_clear_answer_and_no_traceback_in_the_log(
    runtime: App, raw: bytes, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    addr, family = control.address()
    with Client(addr, family) as conn:
        conn.send_bytes(raw)
        assert conn.poll(10)
        reply = json.loads(conn.recv_bytes())
    assert reply["ok"] is False and error in reply["error"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert status()["in_focus"] is False  # still answering
