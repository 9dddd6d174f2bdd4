"""`holding.folder` is never one of the mailbox's own folders (issue 9): retention or the
user empties Deleted Items and Junk Email, and clients use Sent Items, Drafts, Outbox,
Archive... for their own purpose, so held mail there could be lost or buried."""

from __future__ import annotations

import pytest

from focusguard.core.settings import ConfigError, settings_from_toml
from focusguard.domain.well_known_folders import WELL_KNOWN_FOLDERS, label, well_known_named


def problems(folder: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_toml(f'[holding]\nfolder = "{folder}"\n')
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("folder", "named"),
    [
        ("Deleted Items", "Deleted Items"),
        ("deleted items", "Deleted Items"),
        ("DELETED  ITEMS", "Deleted Items"),
        ("Junk Email", "Junk Email"),
        ("Junk E-mail", "Junk Email"),
        ("junkemail", "Junk Email"),
        ("Archive", "Archive"),
        ("Sent Items", "Sent Items"),
        ("Drafts", "Drafts"),
        ("Outbox", "Outbox"),
        ("Conversation History", "Conversation History"),
        ("Calendar", "Calendar"),
        ("Contacts", "Contacts"),
        ("Tasks", "Tasks"),
        ("Notes", "Notes"),
        ("Clutter", "Clutter"),
        ("RSS Feeds", "RSS Feeds"),
        ("RSS Subscriptions", "RSS Feeds"),
        ("Sync Issues", "Sync Issues"),
        ("Scheduled", "Scheduled"),
        ("Recoverable Items", "Recoverable Items"),
    ],
)
def test_a_well_known_folder_is_refused_naming_the_field(folder: str, named: str) -> None:
    assert problems(folder) == [
        f'holding.folder: "{folder}" is the mailbox\'s own {named} folder, where held mail '
        "could be emptied away or lost among other mail (use a folder of its own, e.g. "
        '"FocusGuard Held")'
    ]


def test_the_inbox_keeps_its_own_message() -> None:
    assert problems("INBOX") == [
        'holding.folder: "INBOX" is the Inbox itself (use another name, e.g. "FocusGuard Held")'
    ]


@pytest.mark.parametrize(
    "folder", ["FocusGuard Held", "Held until check-in", "Deleted Items later", "Archive 2026"]
)
def test_folders_of_the_users_own_are_fine(folder: str) -> None:
    assert settings_from_toml(f'[holding]\nfolder = "{folder}"\n').holding.folder == folder


def test_every_well_known_id_has_a_label_and_is_refused() -> None:
    for folder_id, display in WELL_KNOWN_FOLDERS.items():
        assert label(folder_id) == display
        assert well_known_named(folder_id) == folder_id
        assert well_known_named(f"  {display.upper()} ") == folder_id
