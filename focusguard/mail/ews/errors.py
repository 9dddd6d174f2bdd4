"""The backend boundary: every exchangelib / requests / msal exception becomes a `MailError`
(or `AuthError`) with a title and a plain-language message that says what to do.

Nothing from the original exception that could carry a secret reaches the message: texts are
built here from known facts (the address, the host, an error code), and whatever detail we do
quote is scrubbed of the password first. The original traceback is dropped (`from None`);
the class name goes to the debug log for support.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
from exchangelib import errors as ews_errors

from focusguard.core.ports import AuthError, MailError

log = logging.getLogger(__name__)

LOGIN_HINT = "run `focusguard account login`"
SETTINGS_HINT = "`focusguard account login` or in Settings → Account"


def password_rejected(email: str) -> AuthError:
    return AuthError(
        "Password rejected",
        f"Exchange rejected the password for {email} — update it with {SETTINGS_HINT}.",
    )


def no_password(email: str) -> AuthError:
    return AuthError("No password saved", f"No password saved for {email} — {LOGIN_HINT}.")


def http_refused(url: str) -> MailError:
    host = urlsplit(url).hostname or url
    return MailError(
        "Unencrypted connection refused",
        f"The Exchange address {url} uses plain http, which would send your password and "
        f"mail unencrypted to {host}. Use an https:// address (plain http is allowed only to "
        "this computer: localhost, 127.0.0.1 or ::1).",
        retryable=False,
    )


def unreachable(url: str, why: str) -> MailError:
    host = urlsplit(url).hostname or url
    return MailError(
        "Exchange server unreachable",
        f"Could not reach {host} ({why}). Check the network and the EWS address in "
        "Settings → Account.",
    )


def tls_failed(url: str) -> MailError:
    host = urlsplit(url).hostname or url
    return MailError(
        "Secure connection failed",
        f"The certificate of {host} could not be verified, so FocusGuard did not send your "
        "password. If your company uses its own certificate authority, set its file as the "
        "CA bundle in Settings → Account (account.ca_bundle).",
        retryable=False,
    )


def not_ews(url: str, what: str) -> MailError:
    return MailError(
        "Not an Exchange Web Services address",
        f"{url} answered, but not like Exchange ({what}). The EWS address usually ends in "
        "/EWS/Exchange.asmx — check it in Settings → Account.",
        retryable=False,
    )


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "********")
    return text


def translate(
    exc: BaseException, *, email: str, url: str | None, action: str, secrets: Iterable[str] = ()
) -> MailError:
    """The `MailError` a person sees for `exc`, raised while doing `action` ("moving mail")."""
    if isinstance(exc, MailError):
        return exc
    log.debug("%s failed: %s", action, type(exc).__name__)
    where = url or "the Exchange server"
    if isinstance(exc, ews_errors.UnauthorizedError):
        return password_rejected(email)
    if isinstance(exc, ews_errors.RateLimitError):
        return MailError(
            "Exchange is busy",
            f"Exchange asked FocusGuard to wait longer than it is willing to while {action}; "
            "it will try again later.",
        )
    if isinstance(exc, ews_errors.ErrorServerBusy):
        return MailError(
            "Exchange is busy",
            f"Exchange was too busy while {action}; FocusGuard will try again later.",
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return tls_failed(where)
    if isinstance(exc, requests.exceptions.Timeout | ews_errors.ErrorTimeoutExpired):
        return unreachable(where, "the connection timed out")
    if isinstance(exc, requests.exceptions.RequestException | ConnectionError):
        return unreachable(where, "the connection failed")
    if isinstance(exc, ews_errors.AutoDiscoverFailed):
        return MailError(
            "Exchange server not found",
            f"Autodiscover could not find the Exchange server for {email}. Enter the EWS "
            "address (e.g. https://mail.corp.example/EWS/Exchange.asmx) in Settings → Account.",
            retryable=False,
        )
    if isinstance(exc, ews_errors.ErrorInboxRulesValidationError):
        return MailError(
            "Exchange refused the hold rules",
            "Exchange did not accept FocusGuard's inbox rules "
            f"({scrub(str(exc), secrets)[:300]}). FocusGuard will hold mail on this computer.",
            retryable=False,
        )
    if isinstance(exc, ews_errors.ErrorAccessDenied | ews_errors.ErrorNonExistentMailbox):
        return MailError(
            "Mailbox not accessible",
            f"Exchange did not give access to the mailbox {email} ({type(exc).__name__}).",
            retryable=False,
        )
    if isinstance(exc, ews_errors.MalformedResponseError | ews_errors.SOAPError):
        return MailError(
            "Unexpected answer from Exchange",
            f"{where} sent an answer FocusGuard could not read while {action} "
            f"({type(exc).__name__}). FocusGuard will try again.",
        )
    if isinstance(exc, ews_errors.TransportError):
        # TLS errors arrive here re-raised as TransportError with the ssl text only.
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text or "certificate" in text:
            return tls_failed(where)
        return MailError(
            "Exchange connection problem",
            f"The connection to {where} failed while {action} ({type(exc).__name__}). "
            "FocusGuard will try again.",
        )
    if isinstance(exc, ews_errors.EWSError):
        return MailError(
            "Exchange error",
            f"Exchange reported {type(exc).__name__} while {action}.",
        )
    return MailError(
        "Mail server error",
        f"Something went wrong while {action} ({type(exc).__name__}).",
    )


@contextmanager
def boundary(
    *, email: str, url: str | None, action: str, secrets: Iterable[str] = ()
) -> Iterator[None]:
    """Translate any exception escaping the block; `MailError`s pass through untouched."""
    try:
        yield
    except MailError:
        raise
    except Exception as exc:
        raise translate(exc, email=email, url=url, action=action, secrets=secrets) from None
