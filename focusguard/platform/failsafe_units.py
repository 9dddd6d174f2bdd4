"""The fail-safe's OS scheduler units, as text: a systemd user service + timer, a Windows Task
Scheduler task (XML for `schtasks /Create /XML`), a macOS LaunchAgent plist.

Each starts `focusguard failsafe` at every check-in on a workday, at the end of every
scheduled focus block, and on every quarter hour of the wall clock, and catches up a run
missed while the machine slept: systemd `Persistent=true`
(https://www.freedesktop.org/software/systemd/man/latest/systemd.timer.html), Task Scheduler
`StartWhenAvailable` (https://learn.microsoft.com/en-us/windows/win32/taskschd/taskschedulerschema-startwhenavailable-settingstype-element),
launchd `StartCalendarInterval`, which "will start the job the next time the computer wakes"
(launchd.plist(5)). Quarter hours rather than "every 900 s from load" so that "the fail-safe
releases at HH:MM" (core/failsafe.py `next_run`) is the same on every OS.

systemd takes the schedule's time zone in each `OnCalendar=`; Task Scheduler and launchd read
the machine's local time, so their check-in times are converted from the schedule's zone at
install time (the app rewrites the units when that conversion changes, e.g. after a DST
switch in only one of the two zones; the quarter-hourly runs cover the meantime).
"""

from __future__ import annotations

import plistlib
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from focusguard import APP_ID
from focusguard.core import paths
from focusguard.core.failsafe import Trigger, join_words, triggers
from focusguard.core.settings import Settings
from focusguard.domain.clock_time import resolve
from focusguard.platform.launch import background_command

SYSTEMD_SERVICE = "focusguard-failsafe.service"
SYSTEMD_TIMER = "focusguard-failsafe.timer"
TASK_NAME = "FocusGuard fail-safe"
LAUNCH_AGENT_LABEL = f"{APP_ID}.failsafe"
DESCRIPTION = "FocusGuard fail-safe: releases held mail when FocusGuard is not running"
# Longer than the run's own deadline (focusguard/failsafe.py), so the run ends itself first.
TIME_LIMIT_MINUTES = 10
# Task Scheduler accepts at most 48 triggers per task; one is the quarter-hourly repetition.
MAX_TASK_TRIGGERS = 48

_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


@dataclass(frozen=True, slots=True)
class FailsafeJob:
    """What the OS scheduler runs (`command`, program first) and when (`triggers`, wall clock
    in `zone`, besides every quarter hour)."""

    command: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    zone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def job_for(settings: Settings, config: Path, command: Sequence[str] | None = None) -> FailsafeJob:
    """The fail-safe job for these settings, read from `config` at every run."""
    args = [*(command or background_command()), "failsafe", "--config", str(config.absolute())]
    home = paths.home_override()
    if home is not None:
        # Explicit `--install` under FOCUSGUARD_HOME: the run must find the same state.
        args += ["--home", str(home)]
    return FailsafeJob(
        tuple(args), triggers(settings.weekly_schedule()), settings.schedule.timezone
    )


# -- systemd ----------------------------------------------------------------------------------


def systemd_units(job: FailsafeJob) -> dict[str, str]:
    """{file name: text} of the user service and its timer."""
    service = (
        "[Unit]\n"
        f"Description={DESCRIPTION}\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={' '.join(_systemd_quote(a) for a in job.command)}\n"
        f"TimeoutStartSec={TIME_LIMIT_MINUTES}min\n"
        # A background chore: never in the way of what the person is doing.
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
    )
    calendars = [
        f"OnCalendar={','.join(_DAY_ABBR[d] for d in sorted(t.days))} *-*-* "
        f"{t.at.strftime('%H:%M')}:00 {job.zone}\n"
        for t in job.triggers
    ]
    timer = (
        "[Unit]\n"
        "Description=FocusGuard fail-safe: at every check-in and every 15 minutes\n"
        "\n"
        "[Timer]\n" + "".join(calendars) + "OnCalendar=*-*-* *:00/15:00\n"
        # A run missed while the machine was off or asleep happens at once when it is back.
        "Persistent=true\n"
        # systemd may otherwise postpone an elapse by up to a minute to batch wake-ups; the
        # check-in run should be on time.
        "AccuracySec=1s\n"
        f"Unit={SYSTEMD_SERVICE}\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {SYSTEMD_SERVICE: service, SYSTEMD_TIMER: timer}


def _systemd_quote(arg: str) -> str:
    """One word of an ExecStart= line (systemd.service(5) "Command lines"): `%` specifiers
    and `$` variables disarmed, quoted when it has spaces or quotes."""
    text = arg.replace("%", "%%").replace("$", "$$")
    if text and not any(c.isspace() or c in "\"'\\;" for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- local wall-clock times (Task Scheduler, launchd) ----------------------------------------


def local_triggers(job: FailsafeJob, now: datetime, local: tzinfo) -> tuple[Trigger, ...]:
    """`job.triggers` as wall-clock times in the machine's zone `local`, for the week after
    `now` (identical when the two zones agree)."""
    by_time: dict[time, set[int]] = {}
    today = now.astimezone(job.tz).date()
    for trig in job.triggers:
        for offset in range(7):
            day = today + timedelta(days=offset)
            if day.weekday() not in trig.days:
                continue
            there = resolve(day, trig.at, job.tz).astimezone(local)
            at = time(there.hour, there.minute)
            by_time.setdefault(at, set()).add(there.weekday())
    return tuple(Trigger(frozenset(days), at) for at, days in sorted(by_time.items()))


# -- Windows Task Scheduler -------------------------------------------------------------------


def task_xml(job: FailsafeJob, now: datetime, local: tzinfo) -> str:
    """The task definition (https://learn.microsoft.com/en-us/windows/win32/taskschd/task-scheduler-schema).

    Element order follows the schema's sequences (triggerBaseType: Enabled, StartBoundary,
    EndBoundary, Repetition, ExecutionTimeLimit; then the schedule)."""
    ET.register_namespace("", _TASK_NS)
    task = _el(None, "Task", version="1.2")
    info = _el(task, "RegistrationInfo")
    _el(info, "Description", text=DESCRIPTION)
    _el(info, "URI", text=f"\\{TASK_NAME}")
    trigs = _el(task, "Triggers")
    # Every quarter hour, every day: a daily trigger at midnight repeated for a day.
    quarter = _el(trigs, "CalendarTrigger")
    _el(quarter, "StartBoundary", text="2026-01-01T00:00:00")
    rep = _el(quarter, "Repetition")
    _el(rep, "Interval", text="PT15M")
    _el(rep, "Duration", text="P1D")
    _el(rep, "StopAtDurationEnd", text="false")
    _el(_el(quarter, "ScheduleByDay"), "DaysInterval", text="1")
    for trig in local_triggers(job, now, local)[: MAX_TASK_TRIGGERS - 1]:
        cal = _el(trigs, "CalendarTrigger")
        # No offset in StartBoundary: local time, as the task's triggers are meant.
        _el(cal, "StartBoundary", text=f"2026-01-01T{trig.at.strftime('%H:%M')}:00")
        week = _el(cal, "ScheduleByWeek")
        days = _el(week, "DaysOfWeek")
        for d in sorted(trig.days):
            _el(days, _DAY_NAMES[d])
        _el(week, "WeeksInterval", text="1")
    principal = _el(_el(task, "Principals"), "Principal", id="Author")
    # Only while the person is signed in: their keyring is unlocked then, and the task needs
    # no stored password and no admin rights.
    _el(principal, "LogonType", text="InteractiveToken")
    _el(principal, "RunLevel", text="LeastPrivilege")
    settings = _el(task, "Settings")
    for name, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"),
        ("Enabled", "true"),
        ("Hidden", "false"),
        ("ExecutionTimeLimit", f"PT{TIME_LIMIT_MINUTES}M"),
        ("Priority", "7"),
    ):
        _el(settings, name, text=value)
    idle = _el(settings, "IdleSettings")
    _el(idle, "StopOnIdleEnd", text="false")
    _el(idle, "RestartOnIdle", text="false")
    action = _el(_el(task, "Actions", Context="Author"), "Exec")
    _el(action, "Command", text=job.command[0])
    _el(action, "Arguments", text=subprocess.list2cmdline(list(job.command[1:])))
    body = ET.tostring(task, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + body + "\n"


def task_xml_bytes(text: str) -> bytes:
    """The file `schtasks /XML` reads: UTF-16 with a byte-order mark, as Task Scheduler
    exports its own tasks."""
    return text.encode("utf-16")


def _el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    name = f"{{{_TASK_NS}}}{tag}"
    node = ET.Element(name, attrs) if parent is None else ET.SubElement(parent, name, attrs)
    if text is not None:
        node.text = text
    return node


# -- macOS launchd ----------------------------------------------------------------------------


def launch_agent(job: FailsafeJob, now: datetime, local: tzinfo) -> bytes:
    """The LaunchAgent plist (launchd.plist(5)); launchd's Weekday counts from Sunday = 0."""
    intervals: list[dict[str, int]] = [{"Minute": m} for m in (0, 15, 30, 45)]
    for trig in local_triggers(job, now, local):
        intervals.extend(
            {"Weekday": (d + 1) % 7, "Hour": trig.at.hour, "Minute": trig.at.minute}
            for d in sorted(trig.days)
        )
    plist = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(job.command),
        "StartCalendarInterval": intervals,
        "RunAtLoad": False,
        "ProcessType": "Background",
        "LowPriorityIO": True,
    }
    return plistlib.dumps(plist)


def describe_triggers(job: FailsafeJob) -> str:
    """For messages: "09:30, 13:00 and 16:30 (Mon-Fri, Europe/London) and every 15 minutes"."""
    when = join_words(t.at.strftime("%H:%M") for t in job.triggers)
    return f"at {when} ({job.zone}) and every 15 minutes" if when else "every 15 minutes"
