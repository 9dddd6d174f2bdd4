"""First-run wizard with the real widgets offscreen: email first, the account kind worked out
from the domain (the Graph simulator plays login.microsoftonline.com), Microsoft 365 sign-in
with the real msal device-code flow, on-premises Exchange against the EWS simulator, the
connection test before Finish, validation, managed presets, and the demo button."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import keyring
import pytest
from exchangelib.protocol import close_connections
from PySide6.QtCore import QTime
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from focusguard.app.backends import SimulatedServer
from focusguard.app.setup import SettingsFile
from focusguard.core.settings import check_config, load_settings
from focusguard.secrets import SERVICE
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import GraphSimulator
from focusguard.ui.wizard import FirstRunWizard

CLIENT_ID = "5f1c2a3b-0d3e-4d3e-9d3e-00000000c1d0"


@pytest.fixture
def graph() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def ews() -> Iterator[EwsSimulator]:
    sim = EwsSimulator(password="pw1").start()
    try:
        yield sim
    finally:
        sim.stop()
        close_connections()


def managed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "managed.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("FOCUSGUARD_MANAGED", str(path))
    return path


def make(qtbot: QtBot, file: SettingsFile) -> FirstRunWizard:
    wizard = FirstRunWizard(file)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def next_button(wizard: FirstRunWizard):  # type: ignore[no-untyped-def]
    return wizard.button(QWizard.WizardButton.NextButton)


def finish_button(wizard: FirstRunWizard):  # type: ignore[no-untyped-def]
    return wizard.button(QWizard.WizardButton.FinishButton)


def sign_in_with_code(qtbot: QtBot, wizard: FirstRunWizard, sim: GraphSimulator) -> str:
    """Press "Use a code instead", then be the person entering the code shown."""
    page = wizard.microsoft_page
    page.sign_in.code_button.click()
    qtbot.waitUntil(
        lambda: "microsoft.com/devicelogin" in page.sign_in.status.text(), timeout=10000
    )
    shown = page.sign_in.status.text()
    [code] = sim.login.pending_user_codes()
    assert code in shown
    sim.login.approve_device(code)
    qtbot.waitUntil(lambda: page.isComplete(), timeout=15000)
    return shown


def through_people_and_checkins(qtbot: QtBot, wizard: FirstRunWizard) -> None:
    assert wizard.currentPage() is wizard.people_page
    next_button(wizard).click()
    checkins = wizard.checkin_page
    checkins.times.set_times([])
    for t in ("08:45", "14:00"):
        checkins.times.time.setTime(QTime.fromString(t, "HH:mm"))
        checkins.times.add_current()
    checkins.timezone.set_zone("Europe/Berlin")
    next_button(wizard).click()
    assert wizard.currentPage() is wizard.test_page


def test_microsoft_365_email_and_sign_in_with_it_managed_app_id(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    managed_file(
        tmp_path,
        monkeypatch,
        f'[account]\nkind = "graph"\nclient_id = "{CLIENT_ID}"\n'
        '[people]\nurgent = ["ceo@corp.example"]\n'
        '[managed]\nlocked = ["account.client_id"]\n',
    )
    path = tmp_path / "focusguard.toml"
    wizard = make(qtbot, SettingsFile(path, server=SimulatedServer("graph", graph.url)))
    page = wizard.email_page
    assert not next_button(wizard).isEnabled()  # the email address first
    page.email.setText("me@corp.example")
    next_button(wizard).click()  # looks the domain up: Microsoft 365
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.microsoft_page, timeout=10000)
    microsoft = wizard.microsoft_page
    assert "me@corp.example" in microsoft.account_line.text()
    # IT preset the app id: the page shows nothing but the sign-in.
    assert not microsoft.client_id.isVisible() and not microsoft.tenant.isVisible()
    assert microsoft.tenant.text() == graph.login.tenant_id  # from the domain's discovery
    assert not next_button(wizard).isEnabled()  # signed in first
    sign_in_with_code(qtbot, wizard, graph)
    assert "Signed in as me@corp.example" in microsoft.sign_in.status.text()
    next_button(wizard).click()
    assert wizard.people_page.urgent.entries() == ["ceo@corp.example"]  # the organisation's
    through_people_and_checkins(qtbot, wizard)

    test = wizard.test_page
    qtbot.waitUntil(lambda: test.isComplete(), timeout=15000)
    assert "Connected to the mailbox me@corp.example" in test.result.text()
    assert "Server rules can be used" in test.result.text()
    with qtbot.waitSignal(wizard.finished, timeout=5000) as finished:
        finish_button(wizard).click()
    assert finished.args == [int(QWizard.DialogCode.Accepted.value)]
    assert check_config(path) == []
    s = load_settings(path)
    assert s.account is not None and s.account.kind == "graph"
    assert s.account.client_id == CLIENT_ID and s.account.tenant == graph.login.tenant_id
    assert s.people.own_domains == ("corp.example",)
    cache = json.loads(keyring.get_password(SERVICE, "graph-token-cache:me@corp.example") or "{}")
    assert cache["RefreshToken"]
    assert "sim-" not in path.read_text(encoding="utf-8")  # no token in the file


def test_sign_in_refused_says_what_to_do_and_finish_stays_off(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator
) -> None:
    wizard = make(
        qtbot, SettingsFile(tmp_path / "f.toml", server=SimulatedServer("graph", graph.url))
    )
    wizard.email_page.email.setText("me@corp.example")
    next_button(wizard).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.microsoft_page, timeout=10000)
    microsoft = wizard.microsoft_page
    assert microsoft.client_id.isVisible()  # nobody preset it: asked for
    microsoft.sign_in.code_button.click()
    qtbot.waitUntil(lambda: "Fix first" in microsoft.sign_in.status.text(), timeout=5000)
    assert "account.client_id" in microsoft.sign_in.status.text()
    microsoft.client_id.setText(CLIENT_ID)
    graph.login.refuse("admin_consent_required")
    microsoft.sign_in.code_button.click()
    qtbot.waitUntil(lambda: bool(graph.login.pending_user_codes()), timeout=10000)
    graph.login.approve_device()
    qtbot.waitUntil(lambda: "approve" in microsoft.sign_in.status.text(), timeout=15000)
    text = microsoft.sign_in.status.text()
    assert "Your organisation must approve FocusGuard" in text
    assert "/adminconsent?client_id=" + CLIENT_ID in text
    assert not next_button(wizard).isEnabled()


def test_exchange_server_path_tests_before_finish(
    qtbot: QtBot, tmp_path: Path, ews: EwsSimulator
) -> None:
    path = tmp_path / "focusguard.toml"
    wizard = make(qtbot, SettingsFile(path))
    wizard.email_page.email.setText("me@corp.example")
    wizard.email_page.exchange.setChecked(True)  # the manual choice
    next_button(wizard).click()
    page = wizard.exchange_page
    assert wizard.currentPage() is page
    assert not page.form.email.isVisible() and not page.form.kind.isVisible()
    assert not page.form.tenant.isVisible() and page.form.password.isVisible()
    page.form.autodiscover.setChecked(False)
    page.form.server_url.setText(ews.url)
    page.form.auth.setCurrentIndex(page.form.auth.findData("basic"))
    page.form.username.setText("me")
    page.form.password.setText("wrong")
    next_button(wizard).click()
    through_people_and_checkins(qtbot, wizard)
    test = wizard.test_page
    qtbot.waitUntil(lambda: "Testing" not in test.result.text(), timeout=20000)
    assert not test.isComplete() and not finish_button(wizard).isEnabled()
    assert "password" in test.result.text().lower()
    wizard.back()
    wizard.back()
    wizard.back()
    page.form.password.setText("pw1")
    for _ in range(3):
        next_button(wizard).click()
    qtbot.waitUntil(lambda: test.isComplete(), timeout=20000)
    assert "Connected to the mailbox me@corp.example" in test.result.text()
    assert "No Outlook client-side rules" in test.result.text()
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        finish_button(wizard).click()
    s = load_settings(path)
    assert s.account is not None and s.account.kind == "ews" and s.account.ews_url == ews.url
    assert s.schedule.check_ins == (time(8, 45), time(14, 0))
    assert keyring.get_password(SERVICE, "me@corp.example") == "pw1"
    assert "pw1" not in path.read_text(encoding="utf-8")


def test_office365_ews_address_explains_and_switches_to_microsoft_365(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator
) -> None:
    wizard = make(
        qtbot, SettingsFile(tmp_path / "f.toml", server=SimulatedServer("graph", graph.url))
    )
    wizard.email_page.email.setText("me@corp.example")
    wizard.email_page.exchange.setChecked(True)
    next_button(wizard).click()
    form = wizard.exchange_page.form
    assert not form.office365.isVisible()
    form.autodiscover.setChecked(False)
    form.server_url.setText("https://outlook.office365.com/EWS/Exchange.asmx")
    assert form.office365.isVisible() and "Microsoft 365" in form.office365.text()
    form.use_microsoft.click()
    assert wizard.currentPage() is wizard.microsoft_page


def test_unknown_kind_asks_for_the_choice(qtbot: QtBot, tmp_path: Path) -> None:
    # The lookup cannot reach Microsoft: say so, and let the person choose.
    wizard = make(
        qtbot,
        SettingsFile(
            tmp_path / "f.toml", server=SimulatedServer("graph", "http://127.0.0.1:9/v1.0")
        ),
    )
    wizard.email_page.email.setText("me@corp.example")
    next_button(wizard).click()
    qtbot.waitUntil(
        lambda: "Choose the account type" in wizard.email_page.status.text(), timeout=10000
    )
    assert wizard.currentPage() is wizard.email_page
    wizard.email_page.microsoft.setChecked(True)
    next_button(wizard).click()
    assert wizard.currentPage() is wizard.microsoft_page


def test_invalid_email_is_refused_on_its_page(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make(qtbot, SettingsFile(tmp_path / "f.toml"))
    wizard.email_page.email.setText("not-an-address")
    next_button(wizard).click()
    assert wizard.currentPage() is wizard.email_page
    assert "account.email" in wizard.email_page.status.text()


def test_demo_button_emits_and_closes_without_saving(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "focusguard.toml"
    wizard = make(qtbot, SettingsFile(path))
    with qtbot.waitSignals([wizard.demo_requested, wizard.finished], timeout=2000):
        wizard.email_page.demo_button.click()
    assert not wizard.isVisible()
    assert wizard.result() == QWizard.DialogCode.Rejected
    assert not path.exists()


def test_sign_in_with_microsoft_in_the_browser(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The button opens the system browser at Microsoft's page (played: it follows the page
    back to msal's loopback listener); the wizard then shows the account signed in."""
    import re
    import threading
    import webbrowser
    from html import unescape

    from focusguard.mail.graph.login_transport import simulated_login_session

    monkeypatch.setenv("DISPLAY", ":99")  # a desktop session: the browser can be opened
    session = simulated_login_session(graph.login_url)

    def person_in_the_browser(url: str) -> None:
        page = session.get(url, timeout=10)
        action = re.search(r'action="([^"]+)"', page.text)
        assert action is not None
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        session.post(unescape(action.group(1)), data=fields, timeout=10)

    opened: list[str] = []

    def browser(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        threading.Thread(target=person_in_the_browser, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    wizard = make(
        qtbot, SettingsFile(tmp_path / "f.toml", server=SimulatedServer("graph", graph.url))
    )
    wizard.email_page.email.setText("me@corp.example")
    next_button(wizard).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.microsoft_page, timeout=10000)
    page = wizard.microsoft_page
    page.client_id.setText(CLIENT_ID)
    assert page.sign_in.browser_button.isEnabled()
    page.sign_in.browser_button.click()
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert opened and opened[0].startswith("https://login.microsoftonline.com/")
    assert "login_hint=me%40corp.example" in opened[0]
    assert graph.login.sign_ins == ["browser"]
    assert next_button(wizard).isEnabled()
