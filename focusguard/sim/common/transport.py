"""Header handling shared by both simulators' transport delivery."""

from __future__ import annotations

import uuid


def message_id(extra: dict[str, str]) -> str:
    """The client's Message-ID header if it set one (tests thread replies on it), else new."""
    given = next((v for k, v in extra.items() if k.lower() == "message-id"), None)
    return given or f"<{uuid.uuid4().hex}@client.sim.focusguard.example>"


def merge_headers(base: list[tuple[str, str]], extra: dict[str, str]) -> list[tuple[str, str]]:
    """The transport's headers with the client's appended; a client header replaces the
    transport's of the same name (compared case-insensitively, as RFC 5322 names are)."""
    overridden = {k.lower() for k in extra}
    return [(k, v) for k, v in base if k.lower() not in overridden] + list(extra.items())
