"""The settings file (`focusguard.toml`): what it may say, how it is checked, read and saved.

- schema.py      the values (frozen dataclasses) and the one declaration of every key
- validation.py  a document -> `Settings`, or `ConfigError` listing every problem with its fix
- migrations.py  files of an older layout (`version`), upgraded as they are read
- files.py       reading and writing the file (strict, atomic, 0600)
- timezone.py    this computer's time zone by its IANA name
- reference.py   the defaults file and the docs table, generated from the schema
- managed.py     the organisation's managed settings: presets and locked keys under the file

Validation is strict and complete: every problem is collected (not just the first), each with
the key it is about, the bad value and how to fix it. Unknown keys are errors: a typo such as
`holdng` must never silently switch holding off. Secrets are never in this file.
"""

from focusguard.core.settings.files import (
    check_config,
    load_settings,
    save_settings,
    settings_from_toml,
)
from focusguard.core.settings.managed import (
    NOT_MANAGED,
    Managed,
    load_managed,
    managed_files,
)
from focusguard.core.settings.schema import (
    ACCOUNT_KINDS,
    AUTH_METHODS,
    CURRENT_VERSION,
    DEFAULT_KEEP_DAYS,
    DEFAULT_POLL_SECONDS,
    DEFAULT_TEMPLATE,
    DEFAULT_TENANT,
    HOLDING_MODES,
    AccountSettings,
    AutoreplySettings,
    DoNotDisturbSettings,
    ExceptionSettings,
    FocusBlockSettings,
    HoldingSettings,
    NotificationSettings,
    PeopleSettings,
    PrivacySettings,
    PromiseSettings,
    ScheduleSettings,
    Settings,
)
from focusguard.core.settings.timezone import system_zone_name
from focusguard.core.settings.validation import (
    ConfigError,
    Problem,
    default_settings,
    parse_settings,
)

__all__ = [
    "ACCOUNT_KINDS",
    "AUTH_METHODS",
    "CURRENT_VERSION",
    "DEFAULT_KEEP_DAYS",
    "DEFAULT_POLL_SECONDS",
    "DEFAULT_TEMPLATE",
    "DEFAULT_TENANT",
    "HOLDING_MODES",
    "NOT_MANAGED",
    "AccountSettings",
    "AutoreplySettings",
    "ConfigError",
    "DoNotDisturbSettings",
    "ExceptionSettings",
    "FocusBlockSettings",
    "HoldingSettings",
    "Managed",
    "NotificationSettings",
    "PeopleSettings",
    "PrivacySettings",
    "Problem",
    "PromiseSettings",
    "ScheduleSettings",
    "Settings",
    "check_config",
    "default_settings",
    "load_managed",
    "load_settings",
    "managed_files",
    "parse_settings",
    "save_settings",
    "settings_from_toml",
    "system_zone_name",
]
