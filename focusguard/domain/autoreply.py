"""May this message get an automatic reply? RFC 3834 plus Microsoft's suppression header.

RFC 3834 section 2: never respond to automatic mail (Auto-Submitted other than "no"), to
mailing lists (List-* headers, Precedence bulk/list/junk), to a null return path, or to
yourself; section 3.1.5: mark the reply Auto-Submitted: auto-replied. Exchange adds
X-Auto-Response-Suppress (MS-OXCMAIL 2.2.3.2.14): OOF, AutoReply or All mean "don't".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from focusguard.domain.senders import Address

_ROBOT_LOCALS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "bounce",
        "bounces",
    }
)
_SUPPRESS = frozenset({"oof", "autoreply", "all"})

REPLY_HEADERS: Mapping[str, str] = {
    "Auto-Submitted": "auto-replied",
    "X-Auto-Response-Suppress": "All",
}


@dataclass(frozen=True, slots=True)
class Headers:
    """Case-insensitive view of a message's internet headers (first value wins)."""

    values: Mapping[str, str]

    def __post_init__(self) -> None:
        # Fold here too, not only in `of`: Headers({"Auto-Submitted": ...}) must not slip by.
        folded: dict[str, str] = {}
        for name, value in self.values.items():
            folded.setdefault(str(name).strip().lower(), str(value))
        object.__setattr__(self, "values", folded)

    @classmethod
    def of(cls, raw: Mapping[str, str] | None) -> Headers:
        folded: dict[str, str] = {}
        for name, value in (raw or {}).items():
            folded.setdefault(str(name).strip().lower(), str(value))
        return cls(folded)

    def get(self, name: str) -> str | None:
        return self.values.get(name.lower())

    def names(self) -> frozenset[str]:
        return frozenset(self.values)


def refusal(headers: Headers, sender: Address | None, own: Address | None) -> str | None:
    """Why this message must not get an auto-reply, or None when it may."""
    if sender is None:
        return "no valid sender address"
    auto = headers.get("Auto-Submitted")
    if auto is not None and auto.split(";")[0].strip().lower() != "no":
        return "the message was sent automatically (Auto-Submitted)"
    precedence = re.split(r"[;\s]", (headers.get("Precedence") or "").strip().lower())[0]
    if precedence in {"bulk", "list", "junk"}:
        return f"the message is {precedence} mail (Precedence)"
    if any(name.startswith("list-") for name in headers.names()):
        return "the message came from a mailing list (List-* headers)"
    return_path = headers.get("Return-Path")
    if return_path is not None and return_path.strip().replace(" ", "") in {"<>", ""}:
        return "the message has a null return path"
    if own is not None and sender == own:
        return "the message is from this mailbox"
    local = sender.local.lower().split("+", 1)[0]
    if local in _ROBOT_LOCALS or local.startswith(("noreply", "no-reply", "mailer-daemon")):
        return "the sender is an automated address"
    suppress = headers.get("X-Auto-Response-Suppress") or ""
    tokens = {t.strip().lower() for t in re.split(r"[,\s]+", suppress) if t.strip()}
    if tokens & _SUPPRESS:
        return "the sender asked for no automatic replies (X-Auto-Response-Suppress)"
    return None


def due(last_sent: datetime | None, now: datetime, once_per_days: int) -> bool:
    """At most one auto-reply per sender per `once_per_days`."""
    return last_sent is None or now - last_sent >= timedelta(days=once_per_days)


def render(template: str, next_check_in: str, urgent_phone: str) -> str:
    """Fill the template. Unknown placeholders were rejected by settings validation."""
    return template.format(next_check_in=next_check_in, urgent_phone=urgent_phone)


def customer_time(t: datetime, zone: tzinfo, now: datetime) -> str:
    """The next check-in as a customer reads it: "13:00 GMT today", "09:30 BST on Monday 30
    March". The zone abbreviation matters: customers are often in another time zone."""
    local = t.astimezone(zone)
    clock = f"{local:%H:%M} {local.tzname() or ''}".strip()
    today = now.astimezone(zone).date()
    days = (local.date() - today).days
    if days == 0:
        return f"{clock} today"
    if days == 1:
        return f"{clock} tomorrow"
    return f"{clock} on {local:%A} {local.day} {local:%B}"
