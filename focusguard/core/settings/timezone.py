"""This computer's time zone, and whether a name is one.

The schedule's `timezone` defaults to this computer's zone, by its IANA name (a name is what
the settings file can keep; an offset would be wrong half the year).
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo


def system_zone_name() -> str:
    """The IANA name of this computer's time zone, or "UTC" when it cannot be told.

    Tried in order: $TZ, the zone's own key, the /etc/localtime symlink, /etc/timezone.
    (Windows names its zones differently; there the wizard asks and writes the zone.)
    """
    candidates: list[str] = []
    tz = os.environ.get("TZ", "").strip().lstrip(":")
    if tz:
        candidates.append(after_zoneinfo(tz) or tz)
    key = getattr(datetime.now().astimezone().tzinfo, "key", None)
    if isinstance(key, str):
        candidates.append(key)
    with contextlib.suppress(OSError, ValueError):
        target = after_zoneinfo(os.path.realpath("/etc/localtime"))
        if target:
            candidates.append(target)
    with contextlib.suppress(OSError, ValueError, UnicodeError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        # A bare word ("localtime", a POSIX rule like "GMT0BST") is no IANA name to save.
        if ("/" in name.strip("/") or name in {"UTC", "GMT"}) and zone_ok(name):
            return name
    return "UTC"


def zone_ok(name: str) -> bool:
    if not name or len(name) > 255 or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError (a KeyError), ValueError, OSError...
        return False
    return True


def after_zoneinfo(path: str) -> str | None:
    marker = "zoneinfo/"
    if marker not in path:
        return None
    name = path.split(marker, 1)[1]
    for prefix in ("posix/", "right/"):
        name = name.removeprefix(prefix)
    return name or None
