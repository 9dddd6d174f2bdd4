"""FocusGuard's own notification for urgent mail while the desktop is quiet: freedesktop
`Notify` with the hint `urgency` = 2 (critical), the highest the spec has
(https://specifications.freedesktop.org/notification-spec/latest/urgency-levels.html).

What the desktops do with it in Do Not Disturb (docs/do-not-disturb.md):
- GNOME Shell shows a critical notification's banner even with banners off
  (`js/ui/messageTray.js`: a banner is skipped only when banners are off *and* the urgency is
  not critical);
- KDE Plasma shows critical notifications in Do Not Disturb when "Show critical
  notifications" is on (its default; `criticalPopupsInDoNotDisturbMode`).

The text is mail-derived and plain: the summary is never markup (the spec), so tags are
stripped from it; the body is escaped when the server says it renders markup (`body-markup`
in GetCapabilities), so a subject like `<a href=…>` shows as typed.
"""

from __future__ import annotations

import html
import re

from focusguard import APP_ID, APP_NAME
from focusguard.platform.dnd.session_bus import NOTIFICATIONS, NOTIFICATIONS_INTERFACE, Bus

CRITICAL = 2
_TAG = re.compile(r"<[^>]*>?")


def notify_critical(bus: Bus, title: str, body: str) -> int:
    """Show one critical notification; its id. DndError when the server refuses."""
    (capabilities,) = bus.call(NOTIFICATIONS, NOTIFICATIONS_INTERFACE, "GetCapabilities")
    if "body-markup" in capabilities:
        body = html.escape(body, quote=False)
    hints = {"urgency": ("y", CRITICAL), "desktop-entry": ("s", APP_ID)}
    (ident,) = bus.call(
        NOTIFICATIONS,
        NOTIFICATIONS_INTERFACE,
        "Notify",
        "susssasa{sv}i",
        # app name, replaces id, icon, summary, body, actions, hints, timeout (-1: server's)
        (APP_NAME, 0, APP_ID, _TAG.sub("", title), body, [], hints, -1),
    )
    return int(ident)
