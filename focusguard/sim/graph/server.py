"""The HTTP side of the Graph simulator: bearer tokens, the `$batch` envelope, the token
endpoint and the JSON control API. Each API request and each batch member is then one Outlook
operation (operations.perform: concurrency limit, faults, latency, the route; batch.py)."""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ..common.http import SimRequestHandler
from . import batch, control, operations, routes
from .model import GraphError

if TYPE_CHECKING:
    from .simulator import GraphSimulator  # noqa: F401 - named in the base class below

log = logging.getLogger(__name__)
API_PREFIX = "/v1.0"


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
            self._token(parts.path.split("/")[1], raw)
        elif self._login(method, parts.path, parts.query, raw):
            pass
        elif parts.path == API_PREFIX or parts.path.startswith(API_PREFIX + "/"):
            self._api(method, parts.path[len(API_PREFIX) :], parts.query, raw)
        else:
            self._send(404, {"error": {"code": "NotFound", "message": "not found"}})

    def handle_control(self, method: str, raw: bytes) -> tuple[int, Any]:
        return control.handle(self.sim, method, self.path, raw)

    # ---- the identity platform (a stand-in for login.microsoftonline.com, login.py) --------
    def _login(self, method: str, path: str, query: str, raw: bytes) -> bool:
        """Discovery, device code and the browser's sign-in page; False: not one of them."""
        login = self.sim.login
        parts = path.split("/")
        if len(parts) < 3 or not parts[1] or parts[1] == API_PREFIX.strip("/"):
            return False
        tenant, rest = parts[1], "/" + "/".join(parts[2:])
        if rest == "/v2.0/.well-known/openid-configuration" and method == "GET":
            self._send(*login.openid_configuration(self._origin(), tenant))
        elif tenant == "common" and rest == "/discovery/instance" and method == "GET":
            self._send(*login.instance_discovery(self._origin(), query))
        elif rest == "/oauth2/v2.0/devicecode" and method == "POST":
            self._send(*login.device_code(tenant, _form(raw)))
        elif rest == "/oauth2/v2.0/authorize" and method == "GET":
            status, page, headers = login.authorize(tenant, query)
            kind = headers.pop("Content-Type", None)
            self.send_body(status, (page or "").encode(), kind, headers)
        else:
            return False
        return True

    def _origin(self) -> str:
        """Where the client reached us: addressed as login.microsoftonline.com (through a
        hosts entry and a TLS proxy, as the product's simulated login session does), the
        endpoints are https ones on that host, as msal requires; else the simulator's own."""
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0].strip("[]")
        if host and name not in ("127.0.0.1", "localhost", "::1"):
            return f"https://{host}"
        return self.sim.root_url

    def _issue(self, scope: str) -> tuple[str, str]:
        refresh = "sim-refresh-" + secrets.token_urlsafe(12)
        self.sim.remember_refresh(refresh)
        return self.sim.issue_token(scope), refresh

    def _token(self, tenant: str, raw: bytes) -> None:
        form = _form(raw)
        answer = self.sim.login.token(tenant, form, self._issue, self.sim.refresh_ok)
        if answer is not None:
            self._send(*answer)
            return
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
        access, refresh = self._issue(form.get("scope", ""))
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
        if op == "batch":
            entry["members"] = batch.member_operations(raw)
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
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            error = GraphError(400, "BadRequest", "Unable to read JSON request payload.")
            return routes.Response(400, error.body())
        if not (op == "batch" and method == "POST"):
            req = routes.Request(
                method, path, dict(parse_qsl(query, keep_blank_values=True)), headers, body
            )
            return operations.perform(sim, req, op, in_batch=False)
        # The envelope is Graph's gateway, not Outlook: its faults apply, no operation counts.
        fault = sim.faults.take(op, in_batch=False, method=method)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_s)
            fault = None
        if fault is not None and fault.kind == "late_504":
            batch.run_batch(sim, body)  # the members ran; the answer is lost
        if fault is not None:
            return operations.fault_response(fault)
        return batch.run_batch(sim, body)


def _form(raw: bytes) -> dict[str, str]:
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


__all__ = ["GraphRequestHandler"]
