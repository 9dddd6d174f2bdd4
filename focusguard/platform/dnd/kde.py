"""KDE Plasma: `org.freedesktop.Notifications.Inhibit(desktop_entry, reason, hints) -> cookie`
and `UnInhibit(cookie)` on the session bus, a KDE extension of the notification spec
(plasma-workspace libnotificationmanager/dbus/org.freedesktop.Notifications.xml).

Plasma watches the caller's bus name and drops the inhibition when that connection closes
(libnotificationmanager/server_p.cpp), so the inhibition is held on a connection of its own
for the whole block: quit, crash or kill -9 ends it with the process, and there is nothing
to restore afterwards. Plasma refuses an empty `desktop_entry` (InvalidArgs), so FocusGuard
names its own, `io.focusguard.FocusGuard`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from focusguard import APP_ID
from focusguard.core.do_not_disturb import Detection, Saved
from focusguard.platform.dnd.critical import notify_critical
from focusguard.platform.dnd.session_bus import NOTIFICATIONS, NOTIFICATIONS_INTERFACE, Bus

log = logging.getLogger(__name__)

DETECTED = Detection(
    "kde",
    True,
    "KDE Plasma: FocusGuard asks Plasma's notification server to hold notifications "
    "(Do Not Disturb) during focus; it ends by itself if FocusGuard stops.",
)


def offers_inhibit(introspection: str) -> bool:
    """Does the notification server's introspection list KDE's Inhibit method?"""
    return '<method name="Inhibit">' in introspection.replace("'", '"')


class KdeInhibit:
    """Implements `core.do_not_disturb.DesktopDnd` for KDE Plasma."""

    def __init__(self, open_bus: type[Bus] = Bus) -> None:
        self._open_bus = open_bus
        self._bus: Bus | None = None
        self._cookie: int | None = None

    @property
    def detection(self) -> Detection:
        return DETECTED

    def snapshot(self) -> Saved:
        return {}  # nothing outlives the connection

    def switch_on(self, until: datetime) -> None:
        if self._cookie is not None:
            return
        bus = self._bus or self._open_bus.open()
        self._bus = bus
        (cookie,) = bus.call(
            NOTIFICATIONS,
            NOTIFICATIONS_INTERFACE,
            "Inhibit",
            "ssa{sv}",
            (APP_ID, f"Focus block until {until.astimezone():%H:%M}", {}),
        )
        self._cookie = int(cookie)

    def restore(self, saved: Mapping[str, object]) -> None:
        cookie, self._cookie = self._cookie, None
        bus, self._bus = self._bus, None
        if bus is None:
            return  # switched on by a process that is gone: Plasma has dropped it already
        try:
            if cookie is not None:
                bus.call(NOTIFICATIONS, NOTIFICATIONS_INTERFACE, "UnInhibit", "u", (cookie,))
        finally:
            bus.close()  # closing alone ends the inhibition too

    def alert(self, title: str, body: str) -> bool:
        bus = self._bus or self._open_bus.open()
        try:
            notify_critical(bus, title, body)
        finally:
            if bus is not self._bus:
                bus.close()
        return True

    def close(self) -> None:
        self.restore({})
