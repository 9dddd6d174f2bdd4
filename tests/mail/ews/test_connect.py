"""Connecting and verifying: every way of getting it wrong ends in a clear, fast message."""

from __future__ import annotations

import http.server
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from focusguard.core.ports import AuthError, Folder, MailError, RuleMode
from focusguard.core.settings import AccountSettings, HoldingSettings, Settings
from focusguard.mail.ews import EwsBackend, connect_backend, verify_and_store
from focusguard.sim.ews import EwsSimulator
from tests.mail.ews.conftest import EMAIL, FOLDER, PASSWORD, account_for

pytestmark = pytest.mark.timeout(30)


class _Html(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html><body><h1>Welcome to the intranet</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/EWS/Exchange.asmx"
    srv.shutdown()
    srv.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_good_password_connects_and_creates_the_held_folder_once(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    first = make_backend()
    held_id = first.held_folder_id
    assert FOLDER in sim.mailbox_snapshot()
    first.close()
    ops_before = sim.operations().count("CreateFolder")
    second = make_backend()
    assert second.held_folder_id == held_id
    assert sim.operations().count("CreateFolder") == ops_before == 1
    assert second.list_folder(Folder.HELD) == []


def test_wrong_password_is_an_auth_error_at_once(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    start = time.monotonic()
    with pytest.raises(AuthError) as info:
        make_backend(password="not-the-password", max_wait=300)
    assert time.monotonic() - start < 5
    assert info.value.title == "Password rejected"
    assert EMAIL in info.value.message and "focusguard account login" in info.value.message
    assert len(sim.request_log) <= 2  # no retry storm


def test_wrong_path_is_not_an_auth_error(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    acct = account_for(sim, ews_url=sim.url.replace("/EWS/Exchange.asmx", "/owa/"))
    with pytest.raises(MailError) as info:
        make_backend(acct)
    assert not isinstance(info.value, AuthError)
    assert info.value.title == "Not an Exchange Web Services address"
    assert "404" in info.value.message


def test_connection_refused(sim: EwsSimulator, make_backend: Callable[..., EwsBackend]) -> None:
    acct = account_for(sim, ews_url=f"http://127.0.0.1:{_free_port()}/EWS/Exchange.asmx")
    start = time.monotonic()
    with pytest.raises(MailError) as info:
        make_backend(acct)
    assert time.monotonic() - start < 5
    assert info.value.title == "Exchange server unreachable"
    assert "refused" in info.value.message


def test_a_web_page_is_not_ews(
    sim: EwsSimulator, html_server: str, make_backend: Callable[..., EwsBackend]
) -> None:
    with pytest.raises(MailError) as info:
        make_backend(account_for(sim, ews_url=html_server))
    assert info.value.title == "Not an Exchange Web Services address"
    assert "text/html" in info.value.message


def test_plain_http_to_another_host_is_refused_before_sending_anything(
    sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    acct = account_for(sim, ews_url="http://mail.corp.example/EWS/Exchange.asmx")
    with pytest.raises(MailError) as info:
        make_backend(acct)
    assert info.value.title == "Unencrypted connection refused"
    assert not info.value.retryable


def test_password_rejected_later_stops_at_once_under_the_patient_policy(
    sim: EwsSimulator, backend: EwsBackend
) -> None:
    sim.fault("http_401", count=50, operation="FindItem")
    start = time.monotonic()
    with pytest.raises(AuthError) as info:
        backend.list_folder(Folder.INBOX)
    assert time.monotonic() - start < 5
    assert "Exchange rejected the password for me@corp.example" in info.value.message
    # One immediate retry on a fresh connection (a single 401 can be a hiccup), no more.
    assert sim.operations().count("FindItem") == 2


def test_connect_backend_needs_a_saved_password(sim: EwsSimulator) -> None:
    from focusguard.secrets import Keyring

    settings = _settings(account_for(sim))
    with pytest.raises(AuthError) as info:
        connect_backend(settings, Keyring("FocusGuard-test"))
    assert info.value.message == (
        "No password saved for me@corp.example — run `focusguard account login`."
    )
    Keyring("FocusGuard-test").set(EMAIL, PASSWORD)
    backend = connect_backend(settings, Keyring("FocusGuard-test"))
    try:
        backend.connect()
        assert backend.list_folder(Folder.INBOX) == []
    finally:
        backend.close()


def test_login_stores_only_a_verified_password(sim: EwsSimulator) -> None:
    from focusguard.secrets import Keyring

    keyring = Keyring("FocusGuard-test")
    with pytest.raises(AuthError):
        verify_and_store(account_for(sim), "wrong-one", keyring)
    assert keyring.get(EMAIL) is None
    verify_and_store(account_for(sim), PASSWORD, keyring)
    assert keyring.get(EMAIL) == PASSWORD


def test_the_password_appears_in_no_error_or_log_record(
    sim: EwsSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    # A rejected password that resembles what a server might echo back.
    wrong = PASSWORD + "-old"
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for acct, pw in (
            (account_for(sim), wrong),
            (account_for(sim, ews_url=sim.url.replace("EWS", "nope")), PASSWORD),
            (account_for(sim, ews_url=f"http://127.0.0.1:{_free_port()}/EWS"), PASSWORD),
        ):
            backend = EwsBackend(acct, HoldingSettings(RuleMode.SERVER_RULE, FOLDER), pw)
            try:
                backend.connect()
            except MailError as exc:
                texts += [str(exc), exc.title, exc.message, repr(exc)]
            finally:
                backend.close()
        backend = EwsBackend(
            account_for(sim), HoldingSettings(RuleMode.SERVER_RULE, FOLDER), PASSWORD, max_wait=5
        )
        backend.connect()
        sim.fault("http_401", count=5)
        try:
            backend.list_folder(Folder.INBOX)
        except MailError as exc:
            texts += [str(exc), repr(exc)]
        finally:
            backend.close()
    assert len(texts) >= 8
    texts += [r.getMessage() for r in caplog.records]
    texts += [r.exc_text or "" for r in caplog.records]
    for text in texts:
        assert PASSWORD not in text
        assert wrong not in text


def test_tls_is_verified_and_a_ca_bundle_is_honoured(
    tmp_path: Any, sim: EwsSimulator, make_backend: Callable[..., EwsBackend]
) -> None:
    cert, key = _self_signed(tmp_path)
    import ssl

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{srv.server_address[1]}/EWS/Exchange.asmx"
    try:
        with pytest.raises(MailError) as info:
            make_backend(account_for(sim, ews_url=url))
        assert info.value.title == "Secure connection failed"
        # Trusting the self-made CA gets past TLS, to the next problem: it is not EWS.
        with pytest.raises(MailError) as info:
            make_backend(account_for(sim, ews_url=url, ca_bundle=str(cert)))
        assert info.value.title == "Not an Exchange Web Services address"
    finally:
        srv.shutdown()
        srv.server_close()


def _settings(acct: AccountSettings) -> Settings:
    from focusguard.core.settings import (
        AutoreplySettings,
        PeopleSettings,
        ScheduleSettings,
    )

    return Settings(
        account=acct,
        people=PeopleSettings(),
        schedule=ScheduleSettings(timezone="UTC"),
        autoreply=AutoreplySettings(),
        holding=HoldingSettings(RuleMode.SERVER_RULE, FOLDER),
    )


def _self_signed(tmp_path: Any) -> tuple[Any, Any]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FocusGuard test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = tmp_path / "ca.pem"
    key_path = tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_verify_keeps_nothing(sim: EwsSimulator) -> None:
    from focusguard.mail.ews.login import verify

    verify(account_for(sim), PASSWORD)
    with pytest.raises(AuthError):
        verify(account_for(sim), "nope")
