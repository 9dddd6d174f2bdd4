"""Auto-replies: a plain-text reply to a held message, marked as automatic (RFC 3834).

EWS has no "internet headers" parameter on CreateItem; custom headers are extended properties
in the PS_INTERNET_HEADERS property set ("InternetHeaders"), which Exchange transport writes
as real headers ([gap]: transport preserving them is to be checked on a real
server). `ReplyToItem` cannot carry extended properties in exchangelib, so the reply is a new
Message with the threading headers set explicitly: In-Reply-To (item:InReplyTo) and
References (message:References) — RFC 5322 §3.6.4.

The header properties are registered on a private Message subclass with its own field list:
`Message.register()` would change exchangelib's Message class for everyone.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from exchangelib import ExtendedProperty, Message
from exchangelib.properties import Fields

from focusguard.core.ports import MailError, MailItem
from focusguard.domain.autoreply import clean_message_id, reply_references, reply_subject
from focusguard.domain.senders import sender_address


class AutoReplyMessage(Message):  # type: ignore[misc]
    """A Message whose extended-property fields are FocusGuard's alone."""

    FIELDS = Fields(*Message.FIELDS)


_lock = threading.Lock()
_registered: dict[str, str] = {}  # header name (lower) -> attribute name
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,76}")


def _attr_for(header: str) -> str:
    key = header.lower()
    with _lock:
        attr = _registered.get(key)
        if attr is None:
            attr = "fg_header_" + key.replace("-", "_")
            prop = type(
                f"InternetHeader_{attr}",
                (ExtendedProperty,),
                {
                    "distinguished_property_set_id": "InternetHeaders",
                    "property_name": header,
                    "property_type": "String",
                },
            )
            AutoReplyMessage.register(attr, prop)
            _registered[key] = attr
        return attr


def build_reply(
    account: Any, item: MailItem, body: str, headers: Mapping[str, str]
) -> AutoReplyMessage:
    to = sender_address(item.sender)
    if to is None:
        raise MailError(
            "Cannot auto-reply",
            "The held message has no usable sender address to reply to.",
            retryable=False,
        )
    extra: dict[str, str] = {}
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name) or "\r" in value or "\n" in value:
            raise MailError("Cannot auto-reply", f"Invalid header {name!r}.", retryable=False)
        extra[_attr_for(name)] = value
    prior = next((v for k, v in item.headers.items() if k.lower() == "references"), "")
    # Subject and ids come from the sender: cleaned of CR/LF and every other control
    # character, so none can reach the reply's headers (issue 9 §5).
    return AutoReplyMessage(
        account=account,
        subject=reply_subject(item.subject),
        body=body,  # a str is sent as plain text (BodyType="Text")
        to_recipients=[str(to)],
        in_reply_to=clean_message_id(item.message_id) or None,
        references=reply_references(prior, item.message_id),
        **extra,
    )


def send_reply(account: Any, item: MailItem, body: str, headers: Mapping[str, str]) -> None:
    # Saved in Sent Items so the user can see what FocusGuard sent on their behalf.
    build_reply(account, item, body, headers).send(save_copy=True)
