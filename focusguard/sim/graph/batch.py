"""JSON batching in the Graph simulator (https://learn.microsoft.com/en-us/graph/json-batching):
at most 20 members with unique ids; a member with a body needs a Content-Type header; each
member has its own status, headers and body.

Execution as Graph does it for Outlook: members without `dependsOn` run up to 4 at a time, in
no particular order (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits);
with `dependsOn` they run one after another, and a member whose dependency failed is answered
424 Failed Dependency. Each member is an Outlook operation of its own (operations.perform), so it
counts against the mailbox's concurrency limit while it runs. A batch that mixes both forms runs
in sequence here — Microsoft advises "fully sequential or fully parallel".
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from . import operations, routes
from .model import GraphError

if TYPE_CHECKING:
    from .simulator import GraphSimulator

MAX_BATCH = 20  # https://learn.microsoft.com/en-us/graph/json-batching#batch-size-limitations
PARALLEL_MEMBERS = 4


def _bad(message: str) -> routes.Response:
    error = GraphError(400, "BadRequest", message)
    return routes.Response(400, error.body())


def member_operations(raw: bytes) -> list[str]:
    """For the request log: the operations a batch envelope asks for (unreadable: none)."""
    try:
        members = json.loads(raw).get("requests") or []
        return [
            routes.operation_of(
                str(m.get("method", "GET")).upper(), "/" + urlsplit(str(m["url"])).path.lstrip("/")
            )
            for m in members
        ]
    except (ValueError, AttributeError, KeyError, TypeError):
        return []


def run_batch(sim: GraphSimulator, body: Any) -> routes.Response:
    members = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(members, list) or not members:
        return _bad("The batch needs a 'requests' array.")
    if len(members) > MAX_BATCH:
        return _bad(f"The number of batch requests exceeds the limit of {MAX_BATCH}.")
    if not all(isinstance(m, dict) for m in members):
        return _bad("Each batch request must be a JSON object.")
    ids = [str(m.get("id", "")) for m in members]
    if len(set(ids)) != len(ids) or "" in ids:
        return _bad("Each batch request needs a unique id.")
    earlier: set[str] = set()
    sequenced = False
    for member_id, member in zip(ids, members, strict=True):
        depends = member.get("dependsOn")
        if depends is not None:
            sequenced = True
            if not isinstance(depends, list) or not all(str(d) in earlier for d in depends):
                return _bad(f"Request {member_id}: dependsOn must name earlier requests.")
        earlier.add(member_id)
    if sequenced:
        responses = _in_sequence(sim, members)
    else:
        with ThreadPoolExecutor(PARALLEL_MEMBERS, thread_name_prefix="graph-sim-batch") as pool:
            responses = list(pool.map(lambda m: _member(sim, m), members))
    return routes.Response(200, {"responses": responses})


def _in_sequence(sim: GraphSimulator, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    status: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for member in members:
        failed = [d for d in member.get("dependsOn") or [] if not 200 <= status[str(d)] < 300]
        if failed:
            error = GraphError(424, "FailedDependency", f"Request {failed[0]} failed.")
            answer = _answer(member, routes.Response(424, error.body()))
        else:
            answer = _member(sim, member)
        status[str(member["id"])] = int(answer["status"])
        out.append(answer)
    return out


def _member(sim: GraphSimulator, member: dict[str, Any]) -> dict[str, Any]:
    method = str(member.get("method", "GET")).upper()
    url = urlsplit(str(member.get("url", "")))
    path = "/" + url.path.lstrip("/")
    headers = {str(k).lower(): str(v) for k, v in (member.get("headers") or {}).items()}
    operation = routes.operation_of(method, path)
    logged = sim.log_sub_request(method, path, operation)
    if "body" in member and "content-type" not in headers:
        error = GraphError(
            400, "BadRequest", "Content-Type header is required for a request with a body."
        )
        resp = routes.Response(400, error.body())
    else:
        req = routes.Request(method, path, dict(parse_qsl(url.query)), headers, member.get("body"))
        resp = operations.perform(sim, req, operation, in_batch=True)
    sim.end_sub_request(logged, resp.status)
    return _answer(member, resp)


def _answer(member: dict[str, Any], resp: routes.Response) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(member["id"]), "status": resp.status}
    out["headers"] = dict(resp.headers)
    if resp.body is not None:
        out["headers"].setdefault("Content-Type", "application/json")
        out["body"] = resp.body
    return out
