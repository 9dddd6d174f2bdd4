"""Both folders' deltas in one `$batch` a round (issue 15: 480 idle requests an hour became
240, with both folders as fresh as before), against the Graph simulator."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from focusguard.core.ports import Folder
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.client import GraphClient
from focusguard.mail.graph.delta import DeltaCursor, poll_together
from focusguard.sim.graph import GraphSimulator
from tests.mail.graph.conftest import Collector
from tests.waiting import wait_until


def cursors(backend: GraphBackend) -> list[DeltaCursor]:
    client = backend.client
    assert client is not None
    return [
        DeltaCursor(client, backend._folder_id(Folder.INBOX), Folder.INBOX),
        DeltaCursor(client, backend._folder_id(Folder.HELD), Folder.HELD),
    ]


def batches(sim: GraphSimulator) -> list[list[str]]:
    return [e["members"] for e in sim.request_log if e["operation"] == "batch"]


def test_an_idle_round_is_one_request_for_both_folders(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    seen = Collector()
    backend.watch(seen.on_new, seen.on_resync)
    seen.wait(lambda: seen.resyncs == 1)
    watcher = backend.watcher
    assert watcher is not None
    start = watcher.rounds
    wait_until(lambda: watcher.rounds >= start + 1, what="a round to end")
    sim.reset_counters()
    done = watcher.rounds
    wait_until(lambda: watcher.rounds >= done + 3, what="three more rounds")
    rounds = watcher.rounds - done
    polls = [e for e in sim.request_log if e["status"] is not None]
    # One request a round (a round in flight may have started when we looked).
    assert rounds <= len(polls) <= rounds + 1
    assert {e["operation"] for e in polls} == {"batch"}
    assert all(e["members"] == ["delta", "delta"] for e in polls)
    folders = {e["path"].split("/")[3] for e in sim.sub_request_log}
    assert folders == {backend._folder_id(Folder.INBOX), backend._folder_id(Folder.HELD)}


def test_a_folder_with_more_pages_goes_on_alone(sim: GraphSimulator, backend: GraphBackend) -> None:
    both = cursors(backend)
    assert poll_together(both) == []  # the first round takes stock
    for i in range(25):  # three pages of 10 in the Inbox, nothing new in the held folder
        sim.deliver(f"C{i} <c{i}@corp.example>", f"#{i}")
    sim.reset_counters()
    new = poll_together(both)
    assert sorted(i.subject for i in new) == sorted(f"#{i}" for i in range(25))
    assert {i.folder for i in new} == {Folder.INBOX}
    assert batches(sim) == [["delta", "delta"], ["delta"], ["delta"]]
    assert poll_together(both) == []  # nothing reported twice


def test_a_round_that_fails_halfway_loses_nothing(
    sim: GraphSimulator, backend: GraphBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cursors change only when a whole round succeeded: a round cut off after its first
    page is done again from the old deltaLink and reports every new message. (A cursor that
    took in its first page before failing would never report that page's messages.)"""
    both = cursors(backend)
    poll_together(both)
    for i in range(25):
        sim.deliver(f"C{i} <c{i}@corp.example>", f"#{i}")
    client = both[0].client
    real = GraphClient.batch
    calls = {"n": 0}

    def cut_after_first_page(self: GraphClient, subs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the network goes away before the second page
            raise requests.ConnectionError("connection reset")
        return real(self, subs)

    monkeypatch.setattr(GraphClient, "batch", cut_after_first_page)
    links = [c.delta_link for c in both]
    with pytest.raises(requests.ConnectionError):
        poll_together(both)
    assert [c.delta_link for c in both] == links
    new = poll_together(both)
    assert sorted(i.subject for i in new) == sorted(f"#{i}" for i in range(25))
    assert client is backend.client


def test_a_member_answered_401_is_sent_again_with_a_fresh_token(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    both = cursors(backend)
    poll_together(both)
    sim.deliver("Bob <bob@corp.example>", "after the token expired")
    sim.fault("token_expired", count=2, operation="delta")  # both members, once
    sim.reset_counters()
    new = poll_together(both)
    assert [i.subject for i in new] == ["after the token expired"]
    assert [e["status"] for e in sim.sub_request_log] == [401, 401, 200, 200]
