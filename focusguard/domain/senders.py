"""Who sent this mail: the SMTP address of From, and matching it against lists of people.

The display name never counts: `"boss@corp.example" <evil@bad.example>` is evil@bad.example.
Domains are compared in their Unicode form, so `xn--bcher-kva.example` and `bücher.example`
are the same domain (RFC 5890 A-labels vs U-labels). A plus-addressed sender
(`boss+tag@corp.example`) is the mailbox of its base address (`boss@corp.example`): the
local part up to the first "+" is the user, the rest a detail (RFC 5233 subaddressing, which
Exchange Online calls plus addressing).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_MAX_HEADER = 4096  # RFC 5322 lines are limited to 998 octets; anything much longer is hostile.
# IDNA treats the ideographic, fullwidth and halfwidth full stops as label separators.
_IDN_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# RFC 5233 subaddress separator: `user+detail@domain` is delivered to `user@domain`.
# https://learn.microsoft.com/en-us/exchange/recipients-in-exchange-online/plus-addressing-in-exchange-online
SUBADDRESS_SEPARATOR = "+"


@dataclass(frozen=True, slots=True)
class Address:
    """A normalised SMTP address: lower-case local part and Unicode, lower-case domain."""

    local: str
    domain: str

    def __str__(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def base(self) -> Address:
        """The address without its plus detail: `boss+tag@x` -> `boss@x` (itself if none)."""
        user, plus, _ = self.local.partition(SUBADDRESS_SEPARATOR)
        return Address(user, self.domain) if plus and user else self


class Category(enum.Enum):
    URGENT = "urgent"
    INTERNAL = "internal"
    CUSTOMER = "customer"
    OTHER = "other"


def normalize_domain(domain: str) -> str | None:
    """Lower-case Unicode form of a domain, or None when it is not a plausible domain.

    A-labels (`xn--...`) are decoded with plain Punycode rather than Python's IDNA 2003
    codec, which refuses IDNA 2008 labels such as `xn--strae-oqa` (straße). U-labels are
    NFKC-normalised (UTS 46 mapping), so composed and decomposed spellings are one domain.
    """
    domain = unicodedata.normalize("NFKC", domain.translate(_IDN_DOTS))
    domain = domain.strip().rstrip(".").lower()
    if not domain or len(domain) > 253:
        return None
    labels = domain.split(".")
    out: list[str] = []
    for label in labels:
        if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
            return None
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                return None
            label = unicodedata.normalize("NFKC", label).lower()
            if not label or label.isascii():
                return None  # an A-label must decode to non-ASCII (RFC 5890 2.3.2.1)
        if any(ch.isspace() or ch in '@<>()[]\\,;:"' or _is_control(ch) for ch in label):
            return None
        out.append(label)
    return ".".join(out)


def _is_control(ch: str) -> bool:
    """Control, surrogate, private-use or unassigned: never part of a host name."""
    return unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"}


def parse_address(text: str) -> Address | None:
    """Parse a bare address `local@domain` (no display name); None when malformed."""
    text = text.strip()
    if text.count("@") < 1:
        return None
    local, _, domain = text.rpartition("@")
    local = local.strip()
    if local.startswith('"') and local.endswith('"') and len(local) >= 2:
        local = local[1:-1]
    elif "@" in local or '"' in local:
        return None  # `a@b@c.example`: an unquoted local part holds no @ or quote
    if not local or len(local) > 64 or any(ch.isspace() or ord(ch) < 32 for ch in local):
        return None
    if any(ch in "<>()[]\\,;:" for ch in local):
        return None
    norm = normalize_domain(domain)
    if norm is None:
        return None
    return Address(local.lower(), norm)


def _angle_addresses(header: str) -> list[str]:
    """Every `<...>` outside quoted strings and comments, in order."""
    found: list[str] = []
    in_quote = False
    depth = 0  # comment nesting, RFC 5322 section 3.2.2
    start = -1
    i = 0
    while i < len(header):
        ch = header[i]
        if ch == "\\":
            i += 2
            continue
        if in_quote:
            if ch == '"':
                in_quote = False
        elif depth:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
        elif start >= 0:
            if ch == ">":
                found.append(header[start + 1 : i])
                start = -1
        elif ch == '"':
            in_quote = True
        elif ch == "(":
            depth += 1
        elif ch == "<":
            start = i
        i += 1
    return found


def _has_list_separator(header: str) -> bool:
    """A comma outside quotes, comments and angle brackets separates mailboxes."""
    in_quote = False
    depth = 0
    angle = False
    i = 0
    while i < len(header):
        ch = header[i]
        if ch == "\\":
            i += 2
            continue
        if in_quote:
            in_quote = ch != '"'
        elif depth:
            depth += {"(": 1, ")": -1}.get(ch, 0)
        elif angle:
            angle = ch != ">"
        elif ch == '"':
            in_quote = True
        elif ch == "(":
            depth = 1
        elif ch == "<":
            angle = True
        elif ch == ",":
            return True
        i += 1
    return False


def _strip_comments(text: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def sender_address(from_header: str | None) -> Address | None:
    """The SMTP address of a From header, or None when it is empty or malformed.

    Where an angle address is present it is the address and the display name is ignored.
    RFC 5322 puts the angle-addr last in a name-addr, so the last `<...>` is the address even
    when an unquoted display name carries angle brackets of its own (hostile HTML names).
    Several mailboxes in From (a comma-separated list) are ambiguous: treated as malformed.
    """
    if not from_header or len(from_header) > _MAX_HEADER:
        return None
    header = from_header.replace("\r", " ").replace("\n", " ").strip()
    angles = _angle_addresses(header)
    if angles:
        if _has_list_separator(header):
            return None
        inner = angles[-1].strip()
        # Obsolete source routes (`<@relay:user@host>`, RFC 5322 4.4) keep only the mailbox.
        if inner.startswith("@") and ":" in inner:
            inner = inner.split(":", 1)[1]
        return parse_address(inner)
    bare = _strip_comments(header).strip()
    if "<" in bare or ">" in bare:
        return None
    if "," in bare or " " in bare:
        return None
    return parse_address(bare)


@dataclass(frozen=True, slots=True)
class SenderPattern:
    """One entry of a people list: a whole address, or a domain with its subdomains."""

    domain: str
    local: str | None = None  # None: a domain entry

    @classmethod
    def parse(cls, entry: str) -> SenderPattern | None:
        entry = entry.strip()
        if not entry:
            return None
        if entry.startswith("@"):
            entry = entry[1:]
        if "@" in entry:
            addr = parse_address(entry)
            return None if addr is None else cls(addr.domain, addr.local)
        norm = normalize_domain(entry)
        # A bare word ("com", "corp") would match half the internet: a domain needs a dot.
        if norm is None or "." not in norm:
            return None
        return cls(norm)

    def matches(self, address: Address) -> bool:
        if self.local is not None:
            entry = Address(self.local, self.domain)
            return address == entry or address.base == entry
        return address.domain == self.domain or address.domain.endswith("." + self.domain)

    def __str__(self) -> str:
        return self.domain if self.local is None else f"{self.local}@{self.domain}"


@dataclass(frozen=True, slots=True)
class SenderList:
    patterns: tuple[SenderPattern, ...] = ()
    # Exact addresses and each parent domain are checked by set look-up, so a list of
    # thousands of customer domains costs the same as a list of three.
    _addresses: frozenset[Address] = field(init=False, repr=False, compare=False)
    _domains: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        addrs = frozenset(Address(p.local, p.domain) for p in self.patterns if p.local is not None)
        object.__setattr__(self, "_addresses", addrs)
        object.__setattr__(
            self, "_domains", frozenset(p.domain for p in self.patterns if p.local is None)
        )

    @classmethod
    def of(cls, entries: Iterable[str]) -> SenderList:
        """Build from config entries; invalid ones are rejected earlier by settings validation."""
        parsed = (SenderPattern.parse(e) for e in entries)
        return cls(tuple(p for p in parsed if p is not None))

    def matches(self, address: Address) -> bool:
        return (
            address in self._addresses
            or address.base in self._addresses
            or any(d in self._domains for d in _parent_domains(address.domain))
        )

    def __bool__(self) -> bool:
        return bool(self.patterns)


def _parent_domains(domain: str) -> Iterable[str]:
    yield domain
    while "." in domain:
        domain = domain.split(".", 1)[1]
        yield domain


@dataclass(frozen=True, slots=True)
class People:
    """Who counts as what, from the [people] settings."""

    own_domains: SenderList = SenderList()
    customers: SenderList = SenderList()
    urgent: SenderList = SenderList()
    external_is_customer: bool = True

    def categorize(self, address: Address | None) -> Category:
        """First match wins: urgent, internal, customer, other. Malformed senders are other."""
        if address is None:
            return Category.OTHER
        if self.urgent.matches(address):
            return Category.URGENT
        if self.own_domains.matches(address):
            return Category.INTERNAL
        if self.customers.matches(address) or self.external_is_customer:
            return Category.CUSTOMER
        return Category.OTHER
