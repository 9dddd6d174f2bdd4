"""The Graph simulator counts concurrent Outlook operations per mailbox as Graph does: API
requests in flight and members of a `$batch` while they run; beyond 4 it answers 429
(MailboxConcurrency) with Retry-After. Operations are held inside the mailbox by holding its
lock, so what overlaps is decided by the test, not by timing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.waiting import wait_until

pytestmark = pytest.mark.timeout(30)
AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}", "Prefer": 'IdType="ImmutableId"'}


@pytest.fixture
def gsim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator(concurrency_retry_after_s=2).start()
    try:
        yield sim
    finally:
        sim.stop()
    assert sim.errors == []


def api(sim: GraphSimulator, method: str, path: str, **kw: Any) -> requests.Response:
    return requests.request(method, f"{sim.url}{path}", headers=AUTH, timeout=10, **kw)


def in_threads(n: int, call: Any) -> tuple[list[threading.Thread], list[Any]]:
    results: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        value = call()
        with lock:
            results.append(value)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    return threads, results


def test_a_fifth_request_at_once_is_refused_with_429_and_retry_after(gsim: GraphSimulator) -> None:
    with gsim.mailbox.lock:  # the admitted requests wait inside the mailbox
        threads, results = in_threads(6, lambda: api(gsim, "GET", "/me/mailFolders/inbox"))
        wait_until(lambda: len(results) == 2, what="two refusals")
        assert gsim.operations_in_flight == 4
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200] * 4 + [429] * 2
    refused = [r for r in results if r.status_code == 429]
    assert all(r.headers["Retry-After"] == "2" for r in refused)
    assert all("MailboxConcurrency" in r.json()["error"]["message"] for r in refused)
    assert gsim.peak_operations > 4 and gsim.over_limit == 2


def test_members_of_an_unordered_batch_run_four_at_a_time_and_count(gsim: GraphSimulator) -> None:
    members = [{"id": str(i), "method": "GET", "url": "/me/mailFolders/inbox"} for i in range(8)]
    with gsim.mailbox.lock:
        threads, results = in_threads(
            1, lambda: api(gsim, "POST", "/$batch", json={"requests": members})
        )
        wait_until(lambda: gsim.operations_in_flight == 4, what="four members running")
        # The mailbox is busy with the batch's four: one more request is over the limit.
        extra = api(gsim, "GET", "/me/mailFolders/inbox")
        assert extra.status_code == 429
    threads[0].join()
    [batch] = results
    assert [r["status"] for r in batch.json()["responses"]] == [200] * 8
    assert gsim.peak_operations == 5 and gsim.over_limit == 1


def test_depends_on_runs_members_one_by_one_and_a_failed_dependency_is_424(
    gsim: GraphSimulator,
) -> None:
    chain = [
        {"id": "1", "method": "GET", "url": "/me/mailFolders/inbox"},
        {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/me/messages/nope"},
        {"id": "3", "dependsOn": ["2"], "method": "GET", "url": "/me/mailFolders/inbox"},
    ]
    resp = api(gsim, "POST", "/$batch", json={"requests": chain})
    statuses = {r["id"]: r["status"] for r in resp.json()["responses"]}
    assert statuses == {"1": 200, "2": 404, "3": 424}
    assert gsim.peak_operations == 1
    later = [{**chain[0], "dependsOn": ["3"]}, {**chain[2], "id": "3", "dependsOn": []}]
    assert api(gsim, "POST", "/$batch", json={"requests": later}).status_code == 400
