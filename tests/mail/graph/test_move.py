"""Release through `$batch`: 20 per request, one batch at a time so that at most 4 Outlook
operations run on the mailbox, 429s honoured per member."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from focusguard.core.ports import Folder, MailItem
from focusguard.mail.graph.backend import GraphBackend
from focusguard.sim.graph import GraphSimulator
from tests.mail.graph.conftest import Collector


def fill_held(sim: GraphSimulator, backend: GraphBackend, n: int) -> list[MailItem]:
    held = sim.folder_id("FocusGuard Held")
    for i in range(n):
        imid = sim.deliver(f"Customer {i} <c{i}@client.example>", f"held {i}")
        msg = next(m for m in sim.mailbox.messages.values() if m.internet_message_id == imid)
        sim.mailbox.move(msg.immutable_id, held, reason="test set-up")
    items = backend.list_folder(Folder.HELD)
    assert len(items) == n
    return list(items)


def test_release_of_250_uses_13_batches_within_4_operations_on_the_mailbox(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    items = fill_held(sim, backend, 250)
    seen = Collector()
    backend.watch(seen.on_new, seen.on_resync)  # delta polls share the mailbox's budget
    seen.wait(lambda: seen.resyncs == 1)
    sim.latency_s = 0.01  # every operation takes a while, so they overlap
    sim.reset_counters()
    result = backend.move(items, Folder.INBOX)
    assert len(result.moved) == 250 and result.failed == {}
    # The watcher's delta polls are batches too (one per round): count the moves'.
    batches = [e for e in sim.request_log if e["operation"] == "batch"]
    moves = [e for e in batches if "move" in e["members"]]
    assert len(moves) == math.ceil(250 / 20) == 13
    assert all(set(e["members"]) == {"delta"} for e in batches if e not in moves)
    # Graph runs 4 members of an unordered batch at once: one batch fills the budget, and
    # nothing else (the watcher's polls) runs meanwhile.
    assert sim.peak_operations == 4 and sim.over_limit == 0
    assert backend.client is not None and backend.client.throttled == 0
    assert len(sim.folder_messages("inbox")) == 250
    # Immutable ids: the id stays, and is still reported old -> new.
    assert all(old == new for old, new in result.moved.items())


def test_ten_percent_throttled_loses_and_duplicates_nothing(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    items = fill_held(sim, backend, 250)
    sim.fault("throttle", rate=0.1, retry_after_s=0.2)
    sim.reset_counters()
    result = backend.move(items, Folder.INBOX)
    assert len(result.moved) == 250, result.failed
    fired = [f for f in sim.faults.fired if f["kind"] == "throttle"]
    assert any(f["in_batch"] for f in fired)
    assert sim.peak_operations <= 4 and sim.over_limit == 0
    places = Counter(
        m["internet_message_id"] for name, msgs in sim.mailbox_snapshot().items() for m in msgs
    )
    assert len(places) == 250 and set(places.values()) == {1}
    assert len(sim.folder_messages("inbox")) == 250
    assert backend.client is not None and backend.client.throttled == len(fired)


def test_move_reports_per_id_failures(sim: GraphSimulator, backend: GraphBackend) -> None:
    items = fill_held(sim, backend, 3)
    gone = items[0]
    sim.mailbox.purge(gone.item_id)
    result = backend.move(items, Folder.INBOX)
    assert set(result.moved) == {items[1].item_id, items[2].item_id}
    assert result.failed[gone.item_id].startswith("404")


def test_rest_ids_change_on_move_and_the_new_id_is_reported(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    # Without the ImmutableId preference the simulator behaves like Graph's default ids.
    imid = sim.deliver("Ann <ann@client.example>", "x")
    msg = next(m for m in sim.mailbox.messages.values() if m.internet_message_id == imid)
    old = msg.rest_id
    item = MailItem(old, imid, Folder.INBOX, "Ann <ann@client.example>", "x", msg.received)
    result = backend.move([item], Folder.HELD)
    assert msg.rest_id != old
    assert result.moved == {old: msg.immutable_id}


def test_held_folder_deleted_meanwhile_is_made_again(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    backend = make_backend()
    imid = sim.deliver("Ann <ann@client.example>", "x")
    [item] = backend.list_folder(Folder.INBOX)
    with sim.mailbox.lock:
        del sim.mailbox.folders[backend.held_folder_id]
    result = backend.move([item], Folder.HELD)
    assert list(result.moved) == [item.item_id], result.failed
    assert [m["internet_message_id"] for m in sim.folder_messages("FocusGuard Held")] == [imid]


def test_503_and_504_are_retried(sim: GraphSimulator, backend: GraphBackend) -> None:
    items = fill_held(sim, backend, 5)
    sim.fault("http_503", count=1, operation="batch", retry_after_s=None)
    sim.fault("http_504", count=2, operation="move")
    result = backend.move(items, Folder.INBOX)
    assert len(result.moved) == 5
