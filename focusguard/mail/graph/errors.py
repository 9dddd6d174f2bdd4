"""The Graph backend's error boundary: HTTP statuses, Graph error codes and requests exceptions
become `MailError` / `AuthError` with a title and a plain-language message that says what to do.

Texts are built from known facts (the address, the host, Graph's error code). Server-provided
messages are quoted only after scrubbing anything that looks like a bearer token, and the
original traceback is dropped (`from None`) so no token or header reaches a person or a log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests

from focusguard.core.ports import AuthError, MailError
from focusguard.mail.graph.tokens import LOGIN_COMMAND

log = logging.getLogger(__name__)

_BEARERISH = re.compile(
    r"(?i)(bearer\s+)?[A-Za-z0-9\-_]{20,}\.[A-Za-z0-9\-_.]{20,}|"
    r"sim-access-[A-Za-z0-9\-_]+"
)


# A delta token that is no longer valid: "a 40X-series error with error codes such as
# syncStateNotFound" (https://learn.microsoft.com/en-us/graph/delta-query-overview#token-duration),
# resyncRequired (https://learn.microsoft.com/en-us/graph/errors#code-property), and
# syncStateInvalid as Exchange Online spells a broken one. Compared case-insensitively: the page
# writes camelCase, Exchange answers PascalCase.
DELTA_EXPIRED_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})


class DeltaExpired(Exception):
    """The delta token is no longer valid (410 Gone, or a 40X with one of DELTA_EXPIRED_CODES):
    resync from scratch."""


class GraphHTTPError(Exception):
    """A non-2xx answer, kept internal until the boundary translates it."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(f"HTTP {status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


# Answers after which a request may have been carried out although it failed: 503 may come
# from a server that was already working on it, and 504 means a gateway stopped waiting for the
# mailbox server, which may still finish (https://learn.microsoft.com/en-us/graph/errors).
# A 429 is different: Graph throttled the request and did not run it.
OUTCOME_UNKNOWN_STATUSES = (503, 504)


def outcome_unknown(exc: BaseException) -> bool:
    """Might the failed request have been carried out? Then it must not simply be sent again:
    look at the mailbox first (the draft, the moved message, the rule)."""
    if isinstance(exc, GraphHTTPError):
        return exc.status in OUTCOME_UNKNOWN_STATUSES
    # No answer at all: it may have been lost after the server did the work. A connection
    # that could not even be opened did nothing, but telling them apart is not worth it —
    # looking costs one GET.
    return isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout)


def scrub(text: str) -> str:
    return _BEARERISH.sub("********", text)


def error_code(body: Any) -> tuple[str, str]:
    """(code, message) of Graph's `{"error": {"code", "message"}}` (or OAuth's form)."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("code", "")), scrub(str(err.get("message", "")))[:300]
        if isinstance(err, str):
            return err, scrub(str(body.get("error_description", "")))[:300]
    return "", ""


def error_codes(body: Any) -> list[str]:
    """Every code in Graph's error, outermost first: apps "should loop through all the error
    codes available" in the nested inner errors (https://learn.microsoft.com/en-us/graph/errors)."""
    codes: list[str] = []
    err = body.get("error") if isinstance(body, dict) else None
    for _ in range(10):  # nesting is shallow in practice; never loop on a cyclic body
        if not isinstance(err, dict):
            break
        if err.get("code"):
            codes.append(str(err["code"]))
        err = next((v for k, v in err.items() if k.lower() == "innererror"), None)
    return codes


def delta_expired(status: int, body: Any) -> bool:
    """Does this answer say the delta token is dead (start over)? By error code, not only
    by 410: Graph documents "a 40X-series error" for an expired token."""
    if status == 410:  # Gone: "the application must restart with a full synchronization"
        return True
    return 400 <= status < 500 and any(
        code.lower() in DELTA_EXPIRED_CODES for code in error_codes(body)
    )


def signin_rejected(email: str) -> AuthError:
    return AuthError(
        "Sign-in rejected",
        f"Microsoft 365 rejected the sign-in for {email} — sign in again with {LOGIN_COMMAND}.",
    )


def translate(exc: BaseException, *, email: str, base_url: str, action: str) -> MailError:
    if isinstance(exc, MailError):
        return exc
    host = urlsplit(base_url).hostname or base_url
    log.debug("%s failed: %s", action, type(exc).__name__)
    if isinstance(exc, GraphHTTPError):
        return _from_status(exc, email=email, host=host, action=action)
    if isinstance(exc, DeltaExpired):
        return MailError(
            "Mail sync restarted",
            f"Microsoft 365 asked for a full resync while {action}; FocusGuard will catch up.",
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return MailError(
            "Secure connection failed",
            f"The certificate of {host} could not be verified, so FocusGuard sent nothing. A "
            "proxy that inspects TLS needs its CA in the system's certificate store.",
            retryable=False,
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return MailError(
            "Microsoft 365 unreachable",
            f"{host} did not answer in time while {action}. FocusGuard will try "
            "again; check the network if this keeps happening.",
        )
    if isinstance(exc, requests.exceptions.RequestException | ConnectionError):
        return MailError(
            "Microsoft 365 unreachable",
            f"Could not reach {host} while {action} (the connection failed). "
            "Check the network; FocusGuard will try again.",
        )
    if isinstance(exc, ValueError):  # a body that is not the JSON Graph always sends
        return MailError(
            "Unexpected answer from Microsoft 365",
            f"{host} sent an answer FocusGuard could not read while {action}. "
            "FocusGuard will try again.",
        )
    return MailError(
        "Mail server error", f"Something went wrong while {action} ({type(exc).__name__})."
    )


def _from_status(exc: GraphHTTPError, *, email: str, host: str, action: str) -> MailError:
    detail = f"{exc.code}: {exc.message}" if exc.message else exc.code or f"HTTP {exc.status}"
    if exc.status == 401:
        return signin_rejected(email)
    if exc.status == 403:
        return MailError(
            "Permission missing",
            f"Microsoft 365 refused access to the mailbox {email} while {action} ({detail}). "
            "FocusGuard needs the delegated permissions Mail.ReadWrite, Mail.Send, "
            "MailboxSettings.ReadWrite and Calendars.Read: ask your administrator to grant "
            f"them, then sign in again with {LOGIN_COMMAND}.",
            retryable=False,
        )
    if exc.status == 404:
        return MailError(
            "Not found in the mailbox",
            f"Microsoft 365 could not find what FocusGuard asked for while {action} ({detail}).",
        )
    if exc.status == 429:
        return MailError(
            "Microsoft 365 is busy",
            f"Microsoft 365 throttled FocusGuard while {action} and asked it to "
            "wait; FocusGuard will try again later.",
        )
    if exc.status >= 500:
        return MailError(
            "Microsoft 365 had a problem",
            f"{host} answered HTTP {exc.status} while {action}; FocusGuard will try again.",
        )
    return MailError(
        "Microsoft 365 refused a request",
        f"Microsoft 365 refused FocusGuard's request while {action} ({detail}).",
        retryable=False,
    )


@contextmanager
def boundary(*, email: str, base_url: str, action: str) -> Iterator[None]:
    """Translate any exception escaping the block; `MailError`s pass through untouched."""
    try:
        yield
    except MailError:
        raise
    except Exception as exc:
        raise translate(exc, email=email, base_url=base_url, action=action) from None
