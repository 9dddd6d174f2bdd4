"""No blind retries of POSTs: after a 503/504 (or a lost answer) createReply, send, move, a new
rule or a new folder may have happened. The `late_504` fault carries the operation out and then
answers 504 Gateway Timeout; the product must look at the mailbox before it sends anything
again, and send again only what did not happen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from focusguard.core.ports import Folder, MailItem
from focusguard.domain import autoreply
from focusguard.domain.schedule import Interval
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.rules import PREFIX
from focusguard.sim.graph import GraphSimulator
from tests.mail.graph.conftest import FakeClock, hold_rules
from tests.mail.graph.test_move import fill_held


def reply_to_one(sim: GraphSimulator, backend: GraphBackend) -> MailItem:
    sim.deliver("Ann <ann@client.example>", "Order 4711")
    [item] = backend.list_folder(Folder.INBOX)
    sim.reset_counters()
    return item


def ops(sim: GraphSimulator, name: str) -> int:
    return sum(1 for e in sim.request_log if e["operation"] == name)


def moves_per_message(sim: GraphSimulator) -> Counter[str]:
    return Counter(m["internet_message_id"] for m in sim.moves if m["reason"] == "client")


def test_a_reply_draft_made_although_answered_504_is_not_made_twice(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    item = reply_to_one(sim, backend)
    sim.fault("late_504", operation="createReply")
    backend.send_reply(item, "later", autoreply.REPLY_HEADERS)
    assert ops(sim, "createReply") == 1  # found by its Message-ID in Drafts instead
    [sent] = sim.sent()
    assert sent["in_reply_to"] == item.message_id
    assert sent["internet_message_id"].endswith("@corp.example>")  # FocusGuard's own
    assert sim.folder_messages("drafts") == []  # no orphan draft


def test_a_reply_draft_refused_with_503_is_made_after_looking(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    item = reply_to_one(sim, backend)
    sim.fault("http_503", operation="createReply", retry_after_s=None)  # not carried out
    backend.send_reply(item, "later", autoreply.REPLY_HEADERS)
    assert [e["operation"] for e in sim.request_log] == [
        "createReply",
        "messages",  # Drafts searched for the reply's Message-ID: not there
        "createReply",
        "send",
    ]
    assert len(sim.sent()) == 1 and sim.folder_messages("drafts") == []


def test_a_reply_sent_although_answered_504_counts_as_sent(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    item = reply_to_one(sim, backend)
    sim.fault("late_504", operation="send")
    backend.send_reply(item, "later", autoreply.REPLY_HEADERS)  # no error: it went out
    assert ops(sim, "send") == 1
    assert len(sim.sent()) == 1
    assert [m["subject"] for m in sim.folder_messages("sentitems")] == ["RE: Order 4711"]


def test_a_send_that_did_not_happen_is_sent_after_looking(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    item = reply_to_one(sim, backend)
    sim.fault("http_504", operation="send")
    backend.send_reply(item, "later", autoreply.REPLY_HEADERS)
    assert ops(sim, "send") == 2 and len(sim.sent()) == 1


def test_moves_answered_504_after_they_happened_are_not_sent_again(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    items = fill_held(sim, backend, 30)
    sim.reset_counters()
    sim.fault("late_504", count=5, operation="move")
    result = backend.move(items, Folder.INBOX)
    assert len(result.moved) == 30 and result.failed == {}
    assert set(moves_per_message(sim).values()) == {1}
    looked = [e for e in sim.sub_request_log if e["method"] == "GET"]
    assert len(looked) == 5  # the five undecided ones were looked up, found moved


def test_a_batch_answered_504_after_its_moves_ran_is_not_sent_again(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    items = fill_held(sim, backend, 20)
    sim.reset_counters()
    sim.fault("late_504", operation="batch")
    result = backend.move(items, Folder.INBOX)
    assert len(result.moved) == 20 and result.failed == {}
    assert set(moves_per_message(sim).values()) == {1}
    assert len(sim.folder_messages("inbox")) == 20


def test_a_rule_made_although_answered_504_exists_once(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    sim.fault("late_504", operation="messageRules", method="POST")
    outcome = backend.apply_rules(
        hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1)))
    )
    assert outcome.detail == ""
    ours = [r for r in sim.rules() if r["displayName"].startswith(PREFIX)]
    # The hold and its look-alike guard, each made exactly once (the first POST's answer was
    # lost, the rule was there when FocusGuard looked).
    assert sorted(r["displayName"] for r in ours) == [
        f"{PREFIX}customers",
        f"{PREFIX}customers look-alikes",
    ]
    posts = [e for e in sim.request_log if e["operation"] == "messageRules"]
    assert sum(1 for e in posts if e["method"] == "POST") == 2


def test_a_delete_repeated_after_504_that_finds_nothing_has_done_its_work(
    sim: GraphSimulator, backend: GraphBackend, clock: FakeClock
) -> None:
    rules = hold_rules(customer=Interval(clock.now, clock.now + timedelta(hours=1)))
    backend.apply_rules(rules)
    # A second copy of our rule (two clients at once): the next apply deletes it, and the
    # DELETE is answered 504 although it went through; the repeat finds nothing.
    sim.add_user_rule(f"{PREFIX}customers", sequence=9, actions={"markAsRead": True})
    sim.fault("late_504", operation="messageRules", method="DELETE")
    backend.apply_rules(rules)
    assert sorted(r["displayName"] for r in sim.rules()) == [
        f"{PREFIX}customers",
        f"{PREFIX}customers look-alikes",
    ]


def test_a_held_folder_made_although_answered_504_is_found_not_made_again(
    sim: GraphSimulator, make_backend: Callable[..., GraphBackend]
) -> None:
    sim.fault("late_504", operation="mailFolders", method="POST")
    backend = make_backend()
    assert backend.held_folder_id == sim.folder_id("FocusGuard Held")
    creates = [
        e for e in sim.request_log if e["method"] == "POST" and e["operation"] == "mailFolders"
    ]
    assert len(creates) == 1
