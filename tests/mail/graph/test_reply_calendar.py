"""Auto-replies (X- headers only on Graph) and focus blocks from calendarView."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from focusguard.core.ports import Folder, MailError
from focusguard.domain import autoreply
from focusguard.domain.schedule import Interval
from focusguard.mail.graph.backend import GraphBackend
from focusguard.sim.graph import GraphSimulator


def test_reply_is_threaded_and_carries_x_auto_response_suppress(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    imid = sim.deliver(
        "Ann <ann@client.example>", "Order 4711", headers={"References": "<older@client.example>"}
    )
    [item] = backend.list_folder(Folder.INBOX)
    sim.reset_counters()
    backend.send_reply(item, "We will answer at 13:00.", autoreply.REPLY_HEADERS)
    [sent] = sim.sent()
    assert sent["to"] == ["ann@client.example"]
    assert sent["subject"] == "RE: Order 4711"
    assert sent["body"] == "We will answer at 13:00." and sent["body_type"] == "text"
    assert sent["headers"]["X-Auto-Response-Suppress"] == "All"
    # Graph refuses non-X- headers: Auto-Submitted is left out rather than failing the send.
    assert "Auto-Submitted" not in sent["headers"]
    assert sent["in_reply_to"] == imid
    assert sent["references"] == f"<older@client.example> {imid}"
    assert sim.folder_messages("drafts") == []
    assert [m["subject"] for m in sim.folder_messages("sentitems")] == ["RE: Order 4711"]
    # Headers and body go into createReply; nothing is PATCHed onto the draft afterwards.
    assert [e["operation"] for e in sim.request_log] == ["createReply", "send"]


def test_a_failed_reply_leaves_no_draft_behind(sim: GraphSimulator, backend: GraphBackend) -> None:
    sim.deliver("Ann <ann@client.example>", "Order 4711")
    [item] = backend.list_folder(Folder.INBOX)
    sim.fault("http_504", count=10, operation="send")
    with pytest.raises(MailError) as err:
        backend.send_reply(item, "later", {"X-Auto-Response-Suppress": "All"})
    assert err.value.title == "Microsoft 365 had a problem"
    assert sim.sent() == [] and sim.folder_messages("drafts") == []


def test_calendar_focus_matches_subject_case_insensitively_and_stripped(
    sim: GraphSimulator, backend: GraphBackend
) -> None:
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for hour in range(12):  # more than one page of 10
        sim.add_calendar_item(
            "Team sync" if hour % 2 else "Other",
            day + timedelta(hours=hour),
            day + timedelta(hours=hour, minutes=30),
        )
    sim.add_calendar_item("  focus TIME ", day + timedelta(hours=13), day + timedelta(hours=15))
    sim.add_calendar_item("Focus time", day + timedelta(days=3), day + timedelta(days=3, hours=1))
    sim.add_calendar_item("Focus time (not)", day + timedelta(hours=16), day + timedelta(hours=17))
    blocks = backend.calendar_focus("Focus time", day, day + timedelta(days=1))
    assert blocks == [Interval(day + timedelta(hours=13), day + timedelta(hours=15))]
    assert backend.calendar_focus("", day, day + timedelta(days=1)) == []
