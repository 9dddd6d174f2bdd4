"""Connecting to Exchange: endpoint, credentials, TLS, retry policy, fail-fast verification.

Order matters: the credentials are checked once with a fail-fast policy
(`CheckPolicy`), because under `FaultTolerance` a wrong password (HTTP 401) is retried as if
the server were throttling — for up to `max_wait`. Only after `verify()` succeeded does the
connection switch to the patient policy for normal work (`PatientPolicy`).

Under both, one 401 is retried once at once on a fresh session (a new connection and a new
NTLM/Basic handshake) and only a second 401 in a row is a wrong password: a single 401 in
the middle of a session (an NTLM hiccup, a load balancer that lost the authenticated
connection) used to tell the user to change their password (issue 9 §4).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from exchangelib import (
    BASIC,
    DELEGATE,
    NTLM,
    OAUTH2,
    Account,
    Configuration,
    Credentials,
    FailFast,
    FaultTolerance,
)
from exchangelib import errors as ews_errors
from exchangelib.credentials import BaseCredentials
from exchangelib.protocol import Protocol
from oauthlib.oauth2 import TokenExpiredError

from focusguard.core.ports import MailError
from focusguard.core.settings import AccountSettings
from focusguard.mail.ews import errors, tls

log = logging.getLogger(__name__)

# Streaming holds one HTTP session for minutes; the worker and the UI need their own
# (https://github.com/ecederstrand/exchangelib/issues/1088, #906).
MAX_CONNECTIONS = 3
# How long a normal operation may wait for a throttled / unavailable server in total.
MAX_WAIT_S = 300
PROBE_TIMEOUT_S = 15
AUTH_TYPES = {"ntlm": NTLM, "basic": BASIC, "oauth": OAUTH2}


# A second 401 this soon after the first on the same thread is "the same request, rejected
# again"; a 401 an hour later is a new hiccup that earns its own retry.
REJECTED_AGAIN_S = 60.0


class _Reauthenticate(TokenExpiredError):  # type: ignore[misc]
    """The first 401 of a request. exchangelib's service loop retries a TokenExpiredError at
    once (services/common.py `_get_elements`), and `post_ratelimited` has already retired the
    session that got the 401, so the retry opens a new connection and authenticates anew."""


class _OneRetryOn401:
    """One retry for a 401, then `UnauthorizedError` (shared by both policies below).

    A request and its retry run on one thread, so a per-thread note of the last 401 tells
    "rejected again" from "rejected once"; any other answer clears it.
    """

    def __init__(self) -> None:
        self._last_401 = threading.local()

    def _check_401(self, response: requests.Response) -> None:
        before = getattr(self._last_401, "at", None)
        if response.status_code != 401:
            self._last_401.at = None
            return
        now = time.monotonic()
        if before is not None and now - before < REJECTED_AGAIN_S:
            self._last_401.at = None
            raise ews_errors.UnauthorizedError(f"Invalid credentials for {response.url}")
        self._last_401.at = now
        log.info("Exchange answered 401 once; signing in again on a new connection")
        raise _Reauthenticate("HTTP 401: authenticating again")


class CheckPolicy(_OneRetryOn401, FailFast):  # type: ignore[misc]
    """exchangelib's `FailFast` (every other error raised at once), with one retry for 401."""

    def __init__(self) -> None:
        _OneRetryOn401.__init__(self)

    def raise_response_errors(self, response: requests.Response) -> None:
        self._check_401(response)
        super().raise_response_errors(response)


class PatientPolicy(_OneRetryOn401, FaultTolerance):  # type: ignore[misc]
    """`FaultTolerance`, except that a repeated HTTP 401 is a login failure, not throttling.

    exchangelib's FaultTolerance maps 401 to ErrorServerBusy and retries for `max_wait`
    (protocol.py `RetryPolicy.raise_response_errors`): a password changed while FocusGuard
    runs would hang every call for minutes. Exchange on-prem does not throttle with 401.
    """

    def __init__(self, max_wait: int = MAX_WAIT_S) -> None:
        _OneRetryOn401.__init__(self)
        FaultTolerance.__init__(self, max_wait=max_wait)

    def __getstate__(self) -> dict[str, object]:
        state: dict[str, object] = FaultTolerance.__getstate__(self)
        state.pop("_last_401", None)  # thread-locals cannot be pickled
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        FaultTolerance.__setstate__(self, state)
        self._last_401 = threading.local()

    def raise_response_errors(self, response: requests.Response) -> None:
        self._check_401(response)
        super().raise_response_errors(response)


class _Credentials(Credentials):  # type: ignore[misc]
    """Username/password credentials that are unique to one backend instance.

    exchangelib caches `Protocol`s (session pool *and* retry policy) per (endpoint,
    credentials) value (protocol.py `CachingProtocol`); a nonce keeps two backends for the
    same mailbox (e.g. `focusguard account login` while the app runs) from sharing one.
    """

    def __init__(self, username: str, password: str) -> None:
        super().__init__(username, password)
        self._instance = uuid.uuid4().hex


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Refuse plain http except to this computer (tests, the demo simulator)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return
    if scheme == "http" and is_loopback(parts.hostname or ""):
        return
    if scheme == "http":
        raise errors.http_refused(url)
    raise errors.not_ews(url, "not an http(s) address")


@dataclass
class Connection:
    """One live exchangelib Account and what is needed to speak about it."""

    account: Account
    url: str
    email: str
    secrets: tuple[str, ...]

    @property
    def protocol(self) -> Protocol:
        return self.account.protocol

    def use_patient_policy(self, max_wait: int = MAX_WAIT_S) -> None:
        # The protocol reads config.retry_policy on every request.
        self.protocol.config.retry_policy = PatientPolicy(max_wait=max_wait)

    def close(self) -> None:
        protocol = self.protocol
        with contextlib.suppress(KeyError):
            del Protocol[protocol.config]
        protocol.close()


def make_credentials(
    account: AccountSettings, password: str | None, oauth: BaseCredentials | None
) -> BaseCredentials:
    if account.auth == "oauth":
        if oauth is None:
            raise errors.no_password(account.email)
        return oauth
    if not password:
        raise errors.no_password(account.email)
    return _Credentials(account.username or account.email, password)


def open_account(
    account: AccountSettings, credentials: BaseCredentials, secrets: tuple[str, ...]
) -> Connection:
    """An exchangelib Account with the fail-fast CheckPolicy (call `verify` next).

    With `ews_url` nothing is sent yet. Without it, autodiscover runs here.
    """
    auth_type = AUTH_TYPES.get(account.auth)
    if auth_type is None:
        raise MailError(
            "Unknown sign-in method",
            f"account.auth is {account.auth!r}; use ntlm, basic or oauth.",
            retryable=False,
        )
    if account.ca_bundle and not Path(account.ca_bundle).expanduser().is_file():
        raise MailError(
            "CA bundle not found",
            f"The CA file {account.ca_bundle} does not exist; fix account.ca_bundle in "
            "Settings → Account.",
            retryable=False,
        )
    tls.install()
    config_kw: dict[str, object] = {
        "credentials": credentials,
        "auth_type": auth_type,
        "retry_policy": CheckPolicy(),
        "max_connections": MAX_CONNECTIONS,
    }
    # No pinned version: exchangelib asks the server once (ConvertId) during
    # verify() and then keeps the answer in config.version, so Exchange 2013 works too.
    if account.ews_url:
        url = account.ews_url.strip()
        check_url(url)
        if account.ca_bundle:
            tls.pin_ca(url, str(Path(account.ca_bundle).expanduser()))
        config = Configuration(service_endpoint=url, **config_kw)
        with errors.boundary(email=account.email, url=url, action="connecting", secrets=secrets):
            acc = Account(account.email, config=config, autodiscover=False, access_type=DELEGATE)
        return Connection(acc, url, account.email, secrets)
    config = Configuration(**config_kw)
    with errors.boundary(
        email=account.email, url=None, action="looking up the Exchange server", secrets=secrets
    ):
        acc = Account(account.email, config=config, autodiscover=True, access_type=DELEGATE)
    url = acc.protocol.service_endpoint
    try:
        check_url(url)
    except MailError:
        acc.protocol.close()
        raise
    if account.ca_bundle:
        tls.pin_ca(url, str(Path(account.ca_bundle).expanduser()))
    return Connection(acc, url, account.email, secrets)


def verify(conn: Connection, ca_bundle: str | None = None) -> None:
    """Prove the address, the TLS certificate and the password with as few requests as
    possible, failing fast; translate failures into precise messages."""
    acc = conn.account
    try:
        _ = acc.version  # ConvertId version probe (authenticated)
        _ = acc.msg_folder_root  # GetFolder: the mailbox is there and ours
    except ews_errors.UnauthorizedError:
        raise errors.password_rejected(conn.email) from None
    except MailError:
        raise
    except Exception as exc:
        log.debug("verify failed with %s; probing the address", type(exc).__name__)
        diagnosis = diagnose(conn.url, ca_bundle)
        if diagnosis is not None:
            raise diagnosis from None
        raise errors.translate(
            exc, email=conn.email, url=conn.url, action="signing in", secrets=conn.secrets
        ) from None


def diagnose(url: str, ca_bundle: str | None) -> MailError | None:
    """Why `url` is not a working EWS endpoint, from one unauthenticated POST.

    exchangelib folds connection errors into "No valid version headers found" during the
    version probe, so the cause (DNS, refused, TLS, 404, an HTML page) is found here.
    """
    verify: bool | str = str(Path(ca_bundle).expanduser()) if ca_bundle else True
    try:
        r = requests.post(
            url,
            data=b"",
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=PROBE_TIMEOUT_S,
            allow_redirects=False,
            verify=verify,
        )
    except requests.exceptions.SSLError:
        return errors.tls_failed(url)
    except requests.exceptions.Timeout:
        return errors.unreachable(url, "the connection timed out")
    except requests.exceptions.ConnectionError as exc:
        text = repr(exc)
        if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
            return errors.unreachable(url, "the server name could not be found (DNS)")
        if "refused" in text.lower():
            return errors.unreachable(url, "the connection was refused")
        return errors.unreachable(url, "the connection failed")
    except requests.exceptions.RequestException:
        return errors.unreachable(url, "the request failed")
    try:
        if r.status_code == 404:
            return errors.not_ews(url, "HTTP 404 Not Found: wrong address")
        if r.status_code in (301, 302, 303, 307, 308):
            return errors.not_ews(url, f"HTTP {r.status_code} redirect to a different page")
        if r.status_code == 401:
            return None  # the server wants credentials: it was the password or the mailbox
        content_type = r.headers.get("Content-Type", "").lower()
        head = r.content[:2000].lower()
        if "xml" not in content_type or b"envelope" not in head:
            kind = content_type.split(";")[0] or "no content type"
            return errors.not_ews(url, f"HTTP {r.status_code}, {kind} instead of SOAP")
        return None
    finally:
        r.close()
