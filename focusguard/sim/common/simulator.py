"""The lifecycle and observations both simulators share: a server thread on 127.0.0.1, the
records of what the user saw, fault clearing, and the standalone `serve` loop."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Self, TypeVar

from .faults import Fault, FaultInjector
from .http import SimHTTPServer, SimRequestHandler
from .recorder import Recorder

M = TypeVar("M", bound=Recorder)
F = TypeVar("F", bound=Fault)


class Simulator(Generic[M, F]):
    """Base of EwsSimulator and GraphSimulator; they add their protocol's API and semantics."""

    thread_name: ClassVar[str]  # prefix of the server thread's name, e.g. "ews-sim"

    def __init__(self, host: str, port: int, mailbox: M, seed: int) -> None:
        self.host, self.port = host, port
        self.mailbox = mailbox
        self.faults: FaultInjector[F] = FaultInjector(seed)
        self._server: SimHTTPServer[Self] | None = None
        self._thread: threading.Thread | None = None
        # Requests being worked on. A server keeps working on a request whose client has
        # gone (killed mid-request): tests that look at the mailbox after killing a client
        # wait until this is 0, as anyone reading a real server after a crash must.
        self._busy = 0
        self._idle = threading.Condition()

    def handler(self) -> type[SimRequestHandler[Self]]:
        """The request handler class of this simulator's protocol."""
        raise NotImplementedError

    # ---- driving the mailbox --------------------------------------------------------------
    def deliver(
        self,
        sender: str,
        subject: str = "",
        headers: dict[str, str] | None = None,
        importance: str | None = None,
        body: str = "",
        received: dt.datetime | None = None,
        to: list[str] | None = None,
    ) -> str:
        """Transport delivery: the mailbox's rules run first (then events, pop-ups).
        Returns the Internet Message-ID. `importance=None`: the protocol's default."""
        return self.mailbox.deliver(
            sender,
            subject,
            headers=headers,
            importance=importance,
            body=body,
            received=received,
            to=to,
        )

    def add_history(
        self,
        folder: str,
        sender: str | None,
        subject: str,
        at: dt.datetime,
        *,
        to: list[str] | None = None,
        cc: list[str] | None = None,
        headers: dict[str, str] | None = None,
        in_reply_to: str | None = None,
        references: str | None = None,
        client_headers: dict[str, str] | None = None,
    ) -> str:
        """A message from before the simulator started (no rules, no pop-up, no delivery
        record): see the mailbox's `add_history`. Returns the Message-ID."""
        return self.mailbox.add_history(
            folder,
            sender,
            subject,
            at,
            to=to,
            cc=cc,
            headers=headers,
            in_reply_to=in_reply_to,
            references=references,
            client_headers=client_headers,
        )

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> Self:
        self._server = SimHTTPServer((self.host, self.port), self, self.handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{self.thread_name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def control_url(self) -> str:
        return f"{self.root_url}/_control"

    # ---- observations ---------------------------------------------------------------------
    def mailbox_snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """{folder (well-known/distinguished id or display name): [messages, oldest first]}."""
        return self.mailbox.snapshot()

    def sent(self) -> list[dict[str, Any]]:
        return self.mailbox.copy(self.mailbox.sent)

    @property
    def popups(self) -> list[dict[str, Any]]:
        return self.mailbox.copy(self.mailbox.popups)

    @property
    def moves(self) -> list[dict[str, Any]]:
        return self.mailbox.copy(self.mailbox.moves)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return self.mailbox.copy(self.mailbox.deliveries)

    # ---- work in progress -----------------------------------------------------------------
    def begin_work(self) -> None:
        """A request (other than a long-lived notification stream) is being worked on."""
        with self._idle:
            self._busy += 1

    def end_work(self) -> None:
        with self._idle:
            self._busy -= 1
            if self._busy == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no request is being worked on; False if that takes over `timeout` s."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    # ---- faults ---------------------------------------------------------------------------
    def clear_faults(self) -> None:
        self.faults.clear()


def serve_until_stopped(sim: Simulator[Any, Any], banner: Callable[[], str], name: str) -> None:
    """Start `sim`, print `banner()`, run until Ctrl-C or SIGTERM, stop it (`focusguard sim`).

    The simulator starts inside the `try`: a Ctrl-C that comes as soon as it answers (a
    script that waits for the port, then interrupts) still stops its threads; started before
    the `try`, that interrupt left them running and the process never ended."""
    done = threading.Event()
    # Signal handlers can only be installed from the main thread (tests call this in others).
    # SIGINT gets a handler of its own too: a process started in the background by a shell
    # without job control inherits SIGINT *ignored*, and Python then raises no
    # KeyboardInterrupt for it ("SIGINT is translated into a KeyboardInterrupt exception if
    # the parent process has not changed it":
    # https://docs.python.org/3/library/signal.html#general-rules).
    main = threading.current_thread() is threading.main_thread()
    stop_on = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) for s in stop_on} if main else {}
    for signum in previous:
        signal.signal(signum, lambda *_: done.set())
    try:
        sim.start()
        print(banner(), flush=True)
        while not done.is_set():
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        print(f"{name} simulator stopped.", flush=True)
