"""The Inbox and the held folder. The held folder sits at the top of the mailbox (a child of
msgfolderroot, next to the Inbox), found by display name or created once
(https://learn.microsoft.com/en-us/graph/api/mailfolder-post-childfolders).

The folder found must not be one of the mailbox's own (Deleted Items, Junk Email...), where
retention or the user would empty held mail away (issue 9). Display names follow the mailbox's
language; well-known names do not ("Well-known names work regardless of the locale of the
user's mailbox", https://learn.microsoft.com/en-us/graph/api/resources/mailfolder), so the
ids are compared: one `$batch` of `GET /me/mailFolders/{well-known name}`."""

from __future__ import annotations

import logging

from focusguard.mail.folder_refusal import well_known_refused
from focusguard.mail.graph.client import GraphClient, SubRequest, odata_string
from focusguard.mail.graph.errors import GraphHTTPError, outcome_unknown

log = logging.getLogger(__name__)

ROOT = "msgfolderroot"
# Graph v1.0's well-known folder names (the mailFolder page above), msgfolderroot aside.
WELL_KNOWN = (
    "inbox",
    "deleteditems",
    "junkemail",
    "sentitems",
    "drafts",
    "outbox",
    "archive",
    "clutter",
    "conversationhistory",
    "scheduled",
    "syncissues",
    "conflicts",
    "localfailures",
    "serverfailures",
    "recoverableitemsdeletions",
    "searchfolders",
)


def well_known_id(client: GraphClient, name: str) -> str:
    body = client.request("GET", f"/me/mailFolders/{name}", params={"$select": "id"})
    return str(body["id"])


def find(client: GraphClient, name: str) -> str | None:
    params = {"$filter": f"displayName eq {odata_string(name)}", "$select": "id,displayName"}
    for page in client.pages(f"/me/mailFolders/{ROOT}/childFolders", params=params):
        for folder in page.get("value", []):
            if str(folder.get("displayName", "")).lower() == name.lower():
                return str(folder["id"])
    return None


def held_folder(client: GraphClient, name: str) -> str:
    """The id of the held folder `name` (created if need be), refused if it is well-known."""
    folder_id = find_or_create(client, name)
    refuse_well_known(client, folder_id, name)
    return folder_id


def refuse_well_known(client: GraphClient, folder_id: str, name: str) -> None:
    """MailError (not retryable) when `folder_id` is one of the mailbox's well-known folders
    (compared as immutable ids: the client asks for them on every request)."""
    subs = [SubRequest(wk, "GET", f"/me/mailFolders/{wk}?$select=id") for wk in WELL_KNOWN]
    for wk, resp in client.batch(subs).items():
        # A mailbox without that folder answers 404; anything else unreadable is no match.
        if resp.ok and isinstance(resp.body, dict) and resp.body.get("id") == folder_id:
            raise well_known_refused(name, wk)


def find_or_create(client: GraphClient, name: str) -> str:
    found = find(client, name)
    if found is not None:
        return found
    try:
        body = client.request(
            "POST", f"/me/mailFolders/{ROOT}/childFolders", json={"displayName": name}
        )
        log.info("held folder %r created", name)
        return str(body["id"])
    except Exception as exc:
        # 409 ErrorFolderExists: another client made it meanwhile. A 503/504 (or no answer)
        # may mean this POST made it: look before creating again (errors.outcome_unknown).
        unknown = outcome_unknown(exc)
        if not unknown and not (isinstance(exc, GraphHTTPError) and exc.status == 409):
            raise
        found = find(client, name)
        if found is not None:
            return found
        if unknown:
            raise
    raise GraphHTTPError(404, "ErrorFolderNotFound", f"the folder {name!r} vanished")
