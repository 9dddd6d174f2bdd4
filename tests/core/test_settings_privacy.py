"""`[privacy] keep_days`: how long mail-derived text is kept (issue 9 §3)."""

from __future__ import annotations

import tomllib

import pytest

from focusguard.core.settings import (
    DEFAULT_KEEP_DAYS,
    ConfigError,
    PrivacySettings,
    parse_settings,
    settings_from_toml,
)
from focusguard.resource_files import read_text


def test_default_is_thirty_days() -> None:
    assert DEFAULT_KEEP_DAYS == 30
    assert parse_settings({}).privacy == PrivacySettings(30)


def test_keep_days_is_read_and_round_trips() -> None:
    s = parse_settings({"privacy": {"keep_days": 7}})
    assert s.privacy.keep_days == 7
    assert parse_settings(tomllib.loads(s.to_toml())) == s


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0, "privacy.keep_days: 0 is out of range (use 1 to 3650 days)"),
        (3651, "privacy.keep_days: 3651 is out of range (use 1 to 3650 days)"),
        ("30", 'privacy.keep_days: expected a whole number of days, got "30"'),
        (True, "privacy.keep_days: expected a whole number of days, got true"),
        (7.5, "privacy.keep_days: expected a whole number of days, got 7.5"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(value: object, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings({"privacy": {"keep_days": value}})
    assert [str(p) for p in info.value.problems] == [problem]


def test_unknown_privacy_keys_are_errors() -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings({"privacy": {"keep_day": 3}})
    assert str(info.value.problems[0]).startswith("privacy.keep_day: unknown key")


def test_the_config_init_template_documents_it() -> None:
    template = read_text("default-config.toml")
    assert "[privacy]" in template and "keep_days = 30" in template
    assert settings_from_toml(template).privacy.keep_days == 30
