"""Property (issue 9 §4): whatever bytes `config check` and `replay` are given, they exit with
0, 1 or 2, print no traceback, and finish in bounded time (hypothesis `deadline`).

Run in-process through the real `main(argv)` for speed, with stdout and stderr being strict
UTF-8 text streams like a terminal's (so an unencodable character would fail as it does for
a person); a few cases run through `python -m focusguard` as well.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focusguard.cli import main

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "docs" / "examples" / "focusguard.toml"
EXAMPLE_TRACE = (REPO / "docs" / "examples" / "day.jsonl").read_text(encoding="utf-8")

FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),  # a hang (20 s and more before) fails the example
    suppress_health_check=[HealthCheck.too_slow],
)


def run(argv: list[str]) -> tuple[int, str]:
    """Exit code and everything printed, with terminal-like strict UTF-8 streams."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        out.flush()
        err.flush()
    printed = out.buffer.getvalue() + err.buffer.getvalue()  # type: ignore[attr-defined]
    return code, printed.decode("utf-8")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# -- TOML-ish documents ------------------------------------------------------------------------

KEYS = [
    "account", "kind", "email", "ews_url", "auth", "username", "client_id", "tenant",
    "poll_seconds", "people", "own_domains", "customers", "urgent", "schedule", "timezone",
    "workdays", "check_ins", "check_in_minutes", "focus_blocks", "days", "start", "end",
    "autoreply", "template", "urgent_phone", "holding", "mode", "folder", "password",
]  # fmt: skip
toml_strings = st.text(max_size=20).map(json.dumps) | st.sampled_from(
    ['"\\u0000"', '"\\ud800"', '"a\\tb"', "'''x\n'''", '"evil.example/oauth2?x="', '"25:00"']
)
toml_values = st.recursive(
    st.integers().map(str)
    | st.sampled_from(["9" * 4400, "-" + "1" * 5000, "1e999", "nan", "inf", "0x" + "f" * 5000])
    | st.floats().map(repr)
    | st.sampled_from(["true", "false", "1979-05-27T07:32:00Z", "07:32:00", "{}"])
    | toml_strings,
    lambda inner: st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    max_leaves=12,
)
toml_lines = st.one_of(
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS) | st.text(max_size=8), toml_values),
    st.sampled_from(KEYS).map(lambda k: f"[{k}]"),
    st.just("[[schedule.focus_blocks]]"),
    st.just("[" * 200 + "]" * 200),
    st.text(max_size=30),
)
toml_documents = (
    st.lists(toml_lines, max_size=12)
    .map("\n".join)
    .map(lambda text: text.encode("utf-8", "surrogatepass"))
)


@FUZZ
@given(st.binary(max_size=3000) | toml_documents)
def test_config_check_on_any_bytes_exits_0_or_1_without_a_traceback(
    files: Path, data: bytes
) -> None:
    path = files / "focusguard.toml"
    path.write_bytes(data)
    code, printed = run(["config", "check", "--config", str(path)])
    assert code in (0, 1), printed
    assert "Traceback" not in printed


# -- JSON-lines-ish traces -------------------------------------------------------------------

TIMES = [
    "2026-03-27T09:00:00+00:00", "2026-03-27T09:05:00+01:00", "2026-03-28T23:59:59-12:00",
    "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "1970-01-01T00:00:00+14:00",
    "2026-03-29T01:30:00+00:00", "2026-03-27T09:00:00", "yesterday",
]  # fmt: skip
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**30, -(10**30), 24 * 60, 24 * 60 + 1, 0])
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["\ud800", "x\udfffy", "\u0000", *TIMES])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
trace_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=4) | json_values,
        "received": st.sampled_from(TIMES) | json_values,
        "from": st.sampled_from(["ann@client.example", "boss@corp.example", "x"]) | json_values,
        "subject": json_values,
        "headers": st.dictionaries(st.text(max_size=8), st.text(max_size=8)) | json_values,
        "event": st.sampled_from(["focus_start", "focus_end", "nap"]) | json_values,
        "at": st.sampled_from(TIMES) | json_values,
        "minutes": json_values,
    },
)
trace_lines = st.one_of(
    trace_objects.map(lambda o: json.dumps(o, ensure_ascii=False, allow_nan=True)),
    st.sampled_from(EXAMPLE_TRACE.splitlines()),
    st.just("[" * 20_000 + "]" * 20_000),
    st.just('{"minutes": ' + "9" * 5000 + "}"),
    st.text(max_size=40),
)
traces = (
    st.lists(trace_lines, max_size=15)
    .map("\n".join)
    .map(lambda text: text.encode("utf-8", "surrogatepass"))
)


@FUZZ
@given(st.binary(max_size=3000) | traces)
def test_replay_on_any_bytes_exits_0_or_2_without_a_traceback(files: Path, data: bytes) -> None:
    trace = files / "trace.jsonl"
    trace.write_bytes(data)
    code, printed = run(["replay", "--config", str(CONFIG), "--trace", str(trace)])
    assert code in (0, 2), printed
    assert "Traceback" not in printed


@settings(max_examples=50, deadline=timedelta(seconds=5))
@given(st.binary(max_size=2000) | toml_documents)
def test_replay_with_any_config_bytes_exits_0_or_2_without_a_traceback(
    files: Path, data: bytes
) -> None:
    config = files / "replay.toml"
    config.write_bytes(data)
    trace = files / "day.jsonl"
    trace.write_text(EXAMPLE_TRACE, encoding="utf-8")
    code, printed = run(["replay", "--config", str(config), "--trace", str(trace)])
    assert code in (0, 2), printed
    assert "Traceback" not in printed


# -- the same through the real process -------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_through_the_real_command_line(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    blob = rng.randbytes(4000)
    (tmp_path / "c.toml").write_bytes(blob)
    (tmp_path / "t.jsonl").write_bytes(blob)
    for argv, codes in (
        (["config", "check", "--config", str(tmp_path / "c.toml")], (0, 1)),
        (["replay", "--config", str(CONFIG), "--trace", str(tmp_path / "t.jsonl")], (0, 2)),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "focusguard", *argv],
            capture_output=True, cwd=REPO, timeout=60,
        )  # fmt: skip
        assert result.returncode in codes, result.stderr
        assert b"Traceback" not in result.stderr + result.stdout
