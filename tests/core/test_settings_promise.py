"""`[promise]` and `[schedule] working_hours / holidays` (issue 12 §1): read, validated with a
message naming the key and the fix, round-tripped, and turned into the domain's values."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focusguard.core.settings import (
    ConfigError,
    PromiseSettings,
    load_settings,
    parse_settings,
    save_settings,
    settings_from_toml,
)
from focusguard.domain.working_time import WorkingTime
from focusguard.resource_files import read_text

H = timedelta(hours=1)
LONDON = ZoneInfo("Europe/London")


def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_settings(data)
    return [str(p) for p in info.value.problems]


def test_no_promise_by_default() -> None:
    s = parse_settings({})
    assert s.promise == PromiseSettings()
    assert s.promise_rules() is None
    assert s.schedule.working_hours == (time(9), time(17, 30))
    assert s.schedule.holidays == ()


def test_a_promise_with_working_hours_and_holidays() -> None:
    s = settings_from_toml(
        """
        [schedule]
        timezone = "Europe/London"
        workdays = ["mon", "tue", "wed", "thu"]
        working_hours = ["08:30", "16:00"]
        holidays = ["2026-12-28", 2026-12-25]

        [promise]
        reply_within = "1h30m"
        release_margin = "20m"
        focus_wins = true
        """.replace("\n        ", "\n")
    )
    promise = s.promise_rules()
    assert promise is not None
    assert promise.reply_within == 1.5 * H
    assert promise.release_margin == timedelta(minutes=20)
    assert promise.focus_wins is True
    assert promise.working == WorkingTime(
        LONDON,
        frozenset({0, 1, 2, 3}),
        (time(8, 30), time(16)),
        frozenset({date(2026, 12, 25), date(2026, 12, 28)}),
    )
    assert s.schedule.holidays == (date(2026, 12, 25), date(2026, 12, 28))  # sorted
    # holidays have no check-ins
    assert s.weekly_schedule().holidays == frozenset({date(2026, 12, 25), date(2026, 12, 28)})
    assert parse_settings(tomllib.loads(s.to_toml())) == s


@pytest.mark.parametrize(
    ("reply_within", "margin"),
    [("4h", H), ("8h", H), ("2h", 0.5 * H), ("40m", timedelta(minutes=10))],
)
def test_the_default_margin_is_an_hour_or_a_quarter_of_a_short_promise(
    reply_within: str, margin: timedelta
) -> None:
    promise = parse_settings({"promise": {"reply_within": reply_within}}).promise_rules()
    assert promise is not None and promise.release_margin == margin


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("4h", 240), ("30m", 30), ("1h30m", 90), ("1h 30m", 90), ("90min", 90), (" 2H ", 120)],
)
def test_durations(text: str, minutes: int) -> None:
    s = parse_settings({"promise": {"reply_within": text}})
    assert s.promise.reply_within == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (
            {"reply_within": 4},
            'promise.reply_within: expected a duration like "4h", "30m" or "1h30m", got 4',
        ),
        (
            {"reply_within": "4 hours"},
            'promise.reply_within: "4 hours" is not a duration (write hours and minutes: '
            '"4h", "30m" or "1h30m")',
        ),
        ({"reply_within": "0m"}, 'promise.reply_within: "0m" is out of range (use 1m to 10000h)'),
        (
            {"reply_within": "20000h"},
            'promise.reply_within: "20000h" is out of range (use 1m to 10000h)',
        ),
        (
            {"reply_within": "1h", "release_margin": "1h"},
            'promise.release_margin: "1h" is not shorter than reply_within "1h": held mail '
            'would come out as soon as it arrives (use a shorter margin, e.g. "15m")',
        ),
        ({"focus_wins": "yes"}, 'promise.focus_wins: expected true or false, got "yes"'),
        (
            {"reply_in": "4h"},
            'promise.reply_in: unknown key (did you mean "reply_within"?)',
        ),
    ],
)
def test_bad_promises_name_the_key_and_the_fix(table: dict[str, object], problem: str) -> None:
    assert problems({"promise": table}) == [problem]


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        (
            {"working_hours": ["09:00"]},
            'schedule.working_hours: needs a start and an end, like ["09:00", "17:30"] '
            "(got 1 items)",
        ),
        (
            {"working_hours": "09:00-17:30"},
            'schedule.working_hours: expected a list like ["09:00", "17:30"], '
            'got "09:00-17:30" (write ["09:00-17:30"])',
        ),
        (
            {"working_hours": ["17:30", "09:00"]},
            'schedule.working_hours[1]: "09:00" is not after the start "17:30" (working hours '
            "end on the day they start: use an end time later than the start)",
        ),
        (
            {"working_hours": ["09:00", "25:00"]},
            'schedule.working_hours[1]: "25:00" is not a time of day (use HH:MM)',
        ),
        (
            {"holidays": ["2026-02-30"]},
            'schedule.holidays[0]: "2026-02-30" is not a date (use "YYYY-MM-DD", e.g. '
            '"2026-12-25")',
        ),
        (
            {"holidays": ["25/12/2026"]},
            'schedule.holidays[0]: "25/12/2026" is not a date (use "YYYY-MM-DD", e.g. '
            '"2026-12-25")',
        ),
        (
            {"holidays": [datetime(2026, 12, 25, 9)]},
            'schedule.holidays[0]: 2026-12-25T09:00:00 is not a date (use "YYYY-MM-DD", e.g. '
            '"2026-12-25")',
        ),
        (
            {"holidays": ["2026-12-25", date(2026, 12, 25)]},
            'schedule.holidays[1]: "2026-12-25" is listed twice (list each holiday once)',
        ),
        (
            {"holidays": "2026-12-25"},
            'schedule.holidays: expected a list like ["2026-12-25", "2026-12-28"], '
            'got "2026-12-25" (write ["2026-12-25"])',
        ),
    ],
)
def test_bad_working_hours_and_holidays(schedule: dict[str, object], problem: str) -> None:
    assert problems({"schedule": {"timezone": "UTC", **schedule}}) == [problem]


def test_saving_keeps_the_promise(tmp_path: Path) -> None:
    s = parse_settings(
        {
            "schedule": {"working_hours": ["08:00", "16:00"], "holidays": ["2026-12-25"]},
            "promise": {"reply_within": "4h", "focus_wins": True},
        }
    )
    path = tmp_path / "focusguard.toml"
    save_settings(s, path)
    assert load_settings(path) == s
    assert load_settings(path).promise.release_margin is None  # still "the default"


def test_the_config_init_template_documents_it() -> None:
    template = read_text("default-config.toml")
    for text in ("[promise]", "reply_within", "release_margin", "focus_wins"):
        assert text in template
    for text in ("working_hours", "holidays"):
        assert text in template
    s = settings_from_toml(template)
    assert s.promise_rules() is None  # commented out: no promise until you make one
    assert s.schedule.working_hours == (time(9), time(17, 30))
