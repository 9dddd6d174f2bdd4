"""Which desktop Do Not Disturb applies here (Settings and `status --json` show the answer).

Linux and the BSDs: GNOME when the session says so (`XDG_CURRENT_DESKTOP` lists GNOME, as
GNOME, Ubuntu's and Pop!_OS's sessions do) and GSettings has the key; otherwise the
notification server on the session bus, if it offers KDE's Inhibit (Plasma; any server that
implements the same extension works the same). macOS: the user's Shortcuts. Windows: none.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from focusguard.core.do_not_disturb import DesktopDnd, Detection, DndError
from focusguard.core.settings import DoNotDisturbSettings
from focusguard.platform.dnd import gnome, kde, macos
from focusguard.platform.dnd.session_bus import NOTIFICATIONS, Bus, introspect
from focusguard.platform.dnd.unsupported import WINDOWS, NoDnd

log = logging.getLogger(__name__)


def desktop_dnd(
    settings: DoNotDisturbSettings,
    *,
    platform: str = sys.platform,
    environ: Mapping[str, str] | None = None,
) -> DesktopDnd:
    """The adapter for this computer (a `NoDnd` that says why when there is none)."""
    env = os.environ if environ is None else environ
    if platform.startswith("win"):
        return NoDnd(WINDOWS)
    if platform == "darwin":
        return _macos(settings)
    desktops = [d.strip().lower() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":")]
    if "gnome" in desktops:
        program = gnome.gsettings()
        if program is not None and gnome.has_key(program):
            return gnome.GnomeBanners(program)
        return NoDnd(
            Detection(
                "none",
                False,
                "GNOME, but without gsettings or the GNOME notification settings "
                "(packages libglib2.0-bin, gsettings-desktop-schemas).",
            )
        )
    why = _kde_missing()
    if why is None:
        return kde.KdeInhibit()
    return NoDnd(Detection("none", False, why))


def restorer(kind: str, settings: DoNotDisturbSettings) -> DesktopDnd | None:
    """An adapter that can undo what a process on desktop `kind` switched (after a crash,
    in the fail-safe run): GNOME's key and macOS's Shortcut outlive it, KDE's does not."""
    if kind == "gnome":
        return gnome.GnomeBanners()
    if kind == "macos" and settings.macos_shortcut_off:
        return macos.MacShortcuts(settings.macos_shortcut_on, settings.macos_shortcut_off)
    return None


def _macos(settings: DoNotDisturbSettings) -> DesktopDnd:
    if not (settings.macos_shortcut_on and settings.macos_shortcut_off):
        return NoDnd(
            Detection(
                "macos",
                False,
                "macOS has no public way to switch Focus; name two Shortcuts that do "
                "(do_not_disturb.macos_shortcut_on/off, docs/do-not-disturb.md).",
            )
        )
    if macos.shortcuts() is None:
        return NoDnd(
            Detection("macos", False, "The shortcuts tool is missing (it needs macOS 12).")
        )
    return macos.MacShortcuts(settings.macos_shortcut_on, settings.macos_shortcut_off)


def _kde_missing() -> str | None:
    """None when the session's notification server offers Inhibit; else why not."""
    try:
        bus = Bus.open()
    except DndError as exc:
        return exc.message
    try:
        xml = introspect(bus, NOTIFICATIONS)
    except DndError as exc:
        log.info("no notification server to ask: %s", exc.message)
        return "No notification server on the session bus that FocusGuard can ask to be quiet."
    finally:
        bus.close()
    if kde.offers_inhibit(xml):
        return None
    return (
        "This desktop's notification server offers no Do Not Disturb switch to apps "
        "(FocusGuard knows GNOME's and KDE Plasma's)."
    )
