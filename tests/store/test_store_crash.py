"""Crash safety: a writer killed with SIGKILL mid-stream leaves a sound database holding
every committed record and no half of any transaction."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from focusguard.store import Store

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

REPO = Path(__file__).resolve().parents[2]
BATCH = 4

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from focusguard.store import HeldRecord, Store

    t0 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    store = Store.open(sys.argv[1])
    batch = 0
    while True:
        with store.transaction():
            for i in range({batch}):
                n = batch * {batch} + i
                store.put_held(HeldRecord(
                    message_id=f"<crash-{{batch}}-{{i}}@x>", item_id=f"id{{n}}",
                    sender="c@customer.example", address="c@customer.example",
                    subject="s" * 300, category="customer", received=t0 + timedelta(seconds=n),
                    held_at=t0, release_at=None, reason="crash test"))
            store.set_fact("last_batch", str(batch))
        print(batch, flush=True)  # only after COMMIT returned
        batch += 1
    """
).format(batch=BATCH)


def test_sigkill_mid_write_keeps_committed_records(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    committed: list[int] = []
    try:
        assert proc.stdout is not None
        while len(committed) < 150:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"writer died early: {proc.stderr.read() if proc.stderr else ''}")
            committed.append(int(line))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    with Store.open(db) as store:
        conn = store._conn
        assert conn is not None
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {r.message_id for r in store.held()}
        for batch in committed:
            for i in range(BATCH):
                assert f"<crash-{batch}-{i}@x>" in ids
        # transactions are all-or-nothing: no batch is half there
        batches: dict[str, int] = {}
        for mid in ids:
            key = mid.split("-")[1]
            batches[key] = batches.get(key, 0) + 1
        assert set(batches.values()) == {BATCH}
        last = int(store.get_fact("last_batch") or "-1")
        assert last >= committed[-1]
        assert len(batches) == last + 1

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
