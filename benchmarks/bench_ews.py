"""EWS figures, each against a baseline measured in the same run.

1. Release of 1,000 held messages by the running app (`release_all`, the watcher streaming):
   EWS requests and wall time, against raw exchangelib `bulk_move` of the same 1,000 (the
   floor: 10 MoveItem requests of 100), over `--rounds` alternating rounds (min and median).
   The release first looks at the held folder (issue 9); that look is timed on its own.
2. client-move hold latency, delivery to moved, median and p99 over 200 deliveries.
Idle cost (requests, CPU, wake-ups) is bench_idle.py's, on EWS and Graph.

    .venv/bin/python benchmarks/bench_ews.py [--ci] [--messages 1000] [--rounds 3]
        [--deliveries 200]

Prints one JSON object per part.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from focusguard.app import backends
from focusguard.app.backends import SimulatedServer
from focusguard.app.builder import App, Mode, Parts, build
from focusguard.app.events import Decided
from focusguard.core.engine import Outcome
from focusguard.core.settings import Settings, settings_from_toml

HELD = "FocusGuard Held"


class Sim:
    """The EWS simulator in its own process, driven through its JSON control API."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "focusguard",
                "sim",
                "--port",
                str(self.port),
                "--strict",
                "off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/EWS/Exchange.asmx"
        for _ in range(100):
            try:
                requests.get(f"{self.base}/_control/status", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("simulator did not start")

    def deliver(self, sender: str, subject: str) -> str:
        r = requests.post(
            f"{self.base}/_control/deliver", json={"from": sender, "subject": subject}, timeout=30
        )
        r.raise_for_status()
        return str(r.json()["internet_message_id"])

    def requests_made(self) -> list[str]:
        r = requests.get(f"{self.base}/_control/requests", timeout=30)
        return [entry["operation"] for entry in r.json()]

    def folder_count(self, name: str) -> int:
        return len(requests.get(f"{self.base}/_control/mailbox", timeout=30).json().get(name, []))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def settings(url: str, mode: str) -> Settings:
    later = (datetime.now().astimezone() + timedelta(hours=6)).strftime("%H:%M")
    return settings_from_toml(
        backends.simulator_account("ews", url)
        + f"""
[people]
own_domains = ["corp.example"]
[schedule]
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["{later}"]
calendar_focus_subject = ""
[holding]
mode = "{mode}"
folder = "{HELD}"
"""
    )


def start_app(sim: Sim, mode: str, tmp: Path, on_outcome: Any = None) -> App:
    """The app as `run --headless` builds it, on the simulator, without a control socket."""
    parts = Parts(
        server=SimulatedServer("ews", sim.url, "bench"),
        store_path=tmp / f"{mode}.sqlite3",
        control=False,
    )
    app = build(settings(sim.url, mode), Mode.HEADLESS, parts=parts)
    if on_outcome is not None:
        app.events.subscribe(Decided, lambda event: on_outcome(event.outcome))
    app.start()
    app.runtime.submit(lambda: None, changes=False).result(60)
    return app


def wait(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish")
        time.sleep(0.05)


def raw_account(sim: Sim) -> Any:
    """Plain exchangelib on the same simulator: the baseline's client."""
    from exchangelib import (
        BASIC,
        DELEGATE,
        Account,
        Build,
        Configuration,
        Credentials,
        FailFast,
        Version,
    )

    return Account(
        "me@corp.example",
        autodiscover=False,
        access_type=DELEGATE,
        config=Configuration(
            service_endpoint=sim.url,
            credentials=Credentials("raw", "x"),
            auth_type=BASIC,
            version=Version(build=Build(15, 1, 2507, 6), api_version="Exchange2016"),
            retry_policy=FailFast(),
            max_connections=3,
        ),
    )


class Timed:
    """Wraps one backend method and adds up the seconds spent in it."""

    def __init__(self, obj: object, name: str) -> None:
        self.seconds = 0.0
        inner = getattr(obj, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        setattr(obj, name, wrapper)


def bench_release(n: int, rounds: int, tmp: Path) -> dict[str, object]:
    """`release_all` of n held by the running app (watcher streaming), against raw exchangelib
    `bulk_move` of the same n, alternately: each round the app releases them to the Inbox,
    stops, and raw exchangelib moves them back into the held folder; the next start-up of the
    app takes them in again. `release_all` first looks at the held folder (the manual verbs
    release what is on the server, issue 9): that look is timed and counted on its own."""
    sim = Sim()
    product: list[float] = []
    looks: list[float] = []
    raw: list[float] = []
    ops: list[str] = []
    skipped = 0
    try:
        app = start_app(sim, "server-rule", tmp)
        for i in range(n):
            sim.deliver(f"c{i}@client{i % 50}.example", f"#{i}")
        account = raw_account(sim)
        held = account.root / "Top of Information Store" / HELD
        for r in range(rounds):
            if r:
                app = start_app(sim, "server-rule", tmp)
            wait(lambda a=app: a.store.count_held() == n, 300)  # type: ignore[misc]
            time.sleep(0.5)  # the watcher's start-up resync is over
            backend = app.engine.backend
            look = Timed(backend, "list_folder")
            before = len(sim.requests_made())
            began = time.perf_counter()
            done = app.service.release_all.later().result(600)
            product.append(time.perf_counter() - began)
            looks.append(look.seconds)
            ops = sim.requests_made()[before:]
            assert done.as_json()["released"] == n, "release incomplete"
            watcher = backend.watcher  # type: ignore[attr-defined]
            assert watcher is not None
            # The watcher reads the moves' events after the release (QUIET_GRACE_S later).
            wait(lambda w=watcher: w.skipped_own >= n, 30)  # type: ignore[misc]
            skipped = watcher.skipped_own
            app.stop()

            ids = [(i.id, i.changekey) for i in account.inbox.all().only("id", "changekey")]
            assert len(ids) == n
            began = time.perf_counter()
            account.bulk_move(ids=ids, to_folder=held, chunk_size=100)
            raw.append(time.perf_counter() - began)
        raw_ops = sim.requests_made()[-10:]
        best, floor = min(product), min(raw)
        moves = min(p - lk for p, lk in zip(product, looks, strict=True))
        return {
            "benchmark": "ews_release",
            "messages": n,
            "rounds": rounds,
            "focusguard_requests": len(ops),
            "focusguard_moveitem_requests": ops.count("MoveItem"),
            "focusguard_by_operation": {op: ops.count(op) for op in sorted(set(ops))},
            "own_move_events_skipped": skipped,
            "focusguard_seconds": [round(x, 3) for x in product],
            "look_at_held_folder_seconds": [round(x, 3) for x in looks],
            "raw_bulk_move_requests": raw_ops.count("MoveItem"),
            "raw_bulk_move_seconds": [round(x, 3) for x in raw],
            "ratio_requests": round(len(ops) / 10, 2),
            "ratio_seconds": round(best / floor, 2),
            "ratio_seconds_median": round(statistics.median(product) / statistics.median(raw), 2),
            "ratio_seconds_without_the_look": round(moves / floor, 2),
            "target": "<= 1.1x raw bulk_move, <= 10 requests",
        }
    finally:
        sim.stop()


def bench_latency(n: int, spacing: float, tmp: Path) -> dict[str, object]:
    sim = Sim()
    moved_at: dict[str, float] = {}
    done = threading.Event()

    def on_outcome(outcome: Outcome) -> None:
        if outcome.moved:
            moved_at[outcome.message_id] = time.perf_counter()
            if len(moved_at) >= n:
                done.set()

    try:
        app = start_app(sim, "client-move", tmp, on_outcome)
        sent: dict[str, float] = {}
        for i in range(n):
            t = time.perf_counter()
            sent[sim.deliver(f"c{i}@client.example", f"#{i}")] = t
            time.sleep(spacing)
        done.wait(120)
        app.stop()
        lat = sorted(moved_at[m] - sent[m] for m in sent if m in moved_at)
        return {
            "benchmark": "ews_client_move_latency",
            "deliveries": n,
            "moved": len(lat),
            "median_ms": round(statistics.median(lat) * 1000, 1),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1),
            "target_ms": 1000,
            "spacing_s": spacing,
        }
    finally:
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="release rounds (min, median)")
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--spacing", type=float, default=0.25, help="seconds between deliveries")
    parser.add_argument("--ci", action="store_true", help="CI: 100 deliveries")
    args = parser.parse_args()
    deliveries = 100 if args.ci else args.deliveries
    os.environ.setdefault("FOCUSGUARD_HOME", tempfile.mkdtemp(prefix="fg-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        for result in (
            bench_release(args.messages, args.rounds, Path(tmp)),
            bench_latency(deliveries, args.spacing, Path(tmp)),
        ):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
