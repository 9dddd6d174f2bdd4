"""Auto-replies through Graph: createReply (Exchange threads it: In-Reply-To, References),
PATCH the body and FocusGuard's headers onto the draft, then send.

Graph accepts only custom headers whose names start with `X-` in internetMessageHeaders
(https://learn.microsoft.com/en-us/graph/api/resources/internetmessageheader; platform-facts
§4.3), so `Auto-Submitted: auto-replied` cannot be set — it is left out, not sent to fail.
Loops are still prevented: `X-Auto-Response-Suppress: All` asks Exchange not to answer with
OOFs/auto-replies, and the engine checks incoming mail (RFC 3834 headers, once per sender per
N days) before it replies at all. docs/graph.md explains this.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from focusguard.core.ports import MailError, MailItem
from focusguard.domain.autoreply import reply_subject
from focusguard.mail.graph.client import GraphClient

log = logging.getLogger(__name__)

_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,76}")


def graph_headers(headers: Mapping[str, str]) -> list[dict[str, str]]:
    """The `X-` headers Graph will carry; the others are dropped (and logged once here)."""
    out: list[dict[str, str]] = []
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name) or "\r" in value or "\n" in value:
            raise MailError("Cannot auto-reply", f"Invalid header {name!r}.", retryable=False)
        if name.lower().startswith("x-"):
            out.append({"name": name, "value": value})
        else:
            log.debug("Graph cannot set the %s header on a reply; left out", name)
    return out


def send_reply(client: GraphClient, item: MailItem, body: str, headers: Mapping[str, str]) -> None:
    custom = graph_headers(headers)
    draft = client.request("POST", f"/me/messages/{item.item_id}/createReply")
    draft_id = str(draft["id"])
    try:
        patch: dict[str, object] = {
            "body": {"contentType": "Text", "content": body},
            # Exchange would copy the sender's subject, CR/LF and all (issue 9 §5); "RE:" is
            # the prefix createReply itself uses.
            "subject": reply_subject(item.subject, prefix="RE:"),
        }
        if custom:
            patch["internetMessageHeaders"] = custom
        client.request("PATCH", f"/me/messages/{draft_id}", json=patch)
        # The copy lands in Sent Items, so the user sees what FocusGuard sent for them.
        client.request("POST", f"/me/messages/{draft_id}/send")
    except Exception:
        # Do not leave a half-made reply in Drafts for the user to stumble on.
        try:
            client.request("DELETE", f"/me/messages/{draft_id}")
        except Exception as exc:
            log.debug("could not delete the unsent reply draft: %s", type(exc).__name__)
        raise
