"""Decisions per second over 100,000 messages, against bare dict look-ups in the same run.

Prints one JSON object: decisions/s for the real rules (sender parsing, categorising,
hold-or-deliver with the schedule), look-ups/s for a loop of dict.get over the same
senders, and the ratio between them (how many dict look-ups one decision costs).

    .venv/bin/python benchmarks/bench_decisions.py [--messages N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta

from focusguard.core.settings import settings_from_toml
from focusguard.domain.policy import Policy
from focusguard.domain.schedule import FocusState, Interval, Timeline

CONFIG = """
[people]
own_domains = ["corp.example"]
customers = ["bigclient.com", "alice@small.example"]
urgent = ["boss@corp.example", "pager.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]

[[schedule.focus_blocks]]
days = ["mon", "wed"]
start = "10:00"
end = "12:00"
"""

SENDERS = [
    "Ann Lee <ann@client{n}.example>",
    '"boss@corp.example" <evil{n}@bad.example>',
    "Bob <bob{n}@corp.example>",
    "boss@corp.example",
    "alerts{n}@pager.example",
    "carol{n}@bigclient.com",
    "=?utf-8?q?Ren=C3=A9?= <rene{n}@xn--bcher-kva.example>",
    "not an address {n}",
]


def messages(n: int, seed: int = 7) -> list[tuple[str, datetime]]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # a week spanning the spring switch
    return [
        (
            rng.choice(SENDERS).format(n=rng.randrange(500)),
            start + timedelta(seconds=rng.randrange(7 * 24 * 3600)),
        )
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--ci", action="store_true", help="same run; flag accepted for CI")
    args = parser.parse_args()
    settings = settings_from_toml(CONFIG)
    t0 = datetime(2026, 3, 24, 14, 0, tzinfo=UTC)
    state = FocusState(adhoc=(Interval(t0, t0 + timedelta(minutes=50)),))
    policy = Policy(settings.people_rules(), Timeline(settings.weekly_schedule(), state))
    msgs = messages(args.messages)

    table = {s: i for i, (s, _) in enumerate(msgs[:1000])}
    begin = time.perf_counter()
    hits = 0
    for sender, _ in msgs:
        hits += table.get(sender, 0) > 0
    baseline = time.perf_counter() - begin

    begin = time.perf_counter()
    held = 0
    for sender, received in msgs:
        _, category = policy.categorize(sender)
        held += policy.decide(category, received).held
    elapsed = time.perf_counter() - begin

    print(
        json.dumps(
            {
                "benchmark": "decisions",
                "messages": len(msgs),
                "held": held,
                "decisions_per_second": round(len(msgs) / elapsed),
                "dict_lookups_per_second": round(len(msgs) / baseline),
                "ratio_decision_to_lookup": round(elapsed / baseline, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
