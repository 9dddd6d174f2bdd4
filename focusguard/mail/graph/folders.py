"""The Inbox and the held folder. The held folder sits at the top of the mailbox (a child of
msgfolderroot, next to the Inbox), found by display name or created once
(https://learn.microsoft.com/en-us/graph/api/mailfolder-post-childfolders)."""

from __future__ import annotations

import logging

from focusguard.mail.graph.client import GraphClient
from focusguard.mail.graph.errors import GraphHTTPError

log = logging.getLogger(__name__)

ROOT = "msgfolderroot"


def well_known_id(client: GraphClient, name: str) -> str:
    body = client.request("GET", f"/me/mailFolders/{name}", params={"$select": "id"})
    return str(body["id"])


def _odata_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"  # OData doubles single quotes


def find(client: GraphClient, name: str) -> str | None:
    params = {"$filter": f"displayName eq {_odata_string(name)}", "$select": "id,displayName"}
    for page in client.pages(f"/me/mailFolders/{ROOT}/childFolders", params=params):
        for folder in page.get("value", []):
            if str(folder.get("displayName", "")).lower() == name.lower():
                return str(folder["id"])
    return None


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
    except GraphHTTPError as exc:
        if exc.status != 409:  # ErrorFolderExists: another client made it meanwhile
            raise
    found = find(client, name)
    if found is None:
        raise GraphHTTPError(404, "ErrorFolderNotFound", f"the folder {name!r} vanished")
    return found
