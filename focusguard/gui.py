"""`focusguard`: the tray app — the builder's app (app/) inside the Qt front-end (ui/).

The two meet only here (and in the demo): ui/ knows the service and its events, not how an
app is built; app/ knows nothing of Qt.

Icon first (issue 15): what the builder needs (the mail library, the store, the scheduler)
is imported in `_build`, which runs on a thread of its own after the tray icon is shown
(ui/icon_first.py); nothing here imports it before.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from focusguard.app import control, startup
from focusguard.app.setup import SettingsFile
from focusguard.core.errors import AlreadyRunning, StartupError

if TYPE_CHECKING:
    from focusguard.app.builder import App


def run(config: Path) -> int:
    from focusguard.ui import main

    main.application()
    if control.instance_answers(show=True):
        return 0  # another FocusGuard came forward
    try:
        # Held for the process's whole life, across new settings.
        lock = startup.take_instance_lock()
    except AlreadyRunning:
        control.instance_answers(show=True)  # it came up meanwhile: bring it forward
        return 0
    except StartupError as exc:
        main.show_startup_error(exc.title, exc.message)
        return 1
    try:
        return main.run_tray(
            lambda: _build(config),
            SettingsFile(config),
            already_running=lambda: control.instance_answers(show=True),
        )
    finally:
        lock.release()


def _build(config: Path) -> App:
    from focusguard.app.builder import Mode, build

    return build(startup.load(config), Mode.TRAY, config=config)
