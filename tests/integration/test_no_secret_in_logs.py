"""`focusguard -v` logs no credential, from any library (issue 9 §3), and its crash reports
neither: the real exchangelib at DEBUG against the EWS simulator with Basic auth (it logs
every request's headers), the real msal token flows at DEBUG against the Graph simulator's
token endpoint, and an uncaught exception carrying the password."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from focusguard import log_redaction
from focusguard.core.settings import AccountSettings
from focusguard.mail.graph.login_transport import simulated_login_session
from focusguard.mail.graph.tokens import MsalTokens
from focusguard.secrets import Keyring
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import GraphSimulator
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Zq7-unusual-Secret-4711"
EMAIL = "me@corp.example"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
FOCUSGUARD = (sys.executable, "-m", "focusguard")


def forms_of(password: str, user: str = EMAIL) -> list[str]:
    """Every way the password travels: itself, base64 alone, the Basic credential."""
    return [
        password,
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(f"{user}:{password}".encode()).decode(),
    ]


@pytest.fixture
def ews_sim() -> Iterator[EwsSimulator]:
    sim = EwsSimulator(password=PASSWORD, mailbox=EMAIL)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FOCUSGUARD_HOME=str(tmp_path / "home"),
        PYTHON_KEYRING_BACKEND="tests.keyring_file.FileKeyring",
        FOCUSGUARD_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    return env


def test_verbose_login_logs_exchangelib_requests_without_the_password(
    ews_sim: EwsSimulator, tmp_path: Path
) -> None:
    config = tmp_path / "focusguard.toml"
    config.write_text(
        f'[account]\nkind = "ews"\nemail = "{EMAIL}"\news_url = "{ews_sim.url}"\nauth = "basic"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [*FOCUSGUARD, "account", "login", "-v", "--password-stdin", "--config", str(config)],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    log = result.stdout + result.stderr
    for form in forms_of(PASSWORD):
        assert form not in log
    # ... and the log is still what a person debugging a connection needs.
    assert "exchangelib.util" in log and "Status code: 200" in log
    assert f"URL: {ews_sim.url}" in log
    assert "'Authorization': 'Basic [REDACTED]'" in log
    assert "<m:GetFolder" in log or "GetFolder" in log  # the SOAP conversation is kept


def test_a_crash_report_after_cli_start_never_shows_the_password(tmp_path: Path) -> None:
    """Whatever the CLI ran, an uncaught exception later (main thread or another thread)
    is reported through the same redaction."""
    script = (
        "import threading\n"
        "from focusguard import cli\n"
        "from focusguard.secrets import Keyring\n"
        "cli.main(['config', 'path'])\n"
        f"Keyring().set('{EMAIL}', {PASSWORD!r})\n"
        "def work():\n"
        f"    raise RuntimeError('stream died: Authorization: Basic {forms_of(PASSWORD)[2]}')\n"
        "t = threading.Thread(target=work, name='ews-watcher'); t.start(); t.join()\n"
        f"raise ValueError('Exchange refused ' + {PASSWORD!r})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    for form in forms_of(PASSWORD):
        assert form not in result.stderr
    assert "in ews-watcher" in result.stderr and "RuntimeError: stream died" in result.stderr
    assert "ValueError: Exchange refused [REDACTED]" in result.stderr


# -- msal ---------------------------------------------------------------------------------------


@pytest.fixture
def graph_sim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator()
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The root logger at DEBUG with a handler, redaction installed as `focusguard -v` has it."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    log_redaction.install()
    try:
        yield stream
    finally:
        log_redaction.uninstall()
        root.removeHandler(handler)
        root.setLevel(level)


def test_msal_debug_output_carries_no_token_or_device_code(
    graph_sim: GraphSimulator, debug_log: io.StringIO
) -> None:
    import msal

    # The simulator plays login.microsoftonline.com (discovery, device code, token endpoint).
    session = simulated_login_session(graph_sim.login_url)
    cache = msal.SerializableTokenCache()
    app = msal.PublicClientApplication(
        CLIENT_ID,
        authority="https://login.microsoftonline.com/organizations",
        http_client=session,
        token_cache=cache,
    )
    account = AccountSettings(kind="graph", email=EMAIL, auth="oauth", client_id=CLIENT_ID)
    tokens = MsalTokens(account, Keyring(), app=app, cache=cache)
    shown: list[str] = []

    def user() -> None:  # enters the code once FocusGuard has shown it
        wait_until(lambda: bool(shown), timeout=10)
        graph_sim.login.approve_device()

    helper = threading.Thread(target=user, daemon=True)
    helper.start()
    tokens.sign_in_device_code(shown.append)  # the device-code flow, as `account login` runs it
    helper.join(timeout=10)
    stored = Keyring().get(f"graph-token-cache:{EMAIL}")
    assert stored is not None
    [refresh] = [v["secret"] for v in json.loads(stored)["RefreshToken"].values()]
    [access] = [v["secret"] for v in json.loads(stored)["AccessToken"].values()]
    renewed = app.acquire_token_by_refresh_token(refresh, ["https://graph.microsoft.com/Mail.Read"])
    assert "access_token" in renewed

    out = debug_log.getvalue()
    for secret in (
        *graph_sim.login.device_codes,
        refresh,
        access,
        renewed["access_token"],
        renewed["refresh_token"],
    ):
        assert secret not in out, secret
    assert "POST /organizations/oauth2/v2.0/token" in out  # the log still tells the story
    assert "msal.token_cache" in out and '"device_code": "[REDACTED]"' in out
    assert len(shown) == 1 and "https://microsoft.com/devicelogin" in shown[0]
