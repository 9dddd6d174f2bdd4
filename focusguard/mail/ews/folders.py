"""The held folder: a mail folder at the top of the mailbox (a child of msgfolderroot, next to
the Inbox), found by name or created once.

Lookup uses `root // name` (FindFolder with a DisplayName restriction) and creation calls the
CreateFolder service directly: `Folder(parent=...).save()` would first crawl the whole folder
hierarchy (notes §1.4, https://github.com/ecederstrand/exchangelib/issues/872).
"""

from __future__ import annotations

import logging
from typing import Any

from exchangelib import Folder
from exchangelib.errors import ErrorFolderExists, ErrorFolderNotFound
from exchangelib.services import CreateFolder

log = logging.getLogger(__name__)


def find_or_create(account: Any, name: str) -> Any:
    """The folder `name` under the top of the mailbox, created if it is not there yet."""
    top = account.msg_folder_root
    try:
        return top // name
    except ErrorFolderNotFound:
        pass
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
