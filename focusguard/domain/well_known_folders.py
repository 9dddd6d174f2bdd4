"""The mailbox's own folders, which can never be the held folder.

Held mail must sit where nothing but FocusGuard moves it. A well-known folder is emptied by
retention policies (Deleted Items, Junk Email), by the user ("Empty folder"), or means
something else to every client (Sent Items, Drafts, Outbox, Archive...): held mail there is
lost, sent, or hidden among the user's own (issue 9).

Two checks use this: `config check` refuses the English display names Exchange gives these
folders (and their EWS/Graph ids, which people copy from docs); the backends refuse a folder
that *is* one of them on the server, compared by id — a mailbox in another language names
them differently. Names: EWS DistinguishedFolderId
(https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/distinguishedfolderid)
and Graph's well-known folder names
(https://learn.microsoft.com/en-us/graph/api/resources/mailfolder#well-known-folder-names).
"""

from __future__ import annotations

# Well-known id -> the English display name Exchange gives it.
WELL_KNOWN_FOLDERS: dict[str, str] = {
    "inbox": "Inbox",
    "deleteditems": "Deleted Items",
    "junkemail": "Junk Email",
    "sentitems": "Sent Items",
    "drafts": "Drafts",
    "outbox": "Outbox",
    "archive": "Archive",
    "clutter": "Clutter",
    "conversationhistory": "Conversation History",
    "syncissues": "Sync Issues",
    "conflicts": "Conflicts",
    "localfailures": "Local Failures",
    "serverfailures": "Server Failures",
    "scheduled": "Scheduled",
    "searchfolders": "Search Folders",
    "recoverableitemsdeletions": "Recoverable Items",
    "calendar": "Calendar",
    "contacts": "Contacts",
    "tasks": "Tasks",
    "notes": "Notes",
    "journal": "Journal",
    "voicemail": "Voice Mail",
    "msgfolderroot": "Top of Information Store",
}

# More English names of mailbox folders that Exchange or Outlook make, by id.
_MORE_NAMES: dict[str, tuple[str, ...]] = {
    "junkemail": ("Junk E-mail",),  # Exchange 2010-2013 and older Outlook
    "voicemail": ("Voicemail",),
    "rssfeeds": ("RSS Feeds", "RSS Subscriptions"),
    "quickstepsettings": ("Quick Step Settings",),
    "conversationactionsettings": ("Conversation Action Settings",),
    "suggestedcontacts": ("Suggested Contacts",),
    "externalcontacts": ("External Contacts",),
    "personmetadata": ("PersonMetadata",),
    "yammerroot": ("Yammer Root",),
}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_BY_NAME: dict[str, str] = {
    **{_key(name): fid for fid, names in _MORE_NAMES.items() for name in names},
    **{_key(display): fid for fid, display in WELL_KNOWN_FOLDERS.items()},
    **{fid: fid for fid in WELL_KNOWN_FOLDERS},
}


def label(folder_id: str) -> str:
    """The English display name of a well-known folder id ("deleteditems" -> "Deleted
    Items")."""
    if folder_id in WELL_KNOWN_FOLDERS:
        return WELL_KNOWN_FOLDERS[folder_id]
    return _MORE_NAMES.get(folder_id, (folder_id,))[0]


def well_known_named(name: str) -> str | None:
    """The well-known folder id `name` names (an English display name or the id itself;
    case-insensitive, spaces trimmed), or None for a folder name of the user's own."""
    return _BY_NAME.get(_key(name))
