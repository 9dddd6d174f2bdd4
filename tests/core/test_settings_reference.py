"""One declaration of every setting (core/settings/schema.py): the defaults file, the docs'
summary table, the known keys and what is saved all come from it, so none can drift; the
file has a `version` and older layouts are upgraded as they are read."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from focusguard.core.settings import (
    ConfigError,
    default_settings,
    migrations,
    parse_settings,
    reference,
    settings_from_toml,
    validation,
)
from focusguard.core.settings.schema import (
    ACCOUNT,
    AUTOREPLY,
    HOLDING,
    NOTIFICATIONS,
    PEOPLE,
    PRIVACY,
    SCHEDULE,
    TABLES,
    TOP_KEYS,
    AccountSettings,
    AutoreplySettings,
    HoldingSettings,
    NotificationSettings,
    PeopleSettings,
    PrivacySettings,
    ScheduleSettings,
)

REPO = Path(__file__).resolve().parents[2]
FIX = "run `.venv/bin/python tools/settings_reference.py` and commit the result"


def test_the_committed_defaults_file_is_the_schemas() -> None:
    committed = (REPO / "resources/default-config.toml").read_text(encoding="utf-8")
    assert committed == reference.default_file(), f"resources/default-config.toml is stale: {FIX}"


def test_the_committed_docs_table_is_the_schemas() -> None:
    doc = (REPO / "docs/configuration.md").read_text(encoding="utf-8")
    assert reference.docs_with_table(doc) == doc, f"docs/configuration.md's table is stale: {FIX}"


def test_the_defaults_file_says_what_an_empty_file_means() -> None:
    assert settings_from_toml(reference.default_file()) == default_settings()
    assert settings_from_toml(reference.default_file()) == settings_from_toml("")


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (ACCOUNT, AccountSettings),
        (PEOPLE, PeopleSettings),
        (SCHEDULE, ScheduleSettings),
        (AUTOREPLY, AutoreplySettings),
        (HOLDING, HoldingSettings),
        (NOTIFICATIONS, NotificationSettings),
        (PRIVACY, PrivacySettings),
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_the_schema_declares_exactly_the_values_fields(table: object, values: type) -> None:
    keys = {k.name: k for k in table.keys}  # type: ignore[attr-defined]
    fields = {f.name: f for f in dataclasses.fields(values)}
    assert set(keys) == set(fields)
    for name, f in fields.items():
        # A value every Settings has (kind, timezone) may still have a default in the file.
        if f.default is not dataclasses.MISSING:
            assert keys[name].default == f.default, name


def test_what_is_saved_is_every_declared_key_in_the_declared_order() -> None:
    full = settings_from_toml('[account]\nemail = "me@corp.example"\nusername = "me"\n')
    document = full.to_dict()
    assert tuple(document) == tuple(t.name for t in TABLES)
    for table in TABLES:
        declared = [k.name for k in table.keys]
        assert [k for k in document[table.name] if k in declared] == list(document[table.name])
    assert list(document["people"]) == [
        "own_domains",
        "customers",
        "external_is_customer",
        "urgent",
    ]
    assert "ews_url" not in document["account"]  # None: autodiscover, left out
    assert TOP_KEYS[0] == "version"


def test_the_file_says_its_version_and_a_file_without_one_is_version_1() -> None:
    text = default_settings().to_toml()
    assert tomllib.loads(text)["version"] == 1
    assert text.splitlines()[2] == "version = 1"
    assert parse_settings({"version": 1}) == parse_settings({})


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (2, "version: 2 is the layout of a newer FocusGuard (this one reads version 1 and older)"),
        (True, "version: expected a whole number, got true (write version = 1)"),
        ("1", 'version: expected a whole number, got "1" (write version = 1)'),
        (0, "version: 0 is not a version (write version = 1)"),
    ],
)
def test_a_version_it_cannot_read_is_refused_with_the_fix(version: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings({"version": version})
    assert str(info.value.problems[0]).startswith(message)


def test_a_renamed_setting_in_an_older_file_is_read_under_its_new_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mechanism a rename uses: say the folder had been `holding.folder_name` in version 1
    and is `holding.folder` from version 2 on."""
    monkeypatch.setattr(
        migrations, "STEPS", {1: migrations.rename("holding.folder_name", "holding.folder")}
    )
    monkeypatch.setattr(validation, "CURRENT_VERSION", 2)
    old = parse_settings({"holding": {"folder_name": "Later", "mode": "client-move"}})
    assert old.holding.folder == "Later" and old.holding.mode.value == "client-move"
    again = {"version": 1, "holding": {"folder_name": "Later", "mode": "client-move"}}
    assert parse_settings(again) == old
    # A version-2 file is not migrated: the old name is an unknown key there.
    with pytest.raises(ConfigError) as info:
        parse_settings({"version": 2, "holding": {"folder_name": "Later"}})
    assert str(info.value.problems[0]).startswith("holding.folder_name: unknown key")
    # Both names in an old file: the new one is kept, the old one pointed out.
    with pytest.raises(ConfigError) as info:
        parse_settings({"holding": {"folder_name": "A", "folder": "B"}})
    assert str(info.value.problems[0]).startswith("holding.folder_name: unknown key")


def test_rename_moves_a_key_between_tables() -> None:
    step = migrations.rename("schedule.quiet_minutes", "notifications.quiet_minutes")
    before = {"schedule": {"quiet_minutes": 5, "timezone": "UTC"}}
    assert step(before) == {"schedule": {"timezone": "UTC"}, "notifications": {"quiet_minutes": 5}}
    assert before == {"schedule": {"quiet_minutes": 5, "timezone": "UTC"}}  # not changed
    assert step({"people": {}}) == {"people": {}}
