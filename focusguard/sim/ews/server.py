"""The HTTP side: Basic auth, SOAP parsing, strict schema checks, faults, dispatch."""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from lxml import etree

from ..common.http import SimRequestHandler, retry_after
from . import control, streaming
from .dispatch import HANDLERS, STREAMING_OPS
from .faults import Fault
from .schema import validate
from .soap import SOAP_NS, Element, SchemaViolationError, envelope, fault, local, serialize

if TYPE_CHECKING:
    from .simulator import EwsSimulator  # noqa: F401 - named in EwsRequestHandler's base

log = logging.getLogger(__name__)
EWS_PATH = "/ews/exchange.asmx"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class ResponseSchemaError(RuntimeError):
    """The simulator produced a response that breaks the EWS schema: a simulator bug."""


class EwsRequestHandler(SimRequestHandler["EwsSimulator"]):
    control_indent = 2  # for people reading `curl $SIM/...` (docs/simulator.md)

    # ---- plumbing -------------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/xml; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_body(status, body, content_type, headers)

    def _send_401(self) -> None:
        self._send(
            401,
            b"401 - Unauthorized",
            "text/plain",
            {"WWW-Authenticate": 'Basic realm="sim-mbx.focusguard.example"'},
        )

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return self.sim.check_credentials(user, password)

    # ---- HTTP verbs -------------------------------------------------------------------------
    def do_GET(self) -> None:
        if self.is_control():
            self.answer_control("GET", b"")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        body = self.read_body()
        if self.is_control():
            self.answer_control("POST", body)
        elif self.path.split("?")[0].lower() == EWS_PATH:
            self._soap(body)
        else:
            self._send(404, b"not found", "text/plain")

    def handle_control(self, method: str, raw: bytes) -> tuple[int, Any]:
        return control.handle(self.sim, method, self.path, raw)

    # ---- SOAP -----------------------------------------------------------------------------
    def _soap(self, raw: bytes) -> None:
        if not self._authorised():
            self._send_401()
            return
        self.sim.begin_work()
        try:
            self._work(raw)
        finally:
            self.sim.end_work()

    def _work(self, raw: bytes) -> None:
        """One SOAP request; a streaming one ends this and goes on in `_stream`."""
        try:
            env = etree.fromstring(raw, _PARSER)
            body = env.find(f"{{{SOAP_NS}}}Body")
            if body is None or len(body) == 0:
                raise SchemaViolationError("The SOAP envelope has no body element.")
            req = body[0]
        except (etree.XMLSyntaxError, SchemaViolationError) as exc:
            self._schema_fault("?", str(exc))
            return
        op = local(req)
        self.sim.log_request(op)
        injected = self.sim.faults.take(op)
        if injected is not None and self._apply_fault(injected):
            return
        if self.sim.schema is not None:
            problem = validate(self.sim.schema, req)
            if problem:
                self._schema_fault(op, problem)
                return
        if op in STREAMING_OPS:
            # A stream lasts minutes and changes nothing: it is not work in progress.
            self.sim.end_work()
            try:
                self._stream(req, drop=injected is not None and injected.kind == "drop_stream")
            finally:
                self.sim.begin_work()  # balanced by _soap's end_work
            return
        handler = HANDLERS.get(op)
        if handler is None:
            self.sim.record_unsupported(op)
            self._send(
                500,
                serialize(
                    envelope(
                        [fault("ErrorInvalidRequest", f"The simulator does not implement {op}.")]
                    )
                ),
            )
            return
        try:
            result = handler(self.sim.mailbox, req)
        except SchemaViolationError as exc:
            self._schema_fault(op, str(exc))
            return
        except Exception:
            log.exception("EWS simulator crashed handling %s", op)
            self.sim.record_error(op, "handler crashed")
            self._send(500, b"Server Error in '/EWS' Application (simulator crash)", "text/plain")
            return
        try:
            payload = self._render(result, op)
        except ResponseSchemaError as exc:
            self._send(500, f"simulator bug: {exc}".encode(), "text/plain")
            return
        self._send(200, payload)

    def _render(self, result: Element, op: str) -> bytes:
        if self.sim.schema is not None:
            problem = validate(self.sim.schema, result)
            if problem:
                log.error(
                    "EWS simulator response for %s breaks the schema: %s\n%s",
                    op,
                    problem,
                    etree.tostring(result, pretty_print=True).decode(),
                )
                self.sim.record_error(op, f"response: {problem}")
                raise ResponseSchemaError(f"{op} response breaks the schema: {problem}")
        return serialize(envelope([result]))

    def _schema_fault(self, op: str, problem: str) -> None:
        self.sim.record_schema_error(op, problem)
        msg = "The request failed schema validation."
        self._send(
            500, serialize(envelope([fault("ErrorSchemaValidation", msg, violation=problem)]))
        )

    def _apply_fault(self, injected: Fault) -> bool:
        """Apply an injected fault; True when the request is fully answered by it."""
        if injected.kind == "slow":
            time.sleep(injected.delay_s)
            return False
        if injected.kind == "drop_stream":
            return False
        if injected.kind == "http_401":
            self._send_401()
        elif injected.kind == "http_503":
            self._send(
                503, b"Service Unavailable", "text/plain", retry_after(injected.retry_after_s)
            )
        elif injected.kind == "server_busy":
            flt = fault(
                "ErrorServerBusy",
                "The server cannot service this request right now. Try again later.",
                values={"BackOffMilliseconds": str(injected.backoff_ms)},
            )
            self._send(500, serialize(envelope([flt])))
        return True

    # ---- streaming ------------------------------------------------------------------------
    def _stream(self, req: Element, *, drop: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        writer = _ChunkedWriter(self)

        def render(elem: Element) -> bytes:
            return self._render(elem, "GetStreamingEvents")

        try:
            streaming.serve_stream(
                self.sim.mailbox,
                req,
                writer,
                render,
                minute_s=self.sim.stream_minute_s,
                heartbeat_s=self.sim.heartbeat_s,
                stopping=self.sim.stopping.is_set,
                drop=drop,
            )
            if not writer.dropped:
                writer.finish()
        except ResponseSchemaError:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _ChunkedWriter:
    def __init__(self, handler: EwsRequestHandler) -> None:
        self._handler = handler
        self._lock = threading.Lock()
        self.dropped = False

    def write_chunk(self, data: bytes) -> None:
        with self._lock:
            self._handler.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self._handler.wfile.flush()

    def drop(self, data: bytes) -> None:
        with self._lock:
            self._handler.wfile.write(f"{len(data):X}\r\n".encode() + data[: len(data) // 2])
            self._handler.wfile.flush()
            self.dropped = True
            self._handler.close_connection = True
            # Cut the TCP connection mid-chunk, as a failing load balancer would.
            with contextlib.suppress(OSError):
                self._handler.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        with self._lock:
            self._handler.wfile.write(b"0\r\n\r\n")
            self._handler.wfile.flush()
