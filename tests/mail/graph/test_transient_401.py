"""One 401 is not a rejected sign-in (issue 9 §4), on Graph too.

A top-level request gets one retry with a refreshed token already (test_tokens_errors.py).
Members of a `$batch` are authenticated one by one, and Graph can answer one of them 401
(https://learn.microsoft.com/en-us/graph/json-batching: each response carries its own
status): that member is sent again once with a refreshed token, not left behind in the
Inbox (or the held folder) until the next resync. Real GraphBackend against the Graph
simulator's `token_expired` fault.
"""

from __future__ import annotations

import pytest

from focusguard.core.ports import Folder
from focusguard.mail.graph.backend import GraphBackend
from focusguard.sim.graph import GraphSimulator
from tests.mail.graph.test_move import fill_held

pytestmark = pytest.mark.timeout(60)


class CountingTokens:
    """The static simulator token, counting what the client asks of its token provider."""

    def __init__(self, token: str) -> None:
        self._token = token
        self.invalidated: list[str] = []

    def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)


def test_a_batch_member_answered_401_once_is_sent_again_with_a_refreshed_token(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    items = fill_held(sim, backend, 45)
    assert backend.client is not None
    tokens = CountingTokens(backend.client.tokens.token())
    backend.client.tokens = tokens
    sim.fault("token_expired", count=3, operation="move")  # three members of the first batch
    sim.reset_counters()
    result = backend.move(items, Folder.INBOX)
    assert result.failed == {}
    assert len(result.moved) == 45
    assert len(sim.folder_messages("inbox")) == 45
    assert tokens.invalidated, "the rejected token was not given up"
    moves = [e for e in sim.sub_request_log if e["operation"] == "move"]
    assert len(moves) == 45 + 3  # each rejected member once more, nothing else


def test_a_batch_member_rejected_twice_is_left_failed_not_retried_for_ever(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    items = fill_held(sim, backend, 1)
    sim.fault("token_expired", rate=1.0, operation="move")
    sim.reset_counters()
    result = backend.move(items, Folder.INBOX)
    assert result.moved == {}
    assert list(result.failed.values()) == ["401 InvalidAuthenticationToken"]
    assert [e["operation"] for e in sim.sub_request_log] == ["move", "move"]
