"""JSON control API on the simulator's own port (`/_control/...`), the same shape as the EWS
simulator's (docs/simulator.md), for demos and tests that drive a standalone simulator."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .model import GraphError

if TYPE_CHECKING:
    from .simulator import GraphSimulator

PREFIX = "/_control/"


def _aware(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"datetime needs a UTC offset: {text!r}")
    return value


def handle(sim: GraphSimulator, method: str, path: str, raw: bytes) -> tuple[int, Any]:
    route = path.split("?")[0][len(PREFIX):].strip("/")
    try:
        data: dict[str, Any] = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return _route(sim, method, route, data)
    except (ValueError, TypeError, KeyError, GraphError) as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}


def _route(sim: GraphSimulator, method: str, route: str, data: dict[str, Any]
           ) -> tuple[int, Any]:
    gets: dict[str, Callable[[], Any]] = {
        "mailbox": sim.mailbox_snapshot,
        "sent": sim.sent,
        "popups": lambda: sim.popups,
        "moves": lambda: sim.moves,
        "deliveries": lambda: sim.deliveries,
        "rules": sim.rules,
        "faults": sim.faults.active,
        "requests": lambda: sim.request_log,
        "errors": lambda: {"errors": sim.errors},
        "status": sim.status,
    }
    if method == "GET" and route in gets:
        return 200, gets[route]()
    if method != "POST":
        return 404, {"error": f"no such endpoint: {method} {PREFIX}{route}"}
    if route == "deliver":
        received = _aware(data["received"]) if data.get("received") else None
        imid = sim.deliver(data["from"], data.get("subject", ""), headers=data.get("headers"),
                           importance=data.get("importance", "normal"),
                           body=data.get("body", ""), received=received, to=data.get("to"))
        return 200, {"internet_message_id": imid}
    if route == "fault":
        sim.fault(**data)
        return 200, {"faults": sim.faults.active()}
    if route == "faults/clear":
        sim.clear_faults()
        return 200, {"faults": []}
    if route == "calendar":
        event_id = sim.add_calendar_item(data["subject"], _aware(data["start"]),
                                         _aware(data["end"]))
        return 200, {"item_id": event_id}
    if route == "folders":
        folder_id = sim.create_folder(data["name"], parent=data.get("parent", "msgfolderroot"))
        return 200, {"folder_id": folder_id}
    if route == "delta/expire":
        sim.expire_delta_tokens()
        return 200, {"epoch": sim.mailbox.delta_epoch}
    if route == "tokens/revoke":
        sim.revoke_tokens()
        return 200, {"revoked": True}
    return 404, {"error": f"no such endpoint: POST {PREFIX}{route}"}
