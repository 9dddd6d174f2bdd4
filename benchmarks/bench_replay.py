"""`focusguard replay` on long traces and dense schedules: does the time grow linearly?

Issue 9 §4: a 20,000-message trace and a schedule with a check-in every minute (1,440 a day)
each took minutes. Prints one JSON object: seconds for a week of trace with N messages and
for ten weeks with 10 N (the same density: ratio ~10 when linear, ~100 when quadratic), and
seconds for the week with 1,440 check-ins a day against the same week with three (the
baseline, measured in the same run).

    .venv/bin/python benchmarks/bench_replay.py [--messages N]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta

from focusguard.core.settings import Settings, settings_from_toml
from focusguard.replay import parse_trace, replay

PEOPLE = """
[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"
"""
THREE = '[schedule]\ntimezone = "Europe/London"\ncheck_ins = ["09:30", "13:00", "16:30"]\n'
EVERY_MINUTE = (
    '[schedule]\ntimezone = "Europe/London"\ncheck_ins = ['
    + ", ".join(f'"{h:02d}:{m:02d}"' for h in range(24) for m in range(60))
    + "]\n"
)
SENDERS = ["ann{n}@client{k}.example", "bob{n}@corp.example", "boss@corp.example"]


def trace(messages: int, span: timedelta) -> list[str]:
    """`messages` evenly over `span` from Monday 23 March 2026 (the spring DST switch is on
    the Sunday after), with a 50-minute focus block every 40 messages."""
    t0 = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)
    step = span / messages
    lines = []
    for i in range(messages):
        t = t0 + step * i
        if i % 40 == 0:
            lines.append(json.dumps({"event": "focus_start", "at": t.isoformat(), "minutes": 50}))
        sender = SENDERS[i % 3].format(n=i % 300, k=i % 11)
        lines.append(json.dumps({"id": f"m{i}", "received": t.isoformat(), "from": sender}))
    return lines


def seconds(settings: Settings, lines: list[str]) -> float:
    begin = time.perf_counter()
    rows = replay(settings, parse_trace(lines))
    elapsed = time.perf_counter() - begin
    assert len(rows) == sum('"id"' in line for line in lines)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--ci", action="store_true", help="same run; flag accepted for CI")
    args = parser.parse_args()
    n = args.messages
    three = settings_from_toml(PEOPLE + THREE)
    every_minute = settings_from_toml(PEOPLE + EVERY_MINUTE)
    # Same density of mail (weekends included), ten times as long: linear means ~10x.
    week = trace(n, timedelta(days=7))
    small = seconds(three, week)
    large = seconds(three, trace(10 * n, timedelta(days=70)))
    dense = seconds(every_minute, week)
    baseline = small
    print(
        json.dumps(
            {
                "benchmark": "replay",
                "messages": n,
                "seconds_n": round(small, 2),
                "seconds_10n": round(large, 2),
                "ratio_10n_to_n": round(large / small, 1),
                "seconds_week_3_check_ins": round(baseline, 2),
                "seconds_week_1440_check_ins": round(dense, 2),
                "ratio_1440_to_3_check_ins": round(dense / baseline, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
