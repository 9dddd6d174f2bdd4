"""The EWS simulator's JSON control API (`/_control/...`, docs/simulator.md): the shared routes
of common.control plus the request log in EWS's shape, schema errors and the Outlook rule blob."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..common import control
from .mailbox import MailboxError

if TYPE_CHECKING:
    from .simulator import EwsSimulator


def handle(sim: EwsSimulator, method: str, path: str, raw: bytes) -> tuple[int, Any]:
    gets: dict[str, control.Get] = {
        "requests": lambda: [{"operation": op, "time": t} for op, t in sim.request_log],
        "errors": lambda: {
            "schema_errors": sim.schema_errors,
            "errors": sim.errors,
            "unsupported": sim.unsupported_ops,
        },
    }
    posts: dict[str, control.Post] = {"outlook-rule-blob": lambda data: _rule_blob(sim, data)}
    return control.handle(sim, method, path, raw, gets=gets, posts=posts, errors=(MailboxError,))


def _rule_blob(sim: EwsSimulator, data: dict[str, Any]) -> dict[str, Any]:
    sim.set_outlook_rule_blob(bool(data["exists"]))
    return {"exists": sim.mailbox.outlook_rule_blob, "destroyed": sim.outlook_rule_blob_destroyed}
