"""The HTTP side of the Graph simulator: bearer tokens, faults, concurrency accounting,
`$batch`, the token endpoint and the JSON control API."""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ..common.http import SimRequestHandler, retry_after
from . import control, routes
from .faults import Fault
from .model import GraphError

if TYPE_CHECKING:
    from .simulator import GraphSimulator

log = logging.getLogger(__name__)
API_PREFIX = "/v1.0"
MAX_BATCH = 20  # https://learn.microsoft.com/en-us/graph/json-batching#batch-size-limitations


def _fault_response(fault: Fault) -> routes.Response:
    headers = retry_after(fault.retry_after_s)
    if fault.kind == "throttle":
        error = GraphError(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            headers,
        )
    elif fault.kind == "http_503":
        error = GraphError(503, "ServiceUnavailable", "Service Unavailable", headers)
    elif fault.kind == "http_504":
        error = GraphError(504, "GatewayTimeout", "Gateway Timeout")
    else:  # token_expired
        error = GraphError(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return routes.Response(error.status, error.body(), error.headers)


class GraphRequestHandler(SimRequestHandler["GraphSimulator"]):
    # ---- plumbing -------------------------------------------------------------------------
    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """A JSON response; payload None is an empty body without a Content-Type (202/204)."""
        if payload is None:
            self.send_body(status, b"", None, headers)
        else:
            self.send_body(status, json.dumps(payload).encode(), "application/json", headers)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        raw = self.read_body()
        parts = urlsplit(self.path)
        if self.is_control():
            self.answer_control(method, raw)
        elif parts.path.endswith("/oauth2/v2.0/token") and method == "POST":
            self._token(raw)
        elif parts.path == API_PREFIX or parts.path.startswith(API_PREFIX + "/"):
            self._api(method, parts.path[len(API_PREFIX) :], parts.query, raw)
        else:
            self._send(404, {"error": {"code": "NotFound", "message": "not found"}})

    def handle_control(self, method: str, raw: bytes) -> tuple[int, Any]:
        return control.handle(self.sim, method, self.path, raw)

    # ---- token endpoint (a stand-in for login.microsoftonline.com) ------------------------
    def _token(self, raw: bytes) -> None:
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        if form.get("grant_type") == "refresh_token" and not self.sim.refresh_ok(
            form.get("refresh_token", "")
        ):
            self._send(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": (
                        "AADSTS70008: The refresh token has expired or been revoked."
                    ),
                },
            )
            return
        access = self.sim.issue_token()
        refresh = "sim-refresh-" + secrets.token_urlsafe(12)
        self.sim.remember_refresh(refresh)
        self._send(
            200,
            {
                "token_type": "Bearer",
                "access_token": access,
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "refresh_token": refresh,
                "scope": form.get("scope", ""),
            },
        )

    # ---- the API --------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: str, raw: bytes) -> None:
        sim = self.sim
        op = "batch" if path == "/$batch" else routes.operation_of(method, path)
        entry = sim.begin_request(method, path, op)
        status = 500  # what the log says if answering raised (a simulator bug)
        try:
            resp = self._answer(method, path, query, raw, op)
            status = resp.status
        finally:
            # Recorded before the response goes out: a client that reads the request log
            # right after its response must find this request finished (status included).
            sim.end_request(entry, status)
        self._send(resp.status, resp.body, resp.headers)

    def _answer(self, method: str, path: str, query: str, raw: bytes, op: str) -> routes.Response:
        sim = self.sim
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not sim.token_ok(auth[7:]):
            error = GraphError(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            return routes.Response(401, error.body(), error.headers)
        fault = sim.faults.take(op, in_batch=False)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_s)
            fault = None
        if sim.latency_s:
            time.sleep(sim.latency_s)
        if fault is not None:
            return _fault_response(fault)
        return self._respond(method, path, query, raw)

    def _respond(self, method: str, path: str, query: str, raw: bytes) -> routes.Response:
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            error = GraphError(400, "BadRequest", "Unable to read JSON request payload.")
            return routes.Response(400, error.body())
        if path == "/$batch" and method == "POST":
            return self._batch(body)
        req = routes.Request(
            method, path, dict(parse_qsl(query, keep_blank_values=True)), headers, body
        )
        return run(self.sim, req)

    def _batch(self, body: Any) -> routes.Response:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            error = GraphError(400, "BadRequest", "The batch needs a 'requests' array.")
            return routes.Response(400, error.body())
        if len(requests) > MAX_BATCH:
            error = GraphError(
                400, "BadRequest", f"The number of batch requests exceeds the limit of {MAX_BATCH}."
            )
            return routes.Response(400, error.body())
        ids = [str((r or {}).get("id", "")) for r in requests]
        if len(set(ids)) != len(ids) or "" in ids:
            error = GraphError(400, "BadRequest", "Each batch request needs a unique id.")
            return routes.Response(400, error.body())
        responses = []
        # Members run one after another here; real Graph runs up to 4 in parallel (a [gap]
        # that only changes timing, not results, since FocusGuard's members are independent).
        for sub in requests:
            responses.append(self._sub(sub))
        return routes.Response(200, {"responses": responses})

    def _sub(self, sub: dict[str, Any]) -> dict[str, Any]:
        sim = self.sim
        method = str(sub.get("method", "GET")).upper()
        url = urlsplit(str(sub.get("url", "")))
        path = "/" + url.path.lstrip("/")
        headers = {str(k).lower(): str(v) for k, v in (sub.get("headers") or {}).items()}
        op = routes.operation_of(method, path)
        sim.log_sub_request(method, path, op)
        fault = sim.faults.take(op, in_batch=True)
        if fault is not None and fault.kind != "slow":
            resp = _fault_response(fault)
        else:
            if "body" in sub and "content-type" not in headers:
                error = GraphError(
                    400, "BadRequest", "Content-Type header is required for a request with a body."
                )
                resp = routes.Response(400, error.body())
            else:
                req = routes.Request(
                    method, path, dict(parse_qsl(url.query)), headers, sub.get("body")
                )
                resp = run(sim, req)
        out: dict[str, Any] = {
            "id": str(sub["id"]),
            "status": resp.status,
            "headers": dict(resp.headers),
        }
        if resp.body is not None:
            out["headers"].setdefault("Content-Type", "application/json")
            out["body"] = resp.body
        return out


def run(sim: GraphSimulator, req: routes.Request) -> routes.Response:
    """Dispatch one request; Graph errors become their JSON error response."""
    try:
        return routes.dispatch(sim, req)
    except GraphError as exc:
        return routes.Response(exc.status, exc.body(), exc.headers)
    except Exception as exc:  # a simulator bug: recorded, and a 500 like a real server
        log.exception("Graph simulator failed on %s %s", req.method, req.path)
        sim.record_error(f"{req.method} {req.path}", f"{type(exc).__name__}: {exc}")
        error = GraphError(500, "InternalServerError", "The simulator failed.")
        return routes.Response(500, error.body())


__all__ = ["GraphRequestHandler", "run"]
