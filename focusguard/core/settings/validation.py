"""Checking a settings document: every problem, each with its key, the bad value and how to
fix it; `Settings` or `ConfigError`, never a traceback, whatever the input.

The keys and their types, defaults and limits come from schema.py; the checks that need more
than one key (kind and auth, the template and the phone number, a focus block's start and
end...) are written out here, with the messages tests/core/test_settings.py holds them to.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import json
import math
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from focusguard.core.errors import FocusGuardError
from focusguard.core.ports import RuleMode
from focusguard.core.settings import migrations
from focusguard.core.settings.schema import (
    ACCOUNT,
    ACCOUNT_KINDS,
    AUTH_METHODS,
    AUTOREPLY,
    CURRENT_VERSION,
    DEFAULT_FOLDER,
    DO_NOT_DISTURB,
    EXCEPTIONS,
    FOCUS_BLOCK,
    HOLDING,
    HOLDING_MODES,
    MAX_HOLIDAYS,
    MAX_PROMISE,
    NOTIFICATIONS,
    PEOPLE,
    PLACEHOLDER_CLIENT_ID,
    PRIVACY,
    PROMISE,
    SCHEDULE,
    TEMPLATE_FIELDS,
    TOP_KEYS,
    VERSION,
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
    Table,
    duration_text,
    hhmm,
)
from focusguard.core.settings.timezone import system_zone_name, zone_ok
from focusguard.domain.bypass import keyword_problem
from focusguard.domain.schedule import WEEKDAYS
from focusguard.domain.senders import SenderPattern, parse_address
from focusguard.domain.well_known_folders import label as folder_label
from focusguard.domain.well_known_folders import well_known_named
from focusguard.domain.working_time import DEFAULT_HOURS

_SECRET_KEYS = frozenset(
    {"password", "passwd", "pass", "secret", "client_secret", "token", "app_password", "pwd"}
)

_DAY_NAMES = {
    **{d: d for d in WEEKDAYS},
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_TENANT_AUDIENCES = frozenset({"organizations", "common", "consumers"})
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TENANT_DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
# A run of digits longer than Python's int() limit of 4,300 (CVE-2020-10735): tomllib raises
# a bare ValueError for such an integer, without a line or a key.
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_TENANT_AUDIENCES = frozenset({"organizations", "common", "consumers"})
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TENANT_DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_TEXT_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the settings: the key it is about and what to do."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(FocusGuardError):
    """The settings cannot be used; `problems` lists every reason, each with its fix.
    `str(error)` is the list of problems, one a line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(
            "FocusGuard's settings need fixing", "\n".join(str(p) for p in self.problems)
        )

    def __str__(self) -> str:
        return self.message


def default_settings() -> Settings:
    """The settings of an empty file: no account, the default schedule in the system zone."""
    return parse_settings({})


def parse_settings(data: Mapping[str, object]) -> Settings:
    """Validate a parsed TOML document; raises `ConfigError` listing every problem."""
    c = _Checker()
    if not isinstance(data, Mapping):
        raise ConfigError([Problem("settings", f"expected a table of settings, got {_show(data)}")])
    data = _upgraded(c, data)
    c.unknown_keys(data, "", TOP_KEYS)
    account = _account(c, data["account"]) if "account" in data else None
    settings = Settings(
        account=account,
        people=_people(c, data.get("people", {})),
        schedule=_schedule(c, data.get("schedule", {})),
        autoreply=_autoreply(c, data.get("autoreply", {})),
        holding=_holding(c, data.get("holding", {})),
        notifications=_notifications(c, data.get("notifications", {})),
        privacy=_privacy(c, data.get("privacy", {})),
        do_not_disturb=_do_not_disturb(c, data.get("do_not_disturb", {})),
        exceptions=_exceptions(c, data.get("exceptions", {})),
        promise=_promise(c, data.get("promise", {})),
    )
    if c.problems:
        raise ConfigError(c.problems)
    return settings


def _upgraded(c: _Checker, data: Mapping[str, object]) -> Mapping[str, object]:
    """The document in the current layout (migrations.py); its `version` checked."""
    version = data.get(VERSION.name, 1)
    if type(version) is not int:  # bool is an int subclass: true is no version
        c.add(VERSION.name, f"expected a whole number, got {_show(version)} (write version = 1)")
        return data
    if version > CURRENT_VERSION:
        c.add(
            VERSION.name,
            f"{_show(version)} is the layout of a newer FocusGuard (this one reads version "
            f"{CURRENT_VERSION} and older): update FocusGuard, or write a new file with "
            '"focusguard config init"',
        )
        return data
    if version < 1:
        c.add(
            VERSION.name, f"{_show(version)} is not a version (write version = {CURRENT_VERSION})"
        )
        return data
    return migrations.upgrade(data, version, current=CURRENT_VERSION)


# -- validation ------------------------------------------------------------------------------

_MISSING: Any = object()


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

    # -- reading a key as schema.py declares it --------------------------------------------
    def section(
        self, raw: object, table: Table, path: str | None = None
    ) -> Mapping[str, object] | None:
        """`raw` as `table` (at `path`, for an element of a list of tables): None, and a
        problem, when it is no table; unknown keys are named."""
        how = f"[[{table.name}]]" if table is FOCUS_BLOCK else table.header
        return self.table(raw, path or table.name, table.names, how)

    def text(
        self, t: Mapping[str, object] | None, table: Table, name: str, *, multiline: bool = False
    ) -> str:
        key = table[name]
        return self.string(t, table.name, name, key.default, key.limit, multiline=multiline)

    def flag(self, t: Mapping[str, object] | None, table: Table, name: str) -> bool:
        key = table[name]
        return self.boolean(t, table.name, name, key.default)

    def whole(self, t: Mapping[str, object] | None, table: Table, name: str) -> int:
        key = table[name]
        return self.integer(t, table.name, name, key.default, key.bounds, key.unit)

    def optional(self, t: Mapping[str, object] | None, table: Table, name: str) -> str | None:
        return self.optional_string(t, table.name, name, table[name].what)

    def unknown_keys(self, table: Mapping[Any, Any], path: str, allowed: Sequence[str]) -> None:
        for key in table:
            if key not in allowed:
                self.add(_join(path, key), _unknown_message(key, allowed))

    def table(
        self, value: object, path: str, allowed: Sequence[str], how: str
    ) -> Mapping[str, object] | None:
        if not isinstance(value, Mapping):
            self.add(path, f"expected a table ({how}), got {_show(value)}")
            return None
        self.unknown_keys(value, path, allowed)
        return value

    def string(
        self,
        t: Mapping[str, object] | None,
        path: str,
        name: str,
        default: str,
        limit: int,
        *,
        multiline: bool = False,
    ) -> str:
        value = _MISSING if t is None else t.get(name, _MISSING)
        if value is _MISSING:
            return default
        key = _join(path, name)
        if not isinstance(value, str):
            self.add(key, f"expected a string, got {_show(value)}")
            return default
        if len(value) > limit:
            self.add(key, f"is {len(value)} characters long (use at most {limit})")
        elif not self.plain_text(key, value, multiline=multiline):
            return default
        return value

    def plain_text(self, key: str, value: str, *, multiline: bool = False) -> bool:
        """False (and a problem) when `value` holds a character that is not text.

        Settings end up in XML (EWS, where NUL and U+FFFE cannot be written at all), JSON,
        URLs, folder names and mail headers; a control character there is never meant.
        """
        found = _not_text(value, multiline)
        if found is None:
            return True
        how = "plain text" if multiline else "plain text on one line"
        self.add(key, f"{_show(value)} contains {found} (remove it: this setting is {how})")
        return False

    def optional_string(
        self, t: Mapping[str, object] | None, path: str, name: str, what: str
    ) -> str | None:
        value = _MISSING if t is None else t.get(name, _MISSING)
        if value is _MISSING:
            return None
        key = _join(path, name)
        if not isinstance(value, str):
            self.add(key, f"expected a string, got {_show(value)}")
            return None
        if not value.strip():
            self.add(key, f"is empty (write {what}, or leave the key out)")
            return None
        if len(value) > _TEXT_MAX:
            self.add(key, f"is {len(value)} characters long (use at most {_TEXT_MAX})")
        elif not self.plain_text(key, value):
            return None
        return value

    def boolean(self, t: Mapping[str, object] | None, path: str, name: str, default: bool) -> bool:
        value = _MISSING if t is None else t.get(name, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.add(_join(path, name), f"expected true or false, got {_show(value)}")
            return default
        return value

    def integer(
        self,
        t: Mapping[str, object] | None,
        path: str,
        name: str,
        default: int,
        bounds: tuple[int, int],
        unit: str,
    ) -> int:
        value = _MISSING if t is None else t.get(name, _MISSING)
        if value is _MISSING:
            return default
        key = _join(path, name)
        if type(value) is not int:  # bool is an int subclass: true is not 1 minute
            self.add(key, f"expected a whole number of {unit}, got {_show(value)}")
            return default
        lo, hi = bounds
        if not lo <= value <= hi:
            self.add(key, f"{_show(value)} is out of range (use {lo} to {hi} {unit})")
            return default
        return value

    def items(
        self, t: Mapping[str, object] | None, path: str, name: str, example: str
    ) -> list[tuple[str, object]] | None:
        """The (key path, value) of each list element; None when the key is absent."""
        value = _MISSING if t is None else t.get(name, _MISSING)
        if value is _MISSING:
            return None
        key = _join(path, name)
        if not isinstance(value, list | tuple):
            hint = f" (write [{_show(value)}])" if isinstance(value, str | time) else ""
            self.add(key, f"expected a list like {example}, got {_show(value)}{hint}")
            return []
        return [(f"{key}[{i}]", v) for i, v in enumerate(value)]

    def time_of_day(self, key: str, value: object) -> time | None:
        if isinstance(value, time) and not isinstance(value, datetime):
            if value.tzinfo is None and value.second == 0 and value.microsecond == 0:
                return value
        elif isinstance(value, str):
            m = _TIME_RE.fullmatch(value.strip())
            if m and int(m[1]) < 24 and int(m[2]) < 60:
                return time(int(m[1]), int(m[2]))
        else:
            self.add(key, f'expected a time of day like "09:30", got {_show(value)}')
            return None
        self.add(key, f"{_show(value)} is not a time of day (use HH:MM)")
        return None

    def weekdays(self, entries: list[tuple[str, object]]) -> tuple[str, ...]:
        days: list[str] = []
        for key, value in entries:
            if not isinstance(value, str):
                self.add(key, f'expected a day name like "mon", got {_show(value)}')
                continue
            day = _DAY_NAMES.get(value.strip().lower())
            if day is None:
                self.add(
                    key,
                    f"{_show(value)} is not a day of the week "
                    "(use mon, tue, wed, thu, fri, sat or sun)",
                )
            elif day in days:
                self.add(key, f"{_show(value)} is listed twice (list each day once)")
            else:
                days.append(day)
        return tuple(days)


def _account(c: _Checker, raw: object) -> AccountSettings | None:
    t = c.section(raw, ACCOUNT)
    if t is None:
        return None
    kind = c.text(t, ACCOUNT, "kind")
    if kind not in ACCOUNT_KINDS:
        c.add("account.kind", f'{_show(kind)} is not a mail backend (use "ews" or "graph")')
    email = t.get("email", _MISSING)
    if email is _MISSING:
        c.add(
            "account.email",
            'missing (add the mailbox address, e.g. email = "me@corp.example", '
            "or remove the [account] section)",
        )
        email = ""
    elif not isinstance(email, str):
        c.add("account.email", f"expected a string, got {_show(email)}")
        email = ""
    elif not c.plain_text("account.email", email):
        pass
    elif email != email.strip():
        c.add("account.email", f"{_show(email)} starts or ends with a space (remove it)")
    elif parse_address(email) is None:
        c.add(
            "account.email",
            f'{_show(email)} is not an email address (use "name@example.com")',
        )
    # Graph signs in with OAuth only: there the default is "oauth".
    default_auth = "oauth" if kind == "graph" else ACCOUNT["auth"].default
    auth = c.string(t, ACCOUNT.name, "auth", default_auth, ACCOUNT["auth"].limit)
    if auth not in AUTH_METHODS:
        c.add(
            "account.auth",
            f'{_show(auth)} is not a sign-in method (use "ntlm", "basic" or "oauth")',
        )
    elif kind == "graph" and auth != "oauth":
        c.add(
            "account.auth",
            f'{_show(auth)} does not work with kind = "graph" '
            '(Microsoft Graph signs in with "oauth": write auth = "oauth" or leave it out)',
        )
    ews_url = c.optional(t, ACCOUNT, "ews_url")
    if ews_url is not None and kind != "graph":
        problem = _url_problem(ews_url)
        if problem:
            c.add("account.ews_url", problem)
    username = c.optional(t, ACCOUNT, "username")
    ca_bundle = c.optional(t, ACCOUNT, "ca_bundle")
    if ca_bundle is not None and not _is_file(ca_bundle):
        c.add(
            "account.ca_bundle",
            f"{_show(ca_bundle)} does not exist or is not a file (give the path of a PEM file "
            "with your organisation's CA certificates, or leave the key out)",
        )
    allow = c.flag(t, ACCOUNT, "allow_rule_blob_removal")
    client_id = c.optional(t, ACCOUNT, "client_id")
    needs_client = kind == "graph" or auth == "oauth"
    why = 'kind = "graph"' if kind == "graph" else 'auth = "oauth"'
    register = (
        "the Application (client) ID of an app registered in Microsoft Entra ID "
        '(see docs/configuration.md, "Signing in with OAuth")'
    )
    if client_id is not None:
        if client_id != client_id.strip():
            # msal would send the spaces to Entra ID, which answers with a puzzling AADSTS code.
            c.add(
                "account.client_id", f"{_show(client_id)} starts or ends with a space (remove it)"
            )
        elif client_id.strip().lower() == PLACEHOLDER_CLIENT_ID:
            c.add(
                "account.client_id",
                f"{_show(client_id)} is the placeholder from the documentation "
                f"(put {register} here)",
            )
        elif not _GUID_RE.fullmatch(client_id.strip()):
            c.add(
                "account.client_id",
                f"{_show(client_id)} is not an application ID "
                '(use the GUID shown in Entra ID, like "1b2c3d4e-1111-2222-3333-444455556666")',
            )
    elif needs_client and t.get("client_id", _MISSING) is _MISSING:
        c.add("account.client_id", f"missing: {why} signs in with OAuth and needs {register}")
    raw_tenant = t.get("tenant", _MISSING)
    tenant = c.text(t, ACCOUNT, "tenant")
    if isinstance(raw_tenant, str) and tenant == raw_tenant and not _tenant_ok(tenant):
        c.add(
            "account.tenant",
            f'{_show(tenant)} is not a tenant (use "organizations", "common", "consumers", '
            'your tenant ID, or your domain like "corp.example")',
        )
    poll = c.whole(t, ACCOUNT, "poll_seconds")
    return AccountSettings(
        kind=kind,
        email=email,
        ews_url=ews_url,
        auth=auth,
        username=username,
        ca_bundle=ca_bundle,
        allow_rule_blob_removal=allow,
        client_id=client_id,
        tenant=tenant,
        poll_seconds=poll,
    )


def _people(c: _Checker, raw: object) -> PeopleSettings:
    path = PEOPLE.name
    t = c.section(raw, PEOPLE)
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("own_domains", "customers", "urgent"):
        entries = c.items(t, path, name, '["example.com", "name@example.com"]') or []
        good: list[str] = []
        for key, value in entries:
            if not isinstance(value, str):
                c.add(key, f"expected a string, got {_show(value)}")
            elif SenderPattern.parse(value) is None:
                c.add(
                    key,
                    f"{_show(value)} is not an email address or domain "
                    '(use "name@example.com" or "example.com")',
                )
            else:
                good.append(value)
        lists[name] = tuple(good)
    return PeopleSettings(
        own_domains=lists["own_domains"],
        customers=lists["customers"],
        urgent=lists["urgent"],
        external_is_customer=c.flag(t, PEOPLE, "external_is_customer"),
    )


def _schedule(c: _Checker, raw: object) -> ScheduleSettings:
    path = SCHEDULE.name
    t = c.section(raw, SCHEDULE)
    zone = c.string(t, path, "timezone", "", SCHEDULE["timezone"].limit)
    if t is None or "timezone" not in t or not isinstance(t["timezone"], str):
        zone = system_zone_name()
    elif not zone_ok(zone):
        c.add("schedule.timezone", _zone_message(zone))
    workdays: tuple[str, ...] = SCHEDULE["workdays"].default
    day_items = c.items(t, path, "workdays", '["mon", "tue", "wed", "thu", "fri"]')
    if day_items is not None:
        workdays = c.weekdays(day_items)
        if not day_items:
            c.add(
                "schedule.workdays",
                "is empty, so there would be no check-ins and customer mail would never be "
                'held (list the days you work, e.g. ["mon", "tue", "wed", "thu", "fri"])',
            )
    check_ins: tuple[time, ...] = SCHEDULE["check_ins"].default
    time_items = c.items(t, path, "check_ins", '["09:30", "13:00", "16:30"]')
    if time_items is not None:
        found: list[time] = []
        for key, value in time_items:
            at = c.time_of_day(key, value)
            if at is None:
                continue
            if at in found:
                c.add(key, f"{_show(value)} is listed twice (list each check-in time once)")
            else:
                found.append(at)
        check_ins = tuple(found)
        if not time_items:
            c.add(
                "schedule.check_ins",
                "is empty, so customer mail would never be held "
                '(list at least one time, e.g. ["09:30", "13:00", "16:30"])',
            )
    minutes = c.whole(t, SCHEDULE, "check_in_minutes")
    subject = c.text(t, SCHEDULE, "calendar_focus_subject")
    blocks: list[FocusBlockSettings] = []
    raw_blocks = _MISSING if t is None else t.get("focus_blocks", _MISSING)
    if raw_blocks is not _MISSING:
        if not isinstance(raw_blocks, list | tuple):
            c.add(
                "schedule.focus_blocks",
                f"expected a list of tables ([[schedule.focus_blocks]]), got {_show(raw_blocks)}",
            )
        else:
            for i, raw_block in enumerate(raw_blocks):
                block = _focus_block(c, f"schedule.focus_blocks[{i}]", raw_block)
                if block is not None:
                    blocks.append(block)
    return ScheduleSettings(
        timezone=zone,
        workdays=workdays,
        check_ins=check_ins,
        check_in_minutes=minutes,
        calendar_focus_subject=subject,
        focus_blocks=tuple(blocks),
        working_hours=_working_hours(c, t, path),
        holidays=_holidays(c, t, path),
    )


def _focus_block(c: _Checker, path: str, raw: object) -> FocusBlockSettings | None:
    t = c.section(raw, FOCUS_BLOCK, path)
    if t is None:
        return None
    ok = True
    days: tuple[str, ...] = ()
    day_items = c.items(t, path, "days", '["mon", "wed"]')
    if day_items is None:
        c.add(f"{path}.days", 'missing (add the days of this block, e.g. days = ["mon", "wed"])')
        ok = False
    else:
        before = len(c.problems)
        days = c.weekdays(day_items)
        ok = len(c.problems) == before
        if not day_items:
            c.add(f"{path}.days", 'is empty (list the days of this block, e.g. ["mon", "wed"])')
            ok = False
    ends: dict[str, time] = {}
    for name, example in (("start", "10:00"), ("end", "12:00")):
        value = t.get(name, _MISSING)
        if value is _MISSING:
            c.add(f"{path}.{name}", f'missing (add {name} = "{example}")')
            continue
        at = c.time_of_day(f"{path}.{name}", value)
        if at is not None:
            ends[name] = at
    if len(ends) != 2:
        return None
    if ends["end"] <= ends["start"]:
        c.add(
            f"{path}.end",
            f"{_show(hhmm(ends['end']))} is not after start {_show(hhmm(ends['start']))} "
            "(a block ends on the day it starts: use an end time later than the start)",
        )
        return None
    return FocusBlockSettings(days, ends["start"], ends["end"]) if ok else None


def _autoreply(c: _Checker, raw: object) -> AutoreplySettings:
    t = c.section(raw, AUTOREPLY)
    enabled = c.flag(t, AUTOREPLY, "enabled")
    template = c.text(t, AUTOREPLY, "template", multiline=True)
    days = c.whole(t, AUTOREPLY, "once_per_sender_days")
    phone = c.text(t, AUTOREPLY, "urgent_phone")
    fields = _template_fields(c, template)
    if enabled and "urgent_phone" in fields and not phone.strip():
        c.add(
            "autoreply.urgent_phone",
            "is empty, but the template uses {urgent_phone} (add the number customers may "
            "call, or take {urgent_phone} out of the template)",
        )
    return AutoreplySettings(enabled, template, days, phone)


def _template_fields(c: _Checker, template: str) -> set[str]:
    key = "autoreply.template"
    if not template.strip():
        c.add(key, "is empty (write the reply text, or leave the key out for the default)")
        return set()
    # Parsed piece by piece, so placeholders before a stray brace are checked too.
    parsed: list[tuple[str, str | None, str | None, str | None]] = []
    pieces = iter(string.Formatter().parse(template))
    while True:
        try:
            piece = next(pieces)
        except StopIteration:
            break
        except ValueError as exc:
            c.add(
                key,
                f"has an unmatched {{ or }} ({exc}; write {{{{ or }}}} for a literal brace)",
            )
            break
        parsed.append(piece)
    used: set[str] = set()
    allowed = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = (
            "{"
            + name
            + ("!" + conversion if conversion else "")
            + (":" + spec if spec else "")
            + "}"
        )
        if name not in TEMPLATE_FIELDS:
            close = difflib.get_close_matches(name, TEMPLATE_FIELDS, n=1) if len(name) < 100 else []
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            c.add(key, f"unknown placeholder {shown} ({hint}use only {allowed})")
        elif spec or conversion:
            c.add(key, f"placeholder {shown} cannot have a format (write {{{name}}})")
        else:
            used.add(name)
    return used


def _holding(c: _Checker, raw: object) -> HoldingSettings:
    path = HOLDING.name
    t = c.section(raw, HOLDING)
    mode_default: RuleMode = HOLDING["mode"].default
    mode_text = c.string(t, path, "mode", mode_default.value, HOLDING["mode"].limit)
    mode = mode_default
    if mode_text in HOLDING_MODES:
        mode = RuleMode(mode_text)
    else:
        c.add(
            "holding.mode",
            f'{_show(mode_text)} is not a holding mode (use "server-rule" or "client-move")',
        )
    # Read with room to spare: the length is checked below, with the folder's own message.
    folder_max = HOLDING["folder"].limit
    folder = c.string(t, path, "folder", DEFAULT_FOLDER, 10 * folder_max)
    key = "holding.folder"
    if not folder.strip():
        c.add(key, f'is empty (name the folder for held mail, e.g. "{DEFAULT_FOLDER}")')
    elif "/" in folder or "\\" in folder:
        c.add(
            key,
            f"{_show(folder)} contains a / or \\ (give a folder name, not a path, "
            f'e.g. "{DEFAULT_FOLDER}")',
        )
    elif len(folder) > folder_max:
        c.add(key, f"is {len(folder)} characters long (use at most {folder_max})")
    elif folder != folder.strip():
        c.add(key, f"{_show(folder)} starts or ends with a space (remove it)")
    elif (known := well_known_named(folder)) == "inbox":
        c.add(
            key, f'{_show(folder)} is the Inbox itself (use another name, e.g. "{DEFAULT_FOLDER}")'
        )
    elif known is not None:
        # Issue 9: retention or the user empties these, or clients use them for their own
        # purpose; held mail there would be lost or buried (domain/well_known_folders.py).
        c.add(
            key,
            f"{_show(folder)} is the mailbox's own {folder_label(known)} folder, where held "
            "mail could be emptied away or lost among other mail (use a folder of its own, "
            f'e.g. "{DEFAULT_FOLDER}")',
        )
    failsafe = c.flag(t, HOLDING, "failsafe")
    return HoldingSettings(mode, folder, failsafe)


def _notifications(c: _Checker, raw: object) -> NotificationSettings:
    t = c.section(raw, NOTIFICATIONS)
    return NotificationSettings(
        c.flag(t, NOTIFICATIONS, "urgent_during_focus"),
        c.flag(t, NOTIFICATIONS, "open_digest_at_check_in"),
    )


def _privacy(c: _Checker, raw: object) -> PrivacySettings:
    t = c.section(raw, PRIVACY)
    return PrivacySettings(c.whole(t, PRIVACY, "keep_days"))


# -- [promise] and the schedule's working time (issue 12 §1) --------------------------------
_DURATION_RE = re.compile(r"(?:([0-9]{1,6})\s*h)?\s*(?:([0-9]{1,6})\s*m(?:in)?)?")


def _promise(c: _Checker, raw: object) -> PromiseSettings:
    path = PROMISE.name
    t = c.section(raw, PROMISE)
    within = _duration(c, t, path, "reply_within", (timedelta(minutes=1), MAX_PROMISE))
    margin = _duration(c, t, path, "release_margin", (timedelta(0), MAX_PROMISE))
    if within is not None and margin is not None and margin >= within:
        c.add(
            "promise.release_margin",
            f"{_show(duration_text(margin))} is not shorter than reply_within "
            f"{_show(duration_text(within))}: held mail would come out as soon as it "
            f'arrives (use a shorter margin, e.g. "{duration_text(within / 4)}")',
        )
        margin = None
    return PromiseSettings(within, margin, c.flag(t, PROMISE, "focus_wins"))


def _duration(
    c: _Checker,
    t: Mapping[str, object] | None,
    path: str,
    name: str,
    bounds: tuple[timedelta, timedelta],
) -> timedelta | None:
    value = _MISSING if t is None else t.get(name, _MISSING)
    if value is _MISSING:
        return None
    key = _join(path, name)
    example = '"4h", "30m" or "1h30m"'
    if not isinstance(value, str):
        c.add(key, f"expected a duration like {example}, got {_show(value)}")
        return None
    m = _DURATION_RE.fullmatch(value.strip().lower())
    if m is None or not any(m.groups()):
        c.add(key, f"{_show(value)} is not a duration (write hours and minutes: {example})")
        return None
    got = timedelta(hours=int(m[1] or 0), minutes=int(m[2] or 0))
    lo, hi = bounds
    if not lo <= got <= hi:
        c.add(
            key,
            f"{_show(value)} is out of range (use {duration_text(lo)} to {duration_text(hi)})",
        )
        return None
    return got


def _working_hours(c: _Checker, t: Mapping[str, object] | None, path: str) -> tuple[time, time]:
    before = len(c.problems)
    items = c.items(t, path, "working_hours", '["09:00", "17:30"]')
    if items is None or len(c.problems) > before:  # absent, or not a list (said so)
        return DEFAULT_HOURS
    key = f"{path}.working_hours"
    if len(items) != 2:
        c.add(key, f'needs a start and an end, like ["09:00", "17:30"] (got {len(items)} items)')
        return DEFAULT_HOURS
    ends = [c.time_of_day(k, v) for k, v in items]
    start, end = ends
    if start is None or end is None:
        return DEFAULT_HOURS
    if end <= start:
        c.add(
            f"{key}[1]",
            f"{_show(hhmm(end))} is not after the start {_show(hhmm(start))} (working hours "
            "end on the day they start: use an end time later than the start)",
        )
        return DEFAULT_HOURS
    return (start, end)


def _holidays(c: _Checker, t: Mapping[str, object] | None, path: str) -> tuple[date, ...]:
    items = c.items(t, path, "holidays", '["2026-12-25", "2026-12-28"]')
    if not items:
        return ()
    if len(items) > MAX_HOLIDAYS:
        c.add(f"{path}.holidays", f"lists {len(items)} days (list at most {MAX_HOLIDAYS})")
        return ()
    days: list[date] = []
    for key, value in items:
        day: date | None = None
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
                    day = date.fromisoformat(value.strip())
        if day is None:
            c.add(key, f'{_show(value)} is not a date (use "YYYY-MM-DD", e.g. "2026-12-25")')
        elif day in days:
            c.add(key, f"{_show(day.isoformat())} is listed twice (list each holiday once)")
        else:
            days.append(day)
    return tuple(sorted(days))


# -- [do_not_disturb] and [exceptions] (issue 14) ------------------------------------------


def _do_not_disturb(c: _Checker, raw: object) -> DoNotDisturbSettings:
    path = DO_NOT_DISTURB.name
    t = c.section(raw, DO_NOT_DISTURB)
    names: dict[str, str] = {}
    for name in ("macos_shortcut_on", "macos_shortcut_off"):
        value = c.text(t, DO_NOT_DISTURB, name)
        if value != value.strip() or any(ord(ch) < 32 for ch in value):
            c.add(
                f"{path}.{name}",
                f"{_show(value)} has spaces at its ends or control characters (write the "
                "Shortcut's name exactly as the Shortcuts app shows it)",
            )
        names[name] = value
    if bool(names["macos_shortcut_on"]) != bool(names["macos_shortcut_off"]):
        c.add(
            f"{path}.macos_shortcut_off"
            if names["macos_shortcut_on"]
            else f"{path}.macos_shortcut_on",
            "is missing: name both Shortcuts, one that switches Focus on and one that switches "
            "it off, or neither (docs/do-not-disturb.md, macOS)",
        )
    return DoNotDisturbSettings(
        desktop=c.flag(t, DO_NOT_DISTURB, "desktop"),
        teams=c.flag(t, DO_NOT_DISTURB, "teams"),
        macos_shortcut_on=names["macos_shortcut_on"],
        macos_shortcut_off=names["macos_shortcut_off"],
    )


def _exceptions(c: _Checker, raw: object) -> ExceptionSettings:
    path = EXCEPTIONS.name
    t = c.section(raw, EXCEPTIONS)
    keywords: list[str] = []
    for key, value in c.items(t, path, "subject_keywords", '["[PAGER-", "INC-"]') or []:
        if not isinstance(value, str):
            c.add(key, f"expected a string, got {_show(value)}")
        elif (problem := keyword_problem(value)) is not None:
            c.add(key, f"{_show(value)} {problem}")
        elif value.casefold() in {k.casefold() for k in keywords}:
            c.add(key, f"{_show(value)} is listed twice (list each keyword once)")
        else:
            keywords.append(value)
    addresses: list[str] = []
    for key, value in c.items(t, path, "sent_to", '["support-urgent@corp.example"]') or []:
        if not isinstance(value, str):
            c.add(key, f"expected a string, got {_show(value)}")
        elif parse_address(value) is None:
            c.add(
                key,
                f"{_show(value)} is not an email address (use one of your own addresses or "
                'aliases, e.g. "support-urgent@corp.example")',
            )
        else:
            addresses.append(value.strip())
    return ExceptionSettings(tuple(keywords), tuple(addresses))


# -- helpers --------------------------------------------------------------------------------


def _join(path: str, key: object) -> str:
    text = str(key)
    if not _BARE_KEY_RE.fullmatch(text):
        text = json.dumps(text[:80], ensure_ascii=False)
    return f"{path}.{text}" if path else text


def _unknown_message(key: object, allowed: Sequence[str]) -> str:
    text = str(key)
    if text.strip().lower() in _SECRET_KEYS:
        return (
            "unknown key: passwords and secrets never go in this file; FocusGuard keeps them "
            "in the system keyring (enter it in the setup wizard or Settings → Account)"
        )
    close = difflib.get_close_matches(text, allowed, n=1) if len(text) < 100 else []
    if close:
        return f'unknown key (did you mean "{close[0]}"?)'
    return "unknown key (known keys here: " + ", ".join(allowed) + ")"


def _show(value: object, limit: int = 80) -> str:
    """A value as the person wrote it in TOML, shortened."""
    if isinstance(value, str):
        # json.dumps escapes control characters but leaves line separators, non-characters
        # and lone surrogates as they are (no encoder can print a surrogate): escaped here, so
        # the person sees what is wrong and the message can always be printed.
        text = "".join(_escaped(ch) for ch in json.dumps(value, ensure_ascii=False))
        return text if len(text) <= limit else text[: limit - 2] + '…"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 128 else "a very large number"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type {type(value).__name__}"


def _escaped(ch: str) -> str:
    if _not_text(ch, multiline=True) is None:
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _not_text(value: str, multiline: bool) -> str | None:
    """What in `value` is not text ("a control character (U+0000)"), or None.

    Control characters (tab, CR and LF allowed where several lines make sense), line and
    paragraph separators, lone surrogates and Unicode non-characters (U+FFFE...).
    """
    for ch in value:
        code = ord(ch)
        if multiline and ch in "\t\n\r":
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            what = "a control character"
        elif category in ("Zl", "Zp"):
            what = "a line separator" if category == "Zl" else "a paragraph separator"
        elif category == "Cs":
            what = "a lone surrogate"
        elif 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            what = "a non-character"
        else:
            continue
        return f"{what} (U+{code:04X})"
    return None


def _zone_message(name: str) -> str:
    example = "Europe/London"
    if 0 < len(name) < 100:
        try:
            zones = sorted(available_timezones())
        except OSError:
            zones = []
        close = difflib.get_close_matches(name, zones, n=1)
        if close:
            example = close[0]
    return f'{_show(name)} is not a time zone (use an IANA name like "{example}")'


def _tenant_ok(tenant: str) -> bool:
    """A tenant ID (GUID), a domain name, or one of the three audiences.

    The value becomes a path segment of the sign-in authority,
    https://login.microsoftonline.com/{tenant}, so it is checked strictly: "classically a
    GUID or a domain name", or common / organizations / consumers
    (https://learn.microsoft.com/en-us/dotnet/api/microsoft.identity.client.abstractapplicationbuilder-1.withtenantid).
    A `/`, `?` or `#` would change which endpoint msal talks to.
    """
    if tenant in _TENANT_AUDIENCES or _GUID_RE.fullmatch(tenant):
        return True
    # An ASCII host name (LDH labels; an IDN in its xn-- form), at least two labels.
    return len(tenant) <= 253 and _TENANT_DOMAIN_RE.fullmatch(tenant) is not None


def _url_problem(url: str) -> str | None:
    shown = _show(url)
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme.lower() not in {"http", "https"} or not host:
        return (
            f"{shown} is not a web address (use the EWS address, e.g. "
            '"https://mail.corp.example/EWS/Exchange.asmx", or leave the key out to use '
            "autodiscover)"
        )
    if parts.username is not None or parts.password is not None:
        return (
            f"{shown} contains a user name or password (remove it: the user name goes in "
            "account.username and the password in the system keyring)"
        )
    if parts.scheme.lower() == "http" and not _is_loopback(host):
        return (
            f"{shown} uses http, which would send your password and mail unencrypted "
            "(use https://; plain http is allowed only to this computer: localhost, "
            "127.0.0.1 or ::1)"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_file(path: str) -> bool:
    try:
        return Path(path).expanduser().is_file()
    except (OSError, ValueError, RuntimeError):
        return False
