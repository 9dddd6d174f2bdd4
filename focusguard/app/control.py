"""The local control channel: `focusguard status/focus/checkin/...` talk to the running app.

A Unix domain socket in a 0700 directory (a named pipe on Windows) — never a TCP port — so
only the same user can reach it. Messages are single JSON objects (no pickle): a request
`{"cmd": VERB, ARG: VALUE...}`, an answer `{"ok": true, "text": ..., "data": {...}}` or
`{"ok": false, "error": ...}`.

The server answers through the service's verb table (`answer`): the verbs the command line
offers are the verbs the socket accepts, with the same argument checks (app/verbs.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import TYPE_CHECKING

from focusguard.core import paths
from focusguard.core.command_args import ArgumentProblem
from focusguard.core.errors import AlreadyRunning, FocusGuardError, StartupError

if TYPE_CHECKING:
    from focusguard.app.service import Service

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, object]], dict[str, object]]
MAX_MESSAGE = 64 * 1024
# What a reply may hold: the insights of a mailbox with a few hundred customers (their table
# and the same as JSON) is more than a request's 64 KiB.
MAX_REPLY = 16 * 1024 * 1024
_SUN_PATH_MAX = 100


# Connections a burst of clients may queue while the accept loop catches up. The default of
# multiprocessing's Listener is 1: a second client connecting without blocking (a timeout, as
# `request` uses, or any client on macOS) was refused as if nothing were running.
BACKLOG = 128
_RETRY_PAUSE_S = 0.02
_START_HINT = "Start it with `focusguard` (tray) or `focusguard run --headless`."


class ControlError(OSError):
    """The control channel could not deliver a command or its answer; the text says why."""


class NotRunning(ControlError):
    """No FocusGuard instance listens: no socket (pipe), or a stale socket nobody accepts on."""


class Busy(ControlError):
    """An instance listens but did not accept the connection in time (its queue is full)."""


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


def serve(service: Service, root: Path | None = None) -> ControlServer:
    """The control server of `service` (started with `start()`)."""
    return ControlServer(lambda request: answer(service, request), root)


def answer(service: Service, request: dict[str, object]) -> dict[str, object]:
    """One request, answered through the verb table; any input gets an answer."""
    name = request.get("cmd")
    verb = next((v for v in service.verbs() if v.name == name), None)
    if verb is None:
        return {"ok": False, "error": f"unknown command {name!r}"[:200]}
    try:
        kwargs = {arg.name: arg.check(request.get(arg.name, arg.default)) for arg in verb.args}
    except ArgumentProblem as exc:
        return {"ok": False, "error": str(exc)}
    try:
        result = getattr(service, verb.attribute)(**kwargs)
    except FocusGuardError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "text": result.text, "data": result.as_json()}


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
                raise StartupError(
                    "Control folder not private",
                    f"{sock.parent} is not a private folder of this user: make it yours with "
                    "mode 0700 (or remove it), then start FocusGuard again.",
                )
            if sock.exists():
                if _answers(self._address, self._family):
                    raise AlreadyRunning(
                        "FocusGuard is already running",
                        f"Another FocusGuard answers at {self._address} (look for its icon, "
                        "or run `focusguard status`).",
                    )
                sock.unlink()  # left behind by a killed process
            old = os.umask(0o177)
            try:
                self._listener = Listener(self._address, self._family, backlog=BACKLOG)
            finally:
                os.umask(old)
        else:
            self._listener = Listener(self._address, self._family, backlog=BACKLOG)
        self._thread = threading.Thread(target=self._serve, name="focusguard-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            # Unblock accept() by connecting once, then close. Not a blocking connect: with
            # clients still queued the accept loop ends without taking this one, and a
            # blocking connect would then wait for ever.
            with contextlib.suppress(OSError):
                _connect(self._address, self._family, timeout=1.0).close()
            self._listener.close()
            if self._family == "AF_UNIX":
                # Only a socket this server made: never the one of an instance it found.
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
            except EOFError:
                return
            except OSError:  # longer than MAX_MESSAGE ("bad message length"), or a reset
                raw = None
            request, problem = (
                _parse_request(raw)
                if raw is not None
                else (None, f"the request is larger than {MAX_MESSAGE} bytes")
            )
            if request is None:
                reply = {"ok": False, "error": problem}  # bad input: answered, not logged
            else:
                try:
                    reply = self._handler(request)
                except Exception as exc:  # reported to the client, never crash the app
                    log.exception("control request failed")
                    reply = {"ok": False, "error": str(exc)}
            try:
                conn.send_bytes(json.dumps(reply).encode())
            except OSError:
                return


def _parse_request(raw: bytes) -> tuple[dict[str, object] | None, str]:
    """(the request, "") or (None, what is wrong with it) for bad input.

    Anything a client can send is answered: broken UTF-8 or JSON, a 5,000-digit number
    (ValueError from int()), nesting 100,000 deep (RecursionError), a list instead of an
    object.
    """
    try:
        request = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "the request is not valid JSON (send one JSON object)"
    if not isinstance(request, dict):
        return None, "the request must be a JSON object"
    return request, ""


def _answers(addr: str, family: str) -> bool:
    """Does an instance listen at `addr`? False only when nothing can be (no socket, or a
    stale one that refuses); any other failure is raised, so a socket that merely could not
    be reached is never deleted from under a live instance."""
    try:
        _connect(addr, family, timeout=2.0).close()
    except NotRunning:
        return False
    except Busy:
        return True
    except ControlError as exc:
        raise StartupError(
            "Cannot tell whether FocusGuard is already running", f"{exc}. Try again."
        ) from None
    return True


def _connect(addr: str, family: str, timeout: float) -> Connection:
    """A connection to the control channel, or the ControlError that says why not."""
    if family != "AF_UNIX":
        try:
            return Client(addr, family)  # a named pipe: PipeClient waits for a free instance
        except FileNotFoundError:
            raise NotRunning(f"FocusGuard is not running. {_START_HINT}") from None
        except OSError as exc:
            raise ControlError(_unreachable(addr, exc)) from None
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            sock.connect(addr)
        except BlockingIOError:
            # EAGAIN: the listen queue is full (Linux, non-blocking connect). It is running.
            sock.close()
            if time.monotonic() >= deadline:
                raise _busy(timeout) from None
            time.sleep(_RETRY_PAUSE_S)
            continue
        except (FileNotFoundError, ConnectionRefusedError):
            # No socket file, or one left behind by a process that was killed.
            sock.close()
            raise NotRunning(f"FocusGuard is not running. {_START_HINT}") from None
        except TimeoutError:
            sock.close()
            raise _busy(timeout) from None
        except OSError as exc:
            sock.close()
            raise ControlError(_unreachable(addr, exc)) from None
        sock.settimeout(None)  # blocking from here; Connection.poll bounds the waits
        return Connection(sock.detach())


def _busy(timeout: float) -> Busy:
    return Busy(
        f"FocusGuard is running but did not accept the connection within {timeout:.0f} s "
        "(it is very busy; try again)"
    )


def _unreachable(addr: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return (
            f"cannot reach the running FocusGuard at {addr}: permission denied (the control "
            "socket belongs to another user or its folder is not yours; run the command as "
            "the user who started FocusGuard)"
        )
    reason = exc.strerror or type(exc).__name__
    return f"cannot reach the running FocusGuard at {addr}: {reason}"


def request(
    command: dict[str, object], root: Path | None = None, timeout: float = 30.0
) -> dict[str, object]:
    """Send one command and return the reply; NotRunning when no instance listens, another
    ControlError (never NotRunning) for every other failure, each with a message that says
    what happened."""
    addr, family = address(root)
    conn = _connect(addr, family, timeout)
    with conn:
        try:
            conn.send_bytes(json.dumps(command).encode())
            if not conn.poll(timeout):
                raise ControlError(f"FocusGuard did not answer within {timeout:.0f} s")
            raw = conn.recv_bytes(MAX_REPLY)
        except EOFError:
            raise ControlError(
                "FocusGuard closed the connection without answering (it may be quitting; try again)"
            ) from None
        except ControlError:
            raise
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise ControlError(f"the connection to FocusGuard failed ({reason})") from None
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        reply = None
    if not isinstance(reply, dict):
        raise ControlError(
            f"something answered at {addr}, but not with a FocusGuard reply (is another "
            "program using this socket?)"
        )
    return reply


def instance_answers(root: Path | None = None, *, show: bool = False) -> bool:
    """Does a FocusGuard answer on the control channel? With `show` it is also asked to bring
    its window forward (a second `focusguard` was started)."""
    try:
        request({"cmd": "show" if show else "status"}, root, timeout=5)
    except NotRunning:
        return False
    except (TimeoutError, OSError, ValueError):
        # Something holds the channel but did not answer properly: an instance, if a slow
        # one (starting a second would fail on the socket anyway).
        log.warning("a FocusGuard instance holds the control channel but did not answer")
    return True
