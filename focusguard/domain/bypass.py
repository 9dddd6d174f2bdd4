"""Exceptions beyond senders (issue 14): mail that comes straight through whoever sent it,
because of what its subject says or which of my addresses it was sent to.

- Subject keywords match anywhere in the subject, case-insensitively: exactly what the
  server's own predicates do (EWS `ContainsSubjectStrings`, "strings that must appear in the
  Subject property", Graph `subjectContains`), so the server rule and this re-check agree
  and a keyword can never let through on the server what the engine would hold.
- "Sent to" addresses match a recipient in To or Cc exactly (the address, never the display
  name), plus-addressed forms included (`support-urgent+p1@` is delivered to
  `support-urgent@`, RFC 5233). The server's `SentToAddresses`/`sentToAddresses` is an exact
  address list; whether it also looks at Cc is not documented, so the engine decides Cc'd
  mail itself and moves it back when a server held it (no pop-up: a move into the Inbox
  raises no new-mail alert).

Both are off unless configured: "if it were really urgent, the client would call".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from focusguard.domain.senders import Address, sender_address

# A keyword shorter than this would match half of all subjects ("re", "p1" inside "ep10").
MIN_KEYWORD = 3
MAX_KEYWORD = 255


def keyword_problem(keyword: str) -> str | None:
    """Why `keyword` cannot be a subject keyword, or None."""
    if keyword != keyword.strip():
        return "starts or ends with a space (remove it: servers trim their strings)"
    if len(keyword) < MIN_KEYWORD:
        return (
            f"is shorter than {MIN_KEYWORD} characters and would match far too many subjects "
            '(use something distinctive, like a ticket prefix "[PAGER-")'
        )
    if len(keyword) > MAX_KEYWORD:
        return f"is {len(keyword)} characters long (use at most {MAX_KEYWORD})"
    if any(ord(ch) < 32 for ch in keyword):
        return "contains a control character"
    return None


@dataclass(frozen=True, slots=True)
class Bypass:
    """Which mail skips the hold whoever sent it. Values are validated by settings."""

    subject_keywords: tuple[str, ...] = ()
    sent_to: tuple[Address, ...] = ()

    @classmethod
    def of(cls, keywords: Iterable[str], sent_to: Iterable[str]) -> Bypass:
        addresses = tuple(a for a in (sender_address(s) for s in sent_to) if a is not None)
        return cls(tuple(k for k in keywords if k), addresses)

    def __bool__(self) -> bool:
        return bool(self.subject_keywords or self.sent_to)

    def reason(self, subject: str, recipients: Iterable[str]) -> str | None:
        """Why this mail comes straight through ("delivered: ..."), or None."""
        folded = subject.casefold()
        for keyword in self.subject_keywords:
            if keyword.casefold() in folded:
                return f'delivered: subject contains "{keyword}"'
        if self.sent_to:
            wanted = set(self.sent_to)
            for text in recipients:
                address = sender_address(text)
                if address is None:
                    continue
                for candidate in (address, address.base):
                    if candidate in wanted:
                        return f"delivered: sent to {candidate}"
        return None
