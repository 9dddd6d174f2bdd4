"""The Graph simulator's JSON control API (`/_control/...`, docs/graph.md): the shared routes
of common.control plus the request log in Graph's shape, delta-token expiry and token
revocation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..common import control
from .model import GraphError

if TYPE_CHECKING:
    from .simulator import GraphSimulator


def handle(sim: GraphSimulator, method: str, path: str, raw: bytes) -> tuple[int, Any]:
    gets: dict[str, control.Get] = {
        "requests": lambda: sim.request_log,
        "errors": lambda: {"errors": sim.errors},
        "presence": sim.presence.snapshot,
    }
    posts: dict[str, control.Post] = {
        "delta/expire": lambda data: _expire_delta(sim, data),
        "tokens/revoke": lambda data: _revoke_tokens(sim),
        "presence": lambda data: _presence(sim, data),
        "login/refuse": lambda data: _refuse(sim, data),
        "login/approve": lambda data: _approve(sim, data),
    }
    return control.handle(sim, method, path, raw, gets=gets, posts=posts, errors=(GraphError,))


def _expire_delta(sim: GraphSimulator, data: dict[str, Any]) -> dict[str, Any]:
    """`{"status"?: 400..499, "code"?: "syncStateNotFound" | "resyncRequired" | ...}`"""
    sim.expire_delta_tokens(
        int(data.get("status", 410)), str(data.get("code", "syncStateNotFound"))
    )
    return {"epoch": sim.mailbox.delta_epoch, "status": sim.mailbox.delta_expiry[0]}


def _presence(sim: GraphSimulator, data: dict[str, Any]) -> dict[str, Any]:
    """`{"teams_signed_in": bool}`: the user signs in to (or out of) every Teams client."""
    if not isinstance(data.get("teams_signed_in"), bool):
        raise ValueError('give {"teams_signed_in": true | false}')
    sim.presence.teams_signed_in = data["teams_signed_in"]
    return sim.presence.snapshot()


def _refuse(sim: GraphSimulator, data: dict[str, Any]) -> dict[str, Any]:
    """`{"refusal": "consent_required" | "admin_consent_required" | ... | null}` (login.py)."""
    sim.login.refuse(data.get("refusal"))
    return {"refusal": data.get("refusal")}


def _approve(sim: GraphSimulator, data: dict[str, Any]) -> dict[str, Any]:
    """`{"user_code"?: str, "decline"?: bool}`: the user enters the device code and signs in."""
    try:
        code = sim.login.approve_device(data.get("user_code"), decline=bool(data.get("decline")))
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    return {"user_code": code}


def _revoke_tokens(sim: GraphSimulator) -> dict[str, Any]:
    sim.revoke_tokens()
    return {"revoked": True}
