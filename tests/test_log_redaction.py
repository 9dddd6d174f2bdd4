"""Credentials never reach a log line or a crash report (issue 9 §3): the redaction itself,
the record scrubbing whatever logger and handler, and the crash hooks."""

from __future__ import annotations

import base64
import io
import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focusguard import log_redaction
from focusguard.log_redaction import REDACTED, redact

PASSWORD = "Zq7-unusual-Secret-4711"
BASIC = base64.b64encode(f"me@corp.example:{PASSWORD}".encode()).decode()
JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl"


# -- the text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        # exchangelib's request headers (a requests CaseInsensitiveDict repr)
        (
            f"Request headers: {{'Accept': '*/*', 'Authorization': 'Basic {BASIC}'}}",
            BASIC,
            "'Authorization': 'Basic [REDACTED]'",
        ),
        (f"Authorization: Bearer {JWT}\r\nHost: x", JWT, "Authorization: Bearer [REDACTED]"),
        ('{"authorization": "NTLM TlRMTVNTUAADAAAAGAAYAEgAAAA="}', "TlRMTVNTUAAD", "NTLM"),
        ("Proxy-Authorization: Negotiate YIIGhgYGKwYBBQUCoIIG", "YIIGhgYG", "Negotiate"),
        ("b'Authorization': b'Basic c2VjcmV0OnNlY3JldA=='", "c2VjcmV0", "Basic"),
        ("'WWW-Authenticate': 'NTLM TlRMTVNTUAACAAAADAAMADgAAAA='", "TlRMTVNTUAAC", "NTLM"),
        ("Cookie: X-BackEndCookie=S-1-5-21=abc; ClientId=xyz", "S-1-5-21=abc", "Cookie: "),
        ("'Set-Cookie': 'exchangecookie=0123abcd; path=/'", "0123abcd", "'Set-Cookie'"),
        ("X-BackEndOverrideCookie: MBX042~1942062522", "MBX042~1942062522", "X-BackEnd"),
        # token responses and form bodies (msal, OAuth)
        (
            '{"access_token": "sim-access-abcdef", "expires_in": 3599}',
            "sim-access-abcdef",
            '"expires_in": 3599',
        ),
        ("{'refresh_token': 'sim-refresh-abcdef'}", "sim-refresh-abcdef", "'refresh_token'"),
        ('"id_token": "header.payload.sig"', "header.payload.sig", '"id_token"'),
        (
            "grant_type=refresh_token&refresh_token=0.AAAA-xyz&client_id=c1",
            "0.AAAA-xyz",
            "client_id=c1",
        ),
        ("client_secret=s3cr3t-value&scope=x", "s3cr3t-value", "scope=x"),
        ('"device_code": "DAQABAAEAAAD--DLA3VO7QrddgJg7Wevr"', "DAQABAAEAAAD", '"device_code"'),
        ('{"code": "0.AXoA-authcode", "state": "s"}', "0.AXoA-authcode", '"state": "s"'),
        ("GET /?code=0.AXoA-authcode&state=s HTTP/1.1", "0.AXoA-authcode", "&state=s"),
        ('{"secret": "eyJ0eXAi-cached"}', "eyJ0eXAi-cached", '"secret"'),
        ("password=hunter2-long&user=me", "hunter2-long", "user=me"),
        ("{'password': b'hunter2-long'}", "hunter2-long", "'password'"),
        ('"password": "with \\"quotes\\" inside"', "quotes", '"password"'),
        ("https://me:hunter2-long@mail.corp.example/EWS", "hunter2-long", "@mail.corp.example"),
        (f"a bare JWT {JWT} in prose", JWT, "a bare JWT"),
    ],
)
def test_credentials_are_redacted_and_the_rest_kept(text: str, secret: str, kept: str) -> None:
    out = redact(text)
    assert secret not in out
    assert kept in out
    assert REDACTED in out
    assert redact(out) == out  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "Status code: 200",
        "Auth type: basic",
        "Authorization header missing from the response",
        "delta token expired (410): full resync",
        "the password is in the Secret Service keyring",
        "Response time: 0.01 — Streaming: False",
        "held: customer, next check-in 13:00",
        "GET /v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=abc HTTP/1.1",
    ],
)
def test_ordinary_log_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_remembered_secrets_are_redacted_in_every_encoding() -> None:
    secret = "p@ss wörd/+&=1"
    log_redaction.remember(secret)
    from urllib.parse import quote, quote_plus

    for form in (
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        '"p@ss w\\u00f6rd/+&=1"'[1:-1],
        base64.b64encode(secret.encode()).decode(),
    ):
        assert form not in redact(f"the server said: {form}!"), form


def test_too_short_secrets_are_not_remembered() -> None:
    log_redaction.remember("demo")  # would blank "demo" in every line
    assert redact("focusguard demo --headless") == "focusguard demo --headless"


@given(st.text(max_size=300))
def test_redaction_never_fails_and_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@given(st.from_regex(r"[A-Za-z0-9+/]{8,40}={0,2}", fullmatch=True))
def test_any_basic_credential_in_a_header_is_gone(blob: str) -> None:
    for text in (f"Authorization: Basic {blob}", f"{{'Authorization': 'Basic {blob}'}}"):
        assert blob not in redact(text)


# -- records, whoever logs them and wherever they go -----------------------------------------------


@pytest.fixture
def installed() -> Iterator[io.StringIO]:
    """Redaction installed the way the CLI does, with a root handler writing to a buffer."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    log_redaction.install()
    try:
        yield stream
    finally:
        log_redaction.uninstall()
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_args_tuples_and_dicts_are_redacted(installed: io.StringIO) -> None:
    log = logging.getLogger("exchangelib.util")
    log.debug("Request headers: %s", {"Authorization": f"Basic {BASIC}"})
    log.debug("Request headers: %(request_headers)s", {"request_headers": f"Bearer {JWT}"})
    log.debug({"access_token": "sim-access-abcdef"})  # a non-str message
    out = installed.getvalue()
    assert BASIC not in out and JWT not in out and "sim-access-abcdef" not in out
    assert out.count(REDACTED) == 3
    assert "exchangelib.util DEBUG Request headers:" in out


def test_tracebacks_in_records_are_redacted(installed: io.StringIO) -> None:
    try:
        try:
            raise KeyError(f"Authorization: Basic {BASIC}")
        except KeyError as inner:
            raise RuntimeError(f"retry failed: refresh_token=0.AAAA-{PASSWORD}") from inner
    except RuntimeError:
        logging.getLogger("msal.application").exception("sign-in failed")
    out = installed.getvalue()
    assert BASIC not in out and PASSWORD not in out
    assert "Traceback (most recent call last)" in out and "KeyError" in out


def test_stack_info_is_redacted(installed: io.StringIO) -> None:
    def leaky() -> None:
        logging.getLogger("lib").debug("where am I", stack_info=True)  # password=hunter2-long

    leaky()
    out = installed.getvalue()
    assert "Stack (most recent call last)" in out and "hunter2-long" not in out


def test_handlers_added_later_and_child_loggers_are_covered(installed: io.StringIO) -> None:
    """A filter on the root logger would miss both: records propagated from child loggers
    skip the root logger's filters, and a non-propagating logger never reaches root."""
    late = io.StringIO()
    child = logging.getLogger("requests_oauthlib.private")
    child.propagate = False
    child.addHandler(logging.StreamHandler(late))
    child.setLevel(logging.DEBUG)
    try:
        child.debug("Authorization: Bearer %s", JWT)
        logging.basicConfig(force=False)  # a second basicConfig adds nothing, breaks nothing
        after = logging.StreamHandler(late)
        logging.getLogger().addHandler(after)
        logging.getLogger("urllib3").debug("Cookie: %s", "X-BackEndCookie=secret-cookie")
        logging.getLogger().removeHandler(after)
    finally:
        child.propagate = True
        child.handlers.clear()
    assert JWT not in late.getvalue() and "secret-cookie" not in late.getvalue()
    assert late.getvalue().count(REDACTED) == 2


def test_records_made_without_the_factory_are_scrubbed_by_the_handler_filter(
    installed: io.StringIO,
) -> None:
    record = logging.makeLogRecord(
        {
            "name": "x",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "token: %s",
            "args": (f"'access_token': '{PASSWORD}'",),
        }
    )
    logging.getLogger().handle(record)
    assert PASSWORD not in installed.getvalue() and REDACTED in installed.getvalue()


def test_a_format_mismatch_is_kept_redacted_not_a_logging_error(
    installed: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("lib").warning("%s and %s", f"password={PASSWORD}")
    assert PASSWORD not in installed.getvalue() + capsys.readouterr().err
    assert "%s and %s" in installed.getvalue()


def test_install_is_idempotent_and_uninstall_restores(installed: io.StringIO) -> None:
    factory = logging.getLogRecordFactory()
    log_redaction.install()
    assert logging.getLogRecordFactory() is factory
    assert sys.excepthook is log_redaction.excepthook
    handler = logging.getLogger().handlers[-1]
    assert sum(isinstance(f, log_redaction.RedactingFilter) for f in handler.filters) == 1


# -- crash reports ---------------------------------------------------------------------------------


def _crash(message: str) -> None:
    secret_local = "local-value-never-shown"  # noqa: F841 - a local that must not be dumped
    raise RuntimeError(message)


def test_uncaught_exceptions_are_reported_redacted_without_locals(
    installed: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    log_redaction.remember(PASSWORD)
    try:
        _crash(f"Exchange said no to {PASSWORD} (Authorization: Basic {BASIC})")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert "FocusGuard hit an unexpected error" in err and "RuntimeError" in err
    assert PASSWORD not in err and BASIC not in err
    assert "local-value-never-shown" not in err
    assert "in _crash" in err  # still a useful traceback


def test_uncaught_exceptions_in_threads_are_reported_redacted(
    installed: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    thread = threading.Thread(
        target=_crash, args=(f"client_secret={PASSWORD}",), name="focusguard-worker"
    )
    thread.start()
    thread.join()
    err = capsys.readouterr().err
    assert "in focusguard-worker" in err and "RuntimeError" in err
    assert PASSWORD not in err


def test_unraisable_exceptions_are_reported_redacted(
    installed: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    class Leaky:
        def __del__(self) -> None:
            raise ValueError(f"password: {PASSWORD}")

    obj = Leaky()
    del obj
    err = capsys.readouterr().err
    assert "ValueError" in err and PASSWORD not in err
