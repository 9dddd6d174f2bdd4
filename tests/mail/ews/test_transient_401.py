"""One HTTP 401 in the middle of a session is not a wrong password (issue 9 §4).

An NTLM hiccup or a load balancer that lost the authenticated connection answers one request
with 401; the next one, on a fresh connection, works. FocusGuard retries once, at once, and
only a second 401 in a row means "Password rejected". Real exchangelib against the EWS
simulator's `http_401` fault, over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from focusguard.core.ports import AuthError, Folder
from focusguard.core.settings import settings_from_toml
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator
from tests.apps import build_app, listen
from tests.mail.graph.conftest import Collector
from tests.waiting import wait_until

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("operation", ["FindItem", "MoveItem", "GetInboxRules", None])
def test_one_401_mid_session_is_retried_once_and_nothing_is_reported(
    sim: EwsSimulator, backend: EwsBackend, operation: str | None
) -> None:
    sim.deliver("Ann <ann@client.example>", "Order 4711")
    items = backend.list_folder(Folder.INBOX)
    sim.fault("http_401", count=1, operation=operation)
    before = len(sim.operations())
    moved = backend.move(items, Folder.HELD)  # FindItem/GetInboxRules faults hit the next calls
    assert len(moved.moved) == 1
    assert backend.list_folder(Folder.HELD)[0].subject == "Order 4711"
    backend.apply_rules(None)
    assert sim.faults.fired == [{"kind": "http_401", "operation": operation or "MoveItem"}]
    # The rejected request was sent once more, and only once.
    assert len(sim.operations()) - before <= 6


def test_two_401s_in_a_row_are_a_wrong_password_at_once(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    sim.fault("http_401", count=2, operation="FindItem")
    start = time.monotonic()
    with pytest.raises(AuthError) as info:
        backend.list_folder(Folder.INBOX)
    assert time.monotonic() - start < 5
    assert info.value.title == "Password rejected"
    assert sim.operations().count("FindItem") == 2


def test_one_401_while_signing_in_is_retried_too(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    sim.fault("http_401", count=1)
    backend = make_backend()  # connect(): verify() under the fail-fast policy
    assert backend.list_folder(Folder.INBOX) == []


def test_a_wrong_password_is_still_refused_at_sign_in_with_one_retry(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    start = time.monotonic()
    with pytest.raises(AuthError) as info:
        make_backend(password="not-the-password")
    assert time.monotonic() - start < 5
    assert info.value.title == "Password rejected"


def test_one_401_on_the_stream_keeps_the_watcher_running(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    sim.fault("http_401", count=1, operation="GetStreamingEvents")
    seen = Collector()
    backend.watch(seen.on_new, seen.on_resync)
    wait_until(lambda: sim.faults.fired, what="the 401 on the stream")
    # Before: UnauthorizedError stopped the watcher for good; new mail went unseen.
    wait_until(lambda: sim.operations().count("GetStreamingEvents") >= 2, what="the stream again")
    sim.deliver("Ann <ann@client.example>", "after the hiccup")
    seen.wait(lambda: "after the hiccup" in seen.subjects(Folder.INBOX))
    assert backend.watcher is not None and backend.watcher.alive


def test_the_running_app_does_not_tell_the_user_their_password_is_wrong(
    tmp_path: Path, sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    config = (
        '[people]\nown_domains = ["corp.example"]\n'
        '[schedule]\ntimezone = "UTC"\nworkdays = ["mon", "tue", "wed", "thu", "fri", "sat", '
        '"sun"]\ncheck_ins = ["00:00"]\ncheck_in_minutes = 1\n'
    )
    app = build_app(settings_from_toml(config), make_backend(connect=False), tmp_path)
    heard = listen(app.events)
    service = app.service
    app.start()
    try:
        wait_until(lambda: "GetStreamingEvents" in sim.operations(), what="connected, watching")
        service.focus_start(30)  # the server rule holds from now
        sim.deliver("Ann <ann@client.example>", "held during focus")
        wait_until(lambda: service.status().held == 1, what="the message to be held")
        sim.fault("http_401", count=1)  # the next request, whichever it is
        service.release_all()
        snapshot = service.status()
        assert sim.faults.fired, "the 401 was never sent"
        assert snapshot.held == 0 and snapshot.problem is None
        assert heard.errors() == []
        assert [m["subject"] for m in sim.folder_messages("inbox")] == ["held during focus"]
    finally:
        app.stop()
