"""macOS: there is no public API to switch a Focus on or off (Apple's INFocusStatusCenter only
reads it, with the user's permission). What works is a Shortcut the user makes with the "Set
Focus" action, run with the `shortcuts` command-line tool (macOS 12 and later):
`shortcuts run "<name>"`. FocusGuard runs the user's "on" Shortcut at focus start and the
"off" one after the block; docs/do-not-disturb.md walks through making both.

Nothing ends such a Focus by itself when FocusGuard dies, so "on" is remembered and the "off"
Shortcut runs at the next start (or in the fail-safe run). No critical notification here:
time-sensitive notifications need a signed app with Apple's entitlement, so urgent mail comes
as the tray's notification, which a Focus may hold back.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from datetime import datetime

from focusguard.core.do_not_disturb import Detection, DndError, Saved

TIMEOUT_S = 30.0  # a Shortcut may take a moment; Set Focus is quick


def shortcuts() -> str | None:
    return shutil.which("shortcuts")


class MacShortcuts:
    """Implements `core.do_not_disturb.DesktopDnd` with two user-made Shortcuts."""

    def __init__(self, on: str, off: str, program: str | None = None) -> None:
        self._on = on
        self._off = off
        self._program = program or shortcuts() or "shortcuts"

    @property
    def detection(self) -> Detection:
        return Detection(
            "macos",
            True,
            f'macOS: FocusGuard runs your Shortcut "{self._on}" at focus start and '
            f'"{self._off}" after it.',
        )

    def snapshot(self) -> Saved:
        return {"off": self._off}

    def switch_on(self, until: datetime) -> None:
        self._run(self._on)

    def restore(self, saved: Mapping[str, object]) -> None:
        off = saved.get("off")
        self._run(off if isinstance(off, str) and off else self._off)

    def alert(self, title: str, body: str) -> bool:
        return False

    def close(self) -> None:
        return None

    def _run(self, name: str) -> None:
        try:
            done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
                [self._program, "run", name],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise DndError(
                "The shortcuts tool is missing",
                "Running Shortcuts from FocusGuard needs macOS 12 or later.",
            ) from None
        except (OSError, subprocess.SubprocessError) as exc:
            raise DndError("A Shortcut did not run", f'"{name}": {exc}') from None
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["no reason given"])[0][:200]
            raise DndError(
                "A Shortcut did not run",
                f'macOS could not run your Shortcut "{name}" ({why}). Check its name in '
                "Settings (do_not_disturb.macos_shortcut_on/off) and that it runs in the "
                "Shortcuts app.",
            )
