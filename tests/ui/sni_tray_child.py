"""FocusGuard's tray as a process of its own, for tests/ui/test_tray_sni.py: the real start-up
(`main.run_tray`: the icon first, then the shell around a built app) around an app from the
real builder on the in-memory mailbox, on whatever platform and session bus the environment
names. Qt picks its tray kind once per process, so a D-Bus tray needs a process of its own.

    python -m tests.ui.sni_tray_child SETTINGS_PATH STATE_DIR

Prints "started" once the shell runs. Reads commands on stdin: "deliver N" (N customer mails
arrive), "quit".
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from focusguard.app.setup import SettingsFile
from focusguard.core.clock import VirtualClock
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from focusguard.ui import main
from tests.apps import StillTimers, build_app
from tests.ui.conftest import START


def run(settings_path: Path, state: Path) -> int:
    clock = VirtualClock(START)
    mailbox = MemoryMailbox()
    settings = settings_from_toml(settings_path.read_text(encoding="utf-8"))
    delivered = 0

    def commands() -> None:
        nonlocal delivered
        for line in sys.stdin:
            verb, _, arg = line.strip().partition(" ")
            if verb == "deliver":
                for _ in range(int(arg)):
                    delivered += 1
                    mailbox.deliver(
                        f"<m{delivered}@bigclient.com>",
                        "Ann <ann@bigclient.com>",
                        f"Order {delivered}",
                        clock.now(),
                    )
            elif verb == "quit":
                break
        main.request_quit()

    def started() -> None:
        print("started", flush=True)
        threading.Thread(target=commands, name="commands", daemon=True).start()

    return main.run_tray(
        lambda: build_app(settings, mailbox, state, clock=clock, timers=StillTimers()),
        SettingsFile(settings_path),
        started=started,
    )


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), Path(sys.argv[2])))
