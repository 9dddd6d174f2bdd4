"""Which customer a message is from: one organisation per domain, except at public mail
providers, where every address is a customer of its own (grouping gmail.com would lump
strangers together).

Whether a sender counts as a customer at all is the policy's answer (senders.py); this
module says *which* customer. The release notification ("7 customer emails from 4
customers", core/engine.py), the digest's groups and its summary (ui/digest_model.py) all
count with `customer_of`, so they agree: the notification used to count addresses while the
digest grouped by domain, and a person read "6 customers" in one place and 5 groups in the
other.
"""

from __future__ import annotations

from collections.abc import Iterable

UNKNOWN_SENDER = "Unknown sender"

# Public mailbox providers: their senders are grouped by full address instead of by domain.
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "fastmail.com",
        "btinternet.com",
    }
)


def customer_of(address: str | None) -> str:
    """The customer behind a (normalised) sender address: its domain, or the address itself
    at a free-mail provider; "Unknown sender" when the From header had no address."""
    if not address:
        return UNKNOWN_SENDER
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    return address if domain in FREE_MAIL else domain


def count_customers(addresses: Iterable[str | None]) -> int:
    """How many customers these senders are."""
    return len({customer_of(a) for a in addresses})
