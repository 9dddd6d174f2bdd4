"""The real tray app under Xvfb + trayer (a real tray host, Qt's xcb platform), against the
EWS simulator in a process of its own (`focusguard sim`), as a person runs it: `focusguard
--config PATH` with a mail account on that simulator, its password in the suite's file
keyring. Baseline measured in the same run: a minimal PySide6 tray app (QApplication +
QSystemTrayIcon with an icon and a menu, show()). Issue 15's targets are the ratios.

- time to icon: process start until its icon is embedded in the tray, judged the same way
  for both, from outside, by polling the X server (libX11 via ctypes, every 5 ms): a window
  with the process's _NET_WM_PID that trayer has reparented into itself and that is
  viewable. Alternating runs, so drift hits both alike. Target: median ratio <= 2.
- memory after --idle seconds: VmRSS (/proc/PID/status) and Pss (smaps_rollup); the two
  apps run one after the other, so they never share pages. FocusGuard is connected (its
  status says so over the control socket) before the idle window starts. Target RSS <= 1.8x.
- idle wake-ups and CPU over the same window: context switches of all the process's
  threads (/proc/PID/task/*/status) and utime+stime, per minute. Target <= 15 wake-ups/min.

The digest's live-update latency (mail arrives at the simulator -> the open digest shows
it) is measured by bench_digest.py (`digest_live_update`).

Prints one JSON object per figure; ratio > 1 means FocusGuard takes more.

    .venv/bin/python benchmarks/bench_tray.py [--runs N] [--idle S] [--ci]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "secret"

MINIMAL_APP = """\
import sys
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)
pixmap = QPixmap(32, 32)
pixmap.fill(QColor("#3465a4"))
tray = QSystemTrayIcon(QIcon(pixmap))
menu = QMenu()
menu.addAction("Quit", app.quit)
tray.setContextMenu(menu)
tray.setToolTip("minimal tray app")
tray.show()
sys.exit(app.exec())
"""


# -- a little libX11 -------------------------------------------------------------------------
class _WindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


IS_VIEWABLE = 2
_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class X11:
    """Just enough Xlib to find a process's embedded tray icon and the tray's owner."""

    def __init__(self, display: str) -> None:
        x = ctypes.cdll.LoadLibrary("libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XGetSelectionOwner.restype = ctypes.c_ulong
        x.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XQueryTree.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
            ctypes.POINTER(ctypes.c_uint),
        ]
        x.XGetWindowProperty.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_ulong,
            ctypes.c_long,
            ctypes.c_long,
            ctypes.c_int,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_void_p),
        ]
        x.XGetWindowAttributes.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(_WindowAttributes),
        ]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        # Windows come and go while we walk the tree: ignore BadWindow instead of exiting.
        self._handler = _ERROR_HANDLER(lambda _d, _e: 0)
        x.XSetErrorHandler(self._handler)
        self.x = x
        self.dpy = x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open display {display}")
        self.root = x.XDefaultRootWindow(self.dpy)
        self.pid_atom = x.XInternAtom(self.dpy, b"_NET_WM_PID", 0)
        self.tray_atom = x.XInternAtom(self.dpy, b"_NET_SYSTEM_TRAY_S0", 0)

    def close(self) -> None:
        self.x.XCloseDisplay(self.dpy)

    def tray_owned(self) -> bool:
        return bool(self.x.XGetSelectionOwner(self.dpy, self.tray_atom))

    def _children(self, window: int) -> tuple[int, list[int]]:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.x.XQueryTree(
            self.dpy,
            window,
            ctypes.byref(root),
            ctypes.byref(parent),
            ctypes.byref(kids),
            ctypes.byref(n),
        ):
            return 0, []
        out = [kids[i] for i in range(n.value)]
        if kids:
            self.x.XFree(kids)
        return parent.value, out

    def _pid(self, window: int) -> int | None:
        actual, fmt = ctypes.c_ulong(), ctypes.c_int()
        nitems, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = self.x.XGetWindowProperty(
            self.dpy,
            window,
            self.pid_atom,
            0,
            1,
            0,
            6,  # 6 = XA_CARDINAL
            ctypes.byref(actual),
            ctypes.byref(fmt),
            ctypes.byref(nitems),
            ctypes.byref(after),
            ctypes.byref(data),
        )
        try:
            if status != 0 or not data or nitems.value < 1 or fmt.value != 32:
                return None
            return int(ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0])
        finally:
            if data:
                self.x.XFree(data)

    def _viewable(self, window: int) -> bool:
        attrs = _WindowAttributes()
        if not self.x.XGetWindowAttributes(self.dpy, window, ctypes.byref(attrs)):
            return False
        return attrs.map_state == IS_VIEWABLE

    def embedded_icon(self, pid: int) -> int | None:
        """A viewable window of `pid` whose parent is not the root: the tray took it in."""
        stack = [(self.root, 0)]
        while stack:
            window, parent = stack.pop()
            if parent not in (0, self.root) and self._pid(window) == pid and self._viewable(window):
                return window
            _, kids = self._children(window)
            stack.extend((k, window) for k in kids)
        return None


# -- Xvfb + trayer ---------------------------------------------------------------------------
@contextlib.contextmanager
def tray_host(work: Path) -> Iterator[tuple[str, X11]]:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=open(work / "xvfb.log", "w"),  # noqa: SIM115 - closed with the process
    )
    os.close(write_fd)
    trayer = None
    x11 = None
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()  # written once Xvfb accepts connections
        if not number:
            raise RuntimeError("Xvfb did not start (see xvfb.log)")
        display = f":{number}"
        env = {**os.environ, "DISPLAY": display}
        trayer = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "32",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        x11 = X11(display)
        poll(x11.tray_owned, 30, "trayer to own the system tray")
        yield display, x11
    finally:
        if x11 is not None:
            x11.close()
        for proc in (trayer, xvfb):
            if proc is not None:
                stop(proc)


def poll(check: object, timeout: float, what: str, interval: float = 0.005) -> object:
    deadline = time.perf_counter() + timeout
    while True:
        value = check()  # type: ignore[operator]
        if value:
            return value
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the measurements ------------------------------------------------------------------------
def start_and_time(
    cmd: list[str], env: dict[str, str], x11: X11, log: Path
) -> tuple[subprocess.Popen[bytes], float]:
    """Start `cmd`; seconds until its icon is embedded in the tray."""
    with open(log, "ab") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=REPO)

    def shown() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd} exited with {proc.returncode} (see {log})")
        return x11.embedded_icon(proc.pid) is not None

    poll(shown, 60, f"the tray icon of {cmd}")
    return proc, time.perf_counter() - t0


def memory(pid: int) -> dict[str, float | None]:
    def kib(path: str, key: str) -> float | None:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    return {
        "rss_mib": kib(f"/proc/{pid}/status", "VmRSS"),
        "pss_mib": kib(f"/proc/{pid}/smaps_rollup", "Pss"),
    }


def cpu_and_switches(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and context switches of all the process's threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    switches = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except OSError:
            continue  # a thread that ended meanwhile
        switches += sum(int(x.split()[1]) for x in text.splitlines() if "ctxt_switches" in x)
    return cpu, switches


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


# -- the simulator and FocusGuard's setup -------------------------------------------------------
@contextlib.contextmanager
def simulator(work: Path) -> Iterator[str]:
    """`focusguard sim` on a free port, in a process of its own; its EWS URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "focusguard", "sim", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=open(work / "sim.log", "w"),  # noqa: SIM115 - closed with the process
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()  # printed once it listens
        found = re.search(r"(http://\S+/EWS/Exchange\.asmx)", banner)
        if not found:
            raise RuntimeError(f"the simulator did not start: {banner!r} (see sim.log)")
        yield found.group(1)
    finally:
        stop(proc)  # type: ignore[arg-type]


def focusguard_env(home: Path, display: str) -> dict[str, str]:
    return {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",  # CI runs benchmarks with offscreen; a tray needs xcb
        "FOCUSGUARD_HOME": str(home),  # settings, state, control socket: all throw-away
        # The suite's file keyring (the real keyring is never touched).
        "PYTHON_KEYRING_BACKEND": "tests.keyring_file.FileKeyring",
        "FOCUSGUARD_TEST_KEYRING_FILE": str(home / "keyring.json"),
        "XDG_DATA_HOME": str(home / "xdg-data"),
        "XDG_CONFIG_HOME": str(home / "xdg-config"),  # start at login stays in here too
    }


def focusguard_cli(env: dict[str, str], config: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
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


def set_up(work: Path, url: str, display: str) -> tuple[Path, dict[str, str]]:
    """A settings file for an account on the simulator, its password saved."""
    from focusguard.app.backends import simulator_account

    home = work / "home"
    home.mkdir()
    config = work / "focusguard.toml"
    later = time.strftime("%H:%M", time.localtime(time.time() + 6 * 3600))
    config.write_text(
        simulator_account("ews", url) + '\n[people]\nown_domains = ["corp.example"]\n\n[schedule]\n'
        'workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
        f'check_ins = ["{later}"]\n',
        encoding="utf-8",
    )
    env = focusguard_env(home, display)
    done = focusguard_cli(env, config, "account", "login", "--password-stdin", stdin=PASSWORD)
    if done.returncode != 0:
        raise RuntimeError(f"account login failed: {done.stderr}")
    return config, env


def connected(env: dict[str, str], config: Path) -> bool:
    done = focusguard_cli(env, config, "status", "--json")
    if done.returncode != 0:
        return False
    status = json.loads(done.stdout)
    return bool(status.get("problem") is None and status.get("mode"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups per app (default 5)")
    parser.add_argument("--idle", type=float, default=60, help="seconds of idle measured")
    parser.add_argument("--ci", action="store_true", help="CI: 3 start-ups, 15 s idle")
    args = parser.parse_args()
    runs, idle = (3, 15.0) if args.ci else (args.runs, args.idle)

    missing = [t for t in ("Xvfb", "trayer") if shutil.which(t) is None]
    if missing or not sys.platform.startswith("linux"):
        emit(
            benchmark="tray",
            skipped=f"needs Linux with {', '.join(missing) or 'X11'} "
            "(bash .ci/install installs Xvfb and trayer)",
        )
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-tray-"))
    script = work / "minimal_tray.py"
    script.write_text(MINIMAL_APP, encoding="utf-8")
    try:
        with tray_host(work) as (display, x11), simulator(work) as url:
            config, fg_env = set_up(work, url, display)
            base_env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
            apps = {
                "focusguard": (
                    [sys.executable, "-m", "focusguard", "--config", str(config)],
                    fg_env,
                ),
                "minimal PySide6 tray": ([sys.executable, str(script)], base_env),
            }
            times: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(runs):  # alternate, so drift hits both alike
                for name, (cmd, env) in apps.items():
                    proc, seconds = start_and_time(cmd, env, x11, work / "apps.log")
                    times[name].append(seconds)
                    if name == "focusguard":  # quit connected, as a person would
                        poll(lambda: connected(fg_env, config), 60, "FocusGuard to connect", 0.2)
                    stop(proc)  # SIGTERM: both quit at once
                    poll(lambda p=proc: x11.embedded_icon(p.pid) is None, 10, "the icon to go")
            for name, values in times.items():
                emit(
                    benchmark="tray_startup_to_icon",
                    app=name,
                    runs=len(values),
                    median_s=round(statistics.median(values), 3),
                    min_s=round(min(values), 3),
                    max_s=round(max(values), 3),
                )
            fg, base = (statistics.median(times[n]) for n in apps)
            emit(
                benchmark="tray_startup_to_icon",
                ratio=round(fg / base, 2),
                min_ratio=round(min(times["focusguard"]) / min(times["minimal PySide6 tray"]), 2),
                target=2.0,
                meaning="FocusGuard median / minimal tray app median (launch -> icon)",
            )

            idle_figures: dict[str, dict[str, float | None]] = {}
            for name, (cmd, env) in apps.items():  # one at a time: shared pages split PSS
                proc, _ = start_and_time(cmd, env, x11, work / "apps.log")
                if name == "focusguard":
                    poll(lambda: connected(fg_env, config), 60, "FocusGuard to connect", 0.2)
                time.sleep(2)  # start-up's last work (first status, rules) is over
                cpu0, sw0 = cpu_and_switches(proc.pid)
                began = time.monotonic()
                time.sleep(idle)  # the measurement itself
                minutes = (time.monotonic() - began) / 60
                cpu1, sw1 = cpu_and_switches(proc.pid)
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited during the idle window")
                figures = {
                    **memory(proc.pid),
                    "wakeups_per_minute": (sw1 - sw0) / minutes,
                    "cpu_seconds_per_minute": (cpu1 - cpu0) / minutes,
                }
                idle_figures[name] = figures
                stop(proc)
                emit(
                    benchmark="tray_idle",
                    app=name,
                    idle_s=idle,
                    **{k: None if v is None else round(v, 3) for k, v in figures.items()},
                )
            targets = {"rss_mib": 1.8, "pss_mib": None, "cpu_seconds_per_minute": None}
            for key, target in targets.items():
                a, b = (idle_figures[n][key] for n in apps)
                if a and b:
                    emit(
                        benchmark="tray_idle",
                        metric=key,
                        ratio=round(a / b, 2),
                        target=target,
                        meaning="FocusGuard / minimal tray app",
                    )
            emit(
                benchmark="tray_idle",
                metric="wakeups_per_minute",
                focusguard=round(idle_figures["focusguard"]["wakeups_per_minute"] or 0, 1),
                baseline=round(idle_figures["minimal PySide6 tray"]["wakeups_per_minute"] or 0, 1),
                target=15,
                meaning="context switches of all threads per minute, idle and connected",
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
