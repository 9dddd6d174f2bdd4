"""Take docs/screenshots/insights.png: the Insights window on the EWS simulator seeded with
five realistic weeks (focusguard/sim/common/history_seed.py), at a fixed instant, after the
history is read. Run under a display, e.g.

    xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python tools/insights_screenshot.py

Optional argument: where to write the PNG (default docs/screenshots/insights.png).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="focusguard-shot-"))
os.environ["FOCUSGUARD_HOME"] = str(HOME)

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from focusguard.app.builder import Mode, Parts, build  # noqa: E402
from focusguard.core.clock import VirtualClock  # noqa: E402
from focusguard.core.facts import encode_instant  # noqa: E402
from focusguard.core.focus_ledger import HOLDING_SINCE  # noqa: E402
from focusguard.core.ports import RuleMode  # noqa: E402
from focusguard.core.settings import HoldingSettings, settings_from_toml  # noqa: E402
from focusguard.mail.ews import EwsBackend  # noqa: E402
from focusguard.sim.common.history_seed import seed_history  # noqa: E402
from focusguard.sim.ews import EwsSimulator  # noqa: E402
from focusguard.store import Store  # noqa: E402
from focusguard.ui.insights import InsightsWindow  # noqa: E402

NOW = dt.datetime(2026, 4, 15, 11, 7, tzinfo=dt.UTC)  # a Wednesday
PASSWORD = "Zq7-history-4711"  # noqa: S105 (the simulator's, not a real account's)
SETTINGS = """
[account]
kind = "ews"
email = "me@corp.example"
auth = "basic"
ews_url = "{url}"

[people]
own_domains = ["corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]

[[schedule.focus_blocks]]
days = ["mon", "wed"]
start = "10:00"
end = "12:00"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "server-rule"
folder = "FocusGuard Held"

[promise]
reply_within = "4h"
"""


class StillTimers:
    """No wake-ups: the clock stands at NOW."""

    def start(self, tick: Callable[[str], None], on_beat: Callable[[], None] | None = None) -> None:
        pass

    def stop(self) -> None:
        pass

    def wake_at(self, when: dt.datetime | None, now: dt.datetime) -> dt.datetime:
        return now


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/insights.png")
    qt = QApplication.instance() or QApplication(sys.argv)
    sim = EwsSimulator(password=PASSWORD).start()
    seeded = seed_history(sim, weeks=5, seed=3, now=NOW, zone="Europe/London")
    settings = settings_from_toml(SETTINGS.format(url=sim.url))
    assert settings.account is not None
    backend = EwsBackend(
        settings.account, HoldingSettings(RuleMode.SERVER_RULE, "FocusGuard Held"), PASSWORD
    )
    store = Store.open(HOME / "state.sqlite3")
    store.set_fact(HOLDING_SINCE, encode_instant(seeded.holding_since))
    app = build(
        settings,
        Mode.HEADLESS,
        parts=Parts(
            backend_for=lambda _s: backend,
            store=store,
            clock=VirtualClock(NOW),
            timers=StillTimers(),
            control=False,
        ),
    )
    app.start()
    window = InsightsWindow(app.service)
    window.resize(900, 860)
    shots: list[bool] = []

    def loaded() -> None:
        if window.reading or window.preview is None:
            QTimer.singleShot(200, loaded)  # the preview arrives just after the figures
            return
        QTimer.singleShot(300, shoot)

    def shoot() -> None:
        if not shots:
            window.export_png(out)
            shots.append(True)
            print(f"wrote {out} ({window.width()}x{window.height()})")
            qt.quit()

    window.reading_finished.connect(lambda _state: window.loaded.connect(loaded))
    window.show_and_raise()
    QTimer.singleShot(120_000, qt.quit)  # never hang a CI run
    qt.exec()
    window.close()
    app.stop()
    store.close()
    sim.stop()
    return 0 if shots else 1


if __name__ == "__main__":
    raise SystemExit(main())
