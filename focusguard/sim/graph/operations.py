"""One Outlook operation in the Graph simulator: what a top-level API request and each member of
a `$batch` go through — the mailbox's concurrency limit, injected faults, latency, the route.

Concurrency as Graph counts it (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits):
Outlook runs at most 4 concurrent requests for an app on a mailbox; the members of a JSON batch
are Outlook requests of their own ("Requests in a batch are evaluated individually against the
applicable throttling limits", https://learn.microsoft.com/en-us/graph/json-batching#batch-size-limitations),
and Graph runs up to 4 members of a batch in parallel unless they are chained with `dependsOn`.
An operation beyond the limit is answered 429 with Retry-After, the way Exchange Online answers
"Application is over its MailboxConcurrency limit". The `$batch` envelope itself is not an
Outlook operation.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from ..common.http import retry_after
from . import routes
from .faults import Fault
from .model import GraphError

if TYPE_CHECKING:
    from .simulator import GraphSimulator

log = logging.getLogger(__name__)


def fault_response(fault: Fault) -> routes.Response:
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
    elif fault.kind in ("http_504", "late_504"):
        error = GraphError(504, "GatewayTimeout", "Gateway Timeout")
    else:  # token_expired
        error = GraphError(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return routes.Response(error.status, error.body(), error.headers)


def over_limit(sim: GraphSimulator) -> routes.Response:
    error = GraphError(
        429,
        "ApplicationThrottled",
        "Application is over its MailboxConcurrency limit.",
        retry_after(sim.concurrency_retry_after_s),
    )
    return routes.Response(error.status, error.body(), error.headers)


def perform(
    sim: GraphSimulator, req: routes.Request, operation: str, *, in_batch: bool
) -> routes.Response:
    """Run one Outlook operation: admitted within the mailbox's concurrency limit or refused
    with 429, then faults, latency and the route itself."""
    admitted = sim.begin_operation()
    try:
        if not admitted:
            return over_limit(sim)
        fault = sim.faults.take(operation, in_batch=in_batch, method=req.method)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_s)
            fault = None
        if sim.latency_s:
            time.sleep(sim.latency_s)
        if fault is not None and fault.kind == "late_504":
            run(sim, req)  # done, but the answer never reaches the client
        if fault is not None:
            return fault_response(fault)
        return run(sim, req)
    finally:
        sim.end_operation()


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
