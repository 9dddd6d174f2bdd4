"""The arguments of user commands (focus for N minutes, pause for N hours), checked once.

The command line, the control channel (both generated from the service's verbs,
app/service.py) and `focusguard replay` all call these, so a value the CLI refuses cannot
reach the engine another way: the control channel used to accept `minutes: 6000000` (focus
until 2038) and `hours: true` (issue 9 §4). `check` functions take any JSON value; `parse`
functions read command-line text.
"""

from __future__ import annotations

import os.path
import re
from collections.abc import Callable

FOCUS_MINUTES_MIN = 1
FOCUS_MINUTES_MAX = 24 * 60
PAUSE_HOURS_MIN = 1 / 60  # one minute
PAUSE_HOURS_MAX = 24 * 7  # one week
PAUSE_HOURS_DEFAULT = 1.0

FOCUS_RANGE = "focus lasts between 1 minute and 24 hours"
PAUSE_RANGE = "a pause lasts between 1 minute and 168 hours (a week)"


class ArgumentProblem(ValueError):
    """A command argument out of range or of the wrong type; the text says what is allowed."""


def focus_minutes(value: object) -> int | None:
    """Minutes of ad-hoc focus: a whole number from 1 to 1440; None means until the next
    check-in. JSON `true`, `25.0`, NaN and huge numbers are refused, not rounded."""
    if value is None:
        return None
    if type(value) is not int:  # bool is an int subclass: `true` is not one minute
        raise ArgumentProblem(f"minutes must be a whole number ({FOCUS_RANGE})")
    if not FOCUS_MINUTES_MIN <= value <= FOCUS_MINUTES_MAX:
        raise ArgumentProblem(FOCUS_RANGE)
    return value


def pause_hours(value: object) -> float:
    """Hours of pause: a number (whole or not) from 1/60 to 168."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentProblem(f"hours must be a number ({PAUSE_RANGE})")
    # NaN fails every comparison and so the range check; a huge int compares exactly.
    if not PAUSE_HOURS_MIN <= value <= PAUSE_HOURS_MAX:
        raise ArgumentProblem(PAUSE_RANGE)
    return float(value)


def switch(name: str) -> Callable[[object], bool]:
    """The check of an on/off argument: JSON true or false, nothing else."""

    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise ArgumentProblem(f"{name} must be true or false")
        return value

    return check


_DURATION = re.compile(r"^(?:([0-9]+)h)?(?:([0-9]+)m(?:in)?)?$")
UNTIL_CHECK_IN = ("until-checkin", "until-check-in", "checkin")


def parse_duration(text: str) -> int | None:
    """'25m', '1h', '1h30m', '90' -> minutes; 'until-checkin' -> None."""
    text = text.strip().lower()
    if text in UNTIL_CHECK_IN:
        return None
    # Length-capped: "9" * 5000 must not reach int() (a ValueError past 4,300 digits).
    m = _DURATION.match(text) if len(text) <= 40 else None
    if len(text) <= 40 and text.isascii() and text.isdigit():
        minutes = int(text)
    elif m and any(m.groups()):
        minutes = int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    else:
        raise ArgumentProblem(
            f"{text[:40]!r} is not a duration (use 25m, 1h, 1h30m or until-checkin)"
        )
    return focus_minutes(minutes)


def parse_hours(text: str) -> float:
    """`pause --hours`: a number of hours, within the control channel's limits."""
    try:
        hours = float(text)
    except ValueError:
        raise ArgumentProblem(f"{text[:40]!r} is not a number of hours (e.g. 1 or 0.5)") from None
    return pause_hours(hours)


# -- insights and preview (issue 13) --------------------------------------------------------
INSIGHTS_WEEKS_MAX = 52
PREVIEW_DAYS_MAX = 366
PREVIEW_DAYS_DEFAULT = 7  # last week


def whole_number(name: str, low: int, high: int) -> Callable[[object], int]:
    """The check of a whole-number argument from `low` to `high` (JSON `true` is not 1)."""

    def check(value: object) -> int:
        if type(value) is not int or not low <= value <= high:
            raise ArgumentProblem(f"{name} must be a whole number from {low} to {high}")
        return value

    return check


def parse_whole(name: str, low: int, high: int) -> Callable[[str], int]:
    check = whole_number(name, low, high)

    def parse(text: str) -> int:
        text = text.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 6):
            raise ArgumentProblem(f"{name} must be a whole number from {low} to {high}")
        return check(int(text))

    return parse


def settings_path(value: object) -> str | None:
    """A settings file to try (`preview --config`): an absolute path, or None for the
    settings in use. Absolute because the running FocusGuard reads it, from its own
    working directory (the command line makes it absolute: `parse_settings_path`)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 4096 or "\0" in value:
        raise ArgumentProblem("config must be the path of a settings file")
    if not os.path.isabs(value):
        raise ArgumentProblem(f"config must be an absolute path, not {value[:80]!r}")
    return value


def parse_settings_path(text: str) -> str | None:
    """The command line's path, made absolute against its own working directory."""
    return settings_path(os.path.abspath(os.path.expanduser(text)))
