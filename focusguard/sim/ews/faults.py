"""EWS fault kinds: throttling, HTTP errors, dropped streams and slow responses.

Counting, rates and the seeded RNG live in common.faults; how each kind is answered (a SOAP
ErrorServerBusy fault, a 503, ...) lives in server.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..common import faults


@dataclass
class Fault(faults.Fault):
    KINDS = ("server_busy", "http_503", "http_401", "drop_stream", "slow")

    backoff_ms: int = 1000  # server_busy: BackOffMilliseconds
    delay_s: float = 1.0  # slow: seconds before the response is processed
    retry_after_s: int | None = 1  # http_503: Retry-After header (None = no header)

    def applies_to(self, operation: str, **context: Any) -> bool:
        # A dropped stream only makes sense for a streaming response.
        return super().applies_to(operation) and (
            self.kind != "drop_stream" or operation == "GetStreamingEvents"
        )
