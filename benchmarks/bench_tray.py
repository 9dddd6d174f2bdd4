"""The tray app under Xvfb + trayer (a real tray host, Qt's xcb platform): how long from
process start until its icon is shown in the tray, and how much memory it holds after a
minute of running. FocusGuard (`focusguard demo`) against a baseline measured in the same
run: a minimal PySide6 tray app (QApplication + QSystemTrayIcon with an icon, show()).

"Shown" is judged the same way for both, from outside, by polling the X server (libX11 via
ctypes, every 5 ms): a window with the process's _NET_WM_PID that trayer has reparented
into itself (parent is not the root) and that is viewable. Memory: VmRSS from
/proc/PID/status and Pss from /proc/PID/smaps_rollup after --idle seconds; the two apps
run one after the other, so they never share pages (which would split their PSS).

Note: the demo process also hosts the EWS simulator (an HTTP server) and the scripted mail
stream, so its figures include them; the app on a real mailbox has neither.

Prints one JSON object per figure; ratio > 1 means FocusGuard takes more.

    .venv/bin/python benchmarks/bench_tray.py [--runs N] [--idle S] [--ci]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

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
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)

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


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups per app (default 5)")
    parser.add_argument("--idle", type=float, default=60, help="seconds before memory is read")
    parser.add_argument("--ci", action="store_true", help="CI: 3 start-ups, same 60 s idle")
    args = parser.parse_args()
    runs = 3 if args.ci else args.runs

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
    apps = {
        "focusguard demo": [
            sys.executable,
            "-m",
            "focusguard",
            "demo",
            "--duration",
            str(int(args.idle) + 120),
        ],
        "minimal PySide6 tray": [sys.executable, str(script)],
    }
    try:
        with tray_host(work) as (display, x11):
            env = {
                **os.environ,
                "DISPLAY": display,
                "QT_QPA_PLATFORM": "xcb",  # CI runs benchmarks with offscreen; a tray needs xcb
                "TMPDIR": str(work),  # the demo's throw-away folder goes here
            }
            times: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(runs):  # alternate, so drift hits both alike
                for name, cmd in apps.items():
                    proc, seconds = start_and_time(cmd, env, x11, work / "apps.log")
                    times[name].append(seconds)
                    stop(proc)  # SIGTERM: both quit at once (the demo removes its folder)
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
                meaning="FocusGuard median / minimal tray app median",
            )

            mem: dict[str, dict[str, float | None]] = {}
            for name, cmd in apps.items():  # one at a time: shared pages would split PSS
                proc, _ = start_and_time(cmd, env, x11, work / "apps.log")
                time.sleep(args.idle)  # the measurement itself: a minute of running
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited during the idle minute")
                mem[name] = memory(proc.pid)
                stop(proc)
                emit(
                    benchmark="tray_memory_after_idle",
                    app=name,
                    idle_s=args.idle,
                    **{k: None if v is None else round(v, 1) for k, v in mem[name].items()},
                )
            for key in ("rss_mib", "pss_mib"):
                a, b = (mem[n][key] for n in apps)
                if a and b:
                    emit(
                        benchmark="tray_memory_after_idle",
                        metric=key,
                        ratio=round(a / b, 2),
                        meaning="FocusGuard / minimal tray app",
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
