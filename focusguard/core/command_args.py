"""The arguments of user commands (focus for N minutes, pause for N hours), checked once.

The command line, the control channel (`Runtime.handle`) and `focusguard replay` all call
these, so a value the CLI refuses cannot reach the engine another way: the control channel
used to accept `minutes: 6000000` (focus until 2038) and `hours: true` (issue 9 §4).
"""

from __future__ import annotations

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
