"""Quit while mail is held asks: release now / keep holding (the fail-safe releases at HH:MM)
/ cancel — real widgets offscreen, the real app and engine on the in-memory mailbox."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtWidgets import QMessageBox

from focusguard.app.values import FailsafeRelease
from focusguard.core.failsafe import next_run
from focusguard.core.ports import Folder, MailError, MailItem, MoveResult
from focusguard.ui.menu import find_action
from focusguard.ui.quit_dialog import keep_label
from tests.ui.conftest import LONDON, START


class Installed:
    """The fail-safe's scheduler port, installed or not (its real classes are tested in
    tests/platform)."""

    def __init__(self, installed: bool) -> None:
        self._installed = installed

    def installed(self) -> bool:
        return self._installed


@pytest.fixture
def ui_failsafe() -> Installed:
    return Installed(True)


@pytest.fixture
def exits() -> list[int]:
    return []


@pytest.fixture
def make(qtbot, ui_rig, make_shell, exits):
    def build(*, held: int = 3):
        shell = make_shell(tray_available=True)
        shell._exit_app = lambda: exits.append(0)
        shell.start()
        qtbot.waitUntil(lambda: shell.feed.current.status is not None)
        if held:
            ui_rig.deliver(held)
            qtbot.waitUntil(lambda: shell.feed.current.held == held)
        return shell

    return build


def quit_from_menu(shell) -> None:
    shell.tray.menu.aboutToShow.emit()
    find_action(shell.tray.menu, "Quit FocusGuard").trigger()


def test_nothing_held_quits_at_once(make, exits) -> None:
    shell = make(held=0)
    quit_from_menu(shell)
    assert exits == [0] and shell.quit_dialog is None


def test_the_dialog_offers_three_choices_in_plain_text(make, exits) -> None:
    shell = make()
    quit_from_menu(shell)
    dialog = shell.quit_dialog
    assert dialog is not None and dialog.isVisible() and exits == []
    assert dialog.text() == "3 emails are held in your mailbox."
    assert dialog.release_button.text() == "&Release now"
    # Tuesday 11:00: customer mail is due at the 13:00 check-in, the fail-safe's run then.
    assert dialog.keep_button.text() == "&Keep holding (the fail-safe releases at 13:00)"
    assert dialog.cancel_button is dialog.button(QMessageBox.StandardButton.Cancel)
    assert dialog.defaultButton() is dialog.release_button
    assert dialog.escapeButton() is dialog.cancel_button
    quit_from_menu(shell)  # a second Quit raises the same dialog
    assert shell.quit_dialog is dialog


def test_cancel_keeps_running_and_holding(make, exits, ui_rig) -> None:
    shell = make()
    quit_from_menu(shell)
    shell.quit_dialog.cancel_button.click()
    assert exits == [] and shell.quit_dialog is None
    assert len(ui_rig.mailbox.list_folder(Folder.HELD)) == 3


def test_keep_holding_quits_and_leaves_the_mail_held(make, exits, ui_rig) -> None:
    shell = make()
    quit_from_menu(shell)
    shell.quit_dialog.keep_button.click()
    assert exits == [0]
    assert len(ui_rig.mailbox.list_folder(Folder.HELD)) == 3
    assert ui_rig.store.count_held() == 3


def test_release_now_releases_then_quits(qtbot, make, exits, ui_rig) -> None:
    shell = make()
    quit_from_menu(shell)
    shell.quit_dialog.release_button.click()
    qtbot.waitUntil(lambda: exits == [0])
    assert ui_rig.mailbox.list_folder(Folder.HELD) == []
    assert len(ui_rig.mailbox.list_folder(Folder.INBOX)) == 3
    assert ui_rig.store.count_held() == 0


def test_release_that_fails_keeps_running_and_says_so(qtbot, make, exits, ui_rig) -> None:
    shell = make()

    def refuse(items: list[MailItem], to: Folder) -> MoveResult:
        raise MailError("Exchange is not reachable", "Check the network; FocusGuard retries.")

    ui_rig.mailbox.move = refuse  # type: ignore[method-assign]
    quit_from_menu(shell)
    shell.quit_dialog.release_button.click()
    qtbot.waitUntil(
        lambda: any(s.title == "Not all held mail could be released" for s in ui_rig.sink.shown)
    )
    shown = next(s for s in ui_rig.sink.shown if s.title.startswith("Not all"))
    assert shown.body.startswith("3 could not be moved to your Inbox yet.")
    assert exits == []
    assert ui_rig.store.count_held() == 3


@pytest.mark.parametrize("ui_failsafe", [Installed(False)])
def test_without_the_failsafe_keep_says_when_it_comes_back(make) -> None:
    shell = make()
    quit_from_menu(shell)
    assert shell.quit_dialog.keep_button.text() == (
        "&Keep holding (released when FocusGuard starts again)"
    )


def test_keep_label_names_the_failsafe_run_after_the_release() -> None:
    from focusguard.core.settings import settings_from_toml
    from tests.fakes import OFFICE_CONFIG

    schedule = settings_from_toml(OFFICE_CONFIG).weekly_schedule()

    def label(due: datetime) -> str:  # what Service.failsafe_release computes
        return keep_label(FailsafeRelease(next_run(max(due, START), schedule), START, LONDON))

    # Internal mail due at an ad-hoc focus end of 11:37: the next quarter-hourly run.
    assert label(datetime(2026, 3, 24, 11, 37, tzinfo=LONDON)).endswith("releases at 11:45)")
    # Overdue already (the run is due now): the next run from now.
    assert label(START.replace(hour=10)).endswith("at 11:00)")
    # Due tomorrow morning: the 09:30 check-in run.
    tomorrow = datetime(2026, 3, 25, 9, 30, tzinfo=LONDON)
    assert label(tomorrow).endswith("releases tomorrow 09:30)")
