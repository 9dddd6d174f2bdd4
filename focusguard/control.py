"""The local control channel: `focusguard status/focus/checkin/...` talk to the running app.

A Unix domain socket in a 0700 directory (a named pipe on Windows) — never a TCP port — so
only the same user can reach it. Messages are single JSON objects (no pickle).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path

from focusguard.core import paths

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, object]], dict[str, object]]
MAX_MESSAGE = 64 * 1024
_SUN_PATH_MAX = 100


class NotRunning(Exception):
    """No FocusGuard instance answers on the control channel."""


def address(root: Path | None = None) -> tuple[str, str]:
    """(address, family) of the control channel for this user."""
    if sys.platform == "win32":
        user = os.environ.get("USERNAME", "user")
        return rf"\\.\pipe\focusguard-{user}", "AF_PIPE"
    base = root or paths.runtime_dir()
    sock = base / "control.sock"
    if len(os.fsencode(sock)) > _SUN_PATH_MAX:
        # sockaddr_un.sun_path holds ~104-108 bytes; a deep FOCUSGUARD_HOME would not fit.
        # Fall back to a short private folder named after the long path, so each home still
        # gets its own socket.
        digest = hashlib.sha256(os.fsencode(base)).hexdigest()[:16]
        short = Path(tempfile.gettempdir()) / f"focusguard-{os.getuid()}" / digest
        sock = short / "control.sock"
    return str(sock), "AF_UNIX"


class ControlServer:
    def __init__(self, handler: Handler, root: Path | None = None) -> None:
        self._handler = handler
        self._address, self._family = address(root)
        self._listener: Listener | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def address(self) -> str:
        return self._address

    def start(self) -> None:
        if self._family == "AF_UNIX":
            sock = Path(self._address)
            paths.ensure_private_dir(sock.parent)
            if sock.parent.stat().st_uid != os.getuid() or sock.parent.stat().st_mode & 0o077:
                raise RuntimeError(f"{sock.parent} is not a private folder of this user")
            if sock.exists():
                if _answers(self._address, self._family):
                    raise RuntimeError("another FocusGuard is already running")
                sock.unlink()  # left behind by a killed process
            old = os.umask(0o177)
            try:
                self._listener = Listener(self._address, self._family)
            finally:
                os.umask(old)
        else:
            self._listener = Listener(self._address, self._family)
        self._thread = threading.Thread(target=self._serve, name="focusguard-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            # Unblock accept() by connecting once, then close.
            with contextlib.suppress(OSError):
                Client(self._address, self._family).close()
            self._listener.close()
        if self._family == "AF_UNIX":
            Path(self._address).unlink(missing_ok=True)

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: Connection) -> None:
        with conn:
            try:
                if not conn.poll(5):
                    return
                raw = conn.recv_bytes(MAX_MESSAGE)
                request = json.loads(raw)
                if not isinstance(request, dict):
                    raise ValueError("request must be a JSON object")
                reply = self._handler(request)
            except (EOFError, OSError):
                return
            except Exception as exc:  # reported to the client, never crash the app
                log.exception("control request failed")
                reply = {"ok": False, "error": str(exc)}
            try:
                conn.send_bytes(json.dumps(reply).encode())
            except OSError:
                return


def _answers(addr: str, family: str) -> bool:
    try:
        Client(addr, family).close()
    except OSError:
        return False
    return True


def request(
    command: dict[str, object], root: Path | None = None, timeout: float = 30.0
) -> dict[str, object]:
    addr, family = address(root)
    try:
        conn = Client(addr, family)
    except (OSError, FileNotFoundError):
        raise NotRunning(
            "FocusGuard is not running. Start it with `focusguard` (tray) or "
            "`focusguard run --headless`."
        ) from None
    with conn:
        conn.send_bytes(json.dumps(command).encode())
        if not conn.poll(timeout):
            raise TimeoutError(f"FocusGuard did not answer within {timeout:.0f} s")
        reply = json.loads(conn.recv_bytes(MAX_MESSAGE))
    if not isinstance(reply, dict):
        raise ValueError("unexpected reply from FocusGuard")
    return reply
