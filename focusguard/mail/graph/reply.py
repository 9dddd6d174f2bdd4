"""Auto-replies through Graph: createReply with the body and FocusGuard's headers (Exchange
threads it: In-Reply-To, References), then send.

Custom headers can be set only when a message is created ("Add custom headers only when
creating a message", https://learn.microsoft.com/en-us/graph/api/resources/message; they are not
among what message-update may change, https://learn.microsoft.com/en-us/graph/api/message-update),
so they travel in createReply's `message` parameter together with the body
(https://learn.microsoft.com/en-us/graph/api/message-createreply) and nothing is PATCHed.
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
import uuid
from collections.abc import Mapping

from focusguard.core.ports import MailError, MailItem
from focusguard.domain.autoreply import reply_subject
from focusguard.mail.graph.client import GraphClient, odata_string
from focusguard.mail.graph.errors import GraphHTTPError, outcome_unknown

log = logging.getLogger(__name__)

_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,76}")
ATTEMPTS = 2  # a second createReply / send only after looking showed the first did not happen


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


_OWN_ID_PREFIX = "<focusguard."
_OWN_ID = re.compile(r"<focusguard\.[0-9a-f]{32}@[^<>@\s]+>")


def new_message_id(mailbox: str) -> str:
    """A Message-ID of FocusGuard's own for the reply, in the mailbox's domain (RFC 5322 §3.6.4:
    unique, with a domain the sender controls)."""
    domain = mailbox.rpartition("@")[2] or "focusguard.invalid"
    return f"{_OWN_ID_PREFIX}{uuid.uuid4().hex}@{domain}>"


def is_own_message_id(message_id: str | None) -> bool:
    """Whether a Message-ID is one `new_message_id` made: how the history knows FocusGuard's
    auto-replies in Sent Items, whose internet headers Graph does not return."""
    return bool(message_id) and _OWN_ID.fullmatch((message_id or "").strip()) is not None


def send_reply(
    client: GraphClient, item: MailItem, body: str, headers: Mapping[str, str], *, mailbox: str
) -> None:
    """createReply, then send — neither is sent twice blindly.

    Both are POSTs that a 503/504 (or a lost answer) leaves undecided: the first attempt may
    have made the draft, or sent it (errors.outcome_unknown). So the reply carries a Message-ID
    of FocusGuard's own, set at creation (internetMessageId is writable on a draft,
    https://learn.microsoft.com/en-us/graph/api/message-update): after an undecided createReply
    the Drafts folder is searched for it; after an undecided send the draft is read again by
    its immutable id, which the sent copy keeps ("Get the message using the ID from the first
    step. This is the copy in Sent Items",
    https://learn.microsoft.com/en-us/graph/outlook-immutable-id). Only what is known not to
    have happened is tried again.
    """
    custom = graph_headers(headers)
    message_id = new_message_id(mailbox)
    # `message.body` replaces the quoted original: the reply is FocusGuard's text alone, as
    # before (a `comment` would be put above the quote; Graph refuses both at once).
    message: dict[str, object] = {
        "body": {"contentType": "Text", "content": body},
        "internetMessageId": message_id,
        # Exchange would copy the sender's subject, CR/LF and all (issue 9 §5); "RE:" is the
        # prefix createReply itself uses.
        "subject": reply_subject(item.subject, prefix="RE:"),
    }
    if custom:
        message["internetMessageHeaders"] = custom
    draft_id = _create(client, item, message, message_id)
    _send(client, draft_id)


def _create(client: GraphClient, item: MailItem, message: dict[str, object], mid: str) -> str:
    path = f"/me/messages/{item.item_id}/createReply"
    attempt = 1
    while True:
        try:
            return str(client.request("POST", path, json={"message": message})["id"])
        except Exception as exc:
            if not outcome_unknown(exc):
                raise
            found = _find_draft(client, mid)
            if found is not None:
                log.info("the reply draft was made although Graph answered with an error")
                return found
            if attempt >= ATTEMPTS:
                raise
            attempt += 1  # not made: creating it again cannot leave a second draft


def _find_draft(client: GraphClient, message_id: str) -> str | None:
    params = {"$filter": f"internetMessageId eq {odata_string(message_id)}", "$select": "id"}
    body = client.request("GET", "/me/mailFolders/drafts/messages", params=params)
    found = (body or {}).get("value") or []
    return str(found[0]["id"]) if found else None


def _send(client: GraphClient, draft_id: str) -> None:
    # The copy lands in Sent Items, so the user sees what FocusGuard sent for them.
    attempt = 1
    while True:
        try:
            client.request("POST", f"/me/messages/{draft_id}/send")
            return
        except Exception as exc:
            if outcome_unknown(exc):
                try:
                    unsent = _still_a_draft(client, draft_id)
                except Exception:
                    # Sent or not cannot be told: keep the draft rather than delete what may
                    # be the copy in Sent Items.
                    log.warning("could not tell whether an auto-reply was sent; draft kept")
                    raise exc from None
                if not unsent:
                    log.info("the reply was sent although Graph answered with an error")
                    return
                if attempt < ATTEMPTS:
                    attempt += 1  # not sent: sending it again cannot send it twice
                    continue
            _discard(client, draft_id)  # certainly not sent: do not leave it in Drafts
            raise


def _still_a_draft(client: GraphClient, draft_id: str) -> bool:
    try:
        body = client.request("GET", f"/me/messages/{draft_id}", params={"$select": "isDraft"})
    except GraphHTTPError as exc:
        if exc.status == 404:
            # Gone from Drafts and not (yet) in Sent Items: sending takes a moment
            # (same page: the sent copy "may not succeed immediately").
            return False
        raise
    return bool((body or {}).get("isDraft"))


def _discard(client: GraphClient, draft_id: str) -> None:
    # Do not leave a half-made reply in Drafts for the user to stumble on.
    try:
        client.request("DELETE", f"/me/messages/{draft_id}")
    except Exception as exc:
        log.debug("could not delete the unsent reply draft: %s", type(exc).__name__)
