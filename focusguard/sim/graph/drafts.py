"""What a client may put on a message draft, and when, as Microsoft documents it.

- `createReply` takes an optional body `{"message": {...}, "comment": "..."}`: `message` carries
  "any writeable properties" of the reply, `comment` is text put above the quoted original, and
  giving both a comment and `message.body` is a 400
  (https://learn.microsoft.com/en-us/graph/api/message-createreply). The v1.0 metadata names
  the parameters `Message` and `Comment`; the page writes them in camelCase, and OData matches
  parameter names case-insensitively here, so both spellings are accepted.
- Custom internet headers are set only when a message is created: "Add custom headers only
  when creating a message, and name them starting with 'x-'"
  (https://learn.microsoft.com/en-us/graph/api/resources/message); `internetMessageHeaders` is
  not among the properties `PATCH /me/messages/{id}` may update
  (https://learn.microsoft.com/en-us/graph/api/message-update), so a PATCH of it is refused.
  Graph's own error code for that PATCH is not documented; the one here is descriptive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .model import GraphError

# The properties of a reply the simulator stores (a subset of what Graph accepts; the rest is
# refused rather than silently dropped).
REPLY_PROPERTIES = (
    "body",
    "subject",
    "toRecipients",
    "importance",
    "internetMessageHeaders",
    "internetMessageId",
)
CREATE_ONLY = "internetMessageHeaders"
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """The parsed createReply body."""

    message: dict[str, Any]
    comment: str | None


def reply_request(body: Any) -> ReplyRequest:
    if body is None:
        return ReplyRequest({}, None)
    if not isinstance(body, dict):
        raise GraphError(400, "RequestBodyRead", "The request body must be a JSON object.")
    message: Any = None
    comment: Any = None
    for key, value in body.items():
        if key.lower() == "message":
            message = value
        elif key.lower() == "comment":
            comment = value
        else:
            raise GraphError(
                400,
                "RequestBodyRead",
                f"The parameter '{key}' in the request payload is not a valid parameter for "
                "the operation 'createReply'.",
            )
    if message is None:
        message = {}
    if not isinstance(message, dict):
        raise GraphError(400, "RequestBodyRead", "The 'message' parameter must be an object.")
    if comment is not None and not isinstance(comment, str):
        raise GraphError(400, "RequestBodyRead", "The 'comment' parameter must be a string.")
    if comment is not None and "body" in message:
        raise GraphError(
            400,
            "ErrorInvalidRequest",
            "Specify either a comment or the body property of the message parameter, not both.",
        )
    for key in message:
        if key not in REPLY_PROPERTIES:
            raise GraphError(
                400,
                "RequestBodyRead",
                f"The property '{key}' is not supported on a reply draft by the simulator.",
            )
    mid = message.get("internetMessageId")
    if mid is not None and not (isinstance(mid, str) and _MESSAGE_ID.fullmatch(mid)):
        raise GraphError(
            400, "ErrorInvalidInternetMessageId", "internetMessageId must look like <id@domain>."
        )
    return ReplyRequest(dict(message), comment)


def refuse_create_only(patch: dict[str, Any]) -> None:
    if CREATE_ONLY in patch:
        raise GraphError(
            400,
            "ErrorInvalidPropertyUpdate",
            "internetMessageHeaders can be set only when the message is created.",
        )
