"""The settings: their values (frozen dataclasses) and the one declaration of every key.

`TABLES` declares each table of `focusguard.toml` and every key in it: its type, default,
limits and the words about it. From it come the lists of known keys (an unknown key is an
error), `Settings.to_dict` (what is saved), the commented defaults file (`focusguard config
init`, resources/default-config.toml) and the summary table of docs/configuration.md
(reference.py; tests/core/test_settings_reference.py fails when the committed ones are out
of date, and `python tools/settings_reference.py` writes them). Adding a setting is one
`Key` here, one field in its dataclass, and reading it in validation.py.

What depends on several keys — "client_id is needed with kind = graph", "the template uses
{urgent_phone}" — is checked by hand in validation.py, with the messages
tests/core/test_settings.py holds it to.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import tomli_w

from focusguard.core.ports import RuleMode
from focusguard.domain.bypass import Bypass
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import WEEKDAYS, WeeklyBlock, WeeklySchedule
from focusguard.domain.senders import People, SenderList
from focusguard.domain.working_time import DEFAULT_HOURS, WorkingTime

CURRENT_VERSION = 1  # of the file's layout; migrations.py upgrades older files

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
DEFAULT_KEEP_DAYS = 30  # mail-derived text kept this long after release (issue 9 §3)
# The client id shown in the documentation and the template. It is not a registered app:
# copying it verbatim is an error with a message that says what to put there instead.
PLACEHOLDER_CLIENT_ID = "00000000-0000-0000-0000-000000000000"
TEMPLATE_FIELDS = ("next_check_in", "urgent_phone")

DEFAULT_MARGIN = timedelta(hours=1)  # [promise] release_margin when not set (see `margin`)
MAX_PROMISE = timedelta(hours=10_000)  # about five years of working days
MAX_HOLIDAYS = 2000
SHORTCUT_MAX = 255  # a macOS Shortcut's name

ACCOUNT_KINDS = ("ews", "graph")
AUTH_METHODS = ("ntlm", "basic", "oauth")
HOLDING_MODES = tuple(m.value for m in RuleMode)


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
    # Working time for the promise ([promise]); holidays have no check-ins either.
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
    open_digest_at_check_in: bool = True  # the held-mail window opens itself at a check-in


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """How long mail-derived text (senders, subjects, links) stays in the state file after a
    message left the held folder; docs/privacy.md says what is kept where."""

    keep_days: int = DEFAULT_KEEP_DAYS


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


@dataclass(frozen=True, slots=True)
class Settings:
    account: AccountSettings | None
    people: PeopleSettings
    schedule: ScheduleSettings
    autoreply: AutoreplySettings
    holding: HoldingSettings
    notifications: NotificationSettings = NotificationSettings()
    privacy: PrivacySettings = PrivacySettings()
    do_not_disturb: DoNotDisturbSettings = DoNotDisturbSettings()
    exceptions: ExceptionSettings = ExceptionSettings()
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
            workdays=day_numbers(s.workdays),
            check_ins=s.check_ins,
            check_in_minutes=s.check_in_minutes,
            focus_blocks=tuple(
                WeeklyBlock(day_numbers(b.days), b.start, b.end) for b in s.focus_blocks
            ),
            holidays=frozenset(s.holidays),
        )

    def working_time(self) -> WorkingTime:
        s = self.schedule
        return WorkingTime(
            zone=ZoneInfo(s.timezone),
            workdays=day_numbers(s.workdays),
            hours=s.working_hours,
            holidays=frozenset(s.holidays),
        )

    def promise_rules(self) -> Promise | None:
        """The promise as the domain applies it; None when `promise.reply_within` is unset."""
        p = self.promise
        if p.reply_within is None:
            return None
        return Promise(self.working_time(), p.reply_within, p.margin, p.focus_wins)

    def bypass(self) -> Bypass:
        """Mail that skips the hold whoever sent it ([exceptions])."""
        return Bypass.of(self.exceptions.subject_keywords, self.exceptions.sent_to)

    def to_dict(self) -> dict[str, Any]:
        """The settings as the TOML document's tables (what `parse_settings` reads), in the
        order `TABLES` declares them; keys whose value is None (autodiscover, no user name...)
        are left out."""
        out: dict[str, Any] = {}
        for table in TABLES:
            section = getattr(self, table.name)
            if section is not None:
                out[table.name] = table_document(table, section)
        return out

    def to_toml(self) -> str:
        header = "# FocusGuard settings. Reference: docs/configuration.md\n\n"
        return header + tomli_w.dumps({VERSION.name: CURRENT_VERSION, **self.to_dict()})


def day_numbers(days: Iterable[str]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in days)


def hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def duration_text(d: timedelta) -> str:
    """ "4h", "1h30m", "45m", "0m": a [promise] duration as the file writes it (whole
    minutes; validation.py reads it back)."""
    minutes = int(d.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest}m"
    return f"{hours}h" if hours else f"{rest}m"


# -- the declaration ------------------------------------------------------------------------


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # no default: required, or worked out from other keys (validation.py)


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a table.

    `default` is the value when the key is left out; `type_doc` and `default_doc` are the
    docs table's columns (`default_doc` when the default is not a value to show, e.g.
    "autodiscover"); `comment` is the defaults file's comment on the key, `example` makes the
    file show the key commented out with that value, `after` adds lines after it. `limit`,
    `bounds`, `unit` and `what` are what validation.py checks a value against."""

    name: str
    type_doc: str
    default: Any = UNSET
    comment: tuple[str, ...] = ()
    default_doc: str | None = None
    example: Any = UNSET
    after: tuple[str, ...] = ()
    limit: int = 0  # strings: the most characters
    bounds: tuple[int, int] = (0, 0)  # whole numbers: lowest and highest
    unit: str = ""  # whole numbers: "minutes"
    what: str = ""  # optional strings: what to write there ("the EWS address")


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the file: its keys and the defaults file's heading comment. An
    `optional` table may be left out altogether (the account); the defaults file shows it
    commented out."""

    name: str
    keys: tuple[Key, ...]
    intro: tuple[str, ...] = ()
    optional: bool = False

    def __getitem__(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(f"{self.name}.{name}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    @property
    def header(self) -> str:
        return f"[{self.name}]"


VERSION = Key(
    "version",
    "integer",
    CURRENT_VERSION,
    ("the layout of this file (FocusGuard upgrades older ones)",),
)

ACCOUNT = Table(
    "account",
    (
        Key(
            "kind",
            '`"ews"` \\| `"graph"`',
            "ews",
            (
                '"ews" (Exchange Web Services, on-premises Exchange)',
                'or "graph" (Microsoft Graph, Exchange Online / Microsoft 365)',
            ),
            limit=20,
        ),
        Key(
            "email",
            "address",
            comment=("the mailbox address (required)",),
            default_doc="required when `[account]` is present",
            example="me@corp.example",
        ),
        Key(
            "ews_url",
            "https URL",
            None,
            ("leave out to use autodiscover",),
            default_doc="autodiscover",
            example="https://mail.corp.example/EWS/Exchange.asmx",
            what="the EWS address",
        ),
        Key(
            "auth",
            '`"ntlm"` \\| `"basic"` \\| `"oauth"`',
            "ntlm",
            ('"ntlm" | "basic" | "oauth" (graph: always "oauth")',),
            default_doc='`"ntlm"` (`"oauth"` for graph)',
            limit=20,
        ),
        Key(
            "username",
            "string",
            None,
            ("leave out to sign in as the email address",),
            default_doc="the email address",
            example="CORP\\me",
            what='the sign-in name, e.g. "CORP\\\\me"',
        ),
        Key(
            "ca_bundle",
            "path",
            None,
            ("your organisation's CA certificates, if needed",),
            default_doc="the system's certificates",
            example="/etc/ssl/corp-ca.pem",
            what="the path of a CA bundle",
        ),
        Key(
            "allow_rule_blob_removal",
            "bool",
            False,
            ("see docs/configuration.md before changing this",),
        ),
        Key(
            "client_id",
            "GUID",
            None,
            ("graph/oauth: REPLACE with your app ID",),
            default_doc="required for graph / oauth",
            example=PLACEHOLDER_CLIENT_ID,
            what="the application (client) ID",
        ),
        Key(
            "tenant",
            'GUID, domain, `"organizations"` \\| `"common"` \\| `"consumers"`',
            DEFAULT_TENANT,
            ("graph/oauth: your tenant ID or domain",),
            limit=255,
        ),
        Key(
            "poll_seconds",
            "integer 5–3600",
            DEFAULT_POLL_SECONDS,
            ("graph: how often to ask for new mail (5..3600)",),
            bounds=(5, 3600),
            unit="seconds",
        ),
    ),
    intro=(
        "[account]: the mailbox. Without this section FocusGuard cannot connect (replay and "
        "the demo",
        "need none). Uncomment and fill in.",
    ),
    optional=True,
)

_SENDERS = "list of domains/addresses"
PEOPLE = Table(
    "people",
    (
        Key(
            "own_domains",
            _SENDERS,
            (),
            ("your organisation's domains: colleagues, never customers",),
        ),
        Key("customers", _SENDERS, (), ("customer domains and addresses",)),
        Key(
            "external_is_customer",
            "bool",
            True,
            ("true: every outside sender counts as a customer",),
        ),
        Key("urgent", _SENDERS, (), ("always delivered at once, even during focus",)),
    ),
    intro=(
        '[people]: who is who. Entries are domains ("example.com", subdomains included) or',
        'addresses ("name@example.com").',
    ),
)

FOCUS_BLOCK = Table(
    "schedule.focus_blocks",
    (
        Key("days", "list of days"),
        Key("start", '`"HH:MM"`'),
        Key("end", '`"HH:MM"`'),
    ),
)

SCHEDULE = Table(
    "schedule",
    (
        Key(
            "timezone",
            "IANA zone name",
            comment=("IANA name; leave out to use this computer's zone",),
            default_doc="this computer's zone",
            example="Europe/London",
            limit=255,
        ),
        Key("workdays", "list of days", DEFAULT_WORKDAYS),
        Key(
            "check_ins",
            'list of `"HH:MM"`',
            DEFAULT_CHECK_INS,
            ("24-hour HH:MM, in the time zone above",),
        ),
        Key(
            "check_in_minutes",
            "integer 1–240",
            30,
            ("how long each check-in window stays open (1..240)",),
            bounds=(1, 240),
            unit="minutes",
        ),
        Key(
            "calendar_focus_subject",
            "string",
            DEFAULT_FOCUS_SUBJECT,
            ("calendar events with this subject are focus;", '"" switches calendar focus off'),
            default_doc='`"Focus time"` (`""` = off)',
            limit=255,
        ),
        Key(
            "focus_blocks",
            "list of blocks",
            (),
            ("or, instead of this line, one block per table:",),
            after=(
                "# [[schedule.focus_blocks]]",
                '# days = ["mon", "wed"]',
                '# start = "10:00"',
                '# end = "12:00"',
            ),
        ),
        Key(
            "working_hours",
            '`["HH:MM", "HH:MM"]`',
            DEFAULT_HOURS,
            ("your working day, for the [promise] (start, end)",),
        ),
        Key(
            "holidays",
            'list of `"YYYY-MM-DD"`',
            (),
            ("days off: no check-ins, and the promise's clock stops",),
            example=["2026-12-25", "2026-12-28"],
        ),
    ),
    intro=("[schedule]: when customer mail comes in (check-ins) and when nothing does (focus).",),
)

AUTOREPLY = Table(
    "autoreply",
    (
        Key("enabled", "bool", False),
        Key("template", "string", DEFAULT_TEMPLATE, default_doc="see below", limit=10_000),
        Key(
            "once_per_sender_days",
            "integer 1–365",
            3,
            bounds=(1, 365),
            unit="days",
        ),
        Key(
            "urgent_phone",
            "string",
            "",
            ("required when enabled and the template uses {urgent_phone}",),
            limit=100,
        ),
    ),
    intro=(
        "[autoreply]: a polite reply to customers whose mail is held (at most once per sender per",
        "once_per_sender_days; never to mailing lists, robots or automatic mail).",
    ),
)

HOLDING = Table(
    "holding",
    (
        Key(
            "mode",
            '`"server-rule"` \\| `"client-move"`',
            RuleMode.SERVER_RULE,
            (
                '"server-rule": an Exchange rule holds mail at delivery, so',
                "no client pops up, even while FocusGuard is not running;",
                '"client-move": FocusGuard moves new mail itself',
            ),
            limit=40,
        ),
        Key(
            "folder",
            "folder name",
            DEFAULT_FOLDER,
            ("the mailbox folder held mail waits in",),
            limit=255,
        ),
        Key(
            "failsafe",
            "bool",
            True,
            (
                "while FocusGuard is not running, the OS scheduler still",
                "releases held mail at each check-in (docs/failsafe.md)",
            ),
        ),
    ),
    intro=("[holding]: how mail is held.",),
)

NOTIFICATIONS = Table(
    "notifications",
    (
        Key(
            "urgent_during_focus",
            "bool",
            False,
            ("notify when an urgent sender's mail comes through in focus",),
        ),
        Key(
            "open_digest_at_check_in",
            "bool",
            True,
            ("the held-mail window opens by itself at each check-in that releases mail",),
        ),
    ),
    intro=("[notifications]: what FocusGuard tells you.",),
)

PRIVACY = Table(
    "privacy",
    (
        Key(
            "keep_days",
            "integer 1–3650",
            DEFAULT_KEEP_DAYS,
            ("senders, subjects and links of released mail (1..3650 days)",),
            bounds=(1, 3650),
            unit="days",
        ),
    ),
    intro=(
        "[privacy]: how long FocusGuard remembers what it learned from your mail "
        "(docs/privacy.md).",
    ),
)

DO_NOT_DISTURB = Table(
    "do_not_disturb",
    (
        Key(
            "desktop",
            "bool",
            False,
            ("quiet the desktop's notifications during focus (GNOME, KDE, macOS)",),
        ),
        Key(
            "teams",
            "bool",
            False,
            ('Microsoft 365: Teams shows you as "Do not disturb" during focus',),
        ),
        Key(
            "macos_shortcut_on",
            "Shortcut name",
            "",
            ("macOS: the Shortcut that switches Focus on (docs/do-not-disturb.md)",),
            limit=SHORTCUT_MAX,
        ),
        Key(
            "macos_shortcut_off",
            "Shortcut name",
            "",
            ("macOS: ... and the one that switches it off",),
            limit=SHORTCUT_MAX,
        ),
    ),
    intro=("[do_not_disturb]: quiet more than the mailbox during focus (off by default).",),
)

EXCEPTIONS = Table(
    "exceptions",
    (
        Key(
            "subject_keywords",
            "list of strings (3+ characters)",
            (),
            ("mail whose subject contains one of these comes straight through",),
            example=["[PAGER-", "INC-"],
        ),
        Key(
            "sent_to",
            "list of addresses",
            (),
            ("mail sent to one of these addresses of yours comes straight through",),
            example=["support-urgent@corp.example"],
        ),
    ),
    intro=("[exceptions]: mail that is never held, whoever sent it (off by default).",),
)

PROMISE = Table(
    "promise",
    (
        Key(
            "reply_within",
            'duration (`"4h"`, `"1h30m"`)',
            None,
            ("every customer gets a reply within this much working time",),
            default_doc="none: no promise",
            example="4h",
        ),
        Key(
            "release_margin",
            "duration",
            None,
            ("held mail comes out at least this long before it is due",),
            default_doc='`"1h"` (a quarter of a promise under 4 h)',
            example="1h",
        ),
        Key(
            "focus_wins",
            "bool",
            False,
            ("true: a focus block may keep held mail past its release margin",),
        ),
    ),
    intro=(
        "[promise]: how soon customers hear from you, in working time (docs/configuration.md).",
    ),
)

TABLES: tuple[Table, ...] = (
    ACCOUNT,
    PEOPLE,
    SCHEDULE,
    AUTOREPLY,
    HOLDING,
    NOTIFICATIONS,
    PRIVACY,
    DO_NOT_DISTURB,
    EXCEPTIONS,
    PROMISE,
)
TOP_KEYS: tuple[str, ...] = (VERSION.name, *(t.name for t in TABLES))


# -- values as TOML -------------------------------------------------------------------------


def table_document(table: Table, section: object) -> dict[str, Any]:
    """One table's values as the document holds them."""
    out: dict[str, Any] = {}
    for key in table.keys:
        value = getattr(section, key.name)
        if value is not None:
            out[key.name] = toml_value(value)
    return out


def toml_value(value: object) -> Any:
    """A setting's value as TOML writes it: times as "HH:MM", enums by value, tuples as
    lists, a focus block as its table."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, time):
        return hhmm(value)
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, FocusBlockSettings):
        return table_document(FOCUS_BLOCK, value)
    if isinstance(value, tuple | list):
        return [toml_value(v) for v in value]
    return value
