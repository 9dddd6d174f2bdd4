"""Stored release times stay true under the policy (core/release_times.py, issue 15), so the
engine answers status, timers and "what is due" from the store's index instead of building a
record per held entry on every question. The engine on the in-memory mailbox, a real SQLite
store and a virtual clock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from focusguard.core import facts, release_times
from focusguard.core.clock import VirtualClock
from focusguard.core.engine import Engine, policy_for
from focusguard.core.ports import Folder
from focusguard.core.records import HeldRecord, HeldState
from focusguard.core.release_times import basis, next_release_read_only
from focusguard.core.settings import settings_from_toml
from focusguard.domain.schedule import Interval
from focusguard.store import Store
from focusguard.store import store as store_module
from tests.core.test_engine import CONFIG, Rig, at
from tests.fakes import RecordingNotifier

REPO = Path(__file__).resolve().parents[2]
MOVED = CONFIG.replace('"09:30", "13:00"', '"09:45", "13:00"')
NO_CALENDAR = CONFIG.replace(
    'check_ins = ["09:30", "13:00", "16:30"]',
    'check_ins = ["09:30", "13:00", "16:30"]\ncalendar_focus_subject = ""',
)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path, at(24, 8, 0))  # Tuesday 08:00


def customers(rig: Rig, n: int) -> list[str]:
    return [rig.mail(f"C{i} <c{i}@client{i}.example>", f"#{i}") for i in range(n)]


def restart(rig: Rig, tmp: Path, config: str = CONFIG) -> Engine:
    """What a new start of FocusGuard does with the same state file and mailbox."""
    rig.store.close()
    rig.store = Store.open(tmp / "state.sqlite3")
    engine = Engine(
        settings_from_toml(config), rig.mailbox, rig.store, rig.clock, RecordingNotifier()
    )
    rig.engine = engine
    engine.start()
    return engine


class Spy:
    """Counts the calls of one function and passes them through; `wrap` is what replaces
    the function (a plain function, so it binds `self` when set on a class)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.calls = 0

        def wrap(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return fn(*args, **kwargs)

        self.wrap = wrap


# -- no record per held entry ------------------------------------------------------------


def test_status_timers_and_reconcile_build_no_record_per_held_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: status, next-timer and due checks built a record with three date parses
    for every held entry on every change (2-5 s each with 100,000 held)."""
    rig = Rig(tmp_path, at(24, 8, 0), NO_CALENDAR)
    held = customers(rig, 30)
    rig.engine.focus_start(30)  # 08:00-08:30: internal mail is held until 08:30
    bob = rig.mail("Bob <bob@corp.example>")
    [first] = rig.store.entries(held[0])
    records = Spy(store_module._held)
    monkeypatch.setattr(store_module, "_held", records.wrap)

    status = rig.engine.status()
    assert (status.held, status.held_customers) == (31, 30)
    assert status.next_release == at(24, 8, 30)
    assert rig.engine.next_release(rig.clock.now()) == at(24, 8, 30)
    assert rig.engine.next_wake(rig.clock.now()) == at(24, 8, 30)
    rig.go(at(24, 8, 20))  # nothing due yet
    assert records.calls == 0

    rig.go(at(24, 8, 30))  # Bob's focus is over: one record, the one released
    assert rig.where(bob) == [Folder.INBOX]
    assert records.calls == 1
    assert rig.engine.next_wake(at(24, 8, 30)) == at(24, 9, 30)

    # Releasing one message the user picked looks up that one entry.
    release = rig.engine.release([first.entry or 0])
    assert release is not None and [r.message_id for r in release.released] == [held[0]]
    assert records.calls == 2
    assert rig.engine.status().held == 29


# -- the stored times follow the policy ----------------------------------------------------


def test_a_focus_block_over_the_check_in_moves_the_stored_release_time(rig: Rig) -> None:
    [ann] = customers(rig, 1)
    assert _release_at(rig, ann) == at(24, 9, 30)
    rig.clock.set(at(24, 9, 0))
    rig.engine.focus_start(60)  # 09:00-10:00 covers the 09:30 check-in: postponed to 10:00
    assert _release_at(rig, ann) == at(24, 10, 0)
    assert rig.engine.status().next_release == at(24, 10, 0)
    rig.go(at(24, 9, 30))
    assert rig.where(ann) == [Folder.HELD]
    rig.clock.set(at(24, 9, 40))
    rig.engine.focus_end()  # the check-in it postponed is open again: out now
    assert rig.where(ann) == [Folder.INBOX]


def test_settings_changed_while_not_running_are_honoured(rig: Rig, tmp_path: Path) -> None:
    [ann] = customers(rig, 1)
    assert _release_at(rig, ann) == at(24, 9, 30)
    restart(rig, tmp_path, MOVED)  # the 09:30 check-in moved to 09:45 meanwhile
    assert _release_at(rig, ann) == at(24, 9, 45)
    assert rig.engine.status().next_release == at(24, 9, 45)
    rig.go(at(24, 9, 30))
    assert rig.where(ann) == [Folder.HELD]
    rig.go(at(24, 9, 45))
    assert rig.where(ann) == [Folder.INBOX]


def test_a_start_up_with_nothing_changed_recomputes_nothing(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers(rig, 5)
    rig.engine.status()
    inputs = Spy(Store.release_inputs)
    monkeypatch.setattr(Store, "release_inputs", inputs.wrap)
    restart(rig, tmp_path)
    rig.engine.status()
    rig.engine.next_wake(rig.clock.now())
    assert inputs.calls == 0
    restart(rig, tmp_path, MOVED)
    assert inputs.calls == 1


def test_release_times_written_without_a_basis_are_recomputed(rig: Rig, tmp_path: Path) -> None:
    """A file from an older FocusGuard, or edited by hand: stored times are not trusted."""
    [ann] = customers(rig, 1)
    [entry] = rig.store.entries(ann)
    rig.store.set_release_at(entry.entry or 0, at(24, 8, 1), entry.reason)
    rig.store.delete_fact(facts.RELEASE_BASIS)
    restart(rig, tmp_path)
    assert _release_at(rig, ann) == at(24, 9, 30)
    assert rig.where(ann) == [Folder.HELD]


def test_another_version_recomputes(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code that computes release times is part of the basis: after an upgrade the same
    settings may mean other times (issue 12's reply-by guard, say)."""
    customers(rig, 2)
    rig.engine.status()
    before = basis(rig.engine.policy)
    monkeypatch.setattr(release_times, "__version__", "99.0")
    assert basis(rig.engine.policy) != before
    inputs = Spy(Store.release_inputs)
    monkeypatch.setattr(Store, "release_inputs", inputs.wrap)
    restart(rig, tmp_path)
    assert inputs.calls == 1


def test_the_basis_names_what_release_times_depend_on(rig: Rig) -> None:
    policy = rig.engine.policy
    assert basis(policy) == basis(policy_for(rig.settings, rig.store))
    block = Interval(at(24, 9, 0), at(24, 10, 0))
    later = type(policy)(
        policy.people,
        type(policy.timeline)(policy.timeline.schedule, policy.timeline.state.with_adhoc(block)),
    )
    assert basis(later) != basis(policy)
    moved = settings_from_toml(MOVED)
    assert basis(policy_for(moved, rig.store)) != basis(policy)


def test_the_basis_is_the_same_in_every_process(rig: Rig, tmp_path: Path) -> None:
    """Python salts str hashes per process: a basis built from an unordered set of strings
    would differ at every start-up and recompute 100,000 entries each time."""
    rig.clock.set(at(24, 9, 0))
    rig.engine.focus_start(45)
    rig.store.close()
    script = (
        "import sys; from focusguard.core.engine import policy_for;"
        "from focusguard.core.release_times import basis;"
        "from focusguard.core.settings import settings_from_toml;"
        "from focusguard.store import Store;"
        "from pathlib import Path;"
        "s = Store.open(sys.argv[1]);"
        "print(basis(policy_for(settings_from_toml(Path(sys.argv[2]).read_text()), s)))"
    )
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    seen = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "state.sqlite3"), str(config)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        seen.add(out.stdout.strip())
    assert len(seen) == 1 and len(seen.pop()) == 64


# -- the fail-safe's read-only question ----------------------------------------------------


def test_the_fail_safes_next_release_writes_nothing_and_agrees(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.engine.focus_start(20)
    customers(rig, 3)
    bob = rig.mail("Bob <bob@corp.example>")
    assert rig.where(bob) == [Folder.HELD]
    now = rig.clock.now()
    expected = rig.engine.next_release(now)
    assert expected == at(24, 8, 20)
    policy = policy_for(rig.settings, rig.store)
    records = Spy(store_module._held)
    monkeypatch.setattr(store_module, "_held", records.wrap)
    writes = Spy(Store.set_release_times)
    monkeypatch.setattr(Store, "set_release_times", writes.wrap)
    assert next_release_read_only(rig.store, policy, now) == expected  # from the index
    rig.store.delete_fact(facts.RELEASE_BASIS)
    assert next_release_read_only(rig.store, policy, now) == expected  # computed
    assert (records.calls, writes.calls) == (0, 0)
    assert rig.store.get_fact(facts.RELEASE_BASIS) is None
    rig.store.mark_released([e.entry for e in rig.store.held_keys()], now)
    assert next_release_read_only(rig.store, policy, now) is None


def test_an_entry_without_release_time_is_due_now(rig: Rig) -> None:
    """A customer held when no check-in was in sight (a schedule edited since) has no
    release time: it is due at once, and the next timer is now."""
    [ann] = customers(rig, 1)
    [entry] = rig.store.entries(ann)
    rig.store.put_held(_replace(entry, release_at=None, category="other"))
    rig.store.delete_fact(facts.RELEASE_BASIS)
    now = rig.clock.now()
    assert rig.engine.next_wake(now) == now  # re-read under the same policy: None again
    assert rig.engine.status().next_release == now
    rig.go(now)
    assert rig.where(ann) == [Folder.INBOX]
    assert rig.store.get_entry(entry.entry or 0).state is HeldState.RELEASED  # type: ignore[union-attr]


def _release_at(rig: Rig, message_id: str) -> object:
    [entry] = [e for e in rig.store.entries(message_id) if e.state is HeldState.HELD]
    return entry.release_at


def _replace(rec: HeldRecord, **changes: Any) -> HeldRecord:
    from dataclasses import replace

    return replace(rec, **changes)


def test_two_engines_on_one_file_never_trust_each_others_times(tmp_path: Path) -> None:
    """An engine remembers which policy the stored times are true for, and checks that the
    file still says so: another engine (other settings) may have recomputed them since."""
    rig = Rig(tmp_path, at(24, 8, 0))
    [ann] = customers(rig, 1)
    assert rig.engine.status().next_release == at(24, 9, 30)
    moved = settings_from_toml(MOVED)
    other = Engine(moved, rig.mailbox, rig.store, VirtualClock(at(24, 8, 0)), rig.notes)
    assert other.status().next_release == at(24, 9, 45)
    assert _release_at(rig, ann) == at(24, 9, 45)
    assert rig.engine.status().next_release == at(24, 9, 30)  # recomputed for its policy
    assert _release_at(rig, ann) == at(24, 9, 30)
    assert rig.engine.next_wake(at(24, 8, 0)) == at(24, 8, 15)  # the calendar refresh first
