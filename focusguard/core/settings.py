"""The settings file (`focusguard.toml`): load, validate, save.

Validation is strict and complete. Every problem is collected (not just the first), each with
the key it is about, the bad value and how to fix it. Unknown keys are errors: a typo such as
`holdng` must never silently switch holding off. No input, however broken, gives a
traceback: the result is `Settings` or `ConfigError`.

Secrets are never in this file; passwords and tokens live in the system keyring.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import json
import math
import os
import re
import string
import tempfile
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

import tomli_w

from focusguard.core.paths import ensure_private_dir
from focusguard.core.ports import RuleMode
from focusguard.domain.bypass import Bypass, keyword_problem
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import WEEKDAYS, WeeklyBlock, WeeklySchedule
from focusguard.domain.senders import (
    People,
    SenderList,
    SenderPattern,
    parse_address,
)
from focusguard.domain.well_known_folders import label as folder_label
from focusguard.domain.well_known_folders import well_known_named
from focusguard.domain.working_time import DEFAULT_HOURS, WorkingTime

DEFAULT_TEMPLATE = (
    "Thanks - I read email at set times and will reply after {next_check_in}. "
    "If it is urgent, please call {urgent_phone}."
)
DEFAULT_CHECK_INS: tuple[time, ...] = (time(9, 30), time(13, 0), time(16, 30))
DEFAULT_WORKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
DEFAULT_FOCUS_SUBJECT = "Focus time"
DEFAULT_FOLDER = "FocusGuard Held"
DEFAULT_TENANT = "organizations"
DEFAULT_POLL_SECONDS = 15
# The client id shown in the documentation and the template. It is not a registered app:
# copying it verbatim is an error with a message that says what to put there instead.
PLACEHOLDER_CLIENT_ID = "00000000-0000-0000-0000-000000000000"
TEMPLATE_FIELDS = ("next_check_in", "urgent_phone")

ACCOUNT_KINDS = ("ews", "graph")
AUTH_METHODS = ("ntlm", "basic", "oauth")
HOLDING_MODES = tuple(m.value for m in RuleMode)

_TOP_KEYS = (
    "account",
    "people",
    "schedule",
    "autoreply",
    "holding",
    "notifications",
    "privacy",
    *("do_not_disturb", "exceptions"),  # issue 14 block, below
    "promise",  # issue 12 §1: see the PROMISE block below
)
_ACCOUNT_KEYS = (
    "kind",
    "email",
    "ews_url",
    "auth",
    "username",
    "ca_bundle",
    "allow_rule_blob_removal",
    "client_id",
    "tenant",
    "poll_seconds",
)
_PEOPLE_KEYS = ("own_domains", "customers", "external_is_customer", "urgent")
_SCHEDULE_KEYS = (
    "timezone",
    "workdays",
    "check_ins",
    "check_in_minutes",
    "calendar_focus_subject",
    "focus_blocks",
    "working_hours",  # issue 12 §1: see the PROMISE block below
    "holidays",
)
_BLOCK_KEYS = ("days", "start", "end")
_AUTOREPLY_KEYS = ("enabled", "template", "once_per_sender_days", "urgent_phone")
_HOLDING_KEYS = ("mode", "folder", "failsafe")
_NOTIFICATION_KEYS = ("urgent_during_focus",)
_PRIVACY_KEYS = ("keep_days",)
DEFAULT_KEEP_DAYS = 30  # mail-derived text kept this long after release (issue 9 §3)
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
_LONG_DIGITS_RE = re.compile(r"[0-9_]{4301,}")
_HUGE_STANDIN = "1" + "0" * 100
_TOML_POS_RE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.DOTALL)
_TOML_END_RE = re.compile(r"^(.*) \(at end of document\)$", re.DOTALL)
_MAX_FILE_BYTES = 1_000_000
_FOLDER_MAX = 255
_TEXT_MAX = 10_000
_HOW_TO_CREATE = 'create one with "focusguard config init" or run the setup wizard'


# -- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSettings:
    kind: str  # "ews" | "graph"
    email: str
    ews_url: str | None = None  # None: autodiscover (ews); ignored for graph
    auth: str = "ntlm"  # "ntlm" | "basic" | "oauth"
    username: str | None = None  # None: the email address
    ca_bundle: str | None = None
    allow_rule_blob_removal: bool = False
    client_id: str | None = None  # required for graph and for oauth
    tenant: str = DEFAULT_TENANT
    poll_seconds: int = DEFAULT_POLL_SECONDS


@dataclass(frozen=True, slots=True)
class PeopleSettings:
    own_domains: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    urgent: tuple[str, ...] = ()
    external_is_customer: bool = True


@dataclass(frozen=True, slots=True)
class FocusBlockSettings:
    days: tuple[str, ...]  # "mon".."sun"
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    timezone: str
    workdays: tuple[str, ...] = DEFAULT_WORKDAYS
    check_ins: tuple[time, ...] = DEFAULT_CHECK_INS
    check_in_minutes: int = 30
    calendar_focus_subject: str = DEFAULT_FOCUS_SUBJECT  # "": calendar focus off
    focus_blocks: tuple[FocusBlockSettings, ...] = ()
    # issue 12 §1 (PROMISE block): working time for the promise; holidays have no check-ins
    working_hours: tuple[time, time] = DEFAULT_HOURS
    holidays: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class AutoreplySettings:
    enabled: bool = False
    template: str = DEFAULT_TEMPLATE
    once_per_sender_days: int = 3
    urgent_phone: str = ""


@dataclass(frozen=True, slots=True)
class HoldingSettings:
    mode: RuleMode = RuleMode.SERVER_RULE
    folder: str = DEFAULT_FOLDER
    # The OS scheduler runs `focusguard failsafe` to release held mail while FocusGuard is
    # not running (docs/failsafe.md); false removes it.
    failsafe: bool = True


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    urgent_during_focus: bool = False  # a desktop notification when urgent mail comes through


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """How long mail-derived text (senders, subjects, links) stays in the state file after a
    message left the held folder; docs/privacy.md says what is kept where."""

    keep_days: int = DEFAULT_KEEP_DAYS


# -- issue 14: Do Not Disturb during focus, exceptions beyond senders ------------------------
# One block (keys, values, validation) so the settings schema's rewrite can take it over
# whole; docs/configuration.md "[do_not_disturb]" and "[exceptions]".
_DND_KEYS = ("desktop", "teams", "macos_shortcut_on", "macos_shortcut_off")
_EXCEPTION_KEYS = ("subject_keywords", "sent_to")
_SHORTCUT_MAX = 255


@dataclass(frozen=True, slots=True)
class DoNotDisturbSettings:
    """Quiet more than the mailbox during focus (docs/do-not-disturb.md); all off by default."""

    desktop: bool = False  # GNOME banners off / KDE inhibition / the macOS Shortcuts below
    teams: bool = False  # Teams presence "Do not disturb" (Microsoft 365 accounts)
    macos_shortcut_on: str = ""  # the Shortcut `shortcuts run` starts at focus start
    macos_shortcut_off: str = ""  # ... and at focus end


@dataclass(frozen=True, slots=True)
class ExceptionSettings:
    """Mail that comes straight through whoever sent it (domain/bypass.py); off when empty."""

    subject_keywords: tuple[str, ...] = ()
    sent_to: tuple[str, ...] = ()


def _do_not_disturb(c: _Checker, raw: object) -> DoNotDisturbSettings:
    path = "do_not_disturb"
    t = c.table(raw, path, _DND_KEYS, "[do_not_disturb]")
    names: dict[str, str] = {}
    for name in ("macos_shortcut_on", "macos_shortcut_off"):
        value = c.string(t, path, name, "", _SHORTCUT_MAX)
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
        desktop=c.boolean(t, path, "desktop", False),
        teams=c.boolean(t, path, "teams", False),
        macos_shortcut_on=names["macos_shortcut_on"],
        macos_shortcut_off=names["macos_shortcut_off"],
    )


def _exceptions(c: _Checker, raw: object) -> ExceptionSettings:
    path = "exceptions"
    t = c.table(raw, path, _EXCEPTION_KEYS, "[exceptions]")
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


def _issue14_dict(settings: Settings) -> dict[str, Any]:
    d, e = settings.do_not_disturb, settings.exceptions
    return {
        "do_not_disturb": {
            "desktop": d.desktop,
            "teams": d.teams,
            "macos_shortcut_on": d.macos_shortcut_on,
            "macos_shortcut_off": d.macos_shortcut_off,
        },
        "exceptions": {"subject_keywords": list(e.subject_keywords), "sent_to": list(e.sent_to)},
    }


# -- end of the issue 14 block ------------------------------------------------------------------


# == PROMISE (issue 12 §1) ====================================================================
# [promise] and [schedule] working_hours / holidays, in one block so the declarative schema
# can take them over: values here, validation in the PROMISE block further down.
_PROMISE_KEYS = ("reply_within", "release_margin", "focus_wins")
DEFAULT_MARGIN = timedelta(hours=1)
MAX_PROMISE = timedelta(hours=10_000)  # about five years of working days
MAX_HOLIDAYS = 2000


@dataclass(frozen=True, slots=True)
class PromiseSettings:
    """Every customer mail answered within `reply_within` of working time (None: no promise);
    held mail comes out `release_margin` of working time before it is due; `focus_wins`
    lets focus postpone that (docs/configuration.md, [promise])."""

    reply_within: timedelta | None = None
    release_margin: timedelta | None = None  # None: the default (see `margin`)
    focus_wins: bool = False

    @property
    def margin(self) -> timedelta:
        """The margin in force: as set, else an hour, or a quarter of a promise under 4 h."""
        if self.release_margin is not None:
            return self.release_margin
        if self.reply_within is not None and self.reply_within < 4 * DEFAULT_MARGIN:
            return self.reply_within / 4
        return DEFAULT_MARGIN


# == end of the PROMISE values ================================================================


@dataclass(frozen=True, slots=True)
class Settings:
    account: AccountSettings | None
    people: PeopleSettings
    schedule: ScheduleSettings
    autoreply: AutoreplySettings
    holding: HoldingSettings
    notifications: NotificationSettings = NotificationSettings()
    privacy: PrivacySettings = PrivacySettings()
    do_not_disturb: DoNotDisturbSettings = DoNotDisturbSettings()  # issue 14
    exceptions: ExceptionSettings = ExceptionSettings()  # issue 14

    def bypass(self) -> Bypass:
        """Mail that skips the hold whoever sent it ([exceptions])."""
        return Bypass.of(self.exceptions.subject_keywords, self.exceptions.sent_to)

    promise: PromiseSettings = PromiseSettings()

    def people_rules(self) -> People:
        return People(
            own_domains=SenderList.of(self.people.own_domains),
            customers=SenderList.of(self.people.customers),
            urgent=SenderList.of(self.people.urgent),
            external_is_customer=self.people.external_is_customer,
        )

    def weekly_schedule(self) -> WeeklySchedule:
        s = self.schedule
        return WeeklySchedule(
            zone=ZoneInfo(s.timezone),
            workdays=_day_numbers(s.workdays),
            check_ins=s.check_ins,
            check_in_minutes=s.check_in_minutes,
            focus_blocks=tuple(
                WeeklyBlock(_day_numbers(b.days), b.start, b.end) for b in s.focus_blocks
            ),
            holidays=frozenset(s.holidays),
        )

    def working_time(self) -> WorkingTime:
        s = self.schedule
        return WorkingTime(
            zone=ZoneInfo(s.timezone),
            workdays=_day_numbers(s.workdays),
            hours=s.working_hours,
            holidays=frozenset(s.holidays),
        )

    def promise_rules(self) -> Promise | None:
        """The promise as the domain applies it; None when `promise.reply_within` is unset."""
        p = self.promise
        if p.reply_within is None:
            return None
        return Promise(self.working_time(), p.reply_within, p.margin, p.focus_wins)

    def to_dict(self) -> dict[str, Any]:
        """The settings as the TOML document's tables (what `parse_settings` reads)."""
        out: dict[str, Any] = {}
        a = self.account
        if a is not None:
            account: dict[str, Any] = {"kind": a.kind, "email": a.email}
            if a.ews_url is not None:
                account["ews_url"] = a.ews_url
            account["auth"] = a.auth
            if a.username is not None:
                account["username"] = a.username
            if a.ca_bundle is not None:
                account["ca_bundle"] = a.ca_bundle
            account["allow_rule_blob_removal"] = a.allow_rule_blob_removal
            if a.client_id is not None:
                account["client_id"] = a.client_id
            account["tenant"] = a.tenant
            account["poll_seconds"] = a.poll_seconds
            out["account"] = account
        p = self.people
        out["people"] = {
            "own_domains": list(p.own_domains),
            "customers": list(p.customers),
            "external_is_customer": p.external_is_customer,
            "urgent": list(p.urgent),
        }
        s = self.schedule
        out["schedule"] = {
            "timezone": s.timezone,
            "workdays": list(s.workdays),
            "check_ins": [_hhmm(t) for t in s.check_ins],
            "check_in_minutes": s.check_in_minutes,
            "calendar_focus_subject": s.calendar_focus_subject,
            "focus_blocks": [
                {"days": list(b.days), "start": _hhmm(b.start), "end": _hhmm(b.end)}
                for b in s.focus_blocks
            ],
            "working_hours": [_hhmm(t) for t in s.working_hours],
            "holidays": [d.isoformat() for d in s.holidays],
        }
        r = self.autoreply
        out["autoreply"] = {
            "enabled": r.enabled,
            "template": r.template,
            "once_per_sender_days": r.once_per_sender_days,
            "urgent_phone": r.urgent_phone,
        }
        out["holding"] = {
            "mode": self.holding.mode.value,
            "folder": self.holding.folder,
            "failsafe": self.holding.failsafe,
        }
        out["notifications"] = {"urgent_during_focus": self.notifications.urgent_during_focus}
        out["privacy"] = {"keep_days": self.privacy.keep_days}
        out.update(_issue14_dict(self))
        out["promise"] = _promise_document(self.promise)
        return out

    def to_toml(self) -> str:
        header = "# FocusGuard settings. Reference: docs/configuration.md\n\n"
        return header + tomli_w.dumps(self.to_dict())


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the settings: the key it is about and what to do."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(Exception):
    """The settings cannot be used; `problems` lists every reason, each with its fix."""

    title = "FocusGuard's settings need fixing"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def message(self) -> str:
        return "\n".join(str(p) for p in self.problems)


# -- public functions -------------------------------------------------------------------------


def default_settings() -> Settings:
    """The settings of an empty file: no account, the default schedule in the system zone."""
    return parse_settings({})


def parse_settings(data: Mapping[str, object]) -> Settings:
    """Validate a parsed TOML document; raises `ConfigError` listing every problem."""
    c = _Checker()
    if not isinstance(data, Mapping):
        raise ConfigError([Problem("settings", f"expected a table of settings, got {_show(data)}")])
    c.unknown_keys(data, "", _TOP_KEYS)
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


def settings_from_toml(text: str, name: str = "focusguard.toml") -> Settings:
    """Parse and validate TOML text; syntax errors are problems keyed by `name`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(name, _toml_error_message(str(exc)))]) from None
    except RecursionError:
        raise ConfigError([Problem(name, "is nested too deeply to read")]) from None
    except ValueError:
        _explain_long_integers(text, name)
        raise  # not reached: _explain_long_integers always raises
    return parse_settings(data)


def _explain_long_integers(text: str, name: str) -> None:
    """Raise the ConfigError for a document tomllib refused with a bare ValueError: an
    integer of more than 4,300 digits. Parsed again with each such run of digits replaced by
    a number that is merely far out of range, the normal checks name the key ("a very large
    number is out of range"). A digit run inside a string is replaced too; harmless, since
    only the problems of a file that cannot be loaded anyway are reported from this."""
    first = _LONG_DIGITS_RE.search(text)
    line = 1 if first is None else text.count("\n", 0, first.start()) + 1
    fallback = Problem(
        name,
        f"line {line}: a number with thousands of digits (no setting needs more than a few; "
        "fix or remove it)",
    )
    try:
        data = tomllib.loads(_LONG_DIGITS_RE.sub(_HUGE_STANDIN, text))
    except (ValueError, RecursionError):
        raise ConfigError([fallback]) from None
    try:
        parse_settings(data)
    except ConfigError as exc:
        raise ConfigError(exc.problems) from None
    raise ConfigError([fallback])


def load_settings(path: Path) -> Settings:
    """Read and validate the settings file; every problem (file or content) is a ConfigError."""
    path = Path(path)
    return settings_from_toml(_read_text(path), _file_key(path))


def check_config(path: Path) -> list[Problem]:
    """Every problem with the settings file; [] when it is valid."""
    try:
        load_settings(path)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings atomically (temporary file + rename), mode 0600.

    The text is validated by reading it back first, so a file this writes always loads.
    Comments in an existing file are not kept. The folder is created 0700 when missing.
    """
    path = Path(path)
    key = _file_key(path)
    text = settings.to_toml()
    if settings_from_toml(text, key) != settings:
        raise ConfigError([Problem(key, "would not read back as saved; nothing was written")])
    tmp: str | None = None
    try:
        ensure_private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([Problem(key, f"could not be saved to {path}: {reason}")]) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def system_zone_name() -> str:
    """The IANA name of this computer's time zone, or "UTC" when it cannot be told.

    Tried in order: $TZ, the zone's own key, the /etc/localtime symlink, /etc/timezone.
    (Windows names its zones differently; there the wizard asks and writes the zone.)
    """
    candidates: list[str] = []
    tz = os.environ.get("TZ", "").strip().lstrip(":")
    if tz:
        candidates.append(_after_zoneinfo(tz) or tz)
    key = getattr(datetime.now().astimezone().tzinfo, "key", None)
    if isinstance(key, str):
        candidates.append(key)
    with contextlib.suppress(OSError, ValueError):
        target = _after_zoneinfo(os.path.realpath("/etc/localtime"))
        if target:
            candidates.append(target)
    with contextlib.suppress(OSError, ValueError, UnicodeError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        # A bare word ("localtime", a POSIX rule like "GMT0BST") is no IANA name to save.
        if ("/" in name.strip("/") or name in {"UTC", "GMT"}) and _zone_ok(name):
            return name
    return "UTC"


# -- validation ------------------------------------------------------------------------------

_MISSING: Any = object()


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

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
    path = "account"
    t = c.table(raw, path, _ACCOUNT_KEYS, "[account]")
    if t is None:
        return None
    kind = c.string(t, path, "kind", "ews", 20)
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
    default_auth = "oauth" if kind == "graph" else "ntlm"
    auth = c.string(t, path, "auth", default_auth, 20)
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
    ews_url = c.optional_string(t, path, "ews_url", "the EWS address")
    if ews_url is not None and kind != "graph":
        problem = _url_problem(ews_url)
        if problem:
            c.add("account.ews_url", problem)
    username = c.optional_string(t, path, "username", 'the sign-in name, e.g. "CORP\\\\me"')
    ca_bundle = c.optional_string(t, path, "ca_bundle", "the path of a CA bundle")
    if ca_bundle is not None and not _is_file(ca_bundle):
        c.add(
            "account.ca_bundle",
            f"{_show(ca_bundle)} does not exist or is not a file (give the path of a PEM file "
            "with your organisation's CA certificates, or leave the key out)",
        )
    allow = c.boolean(t, path, "allow_rule_blob_removal", False)
    client_id = c.optional_string(t, path, "client_id", "the application (client) ID")
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
    tenant = c.string(t, path, "tenant", DEFAULT_TENANT, 255)
    if isinstance(raw_tenant, str) and tenant == raw_tenant and not _tenant_ok(tenant):
        c.add(
            "account.tenant",
            f'{_show(tenant)} is not a tenant (use "organizations", "common", "consumers", '
            'your tenant ID, or your domain like "corp.example")',
        )
    poll = c.integer(t, path, "poll_seconds", DEFAULT_POLL_SECONDS, (5, 3600), "seconds")
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
    path = "people"
    t = c.table(raw, path, _PEOPLE_KEYS, "[people]")
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
        external_is_customer=c.boolean(t, path, "external_is_customer", True),
    )


def _schedule(c: _Checker, raw: object) -> ScheduleSettings:
    path = "schedule"
    t = c.table(raw, path, _SCHEDULE_KEYS, "[schedule]")
    zone = c.string(t, path, "timezone", "", 255)
    if t is None or "timezone" not in t or not isinstance(t["timezone"], str):
        zone = system_zone_name()
    elif not _zone_ok(zone):
        c.add("schedule.timezone", _zone_message(zone))
    workdays: tuple[str, ...] = DEFAULT_WORKDAYS
    day_items = c.items(t, path, "workdays", '["mon", "tue", "wed", "thu", "fri"]')
    if day_items is not None:
        workdays = c.weekdays(day_items)
        if not day_items:
            c.add(
                "schedule.workdays",
                "is empty, so there would be no check-ins and customer mail would never be "
                'held (list the days you work, e.g. ["mon", "tue", "wed", "thu", "fri"])',
            )
    check_ins: tuple[time, ...] = DEFAULT_CHECK_INS
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
    minutes = c.integer(t, path, "check_in_minutes", 30, (1, 240), "minutes")
    subject = c.string(t, path, "calendar_focus_subject", DEFAULT_FOCUS_SUBJECT, 255)
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
    t = c.table(raw, path, _BLOCK_KEYS, "[[schedule.focus_blocks]]")
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
            f"{_show(_hhmm(ends['end']))} is not after start {_show(_hhmm(ends['start']))} "
            "(a block ends on the day it starts: use an end time later than the start)",
        )
        return None
    return FocusBlockSettings(days, ends["start"], ends["end"]) if ok else None


def _autoreply(c: _Checker, raw: object) -> AutoreplySettings:
    path = "autoreply"
    t = c.table(raw, path, _AUTOREPLY_KEYS, "[autoreply]")
    enabled = c.boolean(t, path, "enabled", False)
    template = c.string(t, path, "template", DEFAULT_TEMPLATE, _TEXT_MAX, multiline=True)
    days = c.integer(t, path, "once_per_sender_days", 3, (1, 365), "days")
    phone = c.string(t, path, "urgent_phone", "", 100)
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
    path = "holding"
    t = c.table(raw, path, _HOLDING_KEYS, "[holding]")
    mode_text = c.string(t, path, "mode", RuleMode.SERVER_RULE.value, 40)
    mode = RuleMode.SERVER_RULE
    if mode_text in HOLDING_MODES:
        mode = RuleMode(mode_text)
    else:
        c.add(
            "holding.mode",
            f'{_show(mode_text)} is not a holding mode (use "server-rule" or "client-move")',
        )
    folder = c.string(t, path, "folder", DEFAULT_FOLDER, 10 * _FOLDER_MAX)
    key = "holding.folder"
    if not folder.strip():
        c.add(key, f'is empty (name the folder for held mail, e.g. "{DEFAULT_FOLDER}")')
    elif "/" in folder or "\\" in folder:
        c.add(
            key,
            f"{_show(folder)} contains a / or \\ (give a folder name, not a path, "
            f'e.g. "{DEFAULT_FOLDER}")',
        )
    elif len(folder) > _FOLDER_MAX:
        c.add(key, f"is {len(folder)} characters long (use at most {_FOLDER_MAX})")
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
    failsafe = c.boolean(t, path, "failsafe", True)
    return HoldingSettings(mode, folder, failsafe)


def _notifications(c: _Checker, raw: object) -> NotificationSettings:
    path = "notifications"
    t = c.table(raw, path, _NOTIFICATION_KEYS, "[notifications]")
    return NotificationSettings(c.boolean(t, path, "urgent_during_focus", False))


def _privacy(c: _Checker, raw: object) -> PrivacySettings:
    path = "privacy"
    t = c.table(raw, path, _PRIVACY_KEYS, "[privacy]")
    return PrivacySettings(c.integer(t, path, "keep_days", DEFAULT_KEEP_DAYS, (1, 3650), "days"))


# == PROMISE (issue 12 §1): validation ========================================================
_DURATION_RE = re.compile(r"(?:([0-9]{1,6})\s*h)?\s*(?:([0-9]{1,6})\s*m(?:in)?)?")


def _promise(c: _Checker, raw: object) -> PromiseSettings:
    path = "promise"
    t = c.table(raw, path, _PROMISE_KEYS, "[promise]")
    within = _duration(c, t, path, "reply_within", (timedelta(minutes=1), MAX_PROMISE))
    margin = _duration(c, t, path, "release_margin", (timedelta(0), MAX_PROMISE))
    if within is not None and margin is not None and margin >= within:
        c.add(
            "promise.release_margin",
            f"{_show(_duration_text(margin))} is not shorter than reply_within "
            f"{_show(_duration_text(within))}: held mail would come out as soon as it "
            f'arrives (use a shorter margin, e.g. "{_duration_text(within / 4)}")',
        )
        margin = None
    return PromiseSettings(within, margin, c.boolean(t, path, "focus_wins", False))


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
            f"{_show(value)} is out of range (use {_duration_text(lo)} to {_duration_text(hi)})",
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
            f"{_show(_hhmm(end))} is not after the start {_show(_hhmm(start))} (working hours "
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


def _promise_document(p: PromiseSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.reply_within is not None:
        out["reply_within"] = _duration_text(p.reply_within)
    if p.release_margin is not None:
        out["release_margin"] = _duration_text(p.release_margin)
    out["focus_wins"] = p.focus_wins
    return out


def _duration_text(d: timedelta) -> str:
    """ "4h", "1h30m", "45m", "0m": what `_duration` reads back (whole minutes)."""
    minutes = int(d.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest}m"
    return f"{hours}h" if hours else f"{rest}m"


# == end of the PROMISE block =================================================================


# -- helpers --------------------------------------------------------------------------------


def _day_numbers(days: Iterable[str]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in days)


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


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


def _zone_ok(name: str) -> bool:
    if not name or len(name) > 255 or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError (a KeyError), ValueError, OSError...
        return False
    return True


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


def _after_zoneinfo(path: str) -> str | None:
    marker = "zoneinfo/"
    if marker not in path:
        return None
    name = path.split(marker, 1)[1]
    for prefix in ("posix/", "right/"):
        name = name.removeprefix(prefix)
    return name or None


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


def _file_key(path: Path) -> str:
    return path.name or str(path)


def _read_text(path: Path) -> str:
    key = _file_key(path)
    try:
        with path.open("rb") as f:
            raw = f.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([Problem(key, f"not found at {path} ({_HOW_TO_CREATE})")]) from None
    except IsADirectoryError:
        raise ConfigError(
            [Problem(key, f"{path} is a folder, not a settings file ({_HOW_TO_CREATE})")]
        ) from None
    except PermissionError:
        raise ConfigError(
            [
                Problem(
                    key,
                    f"cannot be read at {path}: permission denied (check its owner "
                    "and permissions; FocusGuard writes it readable by you only)",
                )
            ]
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([Problem(key, f"cannot be read at {path}: {reason}")]) from None
    if len(raw) > _MAX_FILE_BYTES:
        raise ConfigError(
            [Problem(key, f"is larger than {_MAX_FILE_BYTES // 1000} kB: not a settings file")]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise ConfigError(
            [Problem(key, f"line {line}: not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")]
        ) from None


def _toml_error_message(text: str) -> str:
    m = _TOML_POS_RE.match(text)
    if m:
        return f"line {m[2]}, column {m[3]}: {m[1]}"
    m = _TOML_END_RE.match(text)
    if m:
        return f"at the end of the file: {m[1]}"
    return text
