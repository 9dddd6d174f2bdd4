"""Where FocusGuard cannot switch Do Not Disturb: it says why and does nothing.

Windows: switching Focus/Do Not Disturb on is a Limited Access Feature
(`Windows.UI.Shell.FocusSessionManager.TryStartFocusSession` needs an unlock token from
Microsoft, https://learn.microsoft.com/en-us/uwp/api/windows.ui.shell.focussessionmanager);
the registry tricks hobby tools use are undocumented and break between builds. FocusGuard
does not pretend: Settings and `status --json` say so, and holding mail is unaffected.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from focusguard.core.do_not_disturb import Detection, Saved

WINDOWS = Detection(
    "windows",
    False,
    "Windows has no supported way for an app to switch Focus or Do Not Disturb on; switch it "
    "on yourself (Settings → System → Notifications) if you want the desktop quiet too.",
)


class NoDnd:
    """Implements `core.do_not_disturb.DesktopDnd` by doing nothing, and saying why."""

    def __init__(self, detection: Detection) -> None:
        self._detection = detection

    @property
    def detection(self) -> Detection:
        return self._detection

    def snapshot(self) -> Saved:
        return {}

    def switch_on(self, until: datetime) -> None:
        return None

    def restore(self, saved: Mapping[str, object]) -> None:
        return None

    def alert(self, title: str, body: str) -> bool:
        return False

    def close(self) -> None:
        return None
