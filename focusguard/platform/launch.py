"""How the OS starts this installation of FocusGuard (start at login, the fail-safe)."""

from __future__ import annotations

import sys
from pathlib import Path

# Windows bundles carry two executables (installer/focusguard.spec): focusguard.exe is a GUI
# program that opens no console window, focusguard-cli.exe a console program.
WINDOWS_GUI_EXE = "focusguard.exe"
WINDOWS_CLI_EXE = "focusguard-cli.exe"


def launch_command() -> list[str]:
    """How to start this installation: the bundle's executable, or this Python with -m."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "focusguard"]


def background_command(platform: str = sys.platform) -> list[str]:
    """`launch_command()` for runs nobody watches (the fail-safe every 15 minutes): on
    Windows the variant without a console window, which would otherwise flash up on every
    run; elsewhere the same command."""
    command = launch_command()
    if not platform.startswith("win"):
        return command
    program = Path(command[0])
    if program.name.lower() == WINDOWS_CLI_EXE:
        gui = program.with_name(WINDOWS_GUI_EXE)
    elif program.name.lower() == "python.exe":
        gui = program.with_name("pythonw.exe")
    else:
        return command
    return [str(gui), *command[1:]] if gui.exists() else command
