"""Conversation ids as Exchange assigns them (both simulators: EWS `ConversationId`, Graph
`conversationId`).

"Exchange defines conversations based on the Message-ID value of the first email message in
a thread. All replies and related messages reference the original message's Message-ID
header in their References and In-Reply-To headers. [...] If the subject of the email thread
changes, Exchange applies a new ConversationTopic value and new ConversationIndex values to
the new conversation."
(https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-work-with-conversations-by-using-ews-in-exchange)

So the id here is derived from the thread's first Message-ID (the first one in References,
else In-Reply-To, else the message's own) and the normalised subject: a reply whose subject
was changed starts a conversation of its own, although its References still name the
thread — a client that wants the thread must follow the references too.
"""

from __future__ import annotations

import base64
import hashlib
import re

_MSG_ID = re.compile(r"<[^<>]+>")
# Reply and forward prefixes Outlook strips for the conversation topic, in a few languages.
_PREFIX = re.compile(r"^\s*(?:re|fw|fwd|aw|wg|sv|vs|tr|rif)\s*(?:\[\d+\])?\s*:\s*", re.I)


def topic(subject: str) -> str:
    """The conversation topic: the subject without leading reply/forward prefixes."""
    text = subject or ""
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.split()).lower()


def thread_root(message_id: str | None, in_reply_to: str | None, references: str | None) -> str:
    refs: list[str] = _MSG_ID.findall(references or "")
    if refs:
        return refs[0]
    parent: list[str] = _MSG_ID.findall(in_reply_to or "")
    if parent:
        return parent[0]
    return (message_id or "").strip()


def conversation_id(
    message_id: str | None, in_reply_to: str | None, references: str | None, subject: str
) -> str:
    """An opaque base64 id, equal for the messages of one conversation."""
    root = thread_root(message_id, in_reply_to, references)
    digest = hashlib.sha256(f"{root}\n{topic(subject)}".encode()).digest()
    return base64.b64encode(b"CONV" + digest[:28]).decode()
