"""GetStreamingEvents: one long chunked HTTP response carrying several SOAP envelopes.

Each chunk is a complete envelope (exchangelib splits the stream on Envelope tags): a batch of
notifications, a heartbeat (ConnectionStatus OK), and finally ConnectionStatus Closed when the
client's ConnectionTimeout runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from .mailbox import Mailbox
from .model import Subscription
from .notification_ops import event_element
from .soap import Element, m, response_message, response_root, sub, t


class ChunkWriter(Protocol):
    def write_chunk(self, data: bytes) -> None: ...
    def drop(self, data: bytes) -> None: ...


Render = Callable[[Element], bytes]


def _status(status: str) -> Element:
    root, msgs = response_root("GetStreamingEvents")
    msg = response_message(msgs, "GetStreamingEvents")
    sub(msg, m("ConnectionStatus"), status)
    return root


def error_envelope(bad_ids: list[str]) -> Element:
    root, msgs = response_root("GetStreamingEvents")
    msg = response_message(
        msgs, "GetStreamingEvents", "ErrorInvalidSubscription", "Subscription is invalid."
    )
    ids = sub(msg, m("ErrorSubscriptionIds"))
    for sid in bad_ids:
        sub(ids, t("SubscriptionId"), sid)
    return root


def _notifications(mb: Mailbox, subs: list[Subscription]) -> Element | None:
    pending = [(s, list(s.events)) for s in subs if s.events]
    if not pending:
        return None
    root, msgs = response_root("GetStreamingEvents")
    msg = response_message(msgs, "GetStreamingEvents")
    holder = sub(msg, m("Notifications"))
    for subscription, events in pending:
        note = sub(holder, t("Notification"))
        sub(note, t("SubscriptionId"), subscription.id)
        for event in events:
            event_element(note, mb, subscription, event)
        # Streamed events are delivered once; nothing is kept for replay.
        subscription.events.clear()
    return root


def serve_stream(
    mb: Mailbox,
    req: Element,
    out: ChunkWriter,
    render: Render,
    *,
    minute_s: float,
    heartbeat_s: float,
    stopping: Callable[[], bool],
    drop: bool = False,
) -> None:
    ids_el = req.find(m("SubscriptionIds"))
    sub_ids = [e.text or "" for e in ids_el] if ids_el is not None else []
    timeout_min = int(req.findtext(m("ConnectionTimeout")) or "30")
    with mb.lock:
        bad = [
            s
            for s in sub_ids
            if mb.subscriptions.get(s) is None or mb.subscriptions[s].kind != "streaming"
        ]
    if bad or not sub_ids:
        out.write_chunk(render(error_envelope(bad or sub_ids)))
        return
    if drop:
        # Fault injection: announce a full envelope, send half of it, then cut the connection.
        out.drop(render(_status("OK")))
        return
    deadline = time.monotonic() + timeout_min * minute_s
    next_beat = time.monotonic() + heartbeat_s
    try:
        while not stopping():
            with mb.changed:
                subs = [mb.subscriptions[s] for s in sub_ids if s in mb.subscriptions]
                if not subs:
                    break  # every subscription was removed: end the stream
                envelope = _notifications(mb, subs)
                if envelope is None:
                    now = time.monotonic()
                    wait = min(next_beat, deadline) - now
                    if wait > 0:
                        mb.changed.wait(timeout=min(wait, 0.25))
                        envelope = _notifications(mb, subs)
            now = time.monotonic()
            if envelope is not None:
                out.write_chunk(render(envelope))
            elif now >= deadline:
                break
            elif now >= next_beat:
                out.write_chunk(render(_status("OK")))
                next_beat = now + heartbeat_s
        out.write_chunk(render(_status("Closed")))
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        return  # the client went away; nothing to clean up
