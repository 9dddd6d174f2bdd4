"""Issue 11's "done when": from `focusguard` with no settings to a running app that holds
customer mail, through the first-run wizard only — Microsoft 365 with an IT-provided managed
file (type the email, sign in), and on-premises Exchange (server and password). The launcher,
wizard, builder, backends and simulators are all real; the Graph sign-in is msal's device
code against the simulator playing login.microsoftonline.com."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from exchangelib.protocol import close_connections
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from focusguard.app import startup
from focusguard.app.backends import SimulatedServer
from focusguard.app.builder import App, Mode, Parts, build
from focusguard.app.setup import SettingsFile
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import GraphSimulator
from focusguard.ui.main import Launcher
from focusguard.ui.wizard import FirstRunWizard

HELD = "FocusGuard Held"


def starter(config: Path, tmp_path: Path, server: SimulatedServer | None) -> Callable[[], App]:
    def start() -> App:  # what focusguard/gui.py builds, with the simulator as the server
        parts = Parts(
            server=server, store_path=tmp_path / "state.sqlite3", control_root=tmp_path / "run"
        )
        return build(startup.load(config), Mode.TRAY, config=config, parts=parts)

    return start


def press(wizard: FirstRunWizard, which: QWizard.WizardButton) -> None:
    wizard.button(which).click()


def finish_to_a_holding_app(
    qtbot: QtBot, launcher: Launcher, wizard: FirstRunWizard, sim: EwsSimulator | GraphSimulator
) -> None:
    press(wizard, QWizard.WizardButton.NextButton)  # people: the defaults
    press(wizard, QWizard.WizardButton.NextButton)  # check-in times: the defaults
    qtbot.waitUntil(wizard.test_page.isComplete, timeout=30000)
    press(wizard, QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: launcher.shell is not None, timeout=10000)
    shell = launcher.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.feed.current.status is not None, timeout=20000)
    shell.service.focus_start(25)
    sim.deliver("Big Client <buyer@bigclient.example>", "Quote please")
    qtbot.waitUntil(
        lambda: [m["subject"] for m in sim.folder_messages(HELD)] == ["Quote please"],
        timeout=30000,
    )
    assert shell.feed.current.problem is None


def test_microsoft_365_user_with_a_managed_file_types_the_email_and_signs_in(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    managed = tmp_path / "managed.toml"
    managed.write_text(
        '[account]\nkind = "graph"\nclient_id = "5f1c2a3b-0d3e-4d3e-9d3e-00000000c1d0"\n'
        "poll_seconds = 5\n"
        '[managed]\nlocked = ["account.client_id"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FOCUSGUARD_MANAGED", str(managed))
    sim = GraphSimulator().start()
    config = tmp_path / "config" / "focusguard.toml"
    server = SimulatedServer("graph", sim.url)  # no fixed token: a real sign-in
    launcher = Launcher(
        QApplication.instance(),
        starter(config, tmp_path, server),
        SettingsFile(config, server=server),
    )  # type: ignore[arg-type]
    try:
        launcher.first_run()
        wizard = launcher._wizard
        assert isinstance(wizard, FirstRunWizard)
        wizard.email_page.email.setText("me@corp.example")  # field 1 of 1
        press(wizard, QWizard.WizardButton.NextButton)
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.microsoft_page, timeout=10000)
        wizard.microsoft_page.sign_in.code_button.click()
        qtbot.waitUntil(lambda: bool(sim.login.pending_user_codes()), timeout=10000)
        sim.login.approve_device()  # the person enters the code at microsoft.com/devicelogin
        qtbot.waitUntil(wizard.microsoft_page.isComplete, timeout=15000)
        press(wizard, QWizard.WizardButton.NextButton)
        finish_to_a_holding_app(qtbot, launcher, wizard, sim)
    finally:
        launcher.stop()
        sim.stop()


def test_on_premises_user_types_email_server_and_password(qtbot: QtBot, tmp_path: Path) -> None:
    sim = EwsSimulator(password="pw1").start()
    config = tmp_path / "config" / "focusguard.toml"
    launcher = Launcher(
        QApplication.instance(), starter(config, tmp_path, None), SettingsFile(config)
    )  # type: ignore[arg-type]
    try:
        launcher.first_run()
        wizard = launcher._wizard
        assert isinstance(wizard, FirstRunWizard)
        wizard.email_page.email.setText("me@corp.example")
        wizard.email_page.exchange.setChecked(True)
        press(wizard, QWizard.WizardButton.NextButton)
        form = wizard.exchange_page.form
        form.autodiscover.setChecked(False)
        form.server_url.setText(sim.url)
        form.auth.setCurrentIndex(form.auth.findData("basic"))
        form.password.setText("pw1")
        press(wizard, QWizard.WizardButton.NextButton)
        finish_to_a_holding_app(qtbot, launcher, wizard, sim)
    finally:
        launcher.stop()
        sim.stop()
        close_connections()
