"""What both backends say when the configured held folder is one of the mailbox's own.

The folder is compared by server id (EWS DistinguishedFolderId, Graph well-known names), so
this catches what `config check` cannot: a mailbox in another language names its Deleted
Items "Gelöschte Elemente" (issue 9; domain/well_known_folders.py).
"""

from __future__ import annotations

from focusguard.core.ports import MailError
from focusguard.domain.well_known_folders import label


def well_known_refused(name: str, folder_id: str) -> MailError:
    return MailError(
        "Held folder not allowed",
        f'The held folder "{name}" is your mailbox\'s own {label(folder_id)} folder, where '
        'retention or "Empty folder" would lose held mail. Choose a folder of its own (e.g. '
        '"FocusGuard Held") for holding.folder in Settings → Holding.',
        retryable=False,
    )
