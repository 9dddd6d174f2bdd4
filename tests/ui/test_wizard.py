"""First-run wizard: end to end to a valid settings file, validation, and the demo button."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import keyring
from PySide6.QtCore import QTime
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from focusguard.core.settings import check_config, load_settings
from focusguard.secrets import SERVICE
from focusguard.ui.wizard import FirstRunWizard


def make(qtbot: QtBot, path: Path) -> FirstRunWizard:
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def next_button(wizard: FirstRunWizard):  # type: ignore[no-untyped-def]
    return wizard.button(QWizard.WizardButton.NextButton)


def test_end_to_end_writes_a_valid_config(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "focusguard.toml"
    wizard = make(qtbot, path)
    page = wizard.account_page
    assert not next_button(wizard).isEnabled()  # an email address is needed first
    page.form.email.setText("me@corp.example")
    page.form.autodiscover.setChecked(False)
    page.form.server_url.setText("https://mail.corp.example/EWS/Exchange.asmx")
    page.form.password.setText("pw1")
    assert next_button(wizard).isEnabled()
    next_button(wizard).click()

    people = wizard.people_page
    assert wizard.currentPage() is people
    assert people.own_domains.entries() == ["corp.example"]  # from the email address
    people.customers.editor.setPlainText("bigclient.com\nnot valid")
    assert not next_button(wizard).isEnabled()
    assert "Line 2" in people.customers.message.text()
    people.customers.editor.setPlainText("bigclient.com")
    people.urgent.editor.setPlainText("boss@corp.example")
    people.external_is_customer.setChecked(False)
    next_button(wizard).click()

    checkins = wizard.checkin_page
    checkins.times.set_times([])
    assert not next_button(wizard).isEnabled()
    for t in ("08:45", "14:00"):
        checkins.times.time.setTime(QTime.fromString(t, "HH:mm"))
        checkins.times.add_current()
    checkins.timezone.set_zone("Europe/Berlin")
    next_button(wizard).click()
    assert wizard.currentPage() is wizard.done_page
    assert "08:45, 14:00" in wizard.done_page.summary.text()

    with qtbot.waitSignal(wizard.finished, timeout=2000) as finished:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert finished.args == [int(QWizard.DialogCode.Accepted.value)]
    assert check_config(path) == []
    s = load_settings(path)
    assert s.account is not None and s.account.email == "me@corp.example"
    assert s.account.ews_url == "https://mail.corp.example/EWS/Exchange.asmx"
    assert s.people.own_domains == ("corp.example",)
    assert s.people.customers == ("bigclient.com",)
    assert s.people.urgent == ("boss@corp.example",)
    assert s.people.external_is_customer is False
    assert s.schedule.check_ins == (time(8, 45), time(14, 0))
    assert s.schedule.timezone == "Europe/Berlin"
    assert s.autoreply.enabled is False  # off unless the user turns it on
    assert keyring.get_password(SERVICE, "me@corp.example") == "pw1"
    assert "pw1" not in path.read_text(encoding="utf-8")


def test_finish_refuses_invalid_settings_and_writes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "focusguard.toml"
    wizard = make(qtbot, path)
    wizard.account_page.form.email.setText("not-an-address")
    next_button(wizard).click()
    # The account is checked on its own page, with the settings' own message.
    assert wizard.currentPage() is wizard.account_page
    assert "account.email" in wizard.account_page.problems.text()
    wizard.account_page.form.email.setText("me@corp.example")
    next_button(wizard).click()
    next_button(wizard).click()
    wizard.checkin_page.timezone.set_zone("Mars/Olympus")
    next_button(wizard).click()
    assert wizard.currentPage() is wizard.done_page
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.isVisible()
    assert "schedule.timezone" in wizard.done_page.problems.text()
    assert not path.exists()


def test_demo_button_emits_and_closes_without_saving(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "focusguard.toml"
    wizard = make(qtbot, path)
    with qtbot.waitSignals([wizard.demo_requested, wizard.finished], timeout=2000):
        wizard.account_page.demo_button.click()
    assert not wizard.isVisible()
    assert wizard.result() == QWizard.DialogCode.Rejected
    assert not path.exists()
