"""Reading the mailbox's history into the store (core/history_sync.py): paged, resumable,
new mail only the next time, ties beyond a page, mail moving during the read, progress.
The source is the in-memory mailbox (the fake twin); the store is the real SQLite one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from focusguard.core.history_sync import (
    HistoryProgress,
    entry_key,
    sync_history,
    to_entry,
)
from focusguard.core.ports import Folder, HistoryFolder, HistoryItem, HistoryPage, MailError
from focusguard.domain.history import Direction, message_token, parent_tokens
from focusguard.domain.senders import Address
from focusguard.mail.memory import MemoryMailbox
from focusguard.store import Store

T0 = datetime(2026, 4, 1, 8, tzinfo=UTC)
MIN = timedelta(minutes=1)
OWN = Address("me", "corp.example")


def item(folder: HistoryFolder, n: int, at: datetime, **kw: object) -> HistoryItem:
    fields: dict[str, object] = {
        "folder": folder,
        "item_id": f"id-{folder.value}-{n}",
        "message_id": f"<{folder.value}.{n}@client.example>",
        "sender": "" if folder is HistoryFolder.SENT else f"Ann <ann{n % 3}@client.example>",
        "recipients": ("Me <me@corp.example>",),
        "position": at,
        "at": at,
    }
    fields.update(kw)
    return HistoryItem(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open(":memory:")
    yield s
    s.close()


def mailbox_with(count: int, start: datetime = T0) -> MemoryMailbox:
    box = MemoryMailbox()
    for n in range(count):
        folder = (HistoryFolder.INBOX, HistoryFolder.SENT, HistoryFolder.HELD)[n % 3]
        box.add_history(item(folder, n, start + n * MIN))
    return box


class Counting:
    """A source that counts page requests and can fail on the n-th (a network drop)."""

    def __init__(self, inner: MemoryMailbox, fail_at: int | None = None) -> None:
        self.inner = inner
        self.calls = 0
        self.fail_at = fail_at

    def history_page(
        self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
    ) -> HistoryPage:
        self.calls += 1
        if self.fail_at is not None and self.calls == self.fail_at:
            raise MailError("Network gone", "The server could not be reached.")
        return self.inner.history_page(folder, since, until, limit)


def keys(store: Store) -> list[str]:
    return sorted(e.key for e in store.history(T0 - timedelta(days=30), T0 + timedelta(days=30)))


def test_reads_every_folder_in_pages_with_progress(store: Store) -> None:
    box = mailbox_with(95)
    seen: list[HistoryProgress] = []
    result = sync_history(
        box, store, since=T0, until=T0 + timedelta(hours=3), own=OWN, page_size=10,
        on_progress=seen.append,
    )  # fmt: skip
    assert result.read == 95
    assert result.pages >= 10  # 32 + 32 + 31 messages in pages of 10
    assert len(keys(store)) == 95
    shares = [p.done for p in seen]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert [p.read for p in seen] == sorted(p.read for p in seen)
    sent = [e for e in store.history(T0, T0 + timedelta(hours=3)) if e.direction is Direction.SENT]
    assert len(sent) == 32 and all(e.sender is None for e in sent)


def test_a_second_read_fetches_only_what_is_new(store: Store) -> None:
    box = mailbox_with(30)
    until = T0 + timedelta(hours=1)
    sync_history(box, store, since=T0, until=until, own=OWN, page_size=50)
    box.add_history(item(HistoryFolder.INBOX, 999, until + 10 * MIN))
    counting = Counting(box)
    again = sync_history(counting, store, since=T0, until=until + timedelta(hours=1), own=OWN)
    # One page per folder, from a little before the last read's end (the overlap).
    assert counting.calls == 3
    assert again.read == 1
    assert len(keys(store)) == 31


def test_an_interrupted_read_continues_where_it_stopped(store: Store) -> None:
    box = mailbox_with(120)
    until = T0 + timedelta(hours=3)
    with Store.open(":memory:") as whole:
        sync_history(box, whole, since=T0, until=until, own=OWN, page_size=7)
        expected = keys(whole)
    flaky = Counting(box, fail_at=5)
    with pytest.raises(MailError):
        sync_history(flaky, store, since=T0, until=until, own=OWN, page_size=7)
    partial = keys(store)
    assert 0 < len(partial) < 120
    resumed = Counting(box)
    result = sync_history(resumed, store, since=T0, until=until, own=OWN, page_size=7)
    assert keys(store) == expected
    assert result.read == 120 - len(partial)  # nothing read twice, nothing skipped


def test_more_messages_at_one_second_than_a_page(store: Store) -> None:
    box = MemoryMailbox()
    for n in range(250):  # a mailing-list burst, all stamped the same second
        box.add_history(item(HistoryFolder.INBOX, n, T0))
    box.add_history(item(HistoryFolder.INBOX, 999, T0 + MIN))
    result = sync_history(
        box, store, since=T0, until=T0 + timedelta(hours=1), own=OWN, page_size=100
    )
    assert result.read == 251
    assert len(keys(store)) == 251


def test_mail_released_during_the_read_is_not_lost(store: Store) -> None:
    """FocusGuard releases held mail while the history is read: the held folder is read
    first, so a message that leaves it is met again in the Inbox, later."""
    box = MemoryMailbox()
    for n in range(20):
        box.add_history(item(HistoryFolder.HELD, n, T0 + n * MIN))

    class Releasing(Counting):
        def history_page(
            self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
        ) -> HistoryPage:
            page = super().history_page(folder, since, until, limit)
            if folder is HistoryFolder.HELD and self.calls == 1:
                # After the first page of the held folder: the rest is released.
                for i, it in enumerate(self.inner.history):
                    if it.folder is HistoryFolder.HELD and it.position >= T0 + 10 * MIN:
                        self.inner.history[i] = HistoryItem(
                            HistoryFolder.INBOX, it.item_id + "-moved", it.message_id, it.sender,
                            it.recipients, it.position, it.at,
                        )  # fmt: skip
            return page

    sync_history(
        Releasing(box), store, since=T0, until=T0 + timedelta(hours=1), own=OWN, page_size=10
    )
    entries = store.history(T0, T0 + timedelta(hours=1))
    assert len(entries) == 20
    assert sum(e.held for e in entries) == 10  # read as held before the release


def test_a_longer_window_reads_only_the_older_part(store: Store) -> None:
    box = mailbox_with(60, start=T0 - timedelta(minutes=30))
    until = T0 + timedelta(hours=1)
    sync_history(box, store, since=T0, until=until, own=OWN)
    counting = Counting(box)
    sync_history(counting, store, since=T0 - timedelta(hours=1), until=until, own=OWN)
    assert len(keys(store)) == 60
    # Per folder one page, of the older part: the rest was read up to `until` already.
    assert counting.calls == 3
    inbox = store.history_state(HistoryFolder.INBOX)
    assert (inbox.lo, inbox.hi, inbox.segment) == (T0 - timedelta(hours=1), until, None)


def test_a_server_that_repeats_itself_is_an_error_not_a_hang(store: Store) -> None:
    stuck = item(HistoryFolder.INBOX, 1, T0)

    class Stuck:
        def history_page(self, *args: object) -> HistoryPage:
            return HistoryPage((stuck,), True)

    with pytest.raises(MailError, match="no progress"):
        sync_history(Stuck(), store, since=T0, until=T0 + timedelta(hours=1), own=OWN)


def test_until_before_since_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        sync_history(MemoryMailbox(), store, since=T0, until=T0 - MIN, own=OWN)


# -- what an item becomes ------------------------------------------------------------------


def test_flags_tokens_and_addresses() -> None:
    newsletter = item(HistoryFolder.INBOX, 1, T0, headers={"List-Id": "<news.x>"})
    careful = item(HistoryFolder.INBOX, 2, T0, headers={"X-Auto-Response-Suppress": "All"})
    robot = item(HistoryFolder.HELD, 3, T0, sender="<noreply@x.example>")
    mine = item(HistoryFolder.INBOX, 4, T0, sender="Me <me@corp.example>")
    reply = item(
        HistoryFolder.SENT,
        5,
        T0,
        recipients=("Ann <ANN@Client.example>", "ann@client.example", "bad address"),
        in_reply_to="<inbox.1@client.example>",
        references="<root@x> <inbox.1@client.example>",
        conversation_id="AAQkAG==",
        own_autoreply=True,
    )
    e = to_entry(newsletter, OWN)
    assert (e.automatic, e.no_autoreply, e.held) == (True, True, False)
    e = to_entry(careful, OWN)
    assert (e.automatic, e.no_autoreply) == (False, True)  # a person who wants no auto-reply
    e = to_entry(robot, OWN)
    assert (e.automatic, e.no_autoreply, e.held) == (True, True, True)
    e = to_entry(mine, OWN)
    assert (e.automatic, e.no_autoreply) == (False, True)  # from this mailbox: no reply
    e = to_entry(reply, OWN)
    assert e.direction is Direction.SENT and e.own_autoreply and e.sender is None
    assert e.recipients == ("ann@client.example",)
    assert e.message == message_token("<sent.5@client.example>")
    assert e.parents == parent_tokens(
        "<inbox.1@client.example>", "<root@x> <inbox.1@client.example>"
    )
    assert e.conversation is not None and "AAQk" not in e.conversation  # a token, not the id


def test_a_message_read_in_two_folders_is_one_entry() -> None:
    held = item(HistoryFolder.HELD, 1, T0, item_id="a", message_id="<x@y>")
    released = item(HistoryFolder.INBOX, 1, T0, item_id="b", message_id="<x@y>")
    assert entry_key(held) == entry_key(released)
    # ... but a duplicate Message-ID at another time is another message.
    assert entry_key(item(HistoryFolder.INBOX, 1, T0 + MIN, message_id="<x@y>")) != entry_key(held)
    # Without a Message-ID the server's id is all there is.
    assert entry_key(item(HistoryFolder.INBOX, 1, T0, message_id=None)) != entry_key(
        item(HistoryFolder.INBOX, 2, T0, message_id=None)
    )


def test_the_memory_twin_serves_its_folders_as_history(store: Store) -> None:
    box = MemoryMailbox()
    box.deliver(
        "<a@x>", "Ann <ann@client.example>", "hi", T0, {"List-Id": "x"}, ("me@corp.example",)
    )
    held = box.deliver("<b@x>", "Bob <bob@client.example>", "hi", T0 + MIN)
    box.move([held], Folder.HELD)
    box.add_history(item(HistoryFolder.SENT, 1, T0 + 2 * MIN, in_reply_to="<a@x>"))
    page = box.history_page(HistoryFolder.INBOX, T0, T0 + MIN, 10)
    assert [i.message_id for i in page.items] == ["<a@x>"] and not page.more
    sync_history(box, store, since=T0, until=T0 + timedelta(hours=1), own=OWN)
    entries = {e.message: e for e in store.history(T0, T0 + timedelta(hours=1))}
    assert entries[message_token("<a@x>")].automatic
    assert entries[message_token("<b@x>")].held
    assert entries[message_token("<sent.1@client.example>")].parents == parent_tokens("<a@x>", None)
