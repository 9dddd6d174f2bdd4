"""Watching: streaming notifications for the Inbox and the held folder, reconnects, pull."""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable

import pytest

from focusguard.core.ports import AuthError, Folder, HoldRules, MailError, MailItem
from focusguard.domain.policy import HoldPlan
from focusguard.domain.schedule import Interval
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator
from tests.mail.ews.conftest import PASSWORD, account_for
from tests.waiting import wait_until

pytestmark = pytest.mark.timeout(40)


class Recorder:
    def __init__(self) -> None:
        self.items: queue.Queue[MailItem] = queue.Queue()
        self.resyncs = 0
        self.threads: set[str] = set()
        self._resynced = threading.Event()

    def on_new(self, item: MailItem) -> None:
        self.threads.add(threading.current_thread().name)
        self.items.put(item)

    def on_resync(self) -> None:
        self.resyncs += 1
        self._resynced.set()

    def next(self, timeout: float) -> MailItem:
        return self.items.get(timeout=timeout)

    def wait_resyncs(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.resyncs < n and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.resyncs >= n


def _subscribed(sim: EwsSimulator, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sim.status()["subscriptions"] and "GetStreamingEvents" in sim.operations():
            time.sleep(0.1)  # the stream request is being served
            return
        time.sleep(0.02)
    raise AssertionError("no streaming subscription")


def test_streaming_reports_inbox_and_held_arrivals_within_a_second(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    now = dt.datetime.now(dt.UTC)
    backend.apply_rules(
        HoldRules(
            plan=HoldPlan(customer=Interval(now, now + dt.timedelta(hours=1)), focus=None),
            customers=("client.example",),
            all_external=False,
            own_domains=("corp.example",),
            urgent=(),
        )
    )
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    _subscribed(sim)
    rec.wait_resyncs(1, 2)  # after subscribing: catch up on what came before
    start = time.monotonic()
    bob = sim.deliver("Bob Colleague <bob@corp.example>", "Lunch?")
    item = rec.next(timeout=1.0)
    assert time.monotonic() - start < 1.0
    assert (item.message_id, item.folder, item.sender) == (
        bob,
        Folder.INBOX,
        "Bob Colleague <bob@corp.example>",
    )
    start = time.monotonic()
    ann = sim.deliver("Ann <ann@client.example>", "Order")  # the server rule holds it
    item = rec.next(timeout=1.0)
    assert time.monotonic() - start < 1.0
    assert (item.message_id, item.folder) == (ann, Folder.HELD)
    assert rec.items.empty()  # CreatedEvent + NewMailEvent for one message: one callback
    assert rec.threads == {"focusguard-ews-watch"}


def test_moves_are_reported_with_the_new_id(sim: EwsSimulator, backend: EwsBackend) -> None:
    sim.deliver("A <a@client.example>", "one")
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    _subscribed(sim)
    (item,) = backend.list_folder(Folder.INBOX)
    # The user drags it into the held folder (in Outlook): a move FocusGuard did not make.
    moved = sim.mailbox.move_item(item.item_id, backend.held_folder_id, reason="user")
    seen = rec.next(timeout=2.0)
    assert seen.folder is Folder.HELD
    assert seen.item_id == moved.id != item.item_id


def test_own_moves_are_neither_fetched_nor_reported(sim: EwsSimulator, backend: EwsBackend) -> None:
    """Issue 15: the watcher reacted to FocusGuard's own moves (it was told to skip them only
    after the whole move returned) and fetched every moved message again, one GetItem per
    100, while the release ran. Registered before the first MoveItem, their MovedEvents are
    skipped unfetched; a user's move right after is still reported."""
    for i in range(150):  # two MoveItem requests
        sim.deliver(f"C{i} <c{i}@client.example>", f"#{i}")
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    _subscribed(sim)
    rec.wait_resyncs(1, 5)
    inbox = backend.list_folder(Folder.INBOX)
    before = len(sim.operations())
    result = backend.move(inbox, Folder.HELD)
    assert len(result.moved) == 150
    watcher = backend.watcher
    assert watcher is not None
    wait_until(lambda: watcher.skipped_own == 150, what="the watcher reading the moves' events")
    other = sim.deliver("Bob <bob@corp.example>", "after the move")
    seen = rec.next(timeout=5.0)
    assert seen.message_id == other  # the first thing reported: nothing of the 150
    assert rec.items.empty()
    ops = sim.operations()[before:]
    assert (ops.count("MoveItem"), ops.count("GetItem")) == (2, 1)  # the one GetItem: Bob


def test_a_move_that_failed_leaves_the_users_next_move_reported(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    """Ids registered for a move that did not happen are forgotten: when the user then moves
    that message, it is the user's move, reported as any other."""
    sim.deliver("A <a@client.example>", "one")
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    _subscribed(sim)
    (item,) = backend.list_folder(Folder.INBOX)
    # Two: one 401 is retried with the credentials again (issue 9 §4), a second fails.
    sim.fault("http_401", count=2, operation="MoveItem")
    with pytest.raises(MailError):
        backend.move([item], Folder.HELD)
    moved = sim.mailbox.move_item(item.item_id, backend.held_folder_id, reason="user")
    seen = rec.next(timeout=2.0)
    assert (seen.item_id, seen.folder) == (moved.id, Folder.HELD)


def test_the_watcher_reads_no_events_while_mail_is_moved(
    backend: EwsBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moves' own events are read after the move (and after a bulk move's grace), not
    parsed on the watcher's thread while the move's answers are parsed on the engine's."""
    from focusguard.mail.ews import watcher as watcher_module

    monkeypatch.setattr(watcher_module, "QUIET_GRACE_S", 30.0)
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    watcher = backend.watcher
    assert watcher is not None
    reader = threading.Thread(target=watcher._wait_while_quiet, daemon=True)
    with watcher.quiet():
        reader.start()
        reader.join(0.3)
        assert reader.is_alive()  # holding off while the move runs
    reader.join(5)
    assert not reader.is_alive()  # a small move: reading again at once

    bulk = threading.Thread(target=watcher._wait_while_quiet, daemon=True)
    with watcher.quiet(watcher_module.BULK_MOVE):
        bulk.start()
    bulk.join(0.3)
    assert bulk.is_alive()  # a bulk move's grace: the engine writes the ledger first
    backend.close()  # stopping ends any wait
    bulk.join(5)
    assert not bulk.is_alive()


def test_dropped_stream_reconnects_and_resyncs(sim: EwsSimulator, backend: EwsBackend) -> None:
    sim.fault("drop_stream", count=1)  # the first stream is cut mid-chunk
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    rec.wait_resyncs(2, 10)  # once after subscribing, once after re-subscribing
    assert backend.watcher is not None and backend.watcher.reconnects >= 1
    assert backend.watcher.last_error in ("ChunkedEncodingError", "ConnectionError")
    _wait_streams(sim, 2)
    imid = sim.deliver("Back <back@client.example>", "after the drop")
    assert rec.next(timeout=3.0).message_id == imid


def test_expired_subscription_is_replaced(sim: EwsSimulator, backend: EwsBackend) -> None:
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    _subscribed(sim)
    rec.wait_resyncs(1, 2)
    sim.expire_subscriptions()
    rec.wait_resyncs(2, 10)
    _wait_streams(sim, 3)
    imid = sim.deliver("Again <again@client.example>", "after expiry")
    assert rec.next(timeout=3.0).message_id == imid


def _wait_streams(sim: EwsSimulator, n: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sim.operations().count("GetStreamingEvents") >= n and sim.status()["subscriptions"]:
            time.sleep(0.2)
            return
        time.sleep(0.05)
    raise AssertionError("the watcher did not stream again")


def test_streaming_that_keeps_failing_falls_back_to_pull(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    sim.fault("drop_stream", count=10)
    backend = make_backend(account_for(sim, poll_seconds=1))
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    rec.wait_resyncs(4, 10)  # three failed streams, then a pull subscription
    assert backend.watcher is not None and backend.watcher.pull
    imid = sim.deliver("P <p@client.example>", "polled")
    assert rec.next(timeout=3.0).message_id == imid
    assert sim.operations().count("GetStreamingEvents") == 3
    sim.clear_faults()


def test_pull_mode_polls(sim: EwsSimulator, make_backend: Callable[..., EwsBackend]) -> None:
    backend = make_backend(account_for(sim, poll_seconds=1), watch_mode="pull")
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    rec.wait_resyncs(1, 3)
    imid = sim.deliver("P <p@client.example>", "polled")
    assert rec.next(timeout=3.0).message_id == imid
    assert "GetEvents" in sim.operations()
    assert "GetStreamingEvents" not in sim.operations()


def test_close_stops_the_watcher_and_unsubscribes(sim: EwsSimulator, backend: EwsBackend) -> None:
    rec = Recorder()
    backend.watch(rec.on_new, rec.on_resync)
    _subscribed(sim)
    watcher = backend.watcher
    assert watcher is not None
    start = time.monotonic()
    backend.close()
    assert time.monotonic() - start < 3
    assert not watcher.alive
    assert "Unsubscribe" in sim.operations()
    assert sim.status()["subscriptions"] == 0


class Health:
    """on_health for the watcher: what it reported, in order."""

    def __init__(self) -> None:
        self.reports: list[MailError | None] = []

    def __call__(self, error: MailError | None) -> None:
        self.reports.append(error)

    @property
    def failing(self) -> bool:
        return bool(self.reports) and self.reports[-1] is not None


def test_a_rejected_password_is_reported_retried_and_picked_up_again(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    # Issue 9: the watcher used to stop for good on a rejected password, silently, while
    # the server rule kept filling the held folder. Now: reported, retried, recovered.
    backend = make_backend(auth_retry_s=0.05)
    rec, health = Recorder(), Health()
    backend.watch(rec.on_new, rec.on_resync, health)
    _subscribed(sim)
    rec.wait_resyncs(1, 2)
    sim.password = "changed-on-the-server"
    sim.expire_subscriptions()  # the next call signs in again
    wait_until(lambda: health.failing, what="the watcher reporting the failure")
    error = health.reports[-1]
    assert isinstance(error, AuthError) and error.title == "Password rejected"
    assert PASSWORD not in error.message
    watcher = backend.watcher
    assert watcher is not None and watcher.alive and not watcher.healthy
    sim.password = PASSWORD  # e.g. the account was unlocked, the old password works again
    wait_until(lambda: health.reports[-1] is None, what="the watcher recovering")
    rec.wait_resyncs(2, 10)
    _wait_streams(sim, 2)
    imid = sim.deliver("Back <back@client.example>", "after the outage")
    assert rec.next(timeout=3.0).message_id == imid


def test_a_password_saved_meanwhile_is_used_without_a_restart(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    keyring = {"password": PASSWORD}
    backend = make_backend(auth_retry_s=0.05, password_source=lambda: keyring["password"])
    rec, health = Recorder(), Health()
    backend.watch(rec.on_new, rec.on_resync, health)
    _subscribed(sim)
    rec.wait_resyncs(1, 2)
    sim.password = "the-new-one-4712"
    sim.expire_subscriptions()
    wait_until(lambda: health.failing, what="the watcher reporting the failure")
    keyring["password"] = "the-new-one-4712"  # `focusguard account login` saved it
    wait_until(lambda: health.reports[-1] is None, what="the watcher recovering")
    rec.wait_resyncs(2, 10)
    assert [i.subject for i in backend.list_folder(Folder.INBOX)] == []  # signed in again
