"""GNOME: notification banners off through GSettings, `org.gnome.desktop.notifications
show-banners` (the key GNOME's own Do Not Disturb switch flips), with the previous value
remembered by the controller and put back after the block.

The `gsettings` tool is used rather than Gio (PyGObject is no pure-Python wheel). It writes
through the dconf backend, which needs the session bus: without one it warns, exits 0 and
writes nothing, so every write is read back and a value that did not stick is an error.
Unlike KDE's inhibition the key outlives FocusGuard, hence the remembered value and the
restore at the next start and in the fail-safe run (core/do_not_disturb.py).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Mapping
from datetime import datetime

from focusguard.core.do_not_disturb import Detection, DndError, Saved
from focusguard.platform.dnd.critical import notify_critical
from focusguard.platform.dnd.session_bus import Bus

log = logging.getLogger(__name__)

SCHEMA = "org.gnome.desktop.notifications"
KEY = "show-banners"
TIMEOUT_S = 10.0

DETECTED = Detection(
    "gnome",
    True,
    "GNOME: FocusGuard turns notification banners off during focus "
    f"({SCHEMA} {KEY}) and back to what they were afterwards.",
)


def gsettings() -> str | None:
    return shutil.which("gsettings")


def has_key(program: str) -> bool:
    """The GNOME schema is installed and has the key (gsettings-desktop-schemas)."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
            [program, "list-keys", SCHEMA],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and KEY in done.stdout.split()


class GnomeBanners:
    """Implements `core.do_not_disturb.DesktopDnd` for GNOME."""

    def __init__(self, program: str | None = None) -> None:
        self._program = program or gsettings() or "gsettings"

    @property
    def detection(self) -> Detection:
        return DETECTED

    def snapshot(self) -> Saved:
        return {"show_banners": self._get()}

    def switch_on(self, until: datetime) -> None:
        self._set(False)

    def restore(self, saved: Mapping[str, object]) -> None:
        previous = saved.get("show_banners")
        # Banners that were already off stay off: that was the user's own Do Not Disturb.
        if previous is True and self._get() is False:
            self._set(True)

    def alert(self, title: str, body: str) -> bool:
        bus = Bus.open()
        try:
            notify_critical(bus, title, body)
        finally:
            bus.close()
        return True

    def close(self) -> None:
        return None

    # -- gsettings ---------------------------------------------------------------------------
    def _get(self) -> bool:
        text = self._run("get", SCHEMA, KEY).strip()
        if text not in ("true", "false"):
            raise DndError("GNOME settings are unreadable", f"{SCHEMA} {KEY} is {text!r}.")
        return text == "true"

    def _set(self, value: bool) -> None:
        self._run("set", SCHEMA, KEY, "true" if value else "false")
        if self._get() is not value:
            raise DndError(
                "GNOME did not take the setting",
                f"Setting {SCHEMA} {KEY} did not stick (is FocusGuard running inside your "
                "GNOME session, with its session bus?). Notifications stay as they are.",
            )

    def _run(self, *args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
                [self._program, *args],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise DndError(
                "gsettings is missing",
                "FocusGuard switches GNOME's Do Not Disturb with the gsettings program "
                "(package libglib2.0-bin); install it, or switch do_not_disturb.desktop off.",
            ) from None
        except (OSError, subprocess.SubprocessError) as exc:
            raise DndError("gsettings failed", f"gsettings {args[0]}: {exc}") from None
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["no reason given"])[0][:200]
            raise DndError("gsettings failed", f"gsettings {args[0]} {SCHEMA} {KEY}: {why}")
        return done.stdout
