"""What the promise costs: decisions with and without `[promise]`, and working-time arithmetic
for a 4-hour and a year-long promise, against baselines measured in the same run.

Prints one JSON object:
- decisions/s over 100,000 customer messages without a promise (the baseline) and with a
  4 h promise (reply-by time and guard on every decision), and their ratio;
- reply-by times/s for a 4 h promise and for a 2,000 h one (about a year of working days)
  with holidays listed 50 years ahead, and their ratio: month tables, not minute steps, so
  a year costs a few times a day, not 500 times;
- the guard's share of `Policy.release_time` (what the engine asks per held message on
  every reconcile).

    .venv/bin/python benchmarks/bench_promise.py [--messages N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from focusguard.domain.policy import Policy
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import Timeline, WeeklySchedule
from focusguard.domain.senders import Category, People
from focusguard.domain.working_time import WorkingTime

LONDON = ZoneInfo("Europe/London")


def arrivals(n: int, seed: int = 7) -> list[datetime]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # a week spanning the spring switch
    return [start + timedelta(seconds=rng.randrange(7 * 24 * 3600)) for _ in range(n)]


def rate(fn: Callable[[datetime], object], times: list[datetime]) -> float:
    begin = time.perf_counter()
    for t in times:
        fn(t)
    return len(times) / (time.perf_counter() - begin)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--ci", action="store_true", help="same run; flag accepted for CI")
    args = parser.parse_args()
    times = arrivals(args.messages)
    schedule = WeeklySchedule(zone=LONDON)
    far = frozenset(date(2026 + y, 12, 25) for y in range(50))
    working = WorkingTime(LONDON, holidays=far)
    four = Promise(working, timedelta(hours=4))
    year = Promise(working, timedelta(hours=2000))
    plain = Policy(People(), Timeline(schedule))
    promised = Policy(People(), Timeline(schedule), four)

    def decide_plain(t: datetime) -> object:
        return plain.decide(Category.CUSTOMER, t)

    def decide_promised(t: datetime) -> object:
        return promised.decide(Category.CUSTOMER, t)

    def release_plain(t: datetime) -> object:
        return plain.release_time(Category.CUSTOMER, t)

    def release_promised(t: datetime) -> object:
        return promised.release_time(Category.CUSTOMER, t)

    # warm the caches both sides use, so neither pays for the other's first builds
    for fn in (decide_plain, decide_promised, four.due, year.due):
        rate(fn, times[:1000])
    base = rate(decide_plain, times)
    with_promise = rate(decide_promised, times)
    due_4h = rate(four.due, times)
    due_year = rate(year.due, times[: max(1, len(times) // 10)])
    release_base = rate(release_plain, times)
    release_with = rate(release_promised, times)
    print(
        json.dumps(
            {
                "benchmark": "promise",
                "messages": len(times),
                "decisions_per_second_without_promise": round(base),
                "decisions_per_second_with_4h_promise": round(with_promise),
                "ratio_decision_with_to_without": round(base / with_promise, 2),
                "reply_by_per_second_4h": round(due_4h),
                "reply_by_per_second_2000h": round(due_year),
                "ratio_2000h_to_4h": round(due_4h / due_year, 2),
                "release_time_per_second_without_promise": round(release_base),
                "release_time_per_second_with_4h_promise": round(release_with),
                "ratio_release_time_with_to_without": round(release_base / release_with, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
