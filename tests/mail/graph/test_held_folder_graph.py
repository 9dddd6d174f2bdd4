"""The held folder is never one of the mailbox's own (issue 9): the Graph backend compares
the folder it found with the well-known folders' ids, so a localized name is refused too."""

from __future__ import annotations

import pytest

from focusguard.core.ports import MailError, RuleMode
from focusguard.core.settings import HoldingSettings
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.mail.graph.conftest import account


def connect(sim: GraphSimulator, folder: str) -> GraphBackend:
    backend = GraphBackend(
        account(),
        HoldingSettings(RuleMode.SERVER_RULE, folder),
        StaticTokens(DEMO_TOKEN),
        base_url=sim.url,
        switch_off_on_close=False,
    )
    try:
        backend.connect()
    except BaseException:
        backend.close()
        raise
    return backend


@pytest.mark.parametrize("folder", ["Deleted Items", "JUNK EMAIL", "Archive", "Drafts"])
def test_a_well_known_folder_is_refused(sim: GraphSimulator, folder: str) -> None:
    with pytest.raises(MailError) as info:
        connect(sim, folder)
    error = info.value
    assert error.title == "Held folder not allowed" and error.retryable is False
    assert f'"{folder}"' in error.message and "Settings → Holding" in error.message


def test_a_localized_well_known_folder_is_refused_by_id(sim: GraphSimulator) -> None:
    sim.localize_folder("junkemail", "Courrier indésirable")  # a French mailbox
    with pytest.raises(MailError) as info:
        connect(sim, "Courrier indésirable")
    assert "own Junk Email folder" in info.value.message
    assert sim.rules() == []


def test_a_folder_of_its_own_is_fine(sim: GraphSimulator) -> None:
    backend = connect(sim, "Archive of mine")
    try:
        assert backend.held_folder_id == sim.folder_id("Archive of mine")
    finally:
        backend.close()
