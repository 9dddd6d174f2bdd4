"""The Inbox and the held folder. The held folder sits at the top of the mailbox (a child of
msgfolderroot, next to the Inbox), found by display name or created once
(https://learn.microsoft.com/en-us/graph/api/mailfolder-post-childfolders)."""

from __future__ import annotations

import logging

from focusguard.mail.graph.client import GraphClient, odata_string
from focusguard.mail.graph.errors import GraphHTTPError, outcome_unknown

log = logging.getLogger(__name__)

ROOT = "msgfolderroot"


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
