"""The fail-safe's OS scheduler units. systemd's are checked by systemd itself on this machine
(`systemd-analyze verify`, `systemd-analyze calendar`, a real `systemctl --user enable` into
a temporary XDG_CONFIG_HOME); Windows' and macOS' are parsed (XML against the order of the
Task Scheduler schema, the plist with plistlib), with their tools' commands recorded."""

from __future__ import annotations

import configparser
import os
import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focusguard.core.failsafe import Trigger
from focusguard.core.settings import settings_from_toml
from focusguard.platform import failsafe_units as units
from focusguard.platform.failsafe_scheduler import (
    LaunchAgent,
    RunResult,
    SchedulerError,
    SystemdTimer,
    TaskScheduler,
    run_command,
)
from focusguard.platform.failsafe_units import FailsafeJob, job_for
from tests.fakes import OFFICE_CONFIG

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)  # London on GMT, New York on EDT
NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}

# A config path with a space, a percent sign and a dollar: all must survive quoting.
CONFIG = Path("/tmp/Fail safe/100% $HOME/focusguard.toml")


@pytest.fixture(autouse=True)
def _own_home(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite runs under FOCUSGUARD_HOME; these jobs are the ones a person gets.
    monkeypatch.delenv("FOCUSGUARD_HOME")


def job() -> FailsafeJob:
    settings = settings_from_toml(OFFICE_CONFIG)
    return job_for(settings, CONFIG, command=[sys.executable, "-m", "focusguard"])


class Recorder:
    """A command runner that records what would run and answers from a table."""

    def __init__(self, answers: Mapping[str, int] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.answers = dict(answers or {})

    def __call__(self, args: Sequence[str], env: Mapping[str, str] | None) -> RunResult:
        self.calls.append(list(args))
        code = next((c for key, c in self.answers.items() if key in " ".join(args)), 0)
        return RunResult(code, "" if code == 0 else "refused")


def test_the_job_runs_this_installation_with_the_settings_file() -> None:
    j = job()
    assert j.command == (sys.executable, "-m", "focusguard", "failsafe", "--config", str(CONFIG))
    assert j.zone == "Europe/London"
    assert {t.at.strftime("%H:%M") for t in j.triggers} == {"09:30", "12:00", "13:00", "16:30"}


def test_under_focusguard_home_the_job_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOCUSGUARD_HOME", "/tmp/fg home")
    assert job().command[-2:] == ("--home", "/tmp/fg home")


# -- systemd ----------------------------------------------------------------------------------


def parse_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    # systemd repeats keys (OnCalendar=); keep them all.
    parser.read_string(text.replace("OnCalendar=", "OnCalendar_=", 1))
    return parser


def test_systemd_units_say_when_and_what() -> None:
    files = units.systemd_units(job())
    timer = files[units.SYSTEMD_TIMER]
    calendars = [line for line in timer.splitlines() if line.startswith("OnCalendar=")]
    assert calendars == [
        "OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 09:30:00 Europe/London",
        "OnCalendar=Mon,Wed *-*-* 12:00:00 Europe/London",
        "OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 13:00:00 Europe/London",
        "OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 16:30:00 Europe/London",
        "OnCalendar=*-*-* *:00/15:00",
    ]
    parsed = parse_unit(timer)
    assert parsed["Timer"]["Persistent"] == "true"
    assert parsed["Timer"]["Unit"] == units.SYSTEMD_SERVICE
    assert parsed["Install"]["WantedBy"] == "timers.target"
    service = parse_unit(files[units.SYSTEMD_SERVICE])["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"].startswith(sys.executable + " -m focusguard failsafe --config ")
    assert '"/tmp/Fail safe/100%% $$HOME/focusguard.toml"' in service["ExecStart"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    for name, text in units.systemd_units(job()).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(tmp_path)}
    verify = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--user",
            *(str(tmp_path / n) for n in units.systemd_units(job())),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    # Unknown keys and bad values are only warnings for systemd: there must be none.
    ours = [line for line in verify.stderr.splitlines() if "focusguard-failsafe" in line]
    assert ours == []
    timer = units.systemd_units(job())[units.SYSTEMD_TIMER]
    for line in timer.splitlines():
        if line.startswith("OnCalendar="):
            spec = line.removeprefix("OnCalendar=")
            check = subprocess.run(
                ["systemd-analyze", "calendar", spec], capture_output=True, text=True, check=False
            )
            assert check.returncode == 0, (spec, check.stderr)
            assert "Next elapse:" in check.stdout


@pytest.mark.skipif(shutil.which("systemctl") is None, reason="systemd is not installed")
def test_install_and_uninstall_with_the_real_systemctl(tmp_path: Path) -> None:
    timer = SystemdTimer(run_command, config_home=tmp_path)
    assert not timer.installed() and not timer.current(job())
    done = timer.install(job())
    assert timer.installed() and timer.current(job())
    # `systemctl --user enable` made the link, with or without a running user manager.
    link = tmp_path / "systemd" / "user" / "timers.target.wants" / units.SYSTEMD_TIMER
    assert link.is_symlink() and link.resolve() == tmp_path / "systemd/user" / units.SYSTEMD_TIMER
    if not done.active:
        assert "next login" in done.detail or "did not start" in done.detail
    assert oct((tmp_path / "systemd/user" / units.SYSTEMD_TIMER).stat().st_mode & 0o777) == "0o600"

    changed = settings_from_toml(OFFICE_CONFIG.replace('"16:30"]', '"17:00"]'))
    assert not timer.current(job_for(changed, CONFIG, [sys.executable, "-m", "focusguard"]))

    assert timer.uninstall()
    assert not link.exists() and not timer.installed()
    assert list((tmp_path / "systemd/user").glob("focusguard-*")) == []
    assert not timer.uninstall()  # nothing left to remove


def test_systemd_without_systemctl_says_so(tmp_path: Path) -> None:
    missing = Recorder({"systemctl": 127})
    with pytest.raises(SchedulerError) as err:
        SystemdTimer(missing, config_home=tmp_path).install(job())
    assert "needs systemd" in err.value.message


def test_systemd_restarts_the_timer_when_the_manager_is_reachable(tmp_path: Path) -> None:
    runner = Recorder()
    timer = SystemdTimer(runner, config_home=tmp_path)
    # A runner that answers yes does not create the link; the real systemctl does.
    link = timer.wants_link
    link.parent.mkdir(parents=True)
    link.symlink_to(timer.unit_dir / units.SYSTEMD_TIMER)
    assert timer.install(job()).active
    assert runner.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", units.SYSTEMD_TIMER],
        ["systemctl", "--user", "restart", units.SYSTEMD_TIMER],
    ]


# -- local wall-clock conversion ----------------------------------------------------------


def test_local_triggers_convert_from_the_schedules_zone() -> None:
    j = FailsafeJob(
        ("fg",), (Trigger(frozenset({0, 1}), datetime(1, 1, 1, 9, 30).time()),), "Europe/London"
    )
    assert units.local_triggers(j, NOW, LONDON) == j.triggers
    # 24 March 2026: London is on GMT, New York already on EDT (UTC-4): 05:30 on Tuesday.
    # London switches to BST on the 29th: next Monday's 09:30 is 04:30 in New York.
    assert units.local_triggers(j, NOW, NEW_YORK) == (
        Trigger(frozenset({0}), datetime(1, 1, 1, 4, 30).time()),
        Trigger(frozenset({1}), datetime(1, 1, 1, 5, 30).time()),
    )
    # After midnight in London is the evening before in New York (Monday 30th: BST, EDT).
    early = FailsafeJob(
        ("fg",), (Trigger(frozenset({0}), datetime(1, 1, 1, 2, 0).time()),), "Europe/London"
    )
    assert units.local_triggers(early, NOW, NEW_YORK) == (
        Trigger(frozenset({6}), datetime(1, 1, 1, 21, 0).time()),
    )


# -- Windows Task Scheduler -----------------------------------------------------------------

TRIGGER_ORDER = ["Enabled", "StartBoundary", "EndBoundary", "Repetition", "ExecutionTimeLimit"]


def local_name(el: ET.Element) -> str:
    return el.tag.split("}", 1)[1]


def test_task_xml_is_a_valid_task_definition() -> None:
    text = units.task_xml(job(), NOW, LONDON)
    data = units.task_xml_bytes(text)
    assert data[:2] == b"\xff\xfe"  # UTF-16 LE with a byte-order mark
    root = ET.fromstring(data.decode("utf-16").split("\n", 1)[1])
    assert root.tag == "{http://schemas.microsoft.com/windows/2004/02/mit/task}Task"
    assert root.get("version") == "1.2"
    triggers = root.findall("t:Triggers/t:CalendarTrigger", NS)
    assert len(triggers) == 1 + 4  # the quarter hours + one per distinct time
    for trig in triggers:
        names = [local_name(c) for c in trig]
        base = [n for n in names if n in TRIGGER_ORDER]
        assert base == sorted(base, key=TRIGGER_ORDER.index)  # the schema's sequence
        assert names[-1].startswith("ScheduleBy")  # after the base elements
    quarter = triggers[0]
    assert quarter.findtext("t:Repetition/t:Interval", namespaces=NS) == "PT15M"
    assert quarter.findtext("t:Repetition/t:Duration", namespaces=NS) == "P1D"
    assert quarter.findtext("t:ScheduleByDay/t:DaysInterval", namespaces=NS) == "1"
    starts = {t.findtext("t:StartBoundary", namespaces=NS) for t in triggers[1:]}
    assert starts == {f"2026-01-01T{hhmm}:00" for hhmm in ("09:30", "12:00", "13:00", "16:30")}
    noon = next(
        t for t in triggers if t.findtext("t:StartBoundary", namespaces=NS).endswith("12:00:00")
    )
    days = [local_name(d) for d in noon.find("t:ScheduleByWeek/t:DaysOfWeek", NS)]
    assert days == ["Monday", "Wednesday"]
    settings = root.find("t:Settings", NS)
    assert settings.findtext("t:StartWhenAvailable", namespaces=NS) == "true"
    assert settings.findtext("t:MultipleInstancesPolicy", namespaces=NS) == "IgnoreNew"
    assert settings.findtext("t:DisallowStartIfOnBatteries", namespaces=NS) == "false"
    assert (
        root.findtext("t:Principals/t:Principal/t:LogonType", namespaces=NS) == "InteractiveToken"
    )
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=NS) == sys.executable
    args = root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=NS)
    assert args == subprocess.list2cmdline(
        ["-m", "focusguard", "failsafe", "--config", str(CONFIG)]
    )


def test_task_scheduler_install_and_uninstall(tmp_path: Path) -> None:
    runner = Recorder()
    task = TaskScheduler(runner, state_dir=tmp_path, clock=lambda: (NOW, LONDON))
    assert not task.current(job())
    done = task.install(job())
    assert done.active
    assert runner.calls[-1] == [
        "schtasks",
        "/Create",
        "/TN",
        "FocusGuard fail-safe",
        "/XML",
        str(task.copy),
        "/F",
    ]
    assert task.copy.read_bytes() == units.task_xml_bytes(units.task_xml(job(), NOW, LONDON))
    assert task.current(job())
    assert task.uninstall()
    assert runner.calls[-1] == ["schtasks", "/Delete", "/TN", "FocusGuard fail-safe", "/F"]
    assert not task.copy.exists()


def test_task_scheduler_refusal_is_a_clear_error(tmp_path: Path) -> None:
    task = TaskScheduler(Recorder({"/Create": 1}), state_dir=tmp_path, clock=lambda: (NOW, LONDON))
    with pytest.raises(SchedulerError) as err:
        task.install(job())
    assert "Task Scheduler refused the task (refused)" in err.value.message
    assert not task.copy.exists()


# -- macOS launchd ------------------------------------------------------------------------------


def test_launch_agent_plist() -> None:
    plist = plistlib.loads(units.launch_agent(job(), NOW, LONDON))
    assert plist["Label"] == "io.focusguard.FocusGuard.failsafe"
    assert plist["ProgramArguments"] == list(job().command)
    assert plist["RunAtLoad"] is False
    intervals = plist["StartCalendarInterval"]
    assert intervals[:4] == [{"Minute": 0}, {"Minute": 15}, {"Minute": 30}, {"Minute": 45}]
    noon = [i for i in intervals if i.get("Hour") == 12]
    assert noon == [
        {"Weekday": 1, "Hour": 12, "Minute": 0},
        {"Weekday": 3, "Hour": 12, "Minute": 0},
    ]
    assert {i["Weekday"] for i in intervals if i.get("Hour") == 9} == {1, 2, 3, 4, 5}


def test_launch_agent_install_and_uninstall(tmp_path: Path) -> None:
    runner = Recorder()
    agent = LaunchAgent(runner, home=tmp_path, clock=lambda: (NOW, LONDON), uid=501)
    assert agent.install(job()).active
    assert agent.path == tmp_path / "Library/LaunchAgents/io.focusguard.FocusGuard.failsafe.plist"
    assert runner.calls == [
        ["launchctl", "bootout", "gui/501", str(agent.path)],
        ["launchctl", "bootstrap", "gui/501", str(agent.path)],
    ]
    assert agent.current(job())
    assert agent.uninstall() and not agent.path.exists()
    assert runner.calls[-1] == ["launchctl", "bootout", "gui/501", str(agent.path)]


def test_launch_agent_not_loaded_now_is_loaded_at_login(tmp_path: Path) -> None:
    agent = LaunchAgent(Recorder({"bootstrap": 5}), home=tmp_path, clock=lambda: (NOW, LONDON))
    done = agent.install(job())
    assert not done.active and agent.installed()
    assert "did not load it now" in done.detail


def test_a_fixed_offset_local_zone_works_too() -> None:
    local = timezone(timedelta(hours=2))  # London is on BST (+1) in June
    plist = plistlib.loads(units.launch_agent(job(), datetime(2026, 6, 2, tzinfo=UTC), local))
    assert {i["Hour"] for i in plist["StartCalendarInterval"] if "Hour" in i} == {10, 13, 14, 17}


def test_a_week_across_a_dst_switch_gets_each_day_right() -> None:
    # Tuesday 24 March to Monday 30 March: London switches to BST on Sunday the 29th.
    local = timezone(timedelta(hours=2))
    converted = units.local_triggers(job(), NOW, local)
    nine_thirty = {t.at.strftime("%H:%M"): t.days for t in converted}
    assert nine_thirty["11:30"] == frozenset({1, 2, 3, 4})  # Tue-Fri this week (GMT)
    assert nine_thirty["10:30"] == frozenset({0})  # Monday after the switch (BST)
