"""HTTP to Microsoft Graph: bearer tokens, immutable ids, at most 4 requests in flight per
mailbox, throttling and transient errors retried, JSON `$batch` of at most 20.

Limits this module exists for (platform-facts §5.2,
https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits):
- Outlook allows 4 concurrent requests per app and mailbox: one semaphore per mailbox covers
  every request this backend makes (watcher, engine, batch workers);
- 429 carries Retry-After: wait exactly that long (also per sub-response of a batch:
  https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching); 503/504 are
  retried with a capped exponential back-off;
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from focusguard.core.ports import AuthError, MailError
from focusguard.mail.graph.errors import DeltaExpired, GraphHTTPError, error_code
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


@dataclass(frozen=True, slots=True)
class SubResponse:
    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


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
        self._slots = threading.BoundedSemaphore(max_concurrency)
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
    ) -> Any:
        """Send one request; returns the parsed JSON body (None when empty).

        Raises GraphHTTPError (non-2xx after retries), DeltaExpired (410), AuthError (401
        twice: once more with a refreshed token), requests exceptions (network)."""
        url = self._url(path)
        headers = {"Prefer": ", ".join([IMMUTABLE_IDS, *prefer]), "Accept": "application/json"}
        rejected_once = False
        for attempt in range(self.max_attempts):
            token = self.tokens.token()
            headers["Authorization"] = f"Bearer {token}"
            with self._slots:
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
            if status == 410:
                raise DeltaExpired(code)
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
        """Run `subs` in `$batch` requests of at most 20, at most `max_concurrency` at once.

        Sub-responses of 429/503/504 are sent again (in new batches) after the longest
        Retry-After among them, and a 401 member once with a refreshed token; what still fails
        after `max_attempts` rounds is returned as it is. A batch request that fails as a
        whole marks its members failed with that error, unless nothing at all succeeded —
        then the error is raised.
        """
        pending = {s.id: s for s in subs}
        results: dict[str, SubResponse] = {}
        last_error: BaseException | None = None
        reauthenticated: set[str] = set()  # members already sent again after a 401
        for attempt in range(self.max_attempts):
            chunks = _chunks(list(pending.values()), MAX_BATCH)
            workers = max(1, min(self.max_concurrency, len(chunks)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graph-batch") as ex:
                outcomes = list(ex.map(self._send_batch_safe, chunks))
            wait = 0.0
            retry: dict[str, SubRequest] = {}
            rejected = False
            for chunk, outcome in zip(chunks, outcomes, strict=True):
                if isinstance(outcome, AuthError):
                    raise outcome
                if isinstance(outcome, BaseException):
                    last_error = outcome
                    for sub in chunk:
                        results[sub.id] = SubResponse(
                            0,
                            {
                                "error": {
                                    "code": type(outcome).__name__,
                                    "message": str(outcome)[:200],
                                }
                            },
                        )
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
                    elif resp.status in RETRY_STATUSES:
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
            raise last_error
        return results

    def _send_batch_safe(self, chunk: Sequence[SubRequest]) -> dict[str, SubResponse] | Exception:
        try:
            return self._send_batch(chunk)
        except Exception as exc:
            return exc

    def _send_batch(self, chunk: Sequence[SubRequest]) -> dict[str, SubResponse]:
        payload = {"requests": [_sub_json(s) for s in chunk]}
        body = self.request("POST", "/$batch", json=payload)
        out: dict[str, SubResponse] = {}
        for item in (body or {}).get("responses", []):
            out[str(item.get("id"))] = SubResponse(
                int(item.get("status", 500)), item.get("body"), dict(item.get("headers") or {})
            )
        return out


def _sub_json(sub: SubRequest) -> dict[str, Any]:
    # Headers of the outer request do not reach the members: each carries its own Prefer.
    out: dict[str, Any] = {
        "id": sub.id,
        "method": sub.method,
        "url": sub.url,
        "headers": {"Prefer": IMMUTABLE_IDS},
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
