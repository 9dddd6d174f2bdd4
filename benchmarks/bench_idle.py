"""What FocusGuard costs while nothing happens (issue 15): wake-ups, CPU and requests per minute
of the real headless app (`focusguard run --headless`, its own process) watching a mailbox on
the EWS simulator and on the Graph simulator (each in this process, so their work is not
counted), over `--minutes` of quiet after start-up.

- wake-ups: context switches of all the app's threads (/proc/<pid>/task/*/status: each time a
  thread blocks after running, voluntary or not), per minute;
- CPU: user + system time of the app (/proc/<pid>/stat), as seconds per minute and percent;
- requests: what the simulator received from the app, per minute and per hour.
Baselines measured in the same run, over the same window: a bare Python process that only
waits (`threading.Event().wait()`) for wake-ups and CPU; for requests the floor of each
protocol at FocusGuard's freshness: EWS streaming needs no request while idle (one long
GetStreamingEvents per `STREAM_MINUTES`), Graph one poll round a `poll_seconds` (15 s), which
before issue 15 was two requests (a delta per folder) and is one `$batch` since.

    .venv/bin/python benchmarks/bench_idle.py [--ci] [--minutes 5]

Linux only (/proc). Prints one JSON object per backend, then a summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator

REPO = Path(__file__).resolve().parents[1]
HELD = "FocusGuard Held"
GRAPH_POLL_S = 15  # AccountSettings.poll_seconds default
ACCOUNTS = {
    "ews": '[account]\nkind = "ews"\nemail = "me@corp.example"\news_url = "{url}"\n'
    'auth = "basic"\nusername = "me"\n',
    "graph": '[account]\nkind = "graph"\nemail = "me@corp.example"\nauth = "oauth"\n'
    'client_id = "5f1c2a3b-0d3e-4d3e-9d3e-000000000de0"\n',
}


def write_config(path: Path, kind: str, url: str) -> None:
    """Holding with server rules, a check-in hours away: nothing falls due in the window."""
    later = (datetime.now().astimezone() + timedelta(hours=6)).strftime("%H:%M")
    path.write_text(
        ACCOUNTS[kind].format(url=url)
        + '\n[people]\nown_domains = ["corp.example"]\n\n[schedule]\n'
        'workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
        f'check_ins = ["{later}"]\n\n[holding]\nmode = "server-rule"\nfolder = "{HELD}"\n',
        encoding="utf-8",
    )


class Proc:
    """CPU seconds and context switches of a running process, all threads included."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime

    def switches(self) -> int:
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                text = (task / "status").read_text()
            except OSError:
                continue  # a thread that ended meanwhile
            for line in text.splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        return total

    def threads(self) -> int:
        return len(list(Path(f"/proc/{self.pid}/task").iterdir()))


def app_env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "FOCUSGUARD_HOME": str(home),
        # The suite's file keyring in a throwaway home (the real keyring is never touched).
        "PYTHON_KEYRING_BACKEND": "tests.keyring_file.FileKeyring",
        "FOCUSGUARD_TEST_KEYRING_FILE": str(home / "keyring.json"),
        "XDG_DATA_HOME": str(home / "xdg-data"),
        **extra,
    }


def cli(env: dict[str, str], config: Path, *args: str, stdin: str | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "focusguard", *args, "--config", str(config)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def wait_ready(env: dict[str, str], config: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        done = cli(env, config, "status", "--json")
        last = done.stdout or done.stderr
        if done.returncode == 0:
            status = json.loads(done.stdout)
            if status["mode"] == "server-rule" and status["problem"] is None:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the app did not get ready: {last}")


def measure(kind: str, minutes: float, settle_s: float, baseline: Proc) -> dict[str, Any]:
    sim: EwsSimulator | GraphSimulator = (
        EwsSimulator(password="secret") if kind == "ews" else GraphSimulator()
    )
    sim.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "focusguard.toml"
            write_config(config, kind, sim.url)
            extra = {"FOCUSGUARD_GRAPH_URL": sim.url, "FOCUSGUARD_GRAPH_TOKEN": DEMO_TOKEN}
            env = app_env(Path(tmp) / "home", extra if kind == "graph" else {})
            if kind == "ews":
                cli(env, config, "account", "login", "--password-stdin", stdin="secret\n")
            proc = subprocess.Popen(
                [sys.executable, "-m", "focusguard", "run", "--headless", "--config", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=REPO,
            )
            try:
                wait_ready(env, config)
                time.sleep(settle_s)  # start-up traffic (first delta rounds, rules) is over
                app = Proc(proc.pid)
                requests_before = len(requests_of(sim))
                cpu0, sw0, base_cpu0, base_sw0 = (
                    app.cpu_s(),
                    app.switches(),
                    baseline.cpu_s(),
                    baseline.switches(),
                )
                began = time.monotonic()
                time.sleep(minutes * 60)
                elapsed_min = (time.monotonic() - began) / 60
                cpu, sw = app.cpu_s() - cpu0, app.switches() - sw0
                base_cpu, base_sw = baseline.cpu_s() - base_cpu0, baseline.switches() - base_sw0
                ops = requests_of(sim)[requests_before:]
                threads = app.threads()
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
    finally:
        sim.stop()
    per_min = len(ops) / elapsed_min
    floor_per_min = 0.0 if kind == "ews" else 60 / GRAPH_POLL_S
    before_15 = 0.0 if kind == "ews" else 2 * 60 / GRAPH_POLL_S
    return {
        "benchmark": "idle",
        "backend": kind,
        "minutes": round(elapsed_min, 2),
        "app_threads": threads,
        "wakeups_per_minute": round(sw / elapsed_min, 1),
        "baseline_wakeups_per_minute": round(base_sw / elapsed_min, 1),
        "cpu_seconds_per_minute": round(cpu / elapsed_min, 3),
        "cpu_percent": round(100 * cpu / (elapsed_min * 60), 3),
        "baseline_cpu_seconds_per_minute": round(base_cpu / elapsed_min, 3),
        "requests_per_minute": round(per_min, 2),
        "requests_per_hour": round(per_min * 60),
        "by_operation": {op: ops.count(op) for op in sorted(set(ops))},
        "floor_requests_per_minute": floor_per_min,
        "before_issue_15_requests_per_minute": before_15,
        "ratio_to_floor": round(per_min / floor_per_min, 2) if floor_per_min else None,
    }


def requests_of(sim: EwsSimulator | GraphSimulator) -> list[str]:
    if isinstance(sim, EwsSimulator):
        return sim.operations()
    return [e["operation"] for e in list(sim.request_log)]


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | wake-ups/min (bare process) | CPU s/min (bare process) | requests/min "
        "(floor) | requests/hour |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['wakeups_per_minute']} ({r['baseline_wakeups_per_minute']}) "
            f"| {r['cpu_seconds_per_minute']} ({r['baseline_cpu_seconds_per_minute']}) "
            f"| {r['requests_per_minute']} ({r['floor_requests_per_minute']}) "
            f"| {r['requests_per_hour']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--ci", action="store_true", help="CI: 45 s a backend")
    args = parser.parse_args()
    minutes = 0.75 if args.ci else args.minutes
    bare = subprocess.Popen(
        [sys.executable, "-c", "import threading; threading.Event().wait()"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        results = []
        for kind in ("ews", "graph"):
            result = measure(kind, minutes, settle_s=3.0, baseline=Proc(bare.pid))
            print(json.dumps(result), flush=True)
            results.append(result)
    finally:
        bare.kill()
        bare.wait(10)
    print(table(results), flush=True)


if __name__ == "__main__":
    main()
