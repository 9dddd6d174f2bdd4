"""Replay knows the exceptions beyond senders (issue 14): a trace message's "to"."""

from __future__ import annotations

import io
import json

import pytest

from focusguard.core.settings import settings_from_toml
from focusguard.replay import TraceError, parse_trace, run

SETTINGS = settings_from_toml(
    """
[people]
own_domains = ["corp.example"]

[schedule]
timezone = "UTC"
check_ins = ["09:30", "13:00"]

[exceptions]
subject_keywords = ["[PAGER-"]
sent_to = ["support-urgent@corp.example"]
"""
)
TRACE = [
    {"event": "focus_start", "at": "2026-03-24T10:00:00+00:00", "minutes": 60},
    {
        "id": "a",
        "received": "2026-03-24T10:05:00+00:00",
        "from": "x@client.example",
        "subject": "[PAGER-1] down",
    },
    {
        "id": "b",
        "received": "2026-03-24T10:06:00+00:00",
        "from": "x@client.example",
        "subject": "hi",
        "to": ["Me <me@corp.example>", "support-urgent+p1@corp.example"],
    },
    {
        "id": "c",
        "received": "2026-03-24T10:07:00+00:00",
        "from": "x@client.example",
        "subject": "hi",
        "to": ["support-urgent@corp.example.evil.net"],
    },
]


def test_replay_lets_keyword_and_alias_mail_through_and_holds_the_look_alike() -> None:
    out = io.StringIO()
    run(SETTINGS, io.StringIO("\n".join(json.dumps(e) for e in TRACE)), out)
    rows = {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}
    assert rows["a"]["action"] == "deliver" and rows["a"]["category"] == "urgent"
    assert rows["a"]["reason"] == 'delivered: subject contains "[PAGER-"'
    assert rows["b"]["reason"] == "delivered: sent to support-urgent@corp.example"
    assert rows["c"]["action"] == "hold" and rows["c"]["category"] == "customer"


def test_a_bad_to_is_a_trace_error_naming_the_line() -> None:
    bad = json.dumps({"id": "x", "received": "2026-03-24T10:05:00+00:00", "to": "me@x.example"})
    with pytest.raises(TraceError, match=r'line 1: "to" must be a list'):
        list(parse_trace([bad]))
