"""The issue 14 settings block: [do_not_disturb] and [exceptions]."""

from __future__ import annotations

import pytest

from focusguard.core.settings import (
    ConfigError,
    DoNotDisturbSettings,
    ExceptionSettings,
    load_settings,
    parse_settings,
    save_settings,
)


def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    return [str(p) for p in err.value.problems]


def test_everything_is_off_by_default() -> None:
    s = parse_settings({})
    assert s.do_not_disturb == DoNotDisturbSettings()
    assert not s.do_not_disturb.desktop and not s.do_not_disturb.teams
    assert s.exceptions == ExceptionSettings()
    assert not s.bypass()


def test_values_are_read_and_survive_saving(tmp_path) -> None:
    s = parse_settings(
        {
            "do_not_disturb": {
                "desktop": True,
                "teams": True,
                "macos_shortcut_on": "Focus on",
                "macos_shortcut_off": "Focus off",
            },
            "exceptions": {
                "subject_keywords": ["[PAGER-", "INC-"],
                "sent_to": ["support-urgent@corp.example"],
            },
        }
    )
    assert s.do_not_disturb == DoNotDisturbSettings(True, True, "Focus on", "Focus off")
    assert s.exceptions.subject_keywords == ("[PAGER-", "INC-")
    assert s.bypass().reason("inc-7 down", ()) == 'delivered: subject contains "INC-"'
    path = tmp_path / "focusguard.toml"
    save_settings(s, path)
    assert load_settings(path) == s


def test_bad_values_are_problems_with_the_fix() -> None:
    found = problems(
        {
            "do_not_disturb": {"desktop": "yes", "macos_shortcut_on": "Focus on", "tems": True},
            "exceptions": {
                "subject_keywords": ["p1", "[PAGER-", "[pager-", 7],
                "sent_to": ["support-urgent"],
            },
        }
    )
    assert found == [
        'do_not_disturb.tems: unknown key (did you mean "teams"?)',
        "do_not_disturb.macos_shortcut_off: is missing: name both Shortcuts, one that switches "
        "Focus on and one that switches it off, or neither (docs/do-not-disturb.md, macOS)",
        'do_not_disturb.desktop: expected true or false, got "yes"',
        'exceptions.subject_keywords[0]: "p1" is shorter than 3 characters and would match far '
        'too many subjects (use something distinctive, like a ticket prefix "[PAGER-")',
        'exceptions.subject_keywords[2]: "[pager-" is listed twice (list each keyword once)',
        "exceptions.subject_keywords[3]: expected a string, got 7",
        'exceptions.sent_to[0]: "support-urgent" is not an email address (use one of your own '
        'addresses or aliases, e.g. "support-urgent@corp.example")',
    ]
