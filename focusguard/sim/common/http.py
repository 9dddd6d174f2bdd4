"""HTTP plumbing shared by both simulators: the threading server and the handler basics
(bodies, responses, the control API). Authentication and the protocol itself (SOAP or JSON,
their error shapes) stay in each simulator's server.py."""

from __future__ import annotations

import json
import logging
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, TypeVar

from . import control

log = logging.getLogger(__name__)

S = TypeVar("S")


class SimHTTPServer(ThreadingHTTPServer, Generic[S]):
    daemon_threads = True
    allow_reuse_address = True
    # Clients open several connections at once (exchangelib's pool, Graph batches,
    # benchmarks); the default backlog of 5 would refuse some of them.
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], sim: S, handler: type[SimRequestHandler[S]]) -> None:
        self.sim = sim
        super().__init__(addr, handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # A client that hangs up mid-request (an app quitting while its stream is open) is
        # ordinary for a mail server; anything else is a simulator bug and is printed.
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class SimRequestHandler(BaseHTTPRequestHandler, Generic[S]):
    # HTTP/1.1 keeps clients' pooled connections alive and allows chunked streaming.
    protocol_version = "HTTP/1.1"
    control_indent: ClassVar[int | None] = None  # pretty-printed control answers, or not
    server: SimHTTPServer[S]

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    @property
    def sim(self) -> S:
        return self.server.sim

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """A complete response; `content_type` None sends none (an empty 202/204)."""
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def is_control(self) -> bool:
        return self.path.startswith(control.PREFIX)

    def answer_control(self, method: str, raw: bytes) -> None:
        status, payload = self.handle_control(method, raw)
        self.send_body(
            status, json.dumps(payload, indent=self.control_indent).encode(), "application/json"
        )

    def handle_control(self, method: str, raw: bytes) -> tuple[int, Any]:
        """The simulator's control.handle for this request."""
        raise NotImplementedError


def retry_after(seconds: float | None) -> dict[str, str]:
    """A Retry-After header (whole seconds written without a fraction), or none."""
    if seconds is None:
        return {}
    return {"Retry-After": str(int(seconds)) if float(seconds).is_integer() else str(seconds)}
