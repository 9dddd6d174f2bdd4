"""Seeing new mail by polling delta queries on the Inbox and the held folder.

Graph's push notifications need a public HTTPS webhook, which a desktop app does not have
(https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks),
so FocusGuard polls `GET /me/mailFolders/{id}/messages/delta` every
`poll_seconds` (https://learn.microsoft.com/en-us/graph/delta-query-messages):
- the first round pages through the whole folder (`@odata.nextLink`) and ends with an
  `@odata.deltaLink`, which later rounds follow to get only what changed;
- both folders are watched: mail moved by a server rule at delivery lands in the held folder;
- both folders' deltas go in one JSON `$batch` (https://learn.microsoft.com/en-us/graph/json-batching):
  one request per round instead of two, so an idle mailbox costs 240 requests an hour at the
  default 15 s, not 480, with the same freshness for both folders (issue 15). Each member is
  still an Outlook operation of its own: the batch takes one slot of the mailbox's four per
  member (client.py). A folder with more pages than the other goes on alone;
- delta reports updates too (read flags), and moved-out messages as `@removed`: a message is
  new for a folder when it was not there at the last look (a per-folder set of present ids);
- a dead token — `410 Gone`, or "a 40X-series error with error codes such as
  syncStateNotFound" (resyncRequired, syncStateInvalid; errors.delta_expired,
  https://learn.microsoft.com/en-us/graph/delta-query-overview#token-duration) — means start
  over and call `on_resync`, since anything could have arrived meanwhile. `on_resync` also
  runs after the first round, like the EWS watcher after each subscription (the engine lists
  the folders then);
- polling never stops by itself (issue 9: two rejected sign-ins used to stop it for good,
  silently, while the message rule kept filling the held folder). Every failure is retried
  with capped exponential back-off, a rejected sign-in more slowly (`auth_retry_s`), so an
  admin's re-consent or a fixed sign-in is picked up without a restart. A failure that
  survives one retry is reported through `on_health(error)`; the first round that works
  again reports `on_health(None)` and calls `on_resync`.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from focusguard.core.ports import (
    AuthError,
    Folder,
    HealthListener,
    MailError,
    MailItem,
    MailListener,
)
from focusguard.mail.graph.client import GraphClient, SubRequest, SubResponse
from focusguard.mail.graph.errors import DeltaExpired, GraphHTTPError, delta_expired, error_code
from focusguard.mail.graph.items import SELECT, to_item

log = logging.getLogger(__name__)

BACKOFF_START_S = 1.0
BACKOFF_CAP_S = 300.0
AUTH_RETRY_S = 30.0  # the first retry of a rejected sign-in
AUTH_BACKOFF_CAP_S = 900.0
REPORT_AFTER = 2  # failures in a row before the watcher reports itself unhealthy
DELTA_PAGE = "odata.maxpagesize=100"

Describe = Callable[[BaseException], MailError]


def _generic(exc: BaseException) -> MailError:
    if isinstance(exc, MailError):
        return exc
    return MailError(
        "Not watching for new mail",
        f"Polling Microsoft 365 keeps failing ({type(exc).__name__}); FocusGuard keeps trying.",
    )


class DeltaCursor:
    """One folder's delta state: the deltaLink and the ids present at the last look."""

    def __init__(self, client: GraphClient, folder_id: str, folder: Folder) -> None:
        self.client = client
        self.folder_id = folder_id
        self.folder = folder
        self.delta_link: str | None = None
        self.present: set[str] = set()

    def reset(self) -> None:
        self.delta_link = None
        self.present.clear()

    def poll(self) -> list[MailItem]:
        """New messages since the last poll ([] on the first, which only takes stock).
        Raises DeltaExpired when the token is dead."""
        return poll_together([self])

    def _first_url(self) -> str:
        if self.delta_link is not None:
            return self.client.relative(self.delta_link)
        query = urlencode({"$select": SELECT}, safe="$,")
        return f"/me/mailFolders/{self.folder_id}/messages/delta?{query}"


class _Round:
    """One cursor's pages of one round. The cursor changes only when the round completes: a
    round that fails halfway is done again from the old deltaLink and reports all it saw."""

    def __init__(self, cursor: DeltaCursor) -> None:
        self.cursor = cursor
        self.first = cursor.delta_link is None
        self.url: str | None = cursor._first_url()
        self.present = set(cursor.present)
        self.new: list[MailItem] = []
        self.delta_link: str | None = None

    def absorb(self, body: Any) -> None:
        if not isinstance(body, dict):
            raise ValueError("a delta page must be a JSON object")
        for entry in body.get("value", []):
            item_id = str(entry.get("id", ""))
            if not item_id:
                continue
            if "@removed" in entry:
                self.present.discard(item_id)
            elif item_id not in self.present:
                self.present.add(item_id)
                if not self.first:
                    self.new.append(to_item(entry, self.cursor.folder))
        if body.get("@odata.nextLink"):
            self.url = self.cursor.client.relative(str(body["@odata.nextLink"]))
            return
        link = body.get("@odata.deltaLink")
        if not link:
            raise ValueError("a delta round ended without a deltaLink")
        self.url, self.delta_link = None, str(link)

    def commit(self) -> list[MailItem]:
        self.cursor.present = self.present
        self.cursor.delta_link = self.delta_link
        return self.new


def poll_together(cursors: list[DeltaCursor]) -> list[MailItem]:
    """One delta round of every cursor (they share a client), their pages fetched together:
    one `$batch` per page, cursors with more pages going on alone. New messages ([] for a
    cursor's first round, which only takes stock), in cursor order. Raises DeltaExpired when
    a token is dead (every cursor then starts over), GraphHTTPError when a folder's delta
    failed, network errors as they come."""
    if not cursors:
        return []
    client = cursors[0].client
    rounds = [_Round(c) for c in cursors]
    pending = rounds
    while pending:
        subs = [
            SubRequest(str(n), "GET", r.url or "", prefer=(DELTA_PAGE,))
            for n, r in enumerate(pending)
        ]
        answers = client.batch(subs)
        for n, r in enumerate(pending):
            r.absorb(_page(answers.get(str(n))))
        pending = [r for r in pending if r.url is not None]
    return [item for r in rounds for item in r.commit()]


def _page(resp: SubResponse | None) -> Any:
    if resp is None:
        raise GraphHTTPError(500, "MissingResponse", "the batch did not answer a delta member")
    if resp.ok:
        return resp.body
    if delta_expired(resp.status, resp.body):
        raise DeltaExpired(resp.code)
    code, message = error_code(resp.body)
    raise GraphHTTPError(resp.status, code, message)


class Watcher:
    """The polling thread: delta on both folders, then `tick` (rules on/off by the clock)."""

    def __init__(
        self,
        cursors: list[DeltaCursor],
        on_new: MailListener,
        on_resync: Callable[[], object],
        *,
        poll_seconds: float,
        tick: Callable[[], object] | None = None,
        backoff_start: float = BACKOFF_START_S,
        backoff_cap: float = BACKOFF_CAP_S,
        auth_retry_s: float = AUTH_RETRY_S,
        on_health: HealthListener | None = None,
        describe: Describe = _generic,
    ) -> None:
        self.cursors = cursors
        self._on_new = on_new
        self._on_resync = on_resync
        self._tick = tick
        self.poll_seconds = poll_seconds
        self._backoff_start = backoff_start
        self._backoff_cap = backoff_cap
        self._auth_retry = auth_retry_s
        self._on_health = on_health
        self._describe = describe
        self.healthy = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self.resyncs = 0
        self.last_error: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="focusguard-graph-watch", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the mail watcher did not stop within %.0f s", timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        failures = 0
        needs_stock = True
        while not self._stop.is_set():
            try:
                if needs_stock:
                    for cursor in self.cursors:
                        cursor.reset()
                    poll_together(self.cursors)
                    needs_stock = False
                    self.resyncs += 1
                    self._safe(self._on_resync)
                else:
                    self._round()
                if self._tick is not None:
                    self._tick()
                if failures:
                    self._recovered()
                failures = 0
                self.rounds += 1
                self._stop.wait(self.poll_seconds)
            except DeltaExpired:
                log.info("delta token expired (410): full resync")
                needs_stock = True
            except Exception as exc:
                if self._stop.is_set():
                    break
                failures += 1
                error = self._describe(exc)
                self.last_error = error.title
                delay = self._delay(failures, isinstance(error, AuthError))
                log.warning("mail watcher: %s; trying again in %.0f s", error.title, delay)
                if failures >= REPORT_AFTER:
                    self._report(error)
                self._stop.wait(delay)

    def _delay(self, failures: int, auth: bool) -> float:
        if auth:
            # A revoked sign-in is retried too (an admin may re-consent), but slowly.
            start, cap = self._auth_retry, AUTH_BACKOFF_CAP_S
        else:
            start, cap = self._backoff_start, self._backoff_cap
        return float(min(cap, start * 2 ** (failures - 1)) * random.uniform(0.8, 1.0))

    def _recovered(self) -> None:
        if not self.healthy:
            log.info("mail watcher working again")
            self._report(None)
        # Whatever the failures hid (moves out and back, rules switched meanwhile): look.
        self.resyncs += 1
        self._safe(self._on_resync)

    def _report(self, error: MailError | None) -> None:
        self.healthy = error is None
        listener = self._on_health
        if listener is not None:
            try:
                listener(error)
            except Exception:
                log.exception("the health listener failed")

    def _round(self) -> None:
        for item in poll_together(self.cursors):
            if self._stop.is_set():
                return
            try:
                self._on_new(item)
            except Exception:
                log.exception("the new-mail handler failed for one message")

    def _safe(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception:
            log.exception("the resync handler failed")
