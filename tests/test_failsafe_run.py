"""The fail-safe around the engine: the app's heartbeat and start-up report (runtime), the
`focusguard failsafe` run's decisions and exit codes (failsafe_run), the instance lock the
app takes, and keeping the OS scheduler units in step (app.keep_failsafe)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from focusguard import app, failsafe_run
from focusguard.cli import main
from focusguard.core import facts, paths
from focusguard.core.clock import SystemClock
from focusguard.core.failsafe import Heartbeat, LastRun, LockState, RunRecord
from focusguard.core.ports import Folder, MailError
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from focusguard.platform.failsafe_units import FailsafeJob, job_for
from focusguard.platform.instance_lock import InstanceLock
from focusguard.runtime import Runtime
from focusguard.store import Store
from tests.fakes import OFFICE_CONFIG, RecordingNotifier
from tests.waiting import wait_until

# Every day a workday, one check-in twelve hours from now (UTC): customer mail that arrives
# now, or a day and an hour ago, is never inside a check-in window, whatever the time of day
# the suite runs (a fixed 00:00 check-in delivered it between 00:00 and 00:30).
CHECK_IN_AT = (datetime.now(UTC) + timedelta(hours=12)).replace(second=0, microsecond=0)
CONFIG = OFFICE_CONFIG.replace('timezone = "Europe/London"', 'timezone = "UTC"').replace(
    'check_ins = ["09:30", "13:00", "16:30"]',
    f'check_ins = ["{CHECK_IN_AT:%H:%M}"]\n'
    'workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
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


@pytest.fixture
def runtime(settings: Settings) -> Iterator[tuple[Runtime, Store, RecordingNotifier]]:
    store = state()
    notes = RecordingNotifier()
    rt = Runtime(settings, MemoryMailbox(), store, notes, control=False)
    started = rt.start

    def start() -> None:
        started()
        running.append(rt)

    running: list[Runtime] = []
    rt.start = start  # type: ignore[method-assign]
    yield rt, store, notes
    if running and not rt._stopping.is_set():
        rt.stop()
    store.close()


def heartbeat(store: Store) -> Heartbeat | None:
    return facts.decode_heartbeat(store.get_fact(facts.HEARTBEAT))


def test_the_running_app_beats_and_says_when_it_stops(runtime) -> None:
    rt, store, _ = runtime
    assert heartbeat(store) is None
    rt.start()
    rt.worker.call(lambda: None, timeout=10)
    first = heartbeat(store)
    assert first is not None and first.running and first.pid == os.getpid()
    assert abs(first.at - datetime.now(UTC)) < timedelta(seconds=5)
    rt.ticker._beat()  # the ticker's 30-second job, run now
    wait_until(lambda: heartbeat(store) is not None, what="a beat")
    rt.stop()
    last = heartbeat(store)
    assert last is not None and not last.running and last.at >= first.at


def test_the_app_reports_what_the_failsafe_did_once(runtime) -> None:
    rt, store, notes = runtime
    ran = datetime.now(UTC).replace(microsecond=0)
    runs = [RunRecord(ran - timedelta(hours=2), 0, 0, True), RunRecord(ran, 4, 0, False)]
    store.set_fact(facts.FAILSAFE_RUNS, facts.encode_runs(runs))
    rt.start()
    rt.worker.call(lambda: None, timeout=10)
    kinds = [(k, t) for k, t, _ in notes.seen]
    assert ("info", "The fail-safe released held mail") in kinds
    message = next(m for _, t, m in notes.seen if t == "The fail-safe released held mail")
    assert message.startswith("While FocusGuard was not running, the fail-safe released 4 emails")
    assert facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS)) == []  # said once


def test_status_says_when_held_mail_is_next_due(runtime) -> None:
    rt, _, _ = runtime
    rt.start()
    now = rt.clock.now()
    mailbox = rt.backend
    assert isinstance(mailbox, MemoryMailbox)
    rt.worker.call(lambda: mailbox.deliver("<c@t>", "Ann <ann@bigclient.com>", "s", now))
    wait_until(lambda: rt.status().held == 1, what="the hold")
    status = rt.status()
    assert status.next_release == CHECK_IN_AT
    assert status.as_json()["next_release"] == CHECK_IN_AT.isoformat()


# -- the fail-safe run's decisions ---------------------------------------------------------------


class Backends:
    """build_backend for failsafe_run.run: the in-memory mailbox, counting how often it is
    built (building reads the keyring)."""

    def __init__(self, mailbox: MemoryMailbox | None = None) -> None:
        self.mailbox = mailbox or MemoryMailbox()
        self.built = 0

    def __call__(self, settings: Settings) -> MemoryMailbox:
        self.built += 1
        return self.mailbox


def hold_one(settings: Settings, mailbox: MemoryMailbox, received: datetime) -> str:
    """An app session (at `received`) that holds one customer email, then dies without a
    clean stop."""
    from focusguard.core.clock import VirtualClock
    from focusguard.core.engine import Engine

    with state() as store:
        clock = VirtualClock(received - timedelta(minutes=1))
        engine = Engine(settings, mailbox, store, clock, RecordingNotifier())
        engine.start()
        mailbox.deliver("<held@t>", "Ann <ann@bigclient.com>", "s", received)
        assert store.count_held() == 1
        store.set_fact(
            facts.HEARTBEAT,
            facts.encode_heartbeat(Heartbeat(SystemClock().now(), 99999, running=True)),
        )
    return "<held@t>"


def test_a_fresh_heartbeat_waits_and_a_stale_one_acts(settings: Settings, config: Path) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, datetime.now(UTC) - timedelta(days=1, hours=1))
    assert failsafe_run.run(config, build_backend=backends) == 0
    assert backends.built == 0  # waited: not even the keyring was read
    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=backends) == 0
    assert backends.built == 1
    assert [i.message_id for i in backends.mailbox.list_folder(Folder.INBOX)] == ["<held@t>"]
    with state() as store:
        runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
        assert [(r.released, r.rules_off) for r in runs] == [(1, True)]
        assert store.check_ins(1)[0].kind == "failsafe"
    # Nothing changed since: the next run neither reads the keyring nor connects.
    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=backends) == 0
    assert backends.built == 1


def test_a_live_app_is_left_alone_even_with_a_stale_heartbeat(
    settings: Settings, config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, datetime.now(UTC) - timedelta(days=1, hours=1))
    with InstanceLock(paths.instance_lock()) as live:
        assert live.try_acquire() is LockState.ACQUIRED
        assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=backends) == 0
        code = failsafe_run.run(config, everything=True, build_backend=backends)
        assert code == failsafe_run.EXIT_PROBLEM  # release-all must go through the app
    assert backends.built == 0
    assert "leaves a running FocusGuard alone" in caplog.text
    assert len(backends.mailbox.list_folder(Folder.HELD)) == 1


def test_release_all_releases_what_is_not_due(settings: Settings, config: Path) -> None:
    backends = Backends()
    hold_one(settings, backends.mailbox, datetime.now(UTC))  # due at CHECK_IN_AT
    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=backends) == 0
    assert len(backends.mailbox.list_folder(Folder.HELD)) == 1  # not due: stays held
    # Uninstalling: a fresh heartbeat does not make it wait (the lock says no app runs).
    assert failsafe_run.run(config, everything=True, build_backend=backends) == 0
    assert backends.mailbox.list_folder(Folder.HELD) == []


def test_a_missing_password_is_exit_1_and_reported(settings: Settings, config: Path) -> None:
    mailbox = MemoryMailbox()
    hold_one(settings, mailbox, datetime.now(UTC) - timedelta(days=1, hours=1))

    def no_password(_: Settings) -> MemoryMailbox:
        raise app.StartupError("No password saved", "Run `focusguard account login`.")

    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=no_password) == 1
    with state() as store:
        runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
    assert runs[-1].problem == "No password saved: Run `focusguard account login`."


def test_an_unreachable_server_is_exit_3_and_retried(settings: Settings, config: Path) -> None:
    mailbox = MemoryMailbox()
    hold_one(settings, mailbox, datetime.now(UTC) - timedelta(days=1, hours=1))

    class Down(MemoryMailbox):
        def connect(self) -> None:
            raise MailError("Exchange is not reachable", "Check the network.")

    down = Backends(Down())
    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=down) == 3
    with state() as store:
        assert not facts.decode_last_run(store.get_fact(facts.FAILSAFE_LAST))
        assert store.count_held() == 1
    # The next run tries again, and succeeds.
    backends = Backends(mailbox)
    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=backends) == 0
    assert mailbox.list_folder(Folder.HELD) == []


def test_a_hanging_server_hits_the_deadline(settings: Settings, config: Path) -> None:
    mailbox = MemoryMailbox()
    hold_one(settings, mailbox, datetime.now(UTC) - timedelta(days=1, hours=1))
    release = threading.Event()

    class Hangs(MemoryMailbox):
        def connect(self) -> None:
            release.wait(30)

    try:
        with pytest.raises(failsafe_run.DeadlineExceeded):
            failsafe_run.run(
                config, stale_after=timedelta(0), deadline=0.2, build_backend=Backends(Hangs())
            )
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
    assert failsafe_run.run(path, build_backend=Backends()) == 0


def test_stale_after_must_be_sensible(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["failsafe", "--config", str(config), "--stale-after", "-1"]) == 2
    assert "--stale-after" in capsys.readouterr().err


# -- the app's instance lock --------------------------------------------------------------------


def test_the_app_waits_for_a_failsafe_run_then_refuses_a_second_app() -> None:
    path = paths.instance_lock()
    other = InstanceLock(path)
    assert other.try_acquire() is LockState.ACQUIRED  # a fail-safe run (or another app)
    with pytest.raises(app.StartupError) as err:
        app.take_instance_lock(wait=0.2)
    assert err.value.title == "FocusGuard is already running"
    other.release()
    lock = app.take_instance_lock(wait=0.2)
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
    assert app.keep_failsafe(settings, config, sched) == "installed as a test scheduler (here)"
    assert sched.job == job_for(settings, config)
    assert app.keep_failsafe(settings, config, sched) == "up to date"
    assert sched.installs == 1
    later = settings_from_toml(CONFIG.replace(f'["{CHECK_IN_AT:%H:%M}"]', '["00:00", "12:00"]'))
    app.keep_failsafe(later, config, sched)  # the schedule changed: rewritten
    assert sched.installs == 2
    off = settings_from_toml(CONFIG + "failsafe = false\n")
    assert app.keep_failsafe(off, config, sched) == "removed (holding.failsafe = false)"
    assert not sched.installed()
    assert app.keep_failsafe(off, config, sched) == "off"


def test_keep_failsafe_needs_an_account(config: Path) -> None:
    sched = FakeScheduler()
    assert app.keep_failsafe(settings_from_toml(""), config, sched).startswith("no account")
    assert not sched.installed()


def test_no_automatic_install_under_focusguard_home(settings: Settings, config: Path) -> None:
    assert os.environ.get(paths.HOME_ENV)  # the suite's isolated home
    assert app.keep_failsafe_soon(settings, config) is None


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
    # At the check-in and at the end of the Monday/Wednesday focus block (12:00).
    times = " and ".join(sorted({f"{CHECK_IN_AT:%H:%M}", "12:00"}))
    assert f"It runs at {times} (UTC) and every 15 minutes." in out
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
    hold_one(settings, backends.mailbox, datetime.now(UTC) - timedelta(days=1, hours=1))
    with state() as store:
        beat = heartbeat(store)
    assert failsafe_run.run(config, stale_after=timedelta(0), build_backend=backends) == 0
    with state() as store:
        last = facts.decode_last_run(store.get_fact(facts.FAILSAFE_LAST))
    assert beat is not None and last == LastRun(beat.at, complete=True)
