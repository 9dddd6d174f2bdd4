"""`focusguard`: the tray app — the builder's app (app/) inside the Qt front-end (ui/).

The two meet only here (and in the demo): ui/ knows the service and its events, not how an
app is built; app/ knows nothing of Qt.
"""

from __future__ import annotations

from pathlib import Path

from focusguard.app import control, startup
from focusguard.app.builder import App, Mode, build
from focusguard.app.setup import SettingsFile
from focusguard.core.errors import AlreadyRunning, StartupError


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
    return build(startup.load(config), Mode.TRAY, config=config)
