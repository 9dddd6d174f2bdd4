"""How long the check-in digest takes to build its model and show 10,000 held messages.

Offscreen Qt; prints JSON. The baseline is measured in the same run on the same machine: a
plain QStandardItemModel with the same rows (grouped the same way, text pre-formatted) in a
QTreeView — the obvious way to write this window. Ratio < 1 means the digest is faster.

Then `digest_live_update` (issue 15: p99 <= 1 s): the builder's app on the real EWS adapter
against `focusguard sim` in a process of its own, the tray's shell with the digest open;
mail is delivered through the simulator's control API one at a time, and the latency is
from delivery until the open digest lists it. Baseline in the same run: until the app
itself has decided that mail (its `Decided` event), so the ratio is what the digest adds.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_digest.py [--items N] [--mails N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import Future
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTreeView

from focusguard.app.values import DigestSnapshot
from focusguard.core.records import HeldRecord, HeldState
from focusguard.ui.digest import DigestWindow
from focusguard.ui.digest_model import HEADERS, humanise, waited

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 24, 16, 0, tzinfo=ZONE)


def records(count: int, customers: int = 500) -> list[HeldRecord]:
    out = []
    for n in range(count):
        c = (n * n) % customers  # uneven: some customers send far more than others
        received = NOW - timedelta(seconds=7 * n)
        out.append(
            HeldRecord(
                message_id=f"<b{n}@bench>",
                item_id=None,
                sender=f"Person {n} <p{n}@c{c}.example>",
                address=f"p{n}@c{c}.example",
                subject=f"Question number {n} about order {n * 7}",
                category="customer",
                received=received,
                held_at=received,
                release_at=None,
                reason="held: customer",
                state=HeldState.HELD,
            )
        )
    return out


class _Digest:
    """The service's `digest` answered at once, so the timing covers load + model + show,
    not thread hand-off latency."""

    def __init__(self, recs: list[HeldRecord]) -> None:
        self.recs = recs

    def later(self) -> Future[DigestSnapshot]:
        f: Future[DigestSnapshot] = Future()
        f.set_result(DigestSnapshot(tuple(self.recs), NOW, ZoneInfo("Europe/London")))
        return f


class _InlineService:
    def __init__(self, recs: list[HeldRecord]) -> None:
        self.digest = _Digest(recs)


def settle(app: QApplication) -> None:
    for _ in range(3):
        app.processEvents()


def digest_run(app: QApplication, recs: list[HeldRecord]) -> float:
    start = time.perf_counter()
    window = DigestWindow(_InlineService(recs))  # type: ignore[arg-type]
    window.show_and_raise()
    settle(app)
    window.tree.viewport().repaint()
    elapsed = time.perf_counter() - start
    assert window.model.message_count() == len(recs)
    window.close()
    window.deleteLater()
    settle(app)
    return elapsed


def baseline_run(app: QApplication, recs: list[HeldRecord]) -> float:
    start = time.perf_counter()
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(list(HEADERS))
    # The obvious way: one section of customers, oldest first, every cell an item.
    for title, records in (("Customers", sorted(recs, key=lambda r: r.received)),):
        parent = QStandardItem(f"{title} ({len(records)})")
        for r in records:
            parent.appendRow(
                [
                    QStandardItem(r.sender),
                    QStandardItem(r.subject),
                    QStandardItem(f"{r.received.astimezone(ZONE):%H:%M}"),
                    QStandardItem(humanise(waited(r, NOW))),
                    QStandardItem(r.state.value),
                ]
            )
        model.appendRow([parent] + [QStandardItem("") for _ in range(len(HEADERS) - 1)])
    view = QTreeView()
    view.setUniformRowHeights(True)
    view.setModel(model)
    view.expandAll()
    view.resize(900, 560)
    view.show()
    settle(app)
    view.viewport().repaint()
    elapsed = time.perf_counter() - start
    view.close()
    view.deleteLater()
    settle(app)
    return elapsed


def live_update(app: QApplication, mails: int) -> dict[str, object]:
    import re
    import subprocess
    import sys
    import tempfile
    import urllib.request
    from pathlib import Path

    from focusguard.app.backends import SimulatedServer, simulator_account
    from focusguard.app.builder import Mode, Parts, build
    from focusguard.app.events import Decided
    from focusguard.core.settings import settings_from_toml
    from focusguard.ui.main import Shell

    sim = subprocess.Popen(
        [sys.executable, "-m", "focusguard", "sim", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert sim.stdout is not None
        found = re.search(r"(http://\S+?)(/EWS/Exchange\.asmx)", sim.stdout.readline())
        if not found:
            raise RuntimeError("the simulator did not start")
        root, url = found.group(1), found.group(1) + found.group(2)
        later = (datetime.now().astimezone() + timedelta(hours=6)).strftime("%H:%M")
        settings = settings_from_toml(
            simulator_account("ews", url)
            + '\n[people]\nown_domains = ["corp.example"]\n\n[schedule]\n'
            'workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
            f'check_ins = ["{later}"]\n'
        )
        with tempfile.TemporaryDirectory() as tmp:
            built = build(
                settings,
                Mode.DEMO,
                parts=Parts(
                    server=SimulatedServer("ews", url, "secret"),
                    store_path=Path(tmp) / "state.sqlite3",
                    control=False,
                ),
            )
            decided: dict[str, float] = {}
            built.events.subscribe(
                Decided, lambda e: decided.setdefault(e.outcome.message_id, time.perf_counter())
            )
            shell = Shell(built, settings_file=None, tray_available=False)
            shell.start()
            try:
                wait(app, lambda: built.runtime.connected, 60)
                shell.open_digest()
                digest = shell._digest
                assert digest is not None
                latencies, baselines = [], []
                for n in range(mails):
                    subject = f"Order {n} live"
                    body = json.dumps(
                        {"from": f"Ann {n} <ann{n}@client.example>", "subject": subject}
                    )
                    request = urllib.request.Request(
                        f"{root}/_control/deliver",
                        body.encode(),
                        {"Content-Type": "application/json"},
                    )
                    t0 = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        imid = json.loads(answer.read())["internet_message_id"]

                    def shown(subject: str = subject) -> bool:
                        return any(r.subject == subject for r in digest.model.records)

                    wait(app, shown, 30)
                    latencies.append(time.perf_counter() - t0)
                    baselines.append(decided.get(imid, time.perf_counter()) - t0)
            finally:
                shell.stop()
    finally:
        sim.terminate()
        sim.wait(10)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "benchmark": "digest_live_update",
        "mails": mails,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "target_p99_ms": 1000,
        "baseline_decided_p50_ms": round(statistics.median(baselines) * 1000, 1),
        "ratio_p50_to_decided": round(
            statistics.median(latencies) / statistics.median(baselines), 2
        ),
        "meaning": "delivered at the simulator -> listed in the open digest; baseline: -> decided",
    }


def wait(app: QApplication, check: object, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not check():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout} s")
        app.processEvents()
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mails", type=int, default=100, help="live-update deliveries")
    parser.add_argument("--ci", action="store_true", help="the same measurement; flag for CI")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    recs = records(args.items)
    digest_run(app, recs[:100])  # warm up imports, fonts and styles for both
    baseline_run(app, recs[:100])
    digest = [digest_run(app, recs) for _ in range(args.repeat)]
    baseline = [baseline_run(app, recs) for _ in range(args.repeat)]
    d, b = statistics.median(digest), statistics.median(baseline)
    print(
        json.dumps(
            {
                "benchmark": "digest_build_and_show",
                "items": args.items,
                "platform": os.environ.get("QT_QPA_PLATFORM"),
                "digest_ms": round(d * 1000, 1),
                "baseline_qstandarditemmodel_ms": round(b * 1000, 1),
                "ratio_to_baseline": round(d / b, 3),
                "digest_runs_ms": [round(x * 1000, 1) for x in digest],
                "baseline_runs_ms": [round(x * 1000, 1) for x in baseline],
            },
            indent=2,
        )
    )
    print(json.dumps(live_update(app, 20 if args.ci else args.mails)), flush=True)


if __name__ == "__main__":
    main()
