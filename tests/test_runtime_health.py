"""A watcher that stops is never silent (issue 9 §1): the running app hears the backend's
watcher health, shows it as its problem (status, tray, log, one `Problem` event per distinct
problem), and clears it on recovery, when the mail that arrived meanwhile is decided. Also:
a sign-in rejected at start-up is retried, so a fix is picked up without a restart."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from focusguard.app.runtime import Retry
from focusguard.core.ports import AuthError, Folder, MailError, MailItem
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import build_app, drain, listen
from tests.waiting import wait_until

# Customer mail is held all day: one check-in, six hours from now.
CONFIG = f"""
[people]
own_domains = ["corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["{(datetime.now(UTC) + timedelta(hours=6)):%H:%M}"]
check_in_minutes = 1
calendar_focus_subject = ""

[holding]
mode = "client-move"
"""

SIGNED_OUT = AuthError("Sign-in rejected", "Microsoft 365 rejected the sign-in — sign in again.")
BUSY = MailError("Exchange is busy", "Exchange was too busy; FocusGuard will try again later.")


class Rig:
    def __init__(
        self, tmp: Path, mailbox: MemoryMailbox | None = None, retry: Retry | None = None
    ) -> None:
        self.mailbox = mailbox or MemoryMailbox()
        self.app = build_app(settings_from_toml(CONFIG), self.mailbox, tmp, retry=retry)
        self.store = self.app.store
        self.heard = listen(self.app.events)
        self.app.start()
        self.drain()

    def drain(self) -> None:
        drain(self.app)

    def problem(self) -> object:
        return self.app.service.status().as_json()["problem"]

    def errors(self) -> list[str]:
        return self.heard.errors()

    def close(self) -> None:
        self.app.stop()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path)
    yield r
    r.close()


def test_a_failing_watcher_is_the_runtimes_problem_until_it_recovers(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    assert rig.problem() is None
    with caplog.at_level(logging.WARNING, logger="focusguard.app.runtime"):
        rig.mailbox.watcher_failing(SIGNED_OUT)
        rig.drain()
    assert rig.problem() == f"{SIGNED_OUT.title}: {SIGNED_OUT.message}"
    assert rig.app.service.status().problem == rig.problem()  # what the tray's snapshot shows
    assert rig.errors() == ["Sign-in rejected"]
    assert any("not watching for new mail" in r.getMessage() for r in caplog.records)
    # The watcher keeps retrying and keeps saying so: one notification, not one a retry.
    for _ in range(3):
        rig.mailbox.watcher_failing(SIGNED_OUT)
    rig.drain()
    assert rig.errors() == ["Sign-in rejected"]
    # Engine work that succeeds does not hide a watcher that does not.
    rig.app.service.release_all()
    assert rig.problem() is not None
    # A different problem is news again.
    rig.mailbox.watcher_failing(BUSY)
    rig.drain()
    assert rig.errors() == ["Sign-in rejected", "Exchange is busy"]
    assert str(rig.problem()).startswith("Exchange is busy")


def test_recovery_clears_the_problem_and_decides_what_arrived_meanwhile(rig: Rig) -> None:
    rig.mailbox.watcher_failing(SIGNED_OUT)
    rig.drain()
    # Meanwhile a server rule held mail nobody reported, and a message reached the Inbox.
    now = datetime.now(UTC)
    held = MailItem("srv-1", "<while-out@t>", Folder.HELD, "ann@client.example", "s", now)
    rig.mailbox.folders[Folder.HELD][held.item_id] = held
    inbox = MailItem("srv-2", "<inbox@t>", Folder.INBOX, "bob@client.example", "s", now)
    rig.mailbox.folders[Folder.INBOX][inbox.item_id] = inbox
    assert rig.store.count_held() == 0

    rig.mailbox.watcher_recovered()
    rig.drain()
    rig.drain()  # the resync queued by the recovery
    assert rig.problem() is None
    assert {r.message_id for r in rig.store.held()} == {"<while-out@t>", "<inbox@t>"}
    assert rig.mailbox.where("<inbox@t>") == [Folder.HELD]
    # After a recovery the same problem is news again.
    rig.mailbox.watcher_failing(SIGNED_OUT)
    rig.drain()
    assert rig.errors() == ["Sign-in rejected", "Sign-in rejected"]


class SignInFailsFirst(MemoryMailbox):
    """A mailbox whose sign-in is rejected until `fixed` (an admin re-consented)."""

    def __init__(self) -> None:
        super().__init__()
        self.fixed = False
        self.attempts = 0

    def connect(self) -> None:
        self.attempts += 1
        if not self.fixed:
            raise SIGNED_OUT


def test_a_sign_in_rejected_at_start_up_is_retried(tmp_path: Path) -> None:
    mailbox = SignInFailsFirst()
    rig = Rig(tmp_path, mailbox, Retry(first=0.05, after_auth=0.05))
    try:
        assert str(rig.problem()).startswith("Sign-in rejected")
        wait_until(lambda: mailbox.attempts >= 2, what="a second sign-in attempt")
        assert rig.errors() == ["Sign-in rejected"]  # retried quietly
        mailbox.fixed = True
        wait_until(lambda: rig.problem() is None, what="connected after the fix")
        rig.app.service.release_all()
    finally:
        rig.close()
