"""The held folder: a mail folder at the top of the mailbox (a child of msgfolderroot, next to
the Inbox), found by name or created once.

Lookup uses `root // name` (FindFolder with a DisplayName restriction) and creation calls the
CreateFolder service directly: `Folder(parent=...).save()` would first crawl the whole folder
hierarchy (https://github.com/ecederstrand/exchangelib/issues/872).

The folder found must not be one of the mailbox's own (Deleted Items, Junk Email...), where
retention or the user would empty held mail away (issue 9). Their display names depend on the
mailbox's language, so they are compared by id: one GetFolder for the DistinguishedFolderIds
(https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/distinguishedfolderid).
"""

from __future__ import annotations

import logging
from typing import Any

from exchangelib import Folder
from exchangelib import folders as known
from exchangelib.errors import ErrorFolderExists, ErrorFolderNotFound
from exchangelib.properties import DistinguishedFolderId, Mailbox
from exchangelib.services import CreateFolder, GetFolder
from exchangelib.version import Build

from focusguard.mail.folder_refusal import well_known_refused

log = logging.getLogger(__name__)

# The distinguished folders a mail folder next to the Inbox could be (all in the Exchange
# 2016 schema; Archive and Clutter have no EWS id there, `config check` refuses their names).
WELL_KNOWN_CLASSES = (
    known.Inbox,
    known.DeletedItems,
    known.JunkEmail,
    known.SentItems,
    known.Drafts,
    known.Outbox,
    known.Calendar,
    known.Contacts,
    known.Tasks,
    known.Notes,
    known.Journal,
    known.VoiceMail,
    known.ConversationHistory,
    known.SyncIssues,
    known.Conflicts,
    known.LocalFailures,
    known.ServerFailures,
)


def held_folder(account: Any, name: str) -> Any:
    """The held folder `name` (created if need be), refused if it is a well-known one."""
    folder = find_or_create(account, name)
    refuse_well_known(account, folder, name)
    return folder


def refuse_well_known(account: Any, folder: Any, name: str) -> None:
    """MailError (not retryable) when `folder` is one of the mailbox's distinguished
    folders, whatever it is called in the mailbox's language."""
    build = getattr(getattr(account, "version", None), "build", None)
    classes = [
        cls
        for cls in WELL_KNOWN_CLASSES
        if cls.supported_from is None or not isinstance(build, Build) or build >= cls.supported_from
    ]
    mailbox = Mailbox(email_address=account.primary_smtp_address)
    wanted = [
        cls(
            _distinguished_id=DistinguishedFolderId(
                id=cls.DISTINGUISHED_FOLDER_ID, mailbox=mailbox
            ),
            root=account.root,
        )
        for cls in classes
    ]
    results = GetFolder(account=account).call(folders=wanted, additional_fields=[], shape="IdOnly")
    for cls, result in zip(classes, results, strict=False):
        if isinstance(result, Exception):
            continue  # this mailbox has no such folder (ErrorFolderNotFound)
        if getattr(result, "id", None) == folder.id:
            raise well_known_refused(name, cls.DISTINGUISHED_FOLDER_ID)


def find(account: Any, name: str) -> Any | None:
    """The folder `name` under the top of the mailbox, or None: nothing is created."""
    try:
        return account.msg_folder_root // name
    except ErrorFolderNotFound:
        return None


def find_or_create(account: Any, name: str) -> Any:
    """The folder `name` under the top of the mailbox, created if it is not there yet."""
    top = account.msg_folder_root
    found = find(account, name)
    if found is not None:
        return found
    results = list(
        CreateFolder(account=account).call(
            parent_folder=top, folders=[Folder(root=account.root, name=name)]
        )
    )
    error = next((r for r in results if isinstance(r, Exception)), None)
    if error is not None and not isinstance(error, ErrorFolderExists):
        raise error
    # Created (or made meanwhile by another client): read it back with its full identity.
    log.info("held folder %r %s", name, "existed" if error else "created")
    return top // name
