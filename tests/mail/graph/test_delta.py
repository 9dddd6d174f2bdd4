"""New mail through delta polling on the Inbox and the held folder, resync on a dead token,
listing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from focusguard.core.ports import AuthError, Folder, MailError
from focusguard.domain.schedule import Interval
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.errors import delta_expired, error_codes
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.mail.graph.conftest import Collector, FakeClock, hold_rules
from tests.waiting import wait_until


def test_delta_sees_new_mail_in_both_folders_and_not_the_old(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    for i in range(25):  # more than two pages of 10: the first round follows nextLink
        sim.deliver(f"Old {i} <old{i}@corp.example>", f"old {i}")
    backend.apply_rules(hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1))))
    seen = Collector()
    backend.watch(seen.on_new, seen.on_resync)
    seen.wait(lambda: seen.resyncs == 1)

    sim.deliver(
        '"Lee, Ann" <ann@client.example>',
        "Order 4711",
        headers={"X-Ticket": "4711", "Precedence": "bulk"},
    )
    sim.deliver("Bob <bob@corp.example>", "Lunch")
    seen.wait(lambda: len(seen.items) == 2)
    assert seen.subjects(Folder.HELD) == ["Order 4711"]
    assert seen.subjects(Folder.INBOX) == ["Lunch"]
    held = next(i for i in seen.items if i.folder is Folder.HELD)
    assert held.sender == '"Lee, Ann" <ann@client.example>'
    assert held.headers["X-Ticket"] == "4711" and held.headers["Precedence"] == "bulk"
    assert held.message_id.startswith("<") and held.web_link
    assert held.received.tzinfo is not None
    delta_calls = [e for e in sim.sub_request_log if e["operation"] == "delta"]
    assert len(delta_calls) >= 4  # 3 pages of the Inbox + the held folder, then polls
    # Both folders' deltas in one $batch a round (issue 15): never a delta on its own.
    assert not [e for e in sim.request_log if e["operation"] == "delta"]


def test_a_message_moved_back_into_a_folder_is_new_there_again(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    seen = Collector()
    backend.watch(seen.on_new, seen.on_resync)
    seen.wait(lambda: seen.resyncs == 1)
    sim.deliver("Bob <bob@corp.example>", "Lunch")
    seen.wait(lambda: len(seen.items) == 1)
    [item] = seen.items
    backend.move([item], Folder.HELD)
    seen.wait(lambda: seen.subjects(Folder.HELD) == ["Lunch"])
    # The Inbox's delta must have reported the move out before the move back: a round that
    # started after the move has ended. (Out and back within one poll is a known delta
    # limitation; test_engine_integration_graph covers how reconcile catches it.)
    watcher = backend.watcher
    assert watcher is not None
    after_move = watcher.rounds
    wait_until(lambda: watcher.rounds >= after_move + 2, what="a full delta round")
    [held] = [i for i in seen.items if i.folder is Folder.HELD]
    backend.move([held], Folder.INBOX)
    seen.wait(lambda: seen.subjects(Folder.INBOX) == ["Lunch", "Lunch"])


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (410, "syncStateNotFound"),
        # "a 40X-series error with error codes such as syncStateNotFound": not only 410.
        (400, "syncStateNotFound"),
        (400, "resyncRequired"),
        (404, "syncStateInvalid"),
    ],
)
def test_expired_delta_token_means_full_resync_then_new_mail_still_seen(
    sim: GraphSimulator, backend: GraphBackend, status: int, code: str
) -> None:
    seen = Collector()
    backend.watch(seen.on_new, seen.on_resync)
    seen.wait(lambda: seen.resyncs == 1)
    sim.expire_delta_tokens(status, code)
    seen.wait(lambda: seen.resyncs == 2)
    assert any(e["status"] == status for e in sim.sub_request_log)
    sim.deliver("Bob <bob@corp.example>", "after resync")
    seen.wait(lambda: seen.subjects(Folder.INBOX) == ["after resync"])


def test_delta_expiry_is_read_from_the_error_codes_inner_ones_too() -> None:
    def body(code: str, inner: str | None = None) -> dict[str, object]:
        err: dict[str, object] = {"code": code, "message": "x"}
        if inner is not None:
            err["innerError"] = {"code": inner}
        return {"error": err}

    assert delta_expired(410, None)
    assert delta_expired(400, body("SyncStateNotFound"))  # Exchange's PascalCase spelling
    assert delta_expired(400, body("generalException", "resyncRequired"))
    assert not delta_expired(400, body("ErrorInvalidRequest"))
    assert not delta_expired(500, body("syncStateNotFound"))  # a server error, not a verdict
    assert error_codes(body("a", "b")) == ["a", "b"]


def test_a_rejected_sign_in_is_reported_retried_and_picked_up_again(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    # Issue 9: a revoked sign-in used to stop polling for good, silently, while the message
    # rule kept filling the held folder. Now: reported, retried, and recovered by itself.
    backend = make_backend(auth_retry_s=0.05)
    seen = Collector()
    health: list[MailError | None] = []
    backend.watch(seen.on_new, seen.on_resync, health.append)
    seen.wait(lambda: seen.resyncs == 1)
    sim.revoke_tokens()
    wait_until(lambda: health != [], what="the watcher reporting the failure")
    error = health[0]
    assert isinstance(error, AuthError) and error.title == "Sign-in rejected"
    assert "focusguard account login" in error.message
    watcher = backend.watcher
    assert watcher is not None and watcher.alive and not watcher.healthy
    sim.deliver("Bob <bob@corp.example>", "while signed out")
    sim.static_token = DEMO_TOKEN  # the admin re-consented: the same sign-in works again
    wait_until(lambda: health[-1] is None, what="the watcher recovering")
    assert watcher.healthy
    seen.wait(lambda: seen.resyncs >= 2)  # a resync after the gap
    seen.wait(lambda: seen.subjects(Folder.INBOX) == ["while signed out"])


def test_a_single_failure_is_retried_without_alarm(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    backend = make_backend(auth_retry_s=0.05)
    seen = Collector()
    health: list[MailError | None] = []
    backend.watch(seen.on_new, seen.on_resync, health.append)
    seen.wait(lambda: seen.resyncs == 1)
    # One poll fails, even refreshed: both folders' deltas (one batch), twice.
    sim.fault("token_expired", count=4, operation="delta")
    seen.wait(lambda: seen.resyncs == 2)  # retried, worked, resynced
    assert health == []
    assert backend.watcher is not None and backend.watcher.healthy


def test_list_folder_pages_and_filters_by_time(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    for i in range(12):
        sim.deliver(f"C <c{i}@corp.example>", f"m{i}", received=clock.now - timedelta(hours=i))
    assert len(backend.list_folder(Folder.INBOX)) == 12
    recent = backend.list_folder(Folder.INBOX, since=clock.now - timedelta(hours=2, minutes=30))
    assert sorted(i.subject for i in recent) == ["m0", "m1", "m2"]
    assert backend.list_folder(Folder.HELD) == []


def test_poll_interval_comes_from_the_account(make_backend: Callable[..., GraphBackend]) -> None:
    backend = make_backend(poll_seconds=None)
    assert backend.poll_seconds == 15.0
