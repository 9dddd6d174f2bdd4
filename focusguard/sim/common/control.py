"""The JSON control API on a simulator's own port (`/_control/...`), for demos and tests that
drive a standalone simulator. Both simulators answer the same core routes (docs/simulator.md,
docs/graph.md); each adds its own through `gets`/`posts`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .faults import FaultInjector
from .history_seed import seed_history

PREFIX = "/_control/"

Get = Callable[[], Any]
Post = Callable[[dict[str, Any]], Any]


class Controlled(Protocol):
    """What the shared routes need from a simulator."""

    @property
    def faults(self) -> FaultInjector[Any]: ...
    @property
    def popups(self) -> list[dict[str, Any]]: ...
    @property
    def moves(self) -> list[dict[str, Any]]: ...
    @property
    def deliveries(self) -> list[dict[str, Any]]: ...
    def mailbox_snapshot(self) -> dict[str, list[dict[str, Any]]]: ...
    def sent(self) -> list[dict[str, Any]]: ...
    def rules(self) -> list[dict[str, Any]]: ...
    def status(self) -> dict[str, Any]: ...
    def deliver(
        self,
        sender: str,
        subject: str = ...,
        headers: dict[str, str] | None = ...,
        importance: str | None = ...,
        body: str = ...,
        received: dt.datetime | None = ...,
        to: list[str] | None = ...,
    ) -> str: ...
    def add_calendar_item(self, subject: str, start: dt.datetime, end: dt.datetime) -> str: ...
    def create_folder(self, name: str, parent: str = ...) -> str: ...
    def folder_id(self, name: str) -> str: ...
    def add_history(
        self,
        folder: str,
        sender: str | None,
        subject: str,
        at: dt.datetime,
        *,
        to: list[str] | None = ...,
        cc: list[str] | None = ...,
        headers: dict[str, str] | None = ...,
        in_reply_to: str | None = ...,
        references: str | None = ...,
        client_headers: dict[str, str] | None = ...,
    ) -> str: ...
    def fault(self, *args: Any, **kwargs: Any) -> None: ...
    def clear_faults(self) -> None: ...


def aware(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"datetime needs a UTC offset: {text!r}")
    return value


def handle(
    sim: Controlled,
    method: str,
    path: str,
    raw: bytes,
    *,
    gets: Mapping[str, Get],
    posts: Mapping[str, Post],
    errors: tuple[type[Exception], ...],
) -> tuple[int, Any]:
    """Answer one control request: (HTTP status, JSON payload). `gets`/`posts` add the
    simulator's own routes; `errors` are its domain errors, answered with 400 like bad input."""
    route = path.split("?")[0][len(PREFIX) :].strip("/")
    bad_input: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError, *errors)
    try:
        data: dict[str, Any] = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        if method == "GET":
            get = {**_gets(sim), **gets}.get(route)
            if get is not None:
                return 200, get()
        if method != "POST":
            return 404, {"error": f"no such endpoint: {method} {PREFIX}{route}"}
        post = {**_posts(sim), **posts}.get(route)
        if post is None:
            return 404, {"error": f"no such endpoint: POST {PREFIX}{route}"}
        return 200, post(data)
    except bad_input as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}


def _gets(sim: Controlled) -> dict[str, Get]:
    return {
        "mailbox": sim.mailbox_snapshot,
        "sent": sim.sent,
        "popups": lambda: sim.popups,
        "moves": lambda: sim.moves,
        "deliveries": lambda: sim.deliveries,
        "rules": sim.rules,
        "faults": sim.faults.active,
        "status": sim.status,
    }


def _posts(sim: Controlled) -> dict[str, Post]:
    return {
        "deliver": lambda data: _deliver(sim, data),
        "fault": lambda data: _fault(sim, data),
        "faults/clear": lambda data: _clear_faults(sim),
        "calendar": lambda data: {
            "item_id": sim.add_calendar_item(
                data["subject"], aware(data["start"]), aware(data["end"])
            )
        },
        "history": lambda data: _history(sim, data),
        # Without "parent" each simulator's own default applies ("inbox" / "msgfolderroot").
        "folders": lambda data: {
            "folder_id": sim.create_folder(
                data["name"], **{k: data[k] for k in ("parent",) if k in data}
            )
        },
    }


def _deliver(sim: Controlled, data: dict[str, Any]) -> dict[str, Any]:
    received = aware(data["received"]) if data.get("received") else None
    # Without "importance" each simulator's own default applies ("Normal" / "normal").
    imid = sim.deliver(
        data["from"],
        data.get("subject", ""),
        headers=data.get("headers"),
        importance=data.get("importance"),
        body=data.get("body", ""),
        received=received,
        to=data.get("to"),
    )
    return {"internet_message_id": imid}


def _history(sim: Controlled, data: dict[str, Any]) -> dict[str, Any]:
    """A few weeks of realistic traffic (history_seed.py): counts by kind."""
    allowed = {"weeks", "seed", "now", "zone", "owner", "held_folder", "holding_weeks", "per_week"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)}; use {sorted(allowed)}")
    options = dict(data)
    if options.get("now"):
        options["now"] = aware(options["now"])
    seeded = seed_history(sim, **options)
    kinds: dict[str, int] = {}
    for msg in seeded.messages:
        kinds[msg.kind] = kinds.get(msg.kind, 0) + 1
    return {
        "messages": len(seeded.messages),
        "kinds": kinds,
        "since": seeded.since.isoformat(),
        "holding_since": seeded.holding_since.isoformat(),
    }


def _fault(sim: Controlled, data: dict[str, Any]) -> dict[str, Any]:
    sim.fault(**data)
    return {"faults": sim.faults.active()}


def _clear_faults(sim: Controlled) -> dict[str, Any]:
    sim.clear_faults()
    return {"faults": []}
