"""Watching the Inbox and the held folder for new mail, on a background thread.

One subscription covers both folders: mail moved by a server rule at delivery lands in the
held folder, so an Inbox-only subscription would never see it. Events are routed
by their parent folder id.

Streaming is a doorbell, not a ledger: Exchange does not replay what happened while the
connection was down (maintainer, https://github.com/ecederstrand/exchangelib/issues/1153). So
after every (re)subscription `on_resync` runs, and the engine lists both folders.

Failure handling:
- a cut stream surfaces as a raw `requests` ChunkedEncodingError/ConnectionError/ReadTimeout
  (not retried by exchangelib, issue #719), an expired subscription as
  ErrorInvalidSubscription: re-subscribe after a capped exponential back-off, then resync;
- after `MAX_STREAM_FAILURES` failures in a row streaming is given up for pull
  (Subscribe/GetEvents every `poll_seconds`), e.g. behind proxies that buffer chunked replies;
- the watcher never stops by itself (issue 9: it used to stop for good on a rejected
  password, silently, while the server rule kept filling the held folder). A rejected sign-in
  is retried too, but slowly (`auth_retry_s`, doubling to `AUTH_BACKOFF_CAP_S`): each try of
  a wrong password counts towards the directory's account lockout. Before each such retry
  `on_auth_failure` may pick up a password the user has saved meanwhile;
- a failure that survives one retry is reported through `on_health(error)`; the first
  subscription that works again reports `on_health(None)` and resyncs.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from exchangelib.errors import UnauthorizedError
from exchangelib.folders import FolderCollection
from exchangelib.properties import CreatedEvent, MovedEvent, NewMailEvent

from focusguard.core.ports import (
    AuthError,
    Folder,
    HealthListener,
    MailError,
    MailItem,
    MailListener,
)

log = logging.getLogger(__name__)

EVENT_TYPES = ["NewMailEvent", "CreatedEvent", "MovedEvent"]
STREAM_MINUTES = 29  # Exchange's maximum ConnectionTimeout is 30 minutes
PULL_TIMEOUT_MINUTES = 10  # a pull subscription dies if not polled this long
MAX_STREAM_FAILURES = 3
BACKOFF_START_S = 1.0
BACKOFF_CAP_S = 60.0
AUTH_RETRY_S = 30.0  # the first retry of a rejected sign-in
AUTH_BACKOFF_CAP_S = 900.0
REPORT_AFTER = 2  # failures in a row before the watcher reports itself unhealthy
_SEEN_MAX = 2000
# Ids of FocusGuard's own moves still expected to raise an event. A release larger than this
# only costs the oldest ones a fetch, as before issue 15.
_OURS_MAX = 20_000
# The longest the watcher holds off reading events while FocusGuard moves mail (`quiet`).
QUIET_MAX_S = 120.0
# After a bulk move (a release) the watcher holds off a moment longer, so the engine writes the
# ledger and reports the release before the watcher parses the flood of events it raised.
BULK_MOVE = 100
QUIET_GRACE_S = 0.25

Fetch = Callable[[Sequence[tuple[str, str | None]]], list[MailItem]]
Describe = Callable[[BaseException], MailError]


def _generic(exc: BaseException) -> MailError:
    if isinstance(exc, MailError):
        return exc
    return MailError(
        "Not watching for new mail",
        f"The connection to Exchange keeps failing ({type(exc).__name__}); FocusGuard keeps "
        "trying.",
    )


class _Seen:
    """Recently handled item ids: one delivery raises CreatedEvent *and* NewMailEvent."""

    def __init__(self, limit: int = _SEEN_MAX) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()  # the watcher thread and the engine's moves both add

    def add(self, item_id: str) -> bool:
        with self._lock:
            if item_id in self._ids:
                return False
            self._ids[item_id] = None
            while len(self._ids) > self._limit:
                self._ids.popitem(last=False)
            return True

    def take(self, item_id: str) -> bool:
        """Whether `item_id` was added (and is now forgotten)."""
        with self._lock:
            return self._ids.pop(item_id, 0) is None


class Watcher:
    def __init__(
        self,
        account: Any,
        folders: Mapping[str, tuple[Any, Folder]],  # folder id -> (exchangelib folder, which)
        fetch: Fetch,
        on_new: MailListener,
        on_resync: Callable[[], object],
        *,
        pull: bool = False,
        poll_seconds: float = 15.0,
        stream_minutes: int = STREAM_MINUTES,
        backoff_start: float = BACKOFF_START_S,
        backoff_cap: float = BACKOFF_CAP_S,
        auth_retry_s: float = AUTH_RETRY_S,
        on_health: HealthListener | None = None,
        describe: Describe = _generic,
        on_auth_failure: Callable[[], object] | None = None,
    ) -> None:
        self._account = account
        self._folders = dict(folders)
        self._fetch = fetch
        self._on_new = on_new
        self._on_resync = on_resync
        self.pull = pull
        self._poll = poll_seconds
        self._stream_minutes = stream_minutes
        self._backoff_start = backoff_start
        self._backoff_cap = backoff_cap
        self._auth_retry = auth_retry_s
        self._on_health = on_health
        self._describe = describe
        self._on_auth_failure = on_auth_failure
        self._failing = 0  # failures since watching last worked
        self.healthy = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sid: str | None = None
        self._sid_lock = threading.Lock()
        self._seen = _Seen()
        self._ours = _Seen(_OURS_MAX)  # ids FocusGuard is moving away (MovedEvent OldItemId)
        self.skipped_own = 0  # MovedEvents of FocusGuard's own moves (tests, the benchmark)
        self._quiet = 0  # moves in progress (`quiet`)
        self._quiet_lock = threading.Lock()
        self._loud = threading.Event()  # set while no move is in progress
        self._loud.set()
        self._quiet_until = 0.0  # time.monotonic() until which a bulk move's grace lasts
        self.reconnects = 0
        self.last_error: str | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def ignore(self, item_ids: Iterable[str]) -> None:
        """Item ids whose events need no fetch (they came from our own moves)."""
        for item_id in item_ids:
            self._seen.add(item_id)

    def expect_moves(self, item_ids: Iterable[str]) -> None:
        """Ids FocusGuard is about to move, registered before the MoveItem requests go out:
        the MovedEvents they raise (OldItemId = one of these) are FocusGuard's own, and the
        engine learns the new ids from the move's answer, so they are neither fetched again
        (one GetItem per 100 moved, issue 15) nor handed to the engine as new mail. Being
        told after the move returned was too late: the events arrive while it runs."""
        for item_id in item_ids:
            self._ours.add(item_id)

    def forget_moves(self, item_ids: Iterable[str]) -> None:
        """Registered ids that did not move after all: a later move of one of them (by the
        user) is not FocusGuard's."""
        for item_id in item_ids:
            self._ours.take(item_id)

    @contextmanager
    def quiet(self, count: int = 1) -> Iterator[None]:
        """While FocusGuard moves mail: read no further events until the move is done.
        Moving 1,000 messages raises 1,000 MovedEvents, and exchangelib parsing them on this
        thread while the move's own answers are parsed on the engine's made the release
        twice as slow (issue 15). Nothing is lost: the events wait in the stream (or on the
        server, for pull) and are read afterwards, those of the move skipped unfetched
        (`expect_moves`). A bulk move of `count` >= BULK_MOVE messages adds QUIET_GRACE_S
        after it; holding off is capped at QUIET_MAX_S in all."""
        with self._quiet_lock:
            self._quiet += 1
            self._loud.clear()
        try:
            yield
        finally:
            with self._quiet_lock:
                self._quiet -= 1
                if count >= BULK_MOVE:
                    self._quiet_until = time.monotonic() + QUIET_GRACE_S
                if self._quiet == 0:
                    self._loud.set()

    def _wait_while_quiet(self) -> None:
        deadline = time.monotonic() + QUIET_MAX_S
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= deadline:
                return
            if not self._loud.is_set():
                self._loud.wait(min(deadline - now, 0.5))
            elif self._quiet_until > now:
                self._stop.wait(min(self._quiet_until, deadline) - now)
            else:
                return

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="focusguard-ews-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Unsubscribe (which ends a running stream on the server) and join the thread."""
        self._stop.set()
        self._unsubscribe()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the mail watcher did not stop within %.0f s", timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _collection(self) -> FolderCollection:
        return FolderCollection(
            account=self._account, folders=[f for f, _ in self._folders.values()]
        )

    def _unsubscribe(self) -> None:
        with self._sid_lock:
            sid, self._sid = self._sid, None
        if sid is None:
            return
        try:
            self._collection().unsubscribe(sid)
        except Exception as exc:  # best effort: the subscription also expires by itself
            log.debug("unsubscribe failed: %s", type(exc).__name__)

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        failures = 0  # stream failures: after MAX_STREAM_FAILURES, poll instead
        while not self._stop.is_set():
            try:
                if self.pull:
                    self._run_pull()
                else:
                    self._run_streaming()
                failures = 0
            except Exception as exc:
                if self._stop.is_set():
                    break
                self._failing += 1
                auth = isinstance(exc, AuthError | UnauthorizedError)
                if not auth:
                    failures += 1
                self.last_error = type(exc).__name__
                # A stream that subscribes fine but keeps dropping still backs off.
                delay = self._backoff(self._failing if auth else max(self._failing, failures), auth)
                error = self._describe(exc)
                log.warning(
                    "mail watcher: %s (%s); trying again in %.0f s",
                    error.title,
                    type(exc).__name__,
                    delay,
                )
                if self._failing >= REPORT_AFTER:
                    self._report(error)
                if not auth and not self.pull and failures >= MAX_STREAM_FAILURES:
                    log.warning(
                        "streaming failed %d times in a row: switching to polling", failures
                    )
                    self.pull = True
                self._unsubscribe()
                self._stop.wait(delay)
                if auth and self._on_auth_failure is not None and not self._stop.is_set():
                    self._guard(self._on_auth_failure, "reloading the password")
            if not self._stop.is_set():
                self.reconnects += 1

    def _backoff(self, failures: int, auth: bool = False) -> float:
        if auth:
            start, cap = self._auth_retry, AUTH_BACKOFF_CAP_S
        else:
            start, cap = self._backoff_start, self._backoff_cap
        delay = min(cap, start * 2 ** (failures - 1))
        return float(delay * random.uniform(0.8, 1.0))

    def _report(self, error: MailError | None) -> None:
        self.healthy = error is None
        listener = self._on_health
        if listener is not None:
            self._guard(lambda: listener(error), "the health listener")

    def _subscribed(self, sid: str) -> None:
        with self._sid_lock:
            self._sid = sid
        if self._failing:
            if not self.healthy:
                log.info("mail watcher working again")
                self._report(None)
            self._failing = 0
        # Anything that arrived before this subscription existed is found by a resync.
        self._safe_resync()

    def _run_streaming(self) -> None:
        sid = self._collection().subscribe_to_streaming(event_types=EVENT_TYPES)
        self._subscribed(sid)
        doorbell = next(iter(self._folders.values()))[0]
        while not self._stop.is_set():
            # Ends normally (ConnectionStatus Closed) after stream_minutes, or when stop()
            # unsubscribes; the same subscription is then used again.
            for notification in doorbell.get_streaming_events(
                sid, connection_timeout=self._stream_minutes
            ):
                self._handle(notification.events)
                if self._stop.is_set():
                    return
                self._wait_while_quiet()

    def _run_pull(self) -> None:
        sid, watermark = self._collection().subscribe_to_pull(
            event_types=EVENT_TYPES, timeout=PULL_TIMEOUT_MINUTES
        )
        self._subscribed(sid)
        doorbell = next(iter(self._folders.values()))[0]
        while not self._stop.is_set():
            self._wait_while_quiet()
            for notification in doorbell.get_events(sid, watermark):
                for event in notification.events:
                    if getattr(event, "watermark", None):
                        watermark = event.watermark
                self._handle(notification.events)
            self._stop.wait(self._poll)

    # -- events ----------------------------------------------------------------------------
    def _handle(self, events: Iterable[Any]) -> None:
        wanted: list[tuple[str, str | None]] = []
        for event in events:
            if not isinstance(event, NewMailEvent | CreatedEvent | MovedEvent):
                continue
            item_id = getattr(event, "item_id", None)
            parent = getattr(event, "parent_folder_id", None)
            if item_id is None or parent is None or parent.id not in self._folders:
                continue
            old = getattr(event, "old_item_id", None) if isinstance(event, MovedEvent) else None
            if old is not None and self._ours.take(old.id):
                self._seen.add(item_id.id)  # a CreatedEvent for the new id is ours too
                self.skipped_own += 1
                continue
            if self._seen.add(item_id.id):
                wanted.append((item_id.id, item_id.changekey))
        if not wanted:
            return
        for item in self._fetch(wanted):
            try:
                self._on_new(item)
            except Exception:
                log.exception("the new-mail handler failed for one message")

    def _safe_resync(self) -> None:
        self._guard(self._on_resync, "the resync handler")

    @staticmethod
    def _guard(fn: Callable[[], object], what: str) -> None:
        try:
            fn()
        except Exception:
            log.exception("%s failed", what)
