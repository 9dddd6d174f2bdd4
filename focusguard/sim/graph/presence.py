"""Teams presence as Microsoft Graph documents it (issue 14), for the simulated user.

- `GET /me/presence`, `GET /users/{id}/presence` answer the `presence` resource: the user's
  `id`, `availability`, `activity` (https://learn.microsoft.com/en-us/graph/api/presence-get);
  the delegated permissions that page lists are Presence.Read and Presence.Read.All, so a
  token granted neither is answered 403.
- `POST /users/{userId}/presence/setUserPreferredPresence` with `availability`, `activity`
  and an optional `expirationDuration` (ISO 8601; "if not provided, a default expiration will
  be applied: DoNotDisturb or Busy: Expiration in 1 day; all others: Expiration in 7 days"),
  only in the documented pairs (Available/Available, Busy/Busy, DoNotDisturb/DoNotDisturb,
  BeRightBack/BeRightBack, Away/Away, Offline/OffWork); 200 OK with no body
  (https://learn.microsoft.com/en-us/graph/api/presence-setuserpreferredpresence).
- `POST /users/{userId}/presence/clearUserPreferredPresence` with `{}`; 200 OK
  (https://learn.microsoft.com/en-us/graph/api/presence-clearuserpreferredpresence).
- Both need the delegated permission Presence.ReadWrite: a token granted without it is
  answered 403. Only `/users/{userId}/...` is documented for the two calls, so that is the
  only form routed here (with the user's id, as `GET /me/presence` reports it).
- "Preferred presence takes effect only when at least one presence session exists for the
  user. Otherwise, the user's presence shows as Offline", and a session exists while the
  user "is signed in on a Microsoft Teams client" (`teams_signed_in`, on by default). The
  user-configured (preferred) state overrides everything else (presence-setpresence,
  "Presence sessions").
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from ..common.clock import utcnow
from .model import GraphError, iso

PAIRS = {
    ("Available", "Available"),
    ("Busy", "Busy"),
    ("DoNotDisturb", "DoNotDisturb"),
    ("BeRightBack", "BeRightBack"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
}
_DURATION = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(text: object) -> dt.timedelta:
    """An ISO 8601 duration as Graph's `Duration` (Edm.Duration): PnDTnHnMnS."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT") or str(text).endswith("T"):
        raise GraphError(400, "BadRequest", f"expirationDuration {text!r} is not a duration.")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    value = dt.timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    if value <= dt.timedelta(0):
        raise GraphError(400, "BadRequest", "expirationDuration must be positive.")
    return value


@dataclass
class Preferred:
    availability: str
    activity: str
    expires: dt.datetime


class Presence:
    """The simulated user's presence; thread-safe."""

    def __init__(self) -> None:
        self.user_id = str(uuid.uuid4())
        self.teams_signed_in = True
        self._preferred: Preferred | None = None
        self._lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []  # every set/clear, as received

    def current(self, now: dt.datetime | None = None) -> dict[str, Any]:
        now = now or utcnow()
        with self._lock:
            preferred = self._preferred
            if preferred is not None and preferred.expires <= now:
                preferred = self._preferred = None
            if not self.teams_signed_in:
                availability, activity = "Offline", "Offline"
            elif preferred is not None:
                availability, activity = preferred.availability, preferred.activity
            else:
                availability, activity = "Available", "Available"
            return {"id": self.user_id, "availability": availability, "activity": activity}

    def snapshot(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """For tests and the control API: what Teams shows and the preferred presence."""
        shown = self.current(now)
        with self._lock:
            p = self._preferred
            preferred = (
                None
                if p is None
                else {
                    "availability": p.availability,
                    "activity": p.activity,
                    "expires": iso(p.expires),
                }
            )
        return {**shown, "preferred": preferred, "teams_signed_in": self.teams_signed_in}

    def set_preferred(self, body: Any, now: dt.datetime | None = None) -> None:
        if not isinstance(body, dict):
            raise GraphError(400, "BadRequest", "The request body must be a JSON object.")
        unknown = set(body) - {"availability", "activity", "expirationDuration"}
        if unknown:
            raise GraphError(
                400, "BadRequest", f"The property '{sorted(unknown)[0]}' does not exist here."
            )
        pair = (body.get("availability"), body.get("activity"))
        if pair not in PAIRS:
            raise GraphError(
                400, "BadRequest", f"availability/activity {pair[0]}/{pair[1]} is not supported."
            )
        if "expirationDuration" in body:
            lasts = parse_duration(body["expirationDuration"])
        else:
            lasts = dt.timedelta(days=1 if pair[0] in ("DoNotDisturb", "Busy") else 7)
        at = now or utcnow()
        with self._lock:
            self._preferred = Preferred(pair[0], pair[1], at + lasts)
            self.calls.append({"call": "set", "at": iso(at), **body})

    def clear_preferred(self, body: Any, now: dt.datetime | None = None) -> None:
        if body not in (None, {}):
            raise GraphError(400, "BadRequest", "clearUserPreferredPresence takes {}.")
        with self._lock:
            self._preferred = None
            self.calls.append({"call": "clear", "at": iso(now or utcnow())})
