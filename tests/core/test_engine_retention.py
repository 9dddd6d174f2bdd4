"""The engine forgets mail-derived text `privacy.keep_days` after release, daily, and keeps
the auto-reply ledger as long as `once_per_sender_days` needs it (issue 9 §3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from focusguard.core.ports import Folder
from tests.core.test_engine import CONFIG, Rig, at

RETENTION = (
    CONFIG.replace("[autoreply]\n", "[autoreply]\nonce_per_sender_days = 10\n")
    + """
[privacy]
keep_days = 7
"""
)
DAY = timedelta(days=1)


def test_released_mail_text_is_forgotten_after_keep_days(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(24, 8, 0), RETENTION)  # Tuesday 08:00
    ann = rig.mail("Ann <ann@client.example>", "Contract renewal for Zebulon")
    assert rig.outcomes[ann].autoreplied
    rig.go(at(24, 9, 30))  # released at the check-in
    assert rig.where(ann) == [Folder.INBOX]
    released = at(24, 9, 30)

    rig.go(released + 6 * DAY)
    assert rig.store.get_held(ann) is not None  # within keep_days: the digest may show it
    assert rig.store.decided(ann)

    rig.go(released + 7 * DAY + timedelta(minutes=1))
    assert rig.store.get_held(ann) is None
    assert not rig.store.decided(ann)
    # once_per_sender_days (10) is longer than keep_days (7): the ledger still knows Ann.
    assert rig.store.last_autoreply("ann@client.example") is not None

    rig.go(released + 10 * DAY + timedelta(minutes=1))
    assert rig.store.last_autoreply("ann@client.example") is None
    assert rig.where(ann) == [Folder.INBOX]  # the mail itself is the user's: untouched


def test_held_mail_is_never_forgotten(tmp_path: Path) -> None:
    rig = Rig(tmp_path, at(27, 17, 0), RETENTION.replace("keep_days = 7", "keep_days = 1"))
    bob = rig.mail("bob@client.example", "held over a long weekend")  # Friday 17:00
    for day in range(1, 3):  # Saturday, Sunday: no check-ins, daily pruning runs
        rig.go(at(27, 17, 0) + day * DAY + timedelta(minutes=1))
        assert rig.where(bob) == [Folder.HELD]
        rec = rig.store.get_held(bob)
        assert rec is not None and rec.subject == "held over a long weekend"
    rig.go(at(30, 9, 30))  # Monday's check-in releases it
    assert rig.where(bob) == [Folder.INBOX]
    rig.go(at(31, 9, 31))
    assert rig.store.get_held(bob) is None  # a day after release, forgotten
