"""The control channel's connections (issue 9 §4): a burst of clients all get answers, and
only "no instance listens" is reported as "not running" — a socket that cannot be reached, a
peer that hangs up or answers nonsense each get their own message, never a traceback."""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from focusguard.app import control
from focusguard.cli import main
from focusguard.core.errors import AlreadyRunning

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Unix domain sockets")


@pytest.fixture
def server() -> Iterator[control.ControlServer]:
    srv = control.ControlServer(lambda request: {"ok": True, "echo": request})
    srv.start()
    yield srv
    srv.stop()


def nonblocking_connect(addr: str) -> socket.socket | None:
    """Connect the way a client with a timeout does (and every client on macOS, where a
    full listen queue refuses at once): the queue has room now, or the connect fails."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        sock.connect(addr)
    except OSError:
        sock.close()
        return None
    return sock


def test_a_burst_of_fifty_clients_is_queued_and_every_one_is_answered(
    server: control.ControlServer,
) -> None:
    # Fifty connects in a row, faster than the accept loop can take them: with
    # multiprocessing's default backlog of 1, all but two were refused.
    socks = [nonblocking_connect(server.address) for _ in range(50)]
    refused = sum(s is None for s in socks)
    assert refused == 0, f"{refused} of 50 clients were refused"
    from multiprocessing.connection import Connection

    for i, sock in enumerate(socks):
        assert sock is not None
        sock.setblocking(True)
        with Connection(sock.detach()) as conn:
            conn.send_bytes(json.dumps({"cmd": "status", "n": i}).encode())
            assert conn.poll(10)
            assert json.loads(conn.recv_bytes()) == {"ok": True, "echo": {"cmd": "status", "n": i}}


def test_fifty_concurrent_requests_all_get_their_own_answer(
    server: control.ControlServer,
) -> None:
    answers: dict[int, object] = {}

    def ask(n: int) -> None:
        answers[n] = control.request({"cmd": "status", "n": n}, timeout=20)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == {n: {"ok": True, "echo": {"cmd": "status", "n": n}} for n in range(50)}


def test_stop_returns_even_when_clients_are_queued_and_nothing_accepts(tmp_path: Path) -> None:
    srv = control.ControlServer(lambda request: {"ok": True}, tmp_path)
    srv.start()
    # End the accept loop the way stop() does, then fill the listen queue: stop()'s own
    # wake-up connection used to block for ever behind the queued clients.
    srv._stopping.set()
    nonblocking_connect(srv.address)
    assert srv._thread is not None
    srv._thread.join(10)
    queued = [s for s in (nonblocking_connect(srv.address) for _ in range(300)) if s]
    assert queued
    stopper = threading.Thread(target=srv.stop, daemon=True)
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive(), "stop() hung"
    for s in queued:
        s.close()


def run_as_other_user(fn: Callable[[], str]) -> str:
    """`fn()` in a child process that cannot open this user's socket: as root, a forked
    child that became `nobody` (root ignores file modes); otherwise the caller made the socket
    unwritable. Returns what `fn` returned (or the exception it raised, as text)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            out = fn()
        except BaseException as exc:
            out = f"{type(exc).__name__}: {exc}"
        os.write(write, out.encode("utf-8", "backslashreplace"))
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()


def test_permission_denied_is_not_reported_as_not_running(
    server: control.ControlServer,
) -> None:
    if os.getuid() != 0:
        os.chmod(server.address, 0)

    def ask() -> str:
        try:
            control.request({"cmd": "status"}, timeout=5)
        except control.ControlError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "answered"

    out = run_as_other_user(ask)
    assert out.startswith("ControlError: "), out
    assert "permission denied" in out and "not running" not in out
    assert server.address in out


def test_a_stale_socket_is_not_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    addr, _ = control.address()
    Path(addr).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(addr)  # bound, never listening: what a killed process leaves behind
    try:
        with pytest.raises(control.NotRunning, match="FocusGuard is not running"):
            control.request({"cmd": "status"}, timeout=5)
    finally:
        stale.close()


class FakePeer:
    """Something else listening on the control socket: it hangs up, or answers nonsense."""

    def __init__(self, addr: str, answer: bytes | None) -> None:
        Path(addr).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(addr)
        self.sock.listen(8)
        self.answer = answer
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            if self.answer is not None:
                conn.sendall(len(self.answer).to_bytes(4, "big") + self.answer)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, "closed the connection without answering"),
        (b"<html>hello</html>", "not with a FocusGuard reply"),
        (b"[1, 2, 3]", "not with a FocusGuard reply"),
        (b"\xff\xfe\x00", "not with a FocusGuard reply"),
    ],
)
def test_a_peer_that_hangs_up_or_answers_nonsense_is_a_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], answer: bytes | None, words: str
) -> None:
    addr, _ = control.address()
    peer = FakePeer(addr, answer)
    try:
        code = main(["status"])
    finally:
        peer.close()
    err = capsys.readouterr().err
    assert code == 1
    assert words in err and "not running" not in err
    assert "Traceback" not in err


def test_a_second_instance_neither_hangs_nor_deletes_the_socket_of_a_busy_one() -> None:
    addr, _ = control.address()
    Path(addr).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    busy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    busy.bind(addr)
    busy.listen(0)  # an instance whose accept loop is stuck: its queue fills up
    queued = []
    while (sock := nonblocking_connect(addr)) is not None and len(queued) < 1000:
        queued.append(sock)
    outcome: list[str] = []

    def start_second() -> None:
        try:
            control.ControlServer(lambda request: {"ok": True}).start()
            outcome.append("started")
        except AlreadyRunning as exc:
            outcome.append(exc.title)

    starter = threading.Thread(target=start_second, daemon=True)
    starter.start()
    starter.join(15)
    try:
        # Before: a blocking connect behind the full queue waited for ever.
        assert not starter.is_alive(), "the second instance hung on the busy socket"
        assert outcome == ["FocusGuard is already running"]
        assert Path(addr).exists()
    finally:
        for sock in queued:
            sock.close()
        busy.close()


def test_connect_errors_other_than_absence_keep_their_reason(tmp_path: Path) -> None:
    # A path through a regular file: ENOTDIR, nothing to do with a missing instance.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(control.ControlError) as info:
        control._connect(str(blocker / "control.sock"), "AF_UNIX", timeout=1)
    assert not isinstance(info.value, control.NotRunning)
    assert os.strerror(errno.ENOTDIR) in str(info.value)


def test_a_reply_larger_than_a_request_may_be_arrives_whole(tmp_path: Path) -> None:
    # The insights of a mailbox with a few hundred customers is well over 64 KiB (issue 13).
    table = "customer-0000.example   12   3   1h20\n" * 5000
    srv = control.ControlServer(lambda request: {"ok": True, "text": table}, tmp_path)
    srv.start()
    try:
        reply = control.request({"cmd": "insights"}, tmp_path)
    finally:
        srv.stop()
    assert len(table) > control.MAX_MESSAGE
    assert reply == {"ok": True, "text": table}
