"""Graph fault kinds: throttling, expired tokens, server errors, delays.

`operation` names a Graph operation (see `routes.operation_of`: "delta", "move", "batch",
"messageRules", "calendarView", ...) and `method` an HTTP method (to hit only the POST of
"messageRules", say). Faults apply to top-level requests and to each sub-request
of a `$batch` alike (Graph throttles batch members one by one:
https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching). Counting, rates and
the seeded RNG live in common.faults; the error each kind answers with lives in server.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..common import faults


@dataclass
class Fault(faults.Fault):
    # late_504: the operation is carried out, then the client gets 504 Gateway Timeout — the
    # gateway stopped waiting for the mailbox server, which finished anyway (504: "did not
    # receive a timely response from the upstream server",
    # https://learn.microsoft.com/en-us/graph/errors). A client cannot tell it from a 504 of
    # work never done; only looking at the mailbox can.
    KINDS = ("throttle", "token_expired", "http_503", "http_504", "late_504", "slow")

    retry_after_s: float | None = 1  # throttle / http_503: Retry-After (None = no header)
    delay_s: float = 1.0  # slow
    top_level_only: bool = False  # not for sub-requests of a batch
    method: str | None = None  # only requests with this HTTP method ("POST", ...)

    def applies_to(
        self, operation: str, *, in_batch: bool = False, method: str = "", **context: Any
    ) -> bool:
        if in_batch and self.top_level_only:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return super().applies_to(operation)
