"""Microsoft Graph backend against the Graph simulator: what idling and a big release cost.

1. Idle: the real watcher polls delta on the Inbox and the held folder (plus the rule tick)
   for a while with a short poll interval; the simulator's request log gives the HTTP
   requests per poll round, extrapolated to the product's default interval:
       requests/hour = (steady requests / rounds) × 3600 / poll_seconds
   against the baseline of one delta request per folder per round (what FocusGuard sent
   before issue 15: 480 an hour), with the same freshness (both folders every round).
   Outlook counts each member of a `$batch` as a request of its own against its limit of
   10,000 requests per 10 minutes per app and mailbox, so the share of that limit is
   reported from the operations (requests outside batches plus batch members).
2. Release of 1,000 held messages through `$batch`: requests, wall time and the peak number
   of Outlook operations running at once on the mailbox (the simulator counts API requests and
   batch members the way Graph does; Outlook's limit is 4), against the minimum the limits
   allow — ceil(1000/20) = 50 batch requests, and with every move taking `--latency` seconds
   and at most 4 running at once a floor of ceil(1000/4) × latency.
The simulator spends `--latency` seconds on every operation (an API request or a batch member)
to stand in for Exchange and the network.

    .venv/bin/python benchmarks/bench_graph.py [--ci] [--latency 0.05] [--messages 1000]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from datetime import UTC, datetime

from focusguard.core.ports import Folder
from focusguard.core.settings import AccountSettings, HoldingSettings
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.client import MAX_BATCH, MAX_CONCURRENCY
from focusguard.mail.graph.delta import Watcher
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

PRODUCT_POLL_S = 15  # AccountSettings default
WATCHED = ("inbox", "held")
LIMIT_PER_10_MIN = 10_000
PROBES = 5


def make_backend(sim: GraphSimulator, poll: float) -> GraphBackend:
    account = AccountSettings(
        kind="graph",
        email="me@corp.example",
        auth="oauth",
        client_id="00000000-0000-0000-0000-00000000f0c5",
    )
    backend = GraphBackend(
        account,
        HoldingSettings(),
        StaticTokens(DEMO_TOKEN),
        base_url=sim.url,
        poll_seconds=poll,
        clock=lambda: datetime.now(UTC),
    )
    backend.connect()
    return backend


def next_round_end(watcher: Watcher) -> int:
    """Wait until the watcher finishes a round; its round count then."""
    seen = watcher.rounds
    while watcher.rounds == seen:
        time.sleep(0.002)
    return watcher.rounds


def idle(window_s: float, poll_s: float, latency: float) -> dict[str, object]:
    with GraphSimulator(latency_s=latency) as sim:
        for i in range(30):  # an Inbox of a few pages
            sim.deliver(f"Old {i} <old{i}@corp.example>", f"old {i}")
        backend = make_backend(sim, poll_s)
        backend.apply_rules(None)
        backend.watch(lambda item: None, lambda: None)
        watcher = backend.watcher
        assert watcher is not None
        while watcher.resyncs < 1:  # the first round takes stock of both folders
            time.sleep(0.01)
        # Count whole rounds: from just after one round ends to just after a later one ends
        # (a round then waits `poll_s` before its first request).
        rounds_before = next_round_end(watcher)
        sim.reset_counters()
        time.sleep(window_s)
        rounds = next_round_end(watcher) - rounds_before
        log = list(sim.request_log)
        members = list(sim.sub_request_log)
        backend.close()
    requests = len(log)
    operations = len(members) + sum(1 for e in log if e["operation"] != "batch")
    folders_seen = {e["path"].split("/")[3] for e in members if e["operation"] == "delta"}
    per_round = requests / max(rounds, 1)
    per_hour = per_round * 3600 / PRODUCT_POLL_S
    ops_per_hour = operations / max(rounds, 1) * 3600 / PRODUCT_POLL_S
    baseline_per_hour = len(WATCHED) * 3600 / PRODUCT_POLL_S  # one delta per folder a round
    return {
        "window_s": window_s,
        "poll_s_measured": poll_s,
        "rounds": rounds,
        "requests": requests,
        "requests_per_round": round(per_round, 2),
        "formula": f"requests/hour = {per_round:.2f} requests/round × 3600 s / "
        f"{PRODUCT_POLL_S} s poll",
        "requests_per_hour_at_default_poll": round(per_hour),
        "baseline_requests_per_hour": round(baseline_per_hour),
        "ratio_to_baseline": round(per_hour / baseline_per_hour, 3),
        "target_requests_per_hour": 240,
        "folders_polled_every_round": len(folders_seen),
        "outlook_operations_per_hour": round(ops_per_hour),
        "share_of_limit_per_10_min": round(ops_per_hour / 6 / LIMIT_PER_10_MIN, 4),
    }


def release(count: int, latency: float) -> dict[str, object]:
    with GraphSimulator(latency_s=latency) as sim:
        held = sim.create_folder("FocusGuard Held")
        for i in range(count + PROBES * MAX_BATCH):
            sim.deliver(f"Customer {i} <c{i}@client.example>", f"held {i}")
        with sim.mailbox.lock:
            for msg in list(sim.mailbox.messages.values()):
                sim.mailbox.move(msg.immutable_id, held, reason="bench set-up")
        backend = make_backend(sim, 60)
        items = list(backend.list_folder(Folder.HELD))
        probes, items = items[: PROBES * MAX_BATCH], items[PROBES * MAX_BATCH :][:count]
        # One batch of 20 on its own (median of a few, warm connection), for comparison.
        times = []
        for n in range(PROBES):
            t0 = time.perf_counter()
            backend.move(probes[n * MAX_BATCH : (n + 1) * MAX_BATCH], Folder.INBOX)
            times.append(time.perf_counter() - t0)
        single = statistics.median(times)
        sim.reset_counters()
        assert backend.client is not None
        throttled_before = backend.client.throttled
        t0 = time.perf_counter()
        result = backend.move(items, Folder.INBOX)
        wall = time.perf_counter() - t0
        requests = len(sim.request_log)
        peak = sim.peak_operations
        over_limit = sim.over_limit
        throttled = backend.client.throttled - throttled_before
        backend.close()
    min_requests = math.ceil(count / MAX_BATCH)
    floor = math.ceil(count / MAX_CONCURRENCY) * latency
    return {
        "messages": count,
        "moved": len(result.moved),
        "failed": len(result.failed),
        "requests": requests,
        "min_requests": min_requests,
        "requests_ratio": round(requests / min_requests, 3),
        "single_batch_s": round(single, 4),
        "wall_s": round(wall, 3),
        "floor_wall_s": round(floor, 3),
        "floor_formula": f"ceil({count}/{MAX_CONCURRENCY}) × {latency} s per operation",
        "wall_ratio": round(wall / floor, 3) if floor else None,
        "peak_operations_per_mailbox": peak,
        "mailbox_limit": MAX_CONCURRENCY,
        "refused_over_limit": over_limit,
        "throttled_429": throttled,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ci", action="store_true", help="shorter idle window for CI")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.05,
        help="seconds the simulator adds to each request (the network)",
    )
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    window, poll = (3.0, 0.25) if args.ci else (20.0, 1.0)
    out = {
        "idle": idle(window, poll, args.latency),
        "release": release(args.messages, args.latency),
        "latency_s": args.latency,
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
