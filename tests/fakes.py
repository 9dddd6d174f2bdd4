"""Test doubles at the edges nothing here can reach, and the settings most tests share."""

from __future__ import annotations


class RecordingNotifier:
    """`core.ports.Notifier` that keeps (kind, title, message) instead of showing it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        self.seen.append((kind, title, message))


# One account at corp.example in London, check-ins 09:30/13:00/16:30, focus Mon and Wed
# 10:00-12:00, holding by moving (the in-memory mailbox has no server rules).
OFFICE_CONFIG = """
[account]
kind = "ews"
email = "me@corp.example"
ews_url = "https://mail.corp.example/EWS/Exchange.asmx"
auth = "basic"

[people]
own_domains = ["corp.example"]
customers = ["bigclient.com"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]

[[schedule.focus_blocks]]
days = ["mon", "wed"]
start = "10:00"
end = "12:00"

[holding]
mode = "client-move"
"""
