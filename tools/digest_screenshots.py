"""Screenshots of a 13:00 check-in digest for docs/screenshots/ (issue 12 §2).

A real app (engine, SQLite store, service, worker) on the in-memory mailbox, on a virtual
clock: customers with reply-by times (one at risk, one overdue), a customer chasing three
times, a new customer, a colleague and bulk mail; the mailbox history says who wrote before.
The real digest window is grabbed, once as it opens and once with a chase unfolded and its
message previewed. Run under a display (`xvfb-run -a .venv/bin/python tools/digest_screenshots.py`).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from focusguard.core.clock import VirtualClock
from focusguard.core.history_sync import to_entry
from focusguard.core.ports import HistoryFolder, HistoryItem
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from focusguard.ui.digest import DigestWindow
from tests.apps import StillTimers, build_app, drain

LONDON = ZoneInfo("Europe/London")
DAY = datetime(2026, 3, 24, tzinfo=LONDON)  # a Tuesday
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CONFIG = """
[account]
kind = "ews"
email = "me@corp.example"
ews_url = "https://mail.corp.example/EWS/Exchange.asmx"
auth = "basic"

[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]
check_in_minutes = 5

[[schedule.focus_blocks]]
days = ["tue"]
start = "10:30"
end = "12:30"

[promise]
reply_within = "4h"
release_margin = "30m"
focus_wins = true

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "client-move"
"""


def at(hour: int, minute: int, days: int = 0) -> datetime:
    return DAY + timedelta(days=days, hours=hour, minutes=minute)


MAIL = (
    (at(15, 10, -1), "Ann Lee <ann@bigclient.com>", "Invoice 2211 - wrong VAT rate", {}),
    (at(9, 40), "Omar Haddad <omar@bigclient.com>", "Order 4711 - delivery date?", {}),
    (at(9, 52), "Eve Martin <eve@client.example>", "Login fails since the update", {}),
    (at(10, 35), "Eve Martin <eve@client.example>", "RE: Login fails since the update", {}),
    (at(11, 50), "Eve Martin <eve@client.example>", "RE: Login fails - urgent?", {}),
    (at(11, 5), '"boss@corp.example" <sales@prospect.example>', "Quote for 40 seats", {}),
    (at(12, 20), "Dee Novak <dee@newco.example>", "First order - can you help?", {}),
    (at(11, 0), "Pat Kim <pat@corp.example>", "Team lunch Friday", {}),
    (at(11, 15), "Shop News <news@shop.example>", "Spring offers", {"List-Id": "<news.shop>"}),
    (at(12, 0), "Tickets <no-reply@vendor.example>", "Ticket #881 updated", {}),
)
TEXT = (
    "Hello,\n\nsince yesterday's update none of our users can log in: the page reloads and "
    "asks for the password again.\n\nCould you call me?\n\nEve Martin\nClient Example Ltd."
)


def main() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    app_qt = QApplication.instance() or QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp(prefix="fg-shots-"))
    clock = VirtualClock(at(8, 0, -1))
    mailbox = MemoryMailbox()
    app = build_app(settings_from_toml(CONFIG), mailbox, tmp, clock=clock, timers=StillTimers())
    app.start()
    drain(app)
    old = at(9, 0, -40)
    known = (
        HistoryItem(HistoryFolder.INBOX, "h1", "<h1@old>", "<a@bigclient.com>", (), old, old),
        HistoryItem(HistoryFolder.SENT, "h2", "<h2@old>", "", ("<eve@client.example>",), old, old),
    )
    app.store.note_history([to_entry(item, None) for item in known])
    for n, (when, sender, subject, headers) in enumerate(sorted(MAIL, key=lambda m: m[0])):
        clock.set(when)
        mailbox.deliver(f"<shot{n}@test>", sender, subject, when, headers)
        drain(app)
        if "Eve" in sender and "urgent" in subject:
            mailbox.bodies[f"<shot{n}@test>"] = TEXT
    clock.set(at(12, 55))  # five minutes before the 13:00 check-in
    window = DigestWindow(app.service)
    window.resize(1500, 760)
    window.show_and_raise()
    wait(app_qt, lambda: window.model.message_count() == len(MAIL))
    window.grab().save(str(SHOTS / "digest-checkin.png"))
    # Unfold the chase and preview its latest mail.
    customers = window.proxy.index(0, 0)
    for row in range(window.proxy.rowCount(customers)):
        index = window.proxy.index(row, 0, customers)
        if window.proxy.hasChildren(index):
            window.tree.setExpanded(index, True)
            last = window.proxy.index(window.proxy.rowCount(index) - 1, 0, index)
            window.tree.selectionModel().setCurrentIndex(
                last,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            break
    for row in range(1, window.proxy.rowCount()):
        window.tree.setExpanded(window.proxy.index(row, 0, QModelIndex()), True)
    wait(app_qt, lambda: window.preview.toPlainText() != "")
    window.grab().save(str(SHOTS / "digest-preview.png"))
    window.close()
    app.stop()


def wait(app: QApplication, done: object, limit: float = 10.0) -> None:
    import time

    end = time.monotonic() + limit
    while not done() and time.monotonic() < end:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.02)
    app.processEvents()


if __name__ == "__main__":
    main()
