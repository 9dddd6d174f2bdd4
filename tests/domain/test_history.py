"""The mailbox history's values: Message-ID parsing, tokens, and thread grouping — checked
against a naive fixpoint scan (merge any two groups with a link until nothing changes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focusguard.domain.history import (
    TOKEN_HEX,
    Direction,
    HistoryEntry,
    conversation_token,
    message_ids,
    message_token,
    parent_tokens,
    threads,
    token,
)

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)


def entry(
    key: str,
    *,
    message: str | None = None,
    parents: tuple[str, ...] = (),
    conversation: str | None = None,
    minutes: int = 0,
) -> HistoryEntry:
    return HistoryEntry(
        key=key,
        direction=Direction.RECEIVED,
        at=T0 + timedelta(minutes=minutes),
        sender="ann@client.example",
        recipients=("me@corp.example",),
        message=message,
        parents=parents,
        conversation=conversation,
    )


@pytest.mark.parametrize(
    ("header", "ids"),
    [
        ("<a@x>", ("<a@x>",)),
        ("  <a@x>   <b@y>\r\n\t<c@z>", ("<a@x>", "<b@y>", "<c@z>")),
        ("<a@x> (a comment) <b@y>", ("<a@x>", "<b@y>")),
        ("a@x", ("<a@x>",)),  # some clients drop the brackets
        ("<a @ x>", ("<a@x>",)),  # folded white space inside the brackets
        ("", ()),
        (None, ()),
        ("no id here", ()),
    ],
)
def test_message_ids(header: str | None, ids: tuple[str, ...]) -> None:
    assert message_ids(header) == ids


def test_tokens_are_short_stable_and_distinct() -> None:
    assert token("<a@x>") == token("<a@x>")
    assert token("<a@x>") != token("<b@x>")
    assert len(token("<a@x>")) == TOKEN_HEX
    assert message_token(" <a@x> ") == message_token("<a@x>") == token("<a@x>")
    assert message_token(None) is None
    assert conversation_token(None) is None
    # A conversation id and a Message-ID with the same text are different tokens.
    assert conversation_token("<a@x>") != message_token("<a@x>")


def test_parent_tokens_name_each_id_once_references_first() -> None:
    tokens = parent_tokens("<b@x>", "<a@x> <b@x>")
    assert tokens == (token("<a@x>"), token("<b@x>"))


def test_a_reply_joins_its_parent_by_references_and_by_conversation() -> None:
    a = entry("a", message="m1")
    b = entry("b", message="m2", parents=("m1",))  # In-Reply-To
    c = entry("c", message="m3", conversation="c1")
    d = entry("d", message="m4", conversation="c1")  # same server conversation only
    e = entry("e", message="m5")
    groups = threads([a, b, c, d, e])
    assert groups[0] == groups[1]
    assert groups[2] == groups[3]
    assert len({groups[0], groups[2], groups[4]}) == 3


def test_two_replies_to_one_message_that_is_not_in_the_history_share_a_thread() -> None:
    # The original was pruned (or is in another folder): its id still links the replies.
    groups = threads([entry("a", message="m2", parents=("m1",)), entry("b", parents=("m1",))])
    assert groups[0] == groups[1]


def test_links_are_transitive_across_kinds() -> None:
    # a -(reference)- b -(conversation)- c: one thread, as Graph's Sent Items need (no
    # headers there, only conversationId).
    a = entry("a", message="m1")
    b = entry("b", message="m2", parents=("m1",), conversation="c9")
    c = entry("c", conversation="c9")
    groups = threads([c, a, b])
    assert len(set(groups)) == 1


# -- against a naive scan ---------------------------------------------------------------------


def naive_threads(entries: list[HistoryEntry]) -> list[frozenset[str]]:
    """Groups of keys: start with one group per entry, merge any two groups in which some
    pair is linked, until a pass merges nothing."""

    def linked(x: HistoryEntry, y: HistoryEntry) -> bool:
        if x.conversation is not None and x.conversation == y.conversation:
            return True
        if x.message is not None and (x.message in y.parents or x.message == y.message):
            return True
        if y.message is not None and y.message in x.parents:
            return True
        return bool(set(x.parents) & set(y.parents))

    groups = [[e] for e in entries]
    changed = True
    while changed:
        changed = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if any(linked(x, y) for x in groups[i] for y in groups[j]):
                    groups[i].extend(groups.pop(j))
                    changed = True
                    break
            if changed:
                break
    return sorted((frozenset(e.key for e in g) for g in groups), key=sorted)


ids = st.sampled_from([f"m{n}" for n in range(8)])


@st.composite
def histories(draw: st.DrawFn) -> list[HistoryEntry]:
    count = draw(st.integers(0, 14))
    out = []
    for n in range(count):
        out.append(
            entry(
                f"k{n}",
                message=draw(st.none() | ids),
                parents=tuple(draw(st.lists(ids, max_size=3, unique=True))),
                conversation=draw(st.none() | st.sampled_from(["c0", "c1", "c2"])),
                minutes=n,
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(histories())
def test_threads_match_a_naive_scan(entries: list[HistoryEntry]) -> None:
    numbers = threads(entries)
    grouped: dict[int, set[str]] = {}
    for e, n in zip(entries, numbers, strict=True):
        grouped.setdefault(n, set()).add(e.key)
    assert sorted((frozenset(g) for g in grouped.values()), key=sorted) == naive_threads(entries)


def test_an_entry_needs_an_aware_time_and_a_key() -> None:
    with pytest.raises(ValueError, match="aware"):
        HistoryEntry("k", Direction.SENT, datetime(2026, 1, 1), None, (), None, (), None)
    with pytest.raises(ValueError, match="key"):
        HistoryEntry("", Direction.SENT, T0, None, (), None, (), None)
