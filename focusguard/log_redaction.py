"""No password, token or cookie in a log line or a crash report, whoever logs it (issue 9 §3).

exchangelib at DEBUG logs every request's headers (`'Authorization': 'Basic …'`, the
password in base64, or `Bearer …` with OAuth), msal logs the device code it polls with, and
any library may put a credential into an exception message. Redaction therefore happens on the
*record*, for every logger, not in FocusGuard's own log calls.

How it is hooked in, and why:

- A LogRecord factory (`logging.setLogRecordFactory`) scrubs each record as it is created, so
  every handler sees only redacted text: the ones `logging.basicConfig` makes, handlers added
  later by a library or a test (a filter on handlers would miss those), and child loggers
  with `propagate = False` and handlers of their own (a filter on the root *logger* never
  sees records propagated from child loggers). The factory chains to the one it replaces.
- A `RedactingFilter` on each root handler as well, for records built without the factory
  (`logging.makeLogRecord`) or after someone replaced the factory without chaining.
- `sys.excepthook`, `threading.excepthook` and `sys.unraisablehook` write crash reports
  through the same redaction (plain tracebacks: never the frames' local variables).

The message is formatted once, redacted, and stored with `args = None`; a formatted
exception (`exc_info`) is rendered, redacted into `exc_text` and the live exception dropped,
so no formatter can render the raw traceback again.

What counts as a credential: the value of an Authorization/Proxy-Authorization header (its
scheme, e.g. `Basic`, stays), NTLM/Negotiate blobs in WWW-Authenticate, Cookie, Set-Cookie
and Exchange's X-BackEndOverrideCookie, the value of `password`, `access_token`,
`refresh_token`, `id_token`, `client_secret`, `device_code`, `code` … fields in JSON, Python
reprs and form/query strings, `user:password@` in URLs, JSON Web Tokens anywhere, and every
secret FocusGuard itself handles (`remember`): the password from the keyring or the login
prompt, also URL-, JSON- and base64-encoded.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 6  # shorter remembered values would blank ordinary words in every line
_MAX_REMEMBERED = 64
_MAX_SECRET_LENGTH = 512  # longer values are token caches: the patterns below cover them

_NOT_DONE = r"(?!\[REDACTED\])"  # redacting twice changes nothing
# A credential: up to the end of its header, its quoted value or its list item.
_TOKEN68 = _NOT_DONE + r"[^\s'\"\\,;}\]\)]+"

_AUTHORIZATION = re.compile(
    # Atomic groups: a second pass over "[REDACTED]" must not find a shorter match instead.
    r"(?i)((?>\b(?:proxy-)?authorization\b['\"]?[ \t]*[:=][ \t]*b?['\"]?))"  # name
    r"((?>(?:[A-Za-z][\w.-]*[ \t]+)?))"  # the scheme (Basic, Bearer, NTLM, Negotiate ...) stays
    + _TOKEN68
)
_AUTHENTICATE = re.compile(
    r"(?i)((?>\b(?:www|proxy)-authenticate\b['\"]?[ \t]*[:=][ \t]*b?['\"]?"
    r"(?:ntlm|negotiate|kerberos)[ \t]+))" + _NOT_DONE + r"[A-Za-z0-9+/=]+"
)
_COOKIE = re.compile(
    r"(?i)((?>(?:\bset-cookie|\bcookie|x-backendoverridecookie)\b['\"]?[ \t]*[:=][ \t]*"
    r"b?['\"]?))[^'\"\r\n\\]+"
)
# Keys whose value is a secret in any notation: "key": "v", 'key': 'v', key=v, key: v.
_STRONG_KEYS = (
    "access_token|refresh_token|id_token|client_secret|client_assertion|assertion|"
    "code_verifier|device_code|password|passwd|passphrase|app_password"
)
# Words too common to redact in prose ("Status code: 200"): only as a quoted key or a
# query/form parameter.
_WEAK_KEYS = "code|secret|token|session_key"
_VALUE = r"(?:b?\"(?:[^\"\\]|\\.)*\"|b?'(?:[^'\\]|\\.)*'|" + _NOT_DONE + r"[^\s&'\",;}\]\)]+)"
_STRONG_FIELD = re.compile(
    rf"(?i)((?P<q>[\"']?)\b(?:{_STRONG_KEYS})\b(?P=q)(?>[ \t]*[:=][ \t]*))(?P<v>{_VALUE})"
)
_QUOTED_WEAK_FIELD = re.compile(
    rf"(?i)((?P<q>[\"'])(?:{_WEAK_KEYS})(?P=q)[ \t]*:[ \t]*)(?P<v>{_VALUE})"
)
_PARAM_WEAK_FIELD = re.compile(
    rf"(?i)((?:^|(?<=[?&;]))(?:{_WEAK_KEYS})=){_NOT_DONE}(?P<v>[^\s&'\"#]+)"
)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:)[^\s/@'\"]+(@)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")

_lock = threading.Lock()
_remembered: list[str] = []  # newest last; each entry already expanded to its encodings
_installed: dict[str, Any] = {}


# -- text ---------------------------------------------------------------------------------


def remember(secret: str | None) -> None:
    """Redact this exact value (and its URL, JSON and base64 forms) from now on.

    Called with every password FocusGuard handles; values shorter than MIN_SECRET_LENGTH or
    longer than 512 characters are ignored (see the module docstring)."""
    if not isinstance(secret, str) or not MIN_SECRET_LENGTH <= len(secret) <= _MAX_SECRET_LENGTH:
        return
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        base64.b64encode(secret.encode("utf-8")).decode("ascii"),
    }
    with _lock:
        for form in forms:
            if len(form) >= MIN_SECRET_LENGTH and form not in _remembered:
                _remembered.append(form)
        del _remembered[: max(0, len(_remembered) - _MAX_REMEMBERED)]


def forget_all() -> None:
    """Drop every remembered secret (tests)."""
    with _lock:
        _remembered.clear()


def _field(match: re.Match[str]) -> str:
    value = match.group("v")
    quote_char = value.lstrip("b")[:1]
    if quote_char in ("'", '"'):
        return f"{match.group(1)}{quote_char}{REDACTED}{quote_char}"
    return f"{match.group(1)}{REDACTED}"


def _after_prefix(match: re.Match[str]) -> str:
    return f"{match.group(1)}{REDACTED}"


def _after_scheme(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{REDACTED}"


def _url_password(match: re.Match[str]) -> str:
    return f"{match.group(1)}{REDACTED}{match.group(2)}"


def _whole(match: re.Match[str]) -> str:
    return REDACTED


_Rule = tuple[tuple[str, ...], re.Pattern[str], Callable[[re.Match[str]], str]]


def _rules() -> tuple[_Rule, ...]:
    """(words one of which a match must contain, pattern, replacement). The words let most
    lines (and multi-megabyte SOAP dumps) skip a pattern with one substring search."""
    weak = tuple(_WEAK_KEYS.split("|"))
    return (
        (("authorization",), _AUTHORIZATION, _after_scheme),
        (("authenticate",), _AUTHENTICATE, _after_prefix),
        (("cookie",), _COOKIE, _after_prefix),
        (tuple(_STRONG_KEYS.split("|")), _STRONG_FIELD, _field),
        (weak, _QUOTED_WEAK_FIELD, _field),
        (weak, _PARAM_WEAK_FIELD, _after_prefix),
        (("://",), _URL_PASSWORD, _url_password),
        (("eyj",), _JWT, _whole),
    )


_RULES = _rules()


def redact(text: str) -> str:
    """`text` with every credential it carries replaced by [REDACTED]."""
    if not text:
        return text
    with _lock:
        known = sorted(_remembered, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    lower = text.lower()
    for words, pattern, replacement in _RULES:
        if any(word in lower for word in words):
            text = pattern.sub(replacement, text)
            lower = text.lower()
    return text


# -- log records ---------------------------------------------------------------------------

_MARK = "_focusguard_redacted"  # the redacted message: a record changed since is redone
_FORMATTER = logging.Formatter()


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Redact `record` in place (idempotent) and return it."""
    if record.args is None and getattr(record, _MARK, None) is record.msg:
        return record
    try:
        message = record.getMessage()
    except Exception:
        # A format string that does not fit its arguments: logging would print both raw in
        # "--- Logging error ---". Keep them, redacted, and let the record through.
        message = f"{record.msg!s} (arguments: {record.args!r})"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    record.exc_info = None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    setattr(record, _MARK, record.msg)
    return record


class RedactingFilter(logging.Filter):
    """A handler filter that redacts every record it passes (and never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


def _wrap_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(previous(*args, **kwargs))

    factory.focusguard_redacting = True  # type: ignore[attr-defined]
    return factory


# -- crash reports -------------------------------------------------------------------------


def crash_report(
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    where: str = "",
) -> str:
    """The traceback as text, redacted. Plain frames only: local variables are never shown."""
    lines = traceback.format_exception(exc_type, exc, tb)
    head = f"FocusGuard hit an unexpected error{where} (passwords and tokens removed):\n"
    return redact(head + "".join(lines))


def _write(text: str, stream: TextIO | None = None) -> None:
    out = stream if stream is not None else sys.stderr
    if out is None:  # a windowed bundle (pythonw) has no stderr
        return
    try:
        out.write(text if text.endswith("\n") else text + "\n")
        out.flush()
    except (OSError, ValueError):
        pass  # stderr closed: nowhere to report to


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """`sys.excepthook`: an uncaught exception in the main thread (and in Qt slots)."""
    _write(crash_report(exc_type, exc, tb))


def threading_excepthook(args: threading.ExceptHookArgs) -> None:
    """`threading.excepthook`: an uncaught exception in another thread."""
    if args.exc_type is SystemExit:
        return  # what the default hook does too
    name = args.thread.name if args.thread is not None else "a thread"
    _write(crash_report(args.exc_type, args.exc_value, args.exc_traceback, f" in {name}"))


def unraisablehook(args: Any) -> None:
    """`sys.unraisablehook`: an exception nobody could catch (e.g. in `__del__`)."""
    where = f" ({args.err_msg or 'ignored'}: {args.object!r})"
    _write(crash_report(args.exc_type, args.exc_value, args.exc_traceback, where))


# -- installing -----------------------------------------------------------------------------


def install(handlers: Iterable[logging.Handler] | None = None) -> None:
    """Redact every log record and crash report from now on. Idempotent.

    Call it at every entry point right after logging is configured (cli.main does)."""
    with _lock:
        current = logging.getLogRecordFactory()
        if not getattr(current, "focusguard_redacting", False):
            _installed.setdefault("factory", current)
            logging.setLogRecordFactory(_wrap_factory(current))
        for handler in logging.getLogger().handlers if handlers is None else handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
        if sys.excepthook is not excepthook:
            _installed.setdefault("excepthook", sys.excepthook)
            sys.excepthook = excepthook
        if threading.excepthook is not threading_excepthook:
            _installed.setdefault("threading_excepthook", threading.excepthook)
            threading.excepthook = threading_excepthook
        if sys.unraisablehook is not unraisablehook:
            _installed.setdefault("unraisablehook", sys.unraisablehook)
            sys.unraisablehook = unraisablehook


def uninstall() -> None:
    """Undo `install` (tests): the previous factory and hooks, no filters on root handlers."""
    with _lock:
        if "factory" in _installed:
            logging.setLogRecordFactory(_installed.pop("factory"))
        if "excepthook" in _installed:
            sys.excepthook = _installed.pop("excepthook")
        if "threading_excepthook" in _installed:
            threading.excepthook = _installed.pop("threading_excepthook")
        if "unraisablehook" in _installed:
            sys.unraisablehook = _installed.pop("unraisablehook")
        for handler in logging.getLogger().handlers:
            for f in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(f)
