"""The held folder is never one of the mailbox's own (issue 9): the EWS backend compares the
folder it found with the DistinguishedFolderIds, so a localized name is refused too."""

from __future__ import annotations

import pytest

from focusguard.core.ports import MailError, RuleMode
from focusguard.core.settings import AccountSettings, HoldingSettings
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator
from tests.mail.ews.conftest import PASSWORD


def connect(account: AccountSettings, folder: str) -> EwsBackend:
    backend = EwsBackend(
        account, HoldingSettings(RuleMode.SERVER_RULE, folder), PASSWORD, max_wait=20
    )
    try:
        backend.connect()
    except BaseException:
        backend.close()
        raise
    return backend


@pytest.mark.parametrize("folder", ["Deleted Items", "junk email", "Sent Items", "Calendar"])
def test_a_well_known_folder_is_refused(
    sim: EwsSimulator, account: AccountSettings, folder: str
) -> None:
    with pytest.raises(MailError) as info:
        connect(account, folder)
    error = info.value
    assert error.title == "Held folder not allowed" and error.retryable is False
    assert f'"{folder}"' in error.message and "Settings → Holding" in error.message
    assert "FocusGuard Held" in error.message


def test_a_localized_well_known_folder_is_refused_by_id(
    sim: EwsSimulator, account: AccountSettings
) -> None:
    # A German mailbox: its Deleted Items is "Gelöschte Elemente", which no name list knows.
    sim.localize_folder("deleteditems", "Gelöschte Elemente")
    with pytest.raises(MailError) as info:
        connect(account, "Gelöschte Elemente")
    assert "own Deleted Items folder" in info.value.message
    assert sim.rules() == []  # nothing was set up to hold mail there


def test_a_folder_of_its_own_with_a_similar_name_is_fine(
    sim: EwsSimulator, account: AccountSettings
) -> None:
    backend = connect(account, "Deleted Items (held)")
    try:
        assert backend.held_folder_id == sim.folder_id("Deleted Items (held)")
    finally:
        backend.close()
