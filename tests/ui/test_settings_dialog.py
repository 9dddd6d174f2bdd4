"""Settings dialog: round trip through the file, validation as you type, the consent box,
the keyring, and the connection test off the GUI thread."""

from __future__ import annotations

import threading
from datetime import datetime, time
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from focusguard.core.ports import AuthError
from focusguard.core.settings import (
    AccountSettings,
    FocusBlockSettings,
    load_settings,
    settings_from_toml,
)
from focusguard.secrets import SERVICE
from focusguard.ui.settings_dialog import RULE_BLOB_CONSENT, SettingsDialog
from tests.ui.digest_fixtures import CONFIG, LONDON

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=LONDON)  # Tuesday 10:00


def make(qtbot: QtBot, path: Path, **kw: object) -> SettingsDialog:
    dialog = SettingsDialog(path, now=lambda: NOW, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "focusguard.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_round_trip_load_edit_save(qtbot: QtBot, config: Path) -> None:
    dialog = make(qtbot, config)
    assert dialog.account.email.text() == "me@corp.example"
    assert dialog.customers.entries() == ["bigclient.com"]
    dialog.customers.editor.setPlainText("bigclient.com\n\nbuyer@shop.example\n# a note")
    dialog.check_ins.time.setTime(dialog.check_ins.time.time().fromString("11:15", "HH:mm"))
    dialog.check_ins.add_current()
    dialog.workdays["fri"].setChecked(False)
    dialog.add_block.click()
    dialog.timezone.set_zone("America/New_York")
    dialog.autoreply_enabled.setChecked(True)
    dialog.urgent_phone.setText("+1 555 0100")
    dialog.folder.setText("Later")
    assert not dialog.urgent_alerts.isChecked()
    dialog.urgent_alerts.setChecked(True)
    dialog.account.password.setText("s3cret")
    with qtbot.waitSignal(dialog.saved):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.result() == dialog.DialogCode.Accepted
    s = load_settings(config)
    assert s.people.customers == ("bigclient.com", "buyer@shop.example")
    assert s.schedule.check_ins == (time(9, 30), time(11, 15), time(13, 0), time(16, 30))
    assert s.schedule.workdays == ("mon", "tue", "wed", "thu")
    assert s.schedule.focus_blocks == (
        FocusBlockSettings(("mon", "wed"), time(10), time(12)),  # from the file
        FocusBlockSettings(("mon", "tue", "wed", "thu", "fri"), time(10), time(12)),  # added
    )
    assert s.schedule.timezone == "America/New_York"
    assert s.autoreply.enabled and s.autoreply.urgent_phone == "+1 555 0100"
    assert s.holding.folder == "Later"
    assert s.notifications.urgent_during_focus is True
    assert s.account is not None and s.account.auth == "basic"
    # The password is in the keyring, not the file.
    assert keyring.get_password(SERVICE, "me@corp.example") == "s3cret"
    assert "s3cret" not in config.read_text(encoding="utf-8")


def test_unchanged_dialog_saves_the_same_settings(qtbot: QtBot, config: Path) -> None:
    before = load_settings(config)
    dialog = make(qtbot, config)
    assert dialog.save()
    assert load_settings(config) == before


def test_invalid_form_lists_every_problem_and_stays_open(qtbot: QtBot, config: Path) -> None:
    original = config.read_text(encoding="utf-8")
    dialog = make(qtbot, config)
    dialog.show()
    dialog.account.autodiscover.setChecked(False)
    dialog.account.server_url.setText("http://mail.corp.example/EWS/Exchange.asmx")
    dialog.folder.setText("Inbox")
    assert dialog.save() is False
    text = dialog.problems.text()
    assert "account.ews_url" in text and "uses http" in text
    assert "holding.folder" in text and "Inbox" in text
    assert dialog.problems.textFormat() == Qt.TextFormat.PlainText
    assert dialog.isVisible()
    assert dialog.tabs.currentIndex() == 0  # the first problem's tab
    assert config.read_text(encoding="utf-8") == original


def test_sender_lists_validate_as_you_type(qtbot: QtBot, config: Path) -> None:
    dialog = make(qtbot, config)
    edit = dialog.urgent
    edit.editor.setPlainText("boss@corp.example\nnot an address\ncom")
    assert [p.line for p in edit.validator.problems] == [2, 3]
    assert edit.message.text().splitlines() == [
        'Line 2: "not an address" is not an email address or domain '
        '(use "name@example.com" or "example.com")',
        'Line 3: "com" is not an email address or domain (use "name@example.com" or "example.com")',
    ]
    assert len(edit.editor.extraSelections()) == 2  # the red lines
    edit.editor.setPlainText("boss@corp.example\n@vip.example")
    assert edit.validator.problems == []
    assert edit.message.text() == "" and edit.editor.extraSelections() == []


def test_template_problems_and_live_preview(qtbot: QtBot, config: Path) -> None:
    dialog = make(qtbot, config)
    dialog.urgent_phone.setText("+44 20 7946 0000")
    dialog.template.setPlainText("Back at {next_check_in}; call {urgent_phone}.")
    assert dialog.preview.text() == "Back at 13:00 GMT today; call +44 20 7946 0000."
    dialog.timezone.set_zone("Asia/Tokyo")  # the check-ins move with the zone
    # 10:00 in London is 19:00 in Tokyo: the next check-in is Wednesday morning there.
    assert dialog.preview.text() == "Back at 09:30 JST tomorrow; call +44 20 7946 0000."
    dialog.template.setPlainText("Back at {next_checkin}")
    assert "unknown placeholder {next_checkin}" in dialog.template_message.text()
    assert "did you mean {next_check_in}?" in dialog.template_message.text()
    assert dialog.preview.text() == "(fix the text above to see the preview)"
    dialog.template.setPlainText("Back {")
    assert "unmatched" in dialog.template_message.text()


def test_consent_cancel_leaves_it_unticked_and_ok_ticks(
    qtbot: QtBot, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, Qt.TextFormat]] = []
    answer = [QMessageBox.StandardButton.Cancel]

    def fake_exec(box: QMessageBox) -> int:
        seen.append((box.text(), box.textFormat()))
        return int(answer[0].value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    dialog = make(qtbot, config)
    dialog.show()
    dialog.tabs.setCurrentIndex(4)
    qtbot.mouseClick(dialog.allow_blob_removal, Qt.MouseButton.LeftButton)
    assert seen == [(RULE_BLOB_CONSENT, Qt.TextFormat.PlainText)]
    assert not dialog.allow_blob_removal.isChecked()
    answer[0] = QMessageBox.StandardButton.Ok
    qtbot.mouseClick(dialog.allow_blob_removal, Qt.MouseButton.LeftButton)
    assert dialog.allow_blob_removal.isChecked()
    assert dialog.save()
    acct = load_settings(config).account
    assert acct is not None and acct.allow_rule_blob_removal is True
    # Unticking needs no consent.
    dialog2 = make(qtbot, config)
    dialog2.show()
    dialog2.tabs.setCurrentIndex(4)
    qtbot.mouseClick(dialog2.allow_blob_removal, Qt.MouseButton.LeftButton)
    assert len(seen) == 2 and not dialog2.allow_blob_removal.isChecked()


def test_invalid_file_shows_problems_and_starts_from_defaults(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "focusguard.toml"
    broken = '[schedule]\ntimezone = "Mars/Olympus"\nholdng = 1\n'
    path.write_text(broken, encoding="utf-8")
    dialog = make(qtbot, path)
    text = dialog.banner.text()
    assert "starts from the defaults" in text
    assert "schedule.timezone" in text and "schedule.holdng" in text
    assert dialog.banner.textFormat() == Qt.TextFormat.PlainText
    assert dialog.account.email.text() == ""
    assert path.read_text(encoding="utf-8") == broken  # nothing written yet
    dialog.timezone.set_zone("Europe/London")
    assert dialog.save()
    assert load_settings(path).schedule.timezone == "Europe/London"


def test_missing_file_starts_from_defaults_quietly(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = make(qtbot, tmp_path / "new" / "focusguard.toml")
    assert dialog.banner.text() == ""
    assert dialog.save()
    assert settings_from_toml((tmp_path / "new" / "focusguard.toml").read_text()).account is None


def test_connection_test_runs_off_the_gui_thread(qtbot: QtBot, config: Path) -> None:
    release = threading.Event()
    calls: list[tuple[AccountSettings, str, threading.Thread]] = []

    def slow_test(account: AccountSettings, password: str) -> None:
        calls.append((account, password, threading.current_thread()))
        assert release.wait(10)

    dialog = make(qtbot, config, test_connection=slow_test)
    dialog.account.password.setText("pw")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: bool(calls), timeout=5000)
    # The test is blocked in its thread, and the GUI still handles events.
    assert dialog.test_result.text() == "Testing…" and not dialog.test_button.isEnabled()
    dialog.urgent_phone.setText("typed while testing")
    QApplication.processEvents()
    assert dialog.urgent_phone.text() == "typed while testing"
    with qtbot.waitSignal(dialog.connection_tested, timeout=5000) as done:
        release.set()
    assert done.args == [True, "Connected"]
    account, password, thread = calls[0]
    assert thread is not threading.main_thread()
    assert account.email == "me@corp.example" and password == "pw"
    assert dialog.test_button.isEnabled()


def test_connection_error_is_shown_as_plain_text(qtbot: QtBot, config: Path) -> None:
    def refuse(account: AccountSettings, password: str) -> None:
        raise AuthError("Password rejected", "<b>Exchange</b> rejected the password")

    dialog = make(qtbot, config, test_connection=refuse)
    with qtbot.waitSignal(dialog.connection_tested, timeout=5000) as done:
        dialog.test_button.click()
    assert done.args == [False, "Password rejected: <b>Exchange</b> rejected the password"]
    assert dialog.test_result.text() == done.args[1]
    assert dialog.test_result.textFormat() == Qt.TextFormat.PlainText


def test_the_failsafe_switch_round_trips(qtbot: QtBot, config: Path) -> None:
    assert load_settings(config).holding.failsafe is True
    dialog = make(qtbot, config)
    assert dialog.failsafe.isChecked()
    dialog.failsafe.setChecked(False)
    assert dialog.save()
    assert load_settings(config).holding.failsafe is False
    # Saving again keeps it off (the form must not drop the key and re-enable it).
    again = make(qtbot, config)
    assert not again.failsafe.isChecked()
    assert again.save()
    assert load_settings(config).holding.failsafe is False
