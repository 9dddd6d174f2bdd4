"""Teams presence "Do not disturb" for a focus block (issue 14): `core.do_not_disturb
.PresenceDnd` on Microsoft Graph.

- The user's id comes from `GET /me/presence` (its `id` is the user's object id,
  https://learn.microsoft.com/en-us/graph/api/presence-get), read once per connection; the
  two calls below are documented for `/users/{userId}/presence/...` only.
- `setUserPreferredPresence` with DoNotDisturb/DoNotDisturb and an `expirationDuration` that
  ends with the block, so Teams goes back by itself even if FocusGuard dies
  (https://learn.microsoft.com/en-us/graph/api/presence-setuserpreferredpresence);
- `clearUserPreferredPresence` when the block ends early or FocusGuard quits during it
  (https://learn.microsoft.com/en-us/graph/api/presence-clearuserpreferredpresence).
- A user who already shows Do Not Disturb (set it by hand, or presenting) is left alone, and
  then nothing is cleared afterwards: that state was not FocusGuard's. Clearing removes any
  preferred presence, so a status set by hand *during* the block ends with it (documented).
- Reading needs the delegated permission Presence.Read, setting and clearing
  Presence.ReadWrite; both are asked for at sign-in only when `do_not_disturb.teams` is on
  (tokens.scopes_for); a 403 says how to get them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta

from focusguard.core.do_not_disturb import DndError
from focusguard.core.errors import FocusGuardError
from focusguard.mail.graph.client import GraphClient
from focusguard.mail.graph.errors import GraphHTTPError

log = logging.getLogger(__name__)

DND = "DoNotDisturb"
CONSENT = (
    "Teams presence needs the permissions Presence.Read and Presence.ReadWrite. Sign in "
    "again with `focusguard "
    "account login` and accept it; if your organisation requires it, ask your administrator "
    "to grant admin consent for FocusGuard's app (docs/graph.md, Teams presence). Or switch "
    "do_not_disturb.teams off."
)


def iso_duration(span: timedelta) -> str:
    """`PT25M`-style ISO 8601 duration, whole minutes rounded up (at least one)."""
    minutes = max(1, math.ceil(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")


class TeamsPresence:
    """Implements `core.do_not_disturb.PresenceDnd`; raises DndError for every failure."""

    def __init__(self, client: Callable[[], GraphClient]) -> None:
        self._client = client  # the backend's, once connected
        self._user_id: str | None = None

    def set_dnd(self, until: datetime, now: datetime) -> bool:
        presence = self._call("GET", "/me/presence")
        self._user_id = str(presence.get("id") or "") or None
        if self._user_id is None:
            raise DndError("Teams presence is unreadable", "Graph gave no user id for you.")
        if presence.get("availability") == DND:
            return False
        self._call(
            "POST",
            f"/users/{self._user_id}/presence/setUserPreferredPresence",
            {"availability": DND, "activity": DND, "expirationDuration": iso_duration(until - now)},
        )
        return True

    def clear(self) -> None:
        if self._user_id is None:
            presence = self._call("GET", "/me/presence")
            self._user_id = str(presence.get("id") or "") or None
        self._call("POST", f"/users/{self._user_id}/presence/clearUserPreferredPresence", {})

    def _call(self, method: str, path: str, body: object = None) -> dict[str, object]:
        try:
            # Setting or clearing the same presence twice is harmless: safe to repeat.
            answer = self._client().request(method, path, json=body, idempotent=True)
        except GraphHTTPError as exc:
            if exc.status == 403:
                raise DndError("Teams presence not allowed", CONSENT) from None
            raise DndError(
                "Teams presence not changed",
                f"Microsoft Graph answered {exc.status} {exc.code}. FocusGuard tries again at "
                "the next change of focus.",
            ) from None
        except FocusGuardError as exc:  # a sign-in that failed: its own title and fix
            raise DndError(exc.title, exc.message) from None
        except Exception as exc:  # network: requests' exceptions
            raise DndError(
                "Teams presence not changed",
                f"Microsoft Graph could not be reached ({type(exc).__name__}). FocusGuard tries "
                "again at the next change of focus.",
            ) from None
        return answer if isinstance(answer, dict) else {}
