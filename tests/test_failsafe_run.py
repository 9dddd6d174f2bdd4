"""The fail-safe around the engine: the app's heartbeat and start-up report (runtime), the
`focusguard failsafe` run's decisions and exit codes (app/failsafe_run.py), the instance lock
the app takes, and keeping the OS scheduler units in step (failsafe_scheduler.keep)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from focusguard.app import failsafe_run, startup
from focusguard.app.builder import App, Mode, Parts, build
from focusguard.cli import main
from focusguard.core import facts, paths
from focusguard.core.clock import VirtualClock
from focusguard.core.errors import StartupError
from focusguard.core.failsafe import Heartbeat, LastRun, LockState, RunRecord
from focusguard.core.ports import Folder, MailBackend, MailError
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from focusguard.platform.failsafe_scheduler import keep
from focusguard.platform.failsafe_units import FailsafeJob, job_for
from focusguard.platform.instance_lock import InstanceLock
from focusguard.store import Store
from tests.apps import Heard, StillTimers, drain, listen
from tests.fakes import OFFICE_CONFIG, RecordingNotifier
from tests.waiting import wait_until

# Every day a workday, check-ins at 00:00 UTC only: customer mail is held for hours.
CONFIG = OFFICE_CONFIG.replace('timezone = "Europe/London"', 'timezone = "UTC"').replace(
    'check_ins = ["09:30", "13:00", "16:30"]',
    'check_ins = ["00:00"]\nworkdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
)


@pytest.fixture
def settings() -> Settings:
    return settings_from_toml(CONFIG)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "focusguard.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def state() -> Store:
    return Store.open(paths.state_db())


# -- the app's side: heartbeat and report ---------------------------------------------------


@dataclass
class Running:
    app: App
    store: Store
    heard: Heard
    timers: StillTimers
    mailbox: MemoryMailbox


@pytest.fixture
def running(settings: Settings) -> Iterator[Running]:
    store = state()
    timers = StillTimers()
    mailbox = MemoryMailbox()
    # Today at 10:00 UTC, whatever the time: far from the 00:00 check-in's window (with the
    # system clock this failed between 00:00 and 00:30 UTC, when customer mail is let in).
    clock = VirtualClock(datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0))
    app = build(
        settings,
        Mode.HEADLESS,
        parts=Parts(
            backend_for=lambda s: mailbox, store=store, clock=clock, timers=timers, control=False
        ),
    )
    yield Running(app, store, listen(app.events), timers, mailbox)
    app.stop()
    store.close()


def heartbeat(store: Store) -> Heartbeat | None:
    return facts.decode_heartbeat(store.get_fact(facts.HEARTBEAT))


def test_the_running_app_beats_and_says_when_it_stops(running: Running) -> None:
    store = running.store
    assert heartbeat(store) is None
    running.app.start()
    drain(running.app)
    first = heartbeat(store)
    assert first is not None and first.running and first.pid == os.getpid()
    assert abs(first.at - datetime.now(UTC)) < timedelta(seconds=5)
    running.timers.beat()  # the timers' 30-second beat, now
    wait_until(lambda: heartbeat(store) is not None, what="a beat")
    running.app.stop()
    last = heartbeat(store)
    assert last is not None and not last.running and last.at >= first.at


def test_the_app_reports_what_the_failsafe_did_once(running: Running) -> None:
    store, heard = running.store, running.heard
    ran = datetime.now(UTC).replace(microsecond=0)
    runs = [RunRecord(ran - timedelta(hours=2), 0, 0, True), RunRecord(ran, 4, 0, False)]
    store.set_fact(facts.FAILSAFE_RUNS, facts.encode_runs(runs))
    running.app.start()
    drain(running.app)
    kinds = [(k, t) for k, t, _ in heard.seen]
    assert ("info", "The fail-safe released held mail") in kinds
    message = next(m for _, t, m in heard.seen if t == "The fail-safe released held mail")
    assert message.startswith("While FocusGuard was not running, the fail-safe released 4 emails")
    assert facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS)) == []  # said once


def test_status_says_when_held_mail_is_next_due(running: Running) -> None:
    app = running.app
    app.start()
    drain(app)  # connected and watching
    now = app.engine.clock.now()
    running.mailbox.deliver("<c@t>", "Ann <ann@bigclient.com>", "s", now)
    wait_until(lambda: app.service.status().held == 1, what="the hold")
    status = app.service.status().status
    assert status is not None
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    assert status.next_release == midnight
    assert status.as_json()["next_release"] == midnight.isoformat()


# -- the fail-safe run's decisions ---------------------------------------------------------------


class Backends:
    """The builder's backend for failsafe_run.run: the in-memory mailbox, counting how often
    it is built (building reads the keyring)."""

    def __init__(self, mailbox: MemoryMailbox | None = None) -> None:
        self.mailbox = mailbox or MemoryMailbox()
        self.built = 0

    def __call__(self, settings: Settings) -> MemoryMailbox:
        self.built += 1
        return self.mailbox


# The fail-safe runs of these tests happen at NOW on a virtual clock (the heartbeats they
# judge are written on it too): the check-in at 00:00 lets customer mail in until 00:30, so on
# the system clock these tests failed in that half hour.
NOW = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)


def run(config: Path, backends: Callable[[Settings], MailBackend], **kw: Any) -> int:
    parts = Parts(backend_for=backends, clock=VirtualClock(NOW))
    return failsafe_run.run(config, parts=parts, **kw)


def hold_one(settings: Settings, mailbox: MemoryMailbox, received: datetime) -> str:
    """An app session (at `received`) that holds one customer email, then dies without a
    clean stop (its last heartbeat says NOW)."""
    from focusguard.core.engine import Engine

    with state() as store:
        clock = VirtualClock(received - timedelta(minutes=1))
        engine = Engine(settings, mailbox, store, clock, RecordingNotifier())
        engine.start()
        mailbox.deliver("<held@t>", "Ann <ann@bigclient.com>", "s", received)
        assert store.count_held() == 1
        store.set_fact(facts.HEARTBEAT, facts.encode_heartbeat(Heartbeat(NOW, 99999, running=True)))
    return "<held@t>"


def test_a_fresh_heartbeat_waits_and_a_stale_one_acts(settings: Settings, config: Path) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, NOW - timedelta(days=1, hours=1))
    assert run(config, backends) == 0
    assert backends.built == 0  # waited: not even the keyring was read
    assert run(config, backends, stale_after=timedelta(0)) == 0
    assert backends.built == 1
    assert [i.message_id for i in backends.mailbox.list_folder(Folder.INBOX)] == ["<held@t>"]
    with state() as store:
        runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
        assert [(r.released, r.rules_off) for r in runs] == [(1, True)]
        assert store.check_ins(1)[0].kind == "failsafe"
    # Nothing changed since: the next run neither reads the keyring nor connects.
    assert run(config, backends, stale_after=timedelta(0)) == 0
    assert backends.built == 1


def test_a_live_app_is_left_alone_even_with_a_stale_heartbeat(
    settings: Settings, config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, NOW - timedelta(days=1, hours=1))
    with InstanceLock(paths.instance_lock()) as live:
        assert live.try_acquire() is LockState.ACQUIRED
        assert run(config, backends, stale_after=timedelta(0)) == 0
        code = run(config, backends, everything=True)
        assert code == failsafe_run.EXIT_PROBLEM  # release-all must go through the app
    assert backends.built == 0
    assert "leaves a running FocusGuard alone" in caplog.text
    assert len(backends.mailbox.list_folder(Folder.HELD)) == 1


def test_release_all_releases_what_is_not_due(settings: Settings, config: Path) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, NOW)  # due at the next midnight
    assert run(config, backends, stale_after=timedelta(0)) == 0
    assert len(backends.mailbox.list_folder(Folder.HELD)) == 1  # not due: stays held
    # Uninstalling: a fresh heartbeat does not make it wait (the lock says no app runs).
    assert run(config, backends, everything=True) == 0
    assert backends.mailbox.list_folder(Folder.HELD) == []


def test_a_missing_password_is_exit_1_and_reported(settings: Settings, config: Path) -> None:
    mailbox = MemoryMailbox()
    hold_one(settings, mailbox, NOW - timedelta(days=1, hours=1))

    def no_password(_: Settings) -> MemoryMailbox:
        raise StartupError("No password saved", "Run `focusguard account login`.")

    assert run(config, no_password, stale_after=timedelta(0)) == 1
    with state() as store:
        runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
    assert runs[-1].problem == "No password saved: Run `focusguard account login`."


def test_an_unreachable_server_is_exit_3_and_retried(settings: Settings, config: Path) -> None:
    mailbox = MemoryMailbox()
    hold_one(settings, mailbox, NOW - timedelta(days=1, hours=1))

    class Down(MemoryMailbox):
        def connect(self) -> None:
            raise MailError("Exchange is not reachable", "Check the network.")

    down = Backends(Down())
    assert run(config, down, stale_after=timedelta(0)) == 3
    with state() as store:
        assert not facts.decode_last_run(store.get_fact(facts.FAILSAFE_LAST))
        assert store.count_held() == 1
    # The next run tries again, and succeeds.
    backends = Backends(mailbox)
    assert run(config, backends, stale_after=timedelta(0)) == 0
    assert mailbox.list_folder(Folder.HELD) == []


def test_a_hanging_server_hits_the_deadline(settings: Settings, config: Path) -> None:
    mailbox = MemoryMailbox()
    hold_one(settings, mailbox, NOW - timedelta(days=1, hours=1))
    release = threading.Event()

    class Hangs(MemoryMailbox):
        def connect(self) -> None:
            release.wait(30)

    try:
        with pytest.raises(failsafe_run.DeadlineExceeded):
            run(config, Backends(Hangs()), stale_after=timedelta(0), deadline=0.2)
    finally:
        release.set()
    with state() as store:
        runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
    assert runs[-1].problem == "it did not finish within 0.2 seconds"


def test_bad_settings_are_exit_1_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[holding]\nfailsafe = 'yes'\n", encoding="utf-8")
    assert main(["failsafe", "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "holding.failsafe" in err and "Traceback" not in err


def test_nothing_to_do_without_an_account_or_state(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    assert run(path, Backends()) == 0


def test_stale_after_must_be_sensible(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["failsafe", "--config", str(config), "--stale-after", "-1"]) == 2
    assert "--stale-after" in capsys.readouterr().err


# -- the app's instance lock --------------------------------------------------------------------


def test_the_app_waits_for_a_failsafe_run_then_refuses_a_second_app() -> None:
    path = paths.instance_lock()
    other = InstanceLock(path)
    assert other.try_acquire() is LockState.ACQUIRED  # a fail-safe run (or another app)
    with pytest.raises(StartupError) as err:
        startup.take_instance_lock(wait=0.2)
    assert err.value.title == "FocusGuard is already running"
    other.release()
    lock = startup.take_instance_lock(wait=0.2)
    assert lock.held
    lock.release()


# -- keeping the OS scheduler units in step -----------------------------------------------


class FakeScheduler:
    name = "a test scheduler"

    def __init__(self) -> None:
        self.job: FailsafeJob | None = None
        self.installs = 0

    def installed(self) -> bool:
        return self.job is not None

    def current(self, job: FailsafeJob) -> bool:
        return self.job == job

    def install(self, job: FailsafeJob):  # type: ignore[no-untyped-def]
        from focusguard.platform.failsafe_scheduler import Installed

        self.job = job
        self.installs += 1
        return Installed("here", True)

    def uninstall(self) -> bool:
        had, self.job = self.job is not None, None
        return had


def test_keep_failsafe_installs_updates_and_removes(settings: Settings, config: Path) -> None:
    sched = FakeScheduler()
    assert keep(settings, config, sched) == "installed as a test scheduler (here)"
    assert sched.job == job_for(settings, config)
    assert keep(settings, config, sched) == "up to date"
    assert sched.installs == 1
    later = settings_from_toml(CONFIG.replace('["00:00"]', '["00:00", "12:00"]'))
    keep(later, config, sched)  # the schedule changed: rewritten
    assert sched.installs == 2
    off = settings_from_toml(CONFIG + "failsafe = false\n")
    assert keep(off, config, sched) == "removed (holding.failsafe = false)"
    assert not sched.installed()
    assert keep(off, config, sched) == "off"


def test_keep_failsafe_needs_an_account(config: Path) -> None:
    sched = FakeScheduler()
    assert keep(settings_from_toml(""), config, sched).startswith("no account")
    assert not sched.installed()


def test_no_automatic_install_under_focusguard_home(settings: Settings, config: Path) -> None:
    assert os.environ.get(paths.HOME_ENV)  # the suite's isolated home
    sched = FakeScheduler()
    app = build(
        settings,
        Mode.HEADLESS,
        config=config,
        parts=Parts(backend_for=lambda s: MemoryMailbox(), failsafe=sched, control=False),
    )
    try:
        assert app.keep_failsafe_soon(settings) is None
    finally:
        app.stop()
    assert sched.installs == 0


@pytest.mark.skipif(sys.platform != "linux", reason="systemd user units")
def test_cli_install_and_uninstall(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    if shutil.which("systemctl") is None:
        pytest.skip("systemd is not installed")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["failsafe", "--install", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Fail-safe installed as a systemd user timer" in out
    assert "It runs at 00:00 and 12:00 (UTC) and every 15 minutes." in out
    timer = tmp_path / "xdg/systemd/user/focusguard-failsafe.timer"
    service = (tmp_path / "xdg/systemd/user/focusguard-failsafe.service").read_text()
    assert timer.is_file()
    # Installed on purpose under FOCUSGUARD_HOME: the run is told where that is.
    assert f"--home {os.environ[paths.HOME_ENV]}" in service
    assert main(["failsafe", "--uninstall", "--config", str(config)]) == 0
    assert "Fail-safe removed." in capsys.readouterr().out
    assert not timer.exists()


def test_last_run_records_the_heartbeat_it_saw(settings: Settings, config: Path) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, NOW - timedelta(days=1, hours=1))
    with state() as store:
        beat = heartbeat(store)
    assert run(config, backends, stale_after=timedelta(0)) == 0
    with state() as store:
        last = facts.decode_last_run(store.get_fact(facts.FAILSAFE_LAST))
    assert beat is not None and last == LastRun(beat.at, complete=True)
