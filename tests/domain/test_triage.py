"""The digest's triage rules (domain/triage.py): sections, chases, ordinals, new customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focusguard.domain.history import Direction, HistoryEntry
from focusguard.domain.triage import (
    Acquaintance,
    Arrival,
    Section,
    chains,
    chaser_note,
    ordinal,
    section_of,
)

T0 = datetime(2026, 3, 24, 9, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("category", "automatic", "section"),
    [
        ("customer", False, Section.CUSTOMERS),
        ("customer", True, Section.BULK),  # a newsletter from a customer's domain
        ("internal", False, Section.COLLEAGUES),
        ("internal", True, Section.BULK),  # the build server
        ("other", False, Section.OTHER),
        ("urgent", False, Section.OTHER),
    ],
)
def test_section_of(category: str, automatic: bool, section: Section) -> None:
    assert section_of(category, automatic) is section


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_chains_by_sender_conversation_and_reference() -> None:
    arrivals = [
        Arrival("ann@x.example", T0, "m1"),
        Arrival("bob@y.example", T0 + timedelta(minutes=1), "m2"),
        Arrival("ann@x.example", T0 + timedelta(minutes=2), "m3"),
        Arrival("cy@x.example", T0 + timedelta(minutes=3), "m4", parents=("m2",)),
        Arrival("dee@z.example", T0 + timedelta(minutes=4), "m5", conversation="c1"),
        Arrival("eve@z.example", T0 + timedelta(minutes=5), "m6", conversation="c1"),
        Arrival(None, T0 + timedelta(minutes=6)),
        Arrival(None, T0 + timedelta(minutes=7)),
    ]
    assert chains(arrivals) == [[0, 2], [1, 3], [4, 5], [6], [7]]


@given(st.lists(st.sampled_from(["a@x", "b@x", "c@y", None]), max_size=30))
def test_chains_partition_every_arrival_once(senders: list[str | None]) -> None:
    arrivals = [Arrival(s, T0 + timedelta(minutes=i)) for i, s in enumerate(senders)]
    got = chains(arrivals)
    assert sorted(i for chain in got for i in chain) == list(range(len(arrivals)))
    for chain in got:
        assert chain == sorted(chain)  # oldest first
        named = {arrivals[i].sender for i in chain}
        assert len(named) == 1  # only one sender links here


def test_chaser_note_names_the_address_and_the_first_time() -> None:
    now = T0 + timedelta(hours=2)
    assert chaser_note(3, "ann@x.example", T0, LONDON, now) == (
        "3rd mail from ann@x.example since 09:30"
    )
    assert chaser_note(2, "ann@x.example", T0 - timedelta(days=1), LONDON, now) == (
        "2nd mail from ann@x.example since Mon 23 Mar 09:30"
    )


def entry(
    direction: Direction,
    at: datetime,
    sender: str | None = None,
    to: tuple[str, ...] = (),
    message: str | None = None,
    **flags: bool,
) -> HistoryEntry:
    return HistoryEntry(
        f"k{at.isoformat()}{sender}{to}", direction, at, sender, to, message, (), None, **flags
    )


def test_acquaintance_by_domain_freemail_by_address_and_sent_items() -> None:
    history = [
        entry(Direction.RECEIVED, T0 - timedelta(days=9), "ann@known.example"),
        entry(Direction.RECEIVED, T0 - timedelta(days=9), "joe@gmail.com"),
        entry(Direction.SENT, T0 - timedelta(days=5), to=("pat@written.example",)),
        entry(
            Direction.SENT,
            T0 - timedelta(days=5),
            to=("x@autoreplied.example",),
            own_autoreply=True,
        ),
        entry(Direction.RECEIVED, T0 - timedelta(days=3), "bot@robots.example", automatic=True),
        entry(Direction.RECEIVED, T0, "new@fresh.example", message="held-1"),
    ]
    known = Acquaintance.of(history, exclude={"held-1"})
    assert not known.is_new("kim@known.example", T0)  # the domain wrote before
    assert not known.is_new("joe@gmail.com", T0)
    assert known.is_new("sue@gmail.com", T0)  # a free-mail neighbour is a stranger
    assert not known.is_new("pat@written.example", T0)
    assert known.is_new("x@autoreplied.example", T0)  # our auto-reply is no relationship
    assert known.is_new("bot@robots.example", T0)  # newsletters make nobody known
    assert known.is_new("new@fresh.example", T0)  # its own held mail does not count
    assert not known.is_new(None, T0)
    # Mail from them before the hold makes them known; from later (this hold) does not.
    assert not known.is_new("ann@known.example", T0 - timedelta(days=1))
    assert known.is_new("ann@known.example", T0 - timedelta(days=10))
