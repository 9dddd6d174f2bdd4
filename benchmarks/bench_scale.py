"""What the engine and the store cost with 1,000 / 10,000 / 100,000 held messages (issue 15).

For each size the script builds a real SQLite state file with that many held entries (90 %
customer mail waiting for the next check-in, 10 % colleagues' mail held by an ad-hoc focus
block) and an in-memory mailbox whose held folder has the same items, then measures, each
against a baseline measured in the same run on the same file:

- status: `Engine.status()`, against `SELECT count(*)` of the held entries;
- next timer: `Engine.next_wake(now)`, against `SELECT min(release_at)` of the held entries
  (the indexed query);
- due: what reconcile asks, which held entries are due now (none are), against the same query;
- start-up reconcile: a new `Engine` on the file, `start()` (held-folder sync, what is due,
  rules), against the floor of listing the held folder and reading the ledger's ids, raw;
- start-up after a settings change: the same after the check-in times moved (every stored
  release time changes), against the same floor;
- digest build: the digest's snapshot (`Service.digest`, on the app's worker) and its Qt
  model (`DigestModel`), against fetching the same rows, raw.

Targets: status, next timer and due ≤ 50 ms at 100,000 and flat in n (the `flat` figure
is t(100,000) / t(1,000)); start-up reconcile ≤ 2 s at 100,000. Times are the minimum and
the median of `--repeat` runs; ratios use the minimum (the least disturbed run on a shared
machine).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_scale.py [--ci]
        [--sizes 1000,10000,100000] [--repeat 5]

Prints one JSON object per size, then a summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from focusguard.app.builder import App, Mode, Parts, build
from focusguard.core import facts
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine
from focusguard.core.ports import Folder, MailItem
from focusguard.core.records import HeldRecord
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.domain.schedule import FocusState, Interval
from focusguard.mail.memory import MemoryMailbox
from focusguard.store import Store

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 24, 9, 0, tzinfo=LONDON)  # a Tuesday, before the 09:30 check-in
FOCUS = Interval(
    datetime(2026, 3, 24, 8, 0, tzinfo=LONDON), datetime(2026, 3, 24, 10, 0, tzinfo=LONDON)
)
CONFIG = """
[account]
kind = "ews"
email = "me@corp.example"
ews_url = "https://mail.corp.example/EWS/Exchange.asmx"
auth = "basic"

[people]
own_domains = ["corp.example"]
external_is_customer = true
urgent = ["boss@corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = [{check_ins}]
calendar_focus_subject = ""

[holding]
mode = "client-move"
"""
CHECK_INS = '"09:30", "13:00", "16:30"'
MOVED_CHECK_INS = '"09:45", "13:00", "16:30"'  # the settings change: every release time moves


class Quiet:
    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        return None


def settings(check_ins: str = CHECK_INS) -> Settings:
    return settings_from_toml(CONFIG.format(check_ins=check_ins))


def populate(path: Path, n: int) -> MemoryMailbox:
    """A state file with `n` held entries, and a mailbox holding the same `n` items."""
    mailbox = MemoryMailbox()
    store = Store.open(path)
    state = FocusState().with_adhoc(FOCUS)
    store.set_fact(facts.FOCUS_STATE, facts.encode_focus(state))
    # Customer mail since yesterday's last check-in (16:30) waits for 09:30; colleagues'
    # mail during the focus block waits for its end at 10:00.
    since = datetime(2026, 3, 23, 16, 31, tzinfo=LONDON)
    span = (NOW - since).total_seconds()
    held = mailbox.folders[Folder.HELD]
    with store.transaction():
        for i in range(n):
            internal = i % 10 == 0
            if internal:
                received = FOCUS.start + timedelta(seconds=(i * 3599 // n) % 3600)
                sender, address, category = (
                    f"Colleague {i} <c{i}@corp.example>",
                    f"c{i}@corp.example",
                    "internal",
                )
                release = FOCUS.end
            else:
                received = since + timedelta(seconds=i * span / n)
                address = f"p{i}@client{i % 400}.example"
                sender, category = f"Person {i} <{address}>", "customer"
                release = datetime(2026, 3, 24, 9, 30, tzinfo=LONDON)
            item = MailItem(
                item_id=f"bench-{i}",
                message_id=f"<m{i}@bench>",
                folder=Folder.HELD,
                sender=sender,
                subject=f"Question {i} about order {i * 7}",
                received=received,
            )
            held[item.item_id] = item
            store.put_held(
                HeldRecord(
                    message_id=item.message_id,
                    item_id=item.item_id,
                    sender=sender,
                    address=address,
                    subject=item.subject,
                    category=category,
                    received=received,
                    held_at=received,
                    release_at=release,
                    reason=f"held: {category}",
                )
            )
    store.close()
    return mailbox


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(min, median) seconds of `repeat` calls, and the last result."""
    times = []
    result: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def row(
    name: str, product: tuple[float, float, object], base: tuple[float, float, object]
) -> dict[str, Any]:
    return {
        "row": name,
        "ms_min": round(product[0] * 1000, 2),
        "ms_median": round(product[1] * 1000, 2),
        "baseline_ms_min": round(base[0] * 1000, 3),
        "ratio": round(product[0] / base[0], 2) if base[0] else None,
    }


def engine_on(path: Path, mailbox: MemoryMailbox, s: Settings) -> tuple[Engine, Store]:
    store = Store.open(path)
    engine = Engine(s, mailbox, store, VirtualClock(NOW), Quiet())
    return engine, store


def what_is_due(engine: Engine) -> object:
    """What reconcile asks the store and the policy: which held entries are due now."""
    return engine._due(NOW)


def measure(n: int, repeat: int, tmp: Path) -> dict[str, Any]:
    path = tmp / f"scale-{n}.sqlite3"
    t0 = time.perf_counter()
    mailbox = populate(path, n)
    setup_s = time.perf_counter() - t0
    raw = sqlite3.connect(path)
    count_sql = "SELECT count(*) FROM held WHERE state = 'held'"
    min_sql = "SELECT min(release_at) FROM held WHERE state = 'held'"
    count_base = timed(lambda: raw.execute(count_sql).fetchone(), repeat)
    min_base = timed(lambda: raw.execute(min_sql).fetchone(), repeat)
    floor = timed(
        lambda: (
            mailbox.list_folder(Folder.HELD),
            raw.execute("SELECT id, item_id FROM held WHERE state = 'held'").fetchall(),
        ),
        repeat,
    )
    rows: list[dict[str, Any]] = []

    s = settings()
    startup_runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        engine, store = engine_on(path, mailbox, s)
        engine.start()
        startup_runs.append(time.perf_counter() - t)
        store.close()
    startup = (min(startup_runs), statistics.median(startup_runs), None)

    engine, store = engine_on(path, mailbox, s)
    engine.start()
    status = timed(engine.status, repeat)
    assert status[2].held == n, status[2]  # type: ignore[attr-defined]
    nxt = timed(lambda: engine.next_wake(NOW), repeat)
    due = timed(lambda: what_is_due(engine), repeat)
    assert due[2] == ([], []), "nothing is due at 09:00 (on time or early)"
    app = digest_app(mailbox, store, s)
    digest = timed(lambda: build_digest(app), repeat)
    app.stop()
    digest_base = timed(
        lambda: raw.execute(
            "SELECT * FROM held WHERE state = 'held' OR released_at >= ?",
            ("2026-03-24T00:00:00.000000+00:00",),
        ).fetchall(),
        repeat,
    )
    store.close()

    # Settings changed while FocusGuard was not running: every stored release time is stale.
    moved = settings(MOVED_CHECK_INS)
    changed_runs = []
    for i in range(max(1, repeat // 2)):
        s_now = moved if i % 2 == 0 else s
        t = time.perf_counter()
        engine, store = engine_on(path, mailbox, s_now)
        engine.start()
        changed_runs.append(time.perf_counter() - t)
        store.close()
    changed = (min(changed_runs), statistics.median(changed_runs), None)
    raw.close()

    rows = [
        row("status", status, count_base),
        row("next timer", nxt, min_base),
        row("due", due, min_base),
        row("start-up reconcile", startup, floor),
        row("start-up after a settings change", changed, floor),
        row("digest build", digest, digest_base),
    ]
    return {"benchmark": "scale", "held": n, "setup_s": round(setup_s, 2), "rows": rows}


def digest_app(mailbox: MemoryMailbox, store: Store, s: Settings) -> App:
    """The app as the tray builds it on this store (a demo app: it installs nothing), so the
    digest is built as the held-mail window gets it: `Service.digest` on the worker."""
    parts = Parts(
        backend_for=lambda _: mailbox, store=store, clock=VirtualClock(NOW), control=False
    )
    app = build(s, Mode.DEMO, parts=parts)
    app.start()
    app.runtime.submit(lambda: None, changes=False).result(600)  # its start-up is done
    return app


def build_digest(app: App) -> int:
    from focusguard.ui.digest_model import DigestModel

    model = DigestModel()
    model.set_snapshot(app.service.digest())
    return model.message_count()


def table(results: list[dict[str, Any]]) -> str:
    sizes = [r["held"] for r in results]
    names = [row["row"] for row in results[0]["rows"]]
    head = "| row | " + " | ".join(f"{n:,} held: ms (×baseline)" for n in sizes) + " | flat |"
    lines = [head, "|" + "---|" * (len(sizes) + 2)]
    for i, name in enumerate(names):
        cells = []
        for r in results:
            x = r["rows"][i]
            cells.append(f"{x['ms_min']} ({x['ratio']}×)")
        first, last = results[0]["rows"][i]["ms_min"], results[-1]["rows"][i]["ms_min"]
        flat = f"{last / first:.2f}" if first else "-"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {flat} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ci", action="store_true", help="CI: 3 repeats")
    args = parser.parse_args()
    repeat = 3 if args.ci else args.repeat
    os.environ.setdefault("FOCUSGUARD_HOME", tempfile.mkdtemp(prefix="fg-bench-"))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            result = measure(n, repeat, Path(tmp))
            print(json.dumps(result), flush=True)
            results.append(result)
    print(table(results), flush=True)


if __name__ == "__main__":
    main()
