"""Start FocusGuard at login. Off by default: nothing here runs unless the person asks.

One small interface (`Autostart`: enabled / enable / disable) with one class per platform:
- Linux/BSD: an XDG autostart entry, $XDG_CONFIG_HOME/autostart/<APP_ID>.desktop
- Windows: a value under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run
- macOS: a LaunchAgent plist in ~/Library/LaunchAgents
No Qt here, so it can be tested and reused anywhere (a settings page, the CLI).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import sys
from pathlib import Path
from typing import Any, Protocol

from focusguard import APP_ID, APP_NAME
from focusguard.platform.launch import launch_command  # shared with the fail-safe's units

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class Autostart(Protocol):
    def enabled(self) -> bool: ...

    def enable(self) -> None: ...

    def disable(self) -> None: ...


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class XdgAutostart:
    def __init__(self, command: list[str] | None = None, config_home: Path | None = None) -> None:
        self._command = command or launch_command()
        base = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.path = base / "autostart" / f"{APP_ID}.desktop"

    def enabled(self) -> bool:
        if not self.path.is_file():
            return False
        text = self.path.read_text(encoding="utf-8", errors="replace")
        # Desktops honour Hidden=true as "switched off" (the user may have done that).
        return "\nHidden=true" not in text

    def enable(self) -> None:
        exec_line = " ".join(_desktop_quote(arg) for arg in self._command)
        entry = (
            "[Desktop Entry]\n"
            "Type=Application\n"
            f"Name={APP_NAME}\n"
            "Comment=Holds customer email until your check-in times\n"
            f"Exec={exec_line}\n"
            f"Icon={APP_ID}\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
        )
        _write_private(self.path, entry.encode("utf-8"))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


def _desktop_quote(arg: str) -> str:
    """Quote per the Desktop Entry spec's Exec rules (reserved chars need double quotes)."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`%="):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
    escaped = escaped.replace("$", "\\$").replace("%", "%%")
    return f'"{escaped}"'


def _winreg() -> Any:
    """The winreg module (Windows only). Typed Any: on other platforms mypy's stub has no
    members, and tests substitute a fake through sys.modules."""
    import winreg

    return winreg


class WindowsAutostart:
    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or launch_command()

    def _value(self) -> str:
        import subprocess

        return subprocess.list2cmdline(self._command)

    def enabled(self) -> bool:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, APP_NAME)
        except OSError:
            return False
        return True

    def enable(self) -> None:
        winreg = _winreg()
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, APP_NAME, 0, winreg.REG_SZ, self._value())

    def disable(self) -> None:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, APP_NAME)
        except FileNotFoundError:
            pass


class LaunchAgentAutostart:
    def __init__(self, command: list[str] | None = None, home: Path | None = None) -> None:
        self._command = command or launch_command()
        self.path = (home or Path.home()) / "Library" / "LaunchAgents" / f"{APP_ID}.plist"

    def enabled(self) -> bool:
        return self.path.is_file()

    def enable(self) -> None:
        plist = {
            "Label": APP_ID,
            "ProgramArguments": list(self._command),
            "RunAtLoad": True,
            # Start once at login; a person who quits FocusGuard means it.
            "KeepAlive": False,
            "ProcessType": "Interactive",
        }
        _write_private(self.path, plistlib.dumps(plist))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


def for_platform(platform: str = sys.platform, command: list[str] | None = None) -> Autostart:
    if platform.startswith("win"):
        return WindowsAutostart(command)
    if platform == "darwin":
        return LaunchAgentAutostart(command)
    return XdgAutostart(command)


def describe(command: list[str]) -> str:
    """The command as a person would type it (for logs and the settings page)."""
    return shlex.join(command)
