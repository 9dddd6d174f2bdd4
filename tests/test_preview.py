"""Last week replayed with candidate settings (focusguard/preview.py), on a day worked out by
hand: what popped up then, what would pop up, batches, the longest customer wait, breaches,
auto-replies — and what the store's history cannot replay (subjects)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from focusguard.core.history_records import ReadState
from focusguard.core.ports import HistoryFolder
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.domain.history import Direction, HistoryEntry, message_token
from focusguard.preview import preview, preview_from_store
from focusguard.store import DecisionRecord, Store

LONDON = ZoneInfo("Europe/London")
CONFIG = """
[account]
kind = "ews"
email = "me@corp.example"
ews_url = "https://mail.corp.example/EWS/Exchange.asmx"
auth = "basic"

[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]

[[schedule.focus_blocks]]
days = ["wed"]
start = "10:00"
end = "12:00"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "client-move"

[promise]
reply_within = "4h"
"""


def wed(h: int, m: int = 0) -> datetime:
    return datetime(2026, 6, 3, h, m, tzinfo=LONDON)  # a Wednesday (BST)


def arrival(key: str, at: datetime, sender: str, **kw: object) -> HistoryEntry:
    return HistoryEntry(
        key=key,
        direction=Direction.RECEIVED,
        at=at,
        sender=sender,
        recipients=("me@corp.example",),
        message=f"tok-{key}",
        parents=(),
        conversation=None,
        **kw,  # type: ignore[arg-type]
    )


DAY = [
    arrival("ann", wed(8, 0), "ann@client.example"),  # held to 09:30
    arrival("bob", wed(10, 15), "bob@corp.example"),  # focus: held to 12:00 (and was, then)
    arrival("boss", wed(10, 20), "boss@corp.example"),  # urgent: straight through
    arrival("cy", wed(10, 30), "cy@client.example"),  # focus: held to 13:00
    arrival("dee", wed(13, 10), "dee@client.example"),  # in the 13:00 window: delivered
    arrival("news", wed(14, 0), "news@list.example", automatic=True, no_autoreply=True),
]


def settings(extra: str = "") -> Settings:
    return settings_from_toml(CONFIG + extra)


def test_a_day_worked_out_by_hand() -> None:
    s = preview(
        settings(),
        DAY,
        since=wed(7),
        until=wed(18),
        held_then=frozenset({"tok-bob"}),
        names=True,
    )
    assert s.messages == 6
    assert (s.popups_were, s.focus_popups_were) == (5, 2)  # all but Bob; Boss and Cy in focus
    assert (s.popups_would_be, s.focus_popups_would_be) == (2, 1)  # Boss and Dee; Boss
    assert s.check_in_batches == 4  # 09:30, 12:00 (focus end), 13:00, 16:30
    # Cy 10:30 -> 13:00 and the newsletter 14:00 -> 16:30: 2h30 of working time each.
    assert s.longest_wait == timedelta(hours=2, minutes=30)
    assert s.longest_wait_received == wed(10, 30)
    assert s.promised == timedelta(hours=4)
    assert s.promise_breaches == 0
    assert s.autoreplies == 2
    assert s.autoreply_to == ("ann@client.example", "cy@client.example")  # not the list
    assert s.focus_time == timedelta(hours=2)
    assert s.subject_keywords_ignored is False
    assert s.sentence() == (
        "Last 11 hours with these settings: 5 interruptions → 2 pop-ups and 4 check-in "
        "batches; longest customer wait 2h30 of your 4h promise"
    )
    assert preview(settings(), DAY, since=wed(7), until=wed(18)).autoreply_to == ()


def test_focus_that_wins_over_the_promise_breaks_it() -> None:
    candidate = settings_from_toml(
        CONFIG.replace(
            'reply_within = "4h"', 'reply_within = "1h"\nrelease_margin = "10m"\nfocus_wins = true'
        )
    )
    s = preview(candidate, DAY, since=wed(7), until=wed(18))
    # Cy at 10:30 is due 11:30; focus wins until 12:00: one breach.
    assert s.promise_breaches == 1
    assert s.longest_wait == timedelta(hours=1, minutes=30)


def test_an_auto_reply_sent_before_the_window_still_counts() -> None:
    earlier = HistoryEntry(
        key="sent-ann",
        direction=Direction.SENT,
        at=wed(7) - timedelta(days=1),
        sender=None,
        recipients=("ann@client.example",),
        message="tok-x",
        parents=(),
        conversation=None,
        own_autoreply=True,
    )
    s = preview(settings(), [earlier, *DAY], since=wed(7), until=wed(18), names=True)
    assert s.autoreply_to == ("cy@client.example",)  # Ann got one yesterday


def test_subject_keywords_cannot_be_replayed_and_the_summary_says_so() -> None:
    candidate = settings('\n[exceptions]\nsubject_keywords = ["[PAGER-"]\n')
    assert preview(candidate, DAY, since=wed(7), until=wed(18)).subject_keywords_ignored


def test_from_the_store_with_the_decision_log() -> None:
    now = wed(18)
    with Store.open(":memory:") as store:
        store.save_history(ReadState(HistoryFolder.INBOX), DAY)
        # The decision log names the Message-ID; the history keeps its token.
        store.log_decision(
            DecisionRecord(wed(10, 15), "<bob@x>", None, "internal", "hold", None, "held")
        )
        store.save_history(
            ReadState(HistoryFolder.INBOX), [replace(DAY[1], message=message_token("<bob@x>"))]
        )
        s = preview_from_store(store, settings(), now, days=1)
        assert s.since == now - timedelta(days=1)
        assert s.popups_were == 5  # Bob was held then


@pytest.mark.parametrize("days", [1, 7])
def test_preview_window_never_reaches_past_what_is_kept(days: int) -> None:
    short = settings("\n[privacy]\nkeep_days = 2\n")
    with Store.open(":memory:") as store:
        s = preview_from_store(store, short, wed(18), days=days)
    assert s.since == wed(18) - timedelta(days=min(days, 2))
    assert s.messages == 0 and s.longest_wait == timedelta(0)
