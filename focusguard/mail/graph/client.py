"""HTTP to Microsoft Graph: bearer tokens, immutable ids, at most 4 Outlook operations at once
per mailbox, throttling and transient errors retried, JSON `$batch` of at most 20.

Limits this module exists for (platform-facts §5.2,
https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits):
- Outlook runs at most 4 concurrent requests per app and mailbox, and counts the members of a
  batch: Graph runs up to 4 members of an unordered batch in parallel. One budget of 4 slots
  (slots.py) covers everything this backend sends (watcher, engine): a request takes one, an
  unordered batch as many as it may run at once, and batches go one at a time — the first of
  the two documented patterns ("up to 4 individual requests in a single batch request running
  concurrently"). The other, `dependsOn` chains, would turn one failed member into 424s for the
  rest of its chain;
- 429 carries Retry-After: wait exactly that long (also per sub-response of a batch:
  https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching); a throttled
  request was not carried out, so any request is sent again;
- 503/504 are retried with a capped exponential back-off only for requests that are safe to
  repeat (GET, PATCH of fixed values, DELETE, and POSTs a caller marks idempotent). After a
  503/504 a POST such as createReply, send or move may have been carried out
  (errors.outcome_unknown): it is not sent again blindly; its caller looks at the mailbox
  first (reply.py, items.py, rules.py, folders.py);
- a batch holds at most 20 requests (https://learn.microsoft.com/en-us/graph/json-batching).
Every request carries `Prefer: IdType="ImmutableId"` so ids survive moves
(https://learn.microsoft.com/en-us/graph/outlook-immutable-id).
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from focusguard.core.ports import AuthError, MailError
from focusguard.mail.graph.errors import (
    OUTCOME_UNKNOWN_STATUSES,
    DeltaExpired,
    GraphHTTPError,
    delta_expired,
    error_code,
    outcome_unknown,
)
from focusguard.mail.graph.slots import OperationSlots
from focusguard.mail.graph.tokens import TokenProvider

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
IMMUTABLE_IDS = 'IdType="ImmutableId"'
MAX_CONCURRENCY = 4
MAX_BATCH = 20
MAX_ATTEMPTS = 6
MAX_WAIT_S = 120.0  # a Retry-After longer than this becomes "busy, try later"
BACKOFF_START_S = 0.5
BACKOFF_CAP_S = 8.0
TIMEOUT_S = 30.0
RETRY_STATUSES = (429, 503, 504)


@dataclass(frozen=True, slots=True)
class SubRequest:
    id: str
    method: str
    url: str  # relative to the version root, e.g. "/me/messages/{id}/move"
    body: Any = None
    prefer: tuple[str, ...] = ()  # Prefer values besides immutable ids (odata.maxpagesize=…)

    @property
    def idempotent(self) -> bool:
        return safe_to_repeat(self.method)


def safe_to_repeat(method: str) -> bool:
    """Whether a request may be sent again after a 503/504 without looking first: reading,
    setting fixed values and deleting may; a POST (create, send, move) may not."""
    return method.upper() != "POST"


NOT_SENT = "NotSent"  # the code of a member that never left (an earlier batch lost the network)


@dataclass(frozen=True, slots=True)
class SubResponse:
    status: int  # 0: no HTTP answer
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        return error_code(self.body)[0]

    @property
    def outcome_unknown(self) -> bool:
        """It failed, but may have been carried out: look before sending it again."""
        if self.status == 0:
            return self.code != NOT_SENT
        return self.status in OUTCOME_UNKNOWN_STATUSES


def odata_string(text: str) -> str:
    """A string literal for `$filter`: quoted, single quotes doubled (OData)."""
    return "'" + text.replace("'", "''") + "'"


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class GraphClient:
    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider,
        *,
        max_concurrency: int = MAX_CONCURRENCY,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_WAIT_S,
        backoff_start: float = BACKOFF_START_S,
        backoff_cap: float = BACKOFF_CAP_S,
        timeout: float = TIMEOUT_S,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.max_concurrency = max_concurrency
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.backoff_start = backoff_start
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self._session = session or requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(max_concurrency * 2, 10))
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self.slots = OperationSlots(max_concurrency)
        self._closed = threading.Event()
        self._count_lock = threading.Lock()
        self.requests = 0  # HTTP requests sent (for the log, tests and the benchmark)
        self.throttled = 0  # 429s seen, top-level and in batches

    def close(self) -> None:
        self._closed.set()
        self._session.close()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._closed.wait(seconds)

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap, self.backoff_start * 2**attempt)
        return float(delay * random.uniform(0.8, 1.0))

    def relative(self, link: str) -> str:
        """A link the server sent (`@odata.nextLink`, `@odata.deltaLink`) as the relative URL a
        `$batch` member needs ("the relative resource URL the individual request would
        typically send", https://learn.microsoft.com/en-us/graph/json-batching). Only links
        to our own Graph endpoint are followed, as in `request`."""
        if not link.startswith(("http://", "https://")):
            return link
        return "/" + self._url(link)[len(self.base_url) + 1 :]

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            # nextLink/deltaLink come from the server; a token is sent only to our own host.
            if not path.startswith(self.base_url + "/"):
                raise MailError(
                    "Unexpected answer from Microsoft 365",
                    "Microsoft 365 sent a link to another server; FocusGuard did not follow it.",
                    retryable=False,
                )
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    # ---- one request ----------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        prefer: Sequence[str] = (),
        operations: int = 1,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request; returns the parsed JSON body (None when empty). `operations` is
        how many Outlook operations it runs at once (an unordered batch: up to 4);
        `idempotent` says whether a 503/504 may be answered by sending it again (default: any
        method but POST).

        Raises GraphHTTPError (non-2xx after retries), DeltaExpired (410, or a 40X whose error
        code says the delta token is dead), AuthError (401
        twice: once more with a refreshed token), requests exceptions (network)."""
        url = self._url(path)
        headers = {"Prefer": ", ".join([IMMUTABLE_IDS, *prefer]), "Accept": "application/json"}
        repeatable = safe_to_repeat(method) if idempotent is None else idempotent
        repeated = False  # sent again after an answer that left its outcome unknown
        rejected_once = False
        for attempt in range(self.max_attempts):
            token = self.tokens.token()
            headers["Authorization"] = f"Bearer {token}"
            with self.slots.hold(operations):
                with self._count_lock:
                    self.requests += 1
                resp = self._session.request(
                    method, url, params=params, json=json, headers=headers, timeout=self.timeout
                )
            # The path only: query strings can carry delta tokens, headers the bearer token.
            log.debug("%s %s -> %s", method, url.split("?")[0], resp.status_code)
            status = resp.status_code
            if status < 300:
                return resp.json() if resp.content else None
            body = _json_or_none(resp)
            code, message = error_code(body)
            if status == 401:
                if rejected_once:
                    raise GraphHTTPError(401, code, message)
                # An expired or revoked access token: refresh once (msal), then give up.
                rejected_once = True
                self.tokens.invalidate(token)
                continue
            if delta_expired(status, body):
                raise DeltaExpired(code)
            if status == 404 and repeated and method.upper() == "DELETE":
                return None  # the first attempt deleted it after all
            if status in OUTCOME_UNKNOWN_STATUSES and not repeatable:
                # Carried out or not? Only the caller can look; sending it again could make
                # a second draft, a second reply, a second rule.
                raise GraphHTTPError(
                    status, code, message, retry_after(resp.headers.get("Retry-After"))
                )
            if status in RETRY_STATUSES:
                wait = retry_after(resp.headers.get("Retry-After"))
                if status == 429:
                    with self._count_lock:
                        self.throttled += 1
                if wait is None:
                    wait = self._backoff(attempt)
                if attempt + 1 < self.max_attempts and wait <= self.max_wait:
                    log.info("Graph answered %s; retrying in %.1f s", status, wait)
                    self._sleep(wait)
                    repeated = repeated or status != 429
                    continue
                raise GraphHTTPError(status, code, message, wait)
            raise GraphHTTPError(status, code, message)
        raise GraphHTTPError(429, "TooManyRetries", "gave up after retries")

    def pages(
        self, path: str, *, params: Mapping[str, str] | None = None, prefer: Sequence[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every page of a collection, following `@odata.nextLink`."""
        url: str | None = path
        first = True
        while url:
            body = self.request("GET", url, params=params if first else None, prefer=prefer)
            first = False
            if not isinstance(body, dict):
                raise ValueError("a collection page must be a JSON object")
            yield body
            url = body.get("@odata.nextLink")

    # ---- $batch ---------------------------------------------------------------------------
    def batch(self, subs: Sequence[SubRequest]) -> dict[str, SubResponse]:
        """Run `subs` in `$batch` requests of at most 20, one batch at a time (each may run up
        to `max_concurrency` of its members at once).

        Members answered 429, and 503/504 for members safe to repeat, are sent again (in new
        batches) after the longest Retry-After among them, and a 401 member once with a
        refreshed token; what still fails after `max_attempts` rounds is returned as it is. A
        503/504 of a POST member is returned for the caller to look at the mailbox
        (`SubResponse.outcome_unknown`). A batch request that fails as a whole gives its
        members that status (0 without an HTTP answer); after a failure without an answer the
        rest are not sent (`NOT_SENT`). When nothing at all succeeded the error is raised —
        unless the caller has to look first.
        """
        pending = {s.id: s for s in subs}
        results: dict[str, SubResponse] = {}
        last_error: BaseException | None = None
        reauthenticated: set[str] = set()  # members already sent again after a 401
        for attempt in range(self.max_attempts):
            wait = 0.0
            retry: dict[str, SubRequest] = {}
            rejected = False
            chunks = _chunks(list(pending.values()), MAX_BATCH)
            for index, chunk in enumerate(chunks):
                outcome = self._send_batch_safe(chunk)
                if isinstance(outcome, AuthError):
                    raise outcome
                if isinstance(outcome, BaseException):
                    last_error = outcome
                    status = outcome.status if isinstance(outcome, GraphHTTPError) else 0
                    for sub in chunk:
                        results[sub.id] = _failure(status, type(outcome).__name__, outcome)
                    if status == 0:  # no answer at all: the network is gone for now
                        for later in chunks[index + 1 :]:
                            for sub in later:
                                results[sub.id] = _failure(0, NOT_SENT, outcome)
                        break
                    continue
                for sub in chunk:
                    resp = outcome.get(sub.id) or SubResponse(
                        500, {"error": {"code": "MissingResponse", "message": "no answer"}}
                    )
                    results[sub.id] = resp
                    if resp.status == 401 and sub.id not in reauthenticated:
                        # Issue 9 §4: one 401 is not a rejected sign-in. Like a top-level
                        # request, the member goes again once with a refreshed token; safe for
                        # a POST too: a 401 means "the request has not been applied"
                        # (https://www.rfc-editor.org/rfc/rfc9110#name-401-unauthorized).
                        # A second 401 leaves it failed, as it is.
                        reauthenticated.add(sub.id)
                        retry[sub.id] = sub
                        rejected = True
                    elif resp.status == 429 or (resp.status in RETRY_STATUSES and sub.idempotent):
                        if resp.status == 429:
                            with self._count_lock:
                                self.throttled += 1
                        retry[sub.id] = sub
                        after = retry_after(_header(resp.headers, "Retry-After"))
                        wait = max(wait, after if after is not None else self._backoff(attempt))
            pending = retry
            if rejected:
                # The token the batch was sent with (the provider's current one) is given up:
                # the next request asks msal for a new one (force_refresh).
                try:
                    self.tokens.invalidate(self.tokens.token())
                except MailError:  # no token to give up: keep what was moved, retry nothing
                    break
            if not pending or attempt + 1 >= self.max_attempts or wait > self.max_wait:
                break
            log.info("%d batch members throttled or failed; retrying in %.1f s", len(pending), wait)
            self._sleep(wait)
        if last_error is not None and not any(r.ok for r in results.values()):
            must_look = outcome_unknown(last_error) and not all(s.idempotent for s in subs)
            if not must_look:
                raise last_error
        return results

    def _send_batch_safe(self, chunk: Sequence[SubRequest]) -> dict[str, SubResponse] | Exception:
        try:
            return self._send_batch(chunk)
        except Exception as exc:
            return exc

    def _send_batch(self, chunk: Sequence[SubRequest]) -> dict[str, SubResponse]:
        payload = {"requests": [_sub_json(s) for s in chunk]}
        body = self.request(
            "POST",
            "/$batch",
            json=payload,
            operations=min(len(chunk), self.max_concurrency),
            # The envelope may be sent again only if every member may.
            idempotent=all(s.idempotent for s in chunk),
        )
        out: dict[str, SubResponse] = {}
        for item in (body or {}).get("responses", []):
            out[str(item.get("id"))] = SubResponse(
                int(item.get("status", 500)), item.get("body"), dict(item.get("headers") or {})
            )
        return out


def _failure(status: int, code: str, exc: BaseException) -> SubResponse:
    return SubResponse(status, {"error": {"code": code, "message": str(exc)[:200]}})


def _sub_json(sub: SubRequest) -> dict[str, Any]:
    # Headers of the outer request do not reach the members: each carries its own Prefer.
    out: dict[str, Any] = {
        "id": sub.id,
        "method": sub.method,
        "url": sub.url,
        "headers": {"Prefer": ", ".join([IMMUTABLE_IDS, *sub.prefer])},
    }
    if sub.body is not None:
        out["body"] = sub.body
        out["headers"]["Content-Type"] = "application/json"
    return out


def _chunks(items: Sequence[SubRequest], size: int) -> list[list[SubRequest]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
