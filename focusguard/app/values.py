"""The values the application layer hands its front-ends: immutable, safe to pass between
threads, plain data out.

This module is the front-ends' vocabulary: besides the answers defined here it names the
core's value types a front-end may hold (a status, a release, a held-mail record, the
settings and their problems), so ui/ never needs to import core/ (tests/test_layering.py).

Every answer of a user verb has `text` (one line for a person: what the command line prints)
and `as_json()` (what `--json` prints).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Protocol

from focusguard.core import insights_text
from focusguard.core.digest_triage import MessageNotes, Triage
from focusguard.core.do_not_disturb import Detection
from focusguard.core.engine import Handled, Outcome, Release, Status
from focusguard.core.errors import AlreadyRunning, FocusGuardError, SettingsNeedFixing
from focusguard.core.ports import MailboxCheck, RuleMode
from focusguard.core.records import HeldRecord, HeldState
from focusguard.core.settings import (
    AUTH_METHODS,
    DEFAULT_POLL_SECONDS,
    DEFAULT_TENANT,
    AccountSettings,
    ConfigError,
    Problem,
    Settings,
)
from focusguard.core.status_text import status_line
from focusguard.domain.insights import CustomerFigures, Insights, WeekFigures
from focusguard.domain.promise import PromiseStatus
from focusguard.domain.triage import Section
from focusguard.platform.autostart import Autostart

if TYPE_CHECKING:  # the replay's machinery loads when a preview is first asked for
    from focusguard.preview import PreviewSummary


class Answer(Protocol):
    @property
    def text(self) -> str: ...

    def as_json(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What FocusGuard is doing now: the engine's status and what is wrong, if anything
    (connecting, watching for mail, the engine's last work). `status` is None only until
    the engine first answers."""

    status: Status | None
    problem: str | None = None
    do_not_disturb: Mapping[str, object] | None = None  # app/dnd.py `describe`

    @property
    def line(self) -> str:
        """One line for the tooltip, the menu and `focusguard status`."""
        if self.status is None:
            return f"Connecting… · ⚠ {self.problem}" if self.problem else "Connecting…"
        return status_line(self.status, self.problem)

    @property
    def text(self) -> str:
        return self.line

    @property
    def in_focus(self) -> bool:
        return self.status is not None and self.status.focus_until is not None

    @property
    def paused(self) -> bool:
        return self.status is not None and self.status.paused_until is not None

    @property
    def held(self) -> int:
        return 0 if self.status is None else self.status.held

    def as_json(self) -> dict[str, object]:
        data = {} if self.status is None else self.status.as_json()
        data["problem"] = self.problem or data.get("problem")
        data["do_not_disturb"] = None if self.do_not_disturb is None else dict(self.do_not_disturb)
        return data


@dataclass(frozen=True, slots=True)
class Done:
    """A command that did what it says."""

    text: str

    def as_json(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True, slots=True)
class FocusStarted:
    until: datetime
    text: str

    def as_json(self) -> dict[str, object]:
        return {"focus_until": self.until.isoformat()}


RELEASED = "Released"  # what a release by hand is called ("Release now", "Release all")
NOTHING = "There was nothing to release"


@dataclass(frozen=True, slots=True)
class ReleaseDone:
    """A command that releases held mail: `what` it was, and the release (None: nothing was
    held that it applies to)."""

    what: str
    release: Release | None

    @property
    def failed(self) -> int:
        """How many could not be moved yet (FocusGuard retries them)."""
        return self.release.failed if self.release is not None else 0

    @property
    def text(self) -> str:
        if self.release is None or not self.release.released:
            return f"{self.what}: nothing to release" if self.what != RELEASED else NOTHING
        # "Released: released 3 other emails" said it twice (issue 12 §2).
        lead = RELEASED if self.what == RELEASED else f"{self.what}: released"
        text = f"{lead} {self.release.summary}"
        if self.failed:
            text += f" ({self.failed} could not be moved yet; FocusGuard will retry)"
        return text

    def as_json(self) -> dict[str, object]:
        moved = self.release.released if self.release is not None else ()
        return {"released": len(moved), "failed": self.failed}


@dataclass(frozen=True, slots=True)
class DigestSnapshot:
    """What the held-mail window shows: held mail and mail released since local midnight."""

    records: tuple[HeldRecord, ...]
    now: datetime
    zone: tzinfo
    # Sections, reply-by times, chases and new customers (core/digest_triage.py).
    triage: Triage = field(default_factory=Triage)


@dataclass(frozen=True, slots=True)
class ScheduleAudit:
    """The longest a customer mail can wait under the schedule (the Settings schedule tab)."""

    summary: str  # "promise: the longest wait is mail arriving Tue 10:01, held until 13:00 — …"
    warning: str | None  # set when the schedule alone would break the promise


@dataclass(frozen=True, slots=True)
class MessageText:
    """A held or released message's text for the digest's preview: plain text as the
    server converted it (never HTML, never stored)."""

    entry: int
    text: str


@dataclass(frozen=True, slots=True)
class FailsafeRelease:
    """When held mail comes back if FocusGuard quits now: `at` the fail-safe's run after the
    earliest release (None: only when FocusGuard starts again)."""

    at: datetime | None
    now: datetime
    zone: tzinfo


# -- insights (issue 13) ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HistoryRead:
    """A step of reading the mailbox's history: `read` messages in `pages` requests; `done`
    the share of what remained at the step's start that it read (0..1); `complete` when the
    history is up to date (else the next step continues where this one stopped)."""

    read: int
    pages: int
    done: float
    complete: bool

    @property
    def text(self) -> str:
        state = "up to date" if self.complete else "more to read"
        return f"Read {insights_text.plural(self.read, 'message')} of history ({state})"

    def as_json(self) -> dict[str, object]:
        return {"read": self.read, "pages": self.pages, "complete": self.complete}


@dataclass(frozen=True, slots=True)
class InsightsReport:
    """The figures (domain/insights.py) with what it takes to show them: the schedule's zone,
    when they were computed, the promise (the chart's line). Every text is plain text."""

    figures: Insights
    zone: tzinfo
    now: datetime
    promised: timedelta | None
    csv: bool = False  # `text` is the CSV export (`focusguard insights --csv`)

    @property
    def text(self) -> str:
        if self.csv:  # the command line prints the last line break
            return self.csv_text().removesuffix("\n")
        return insights_text.table(self.figures, self.zone, self.now)

    def as_json(self) -> dict[str, object]:
        return insights_text.insights_json(self.figures)

    def csv_text(self) -> str:
        return insights_text.csv_text(self.figures)

    @property
    def weeks(self) -> tuple[WeekFigures, ...]:
        return self.figures.weeks

    @property
    def customers(self) -> tuple[CustomerFigures, ...]:
        return self.figures.customers

    @property
    def overall(self) -> str:
        return insights_text.overall(self.figures)

    @property
    def trained(self) -> str:
        """Are my customers trained? (the before/after comparison)"""
        return insights_text.trained(self.figures.before_after, self.zone)

    def new_customers(self) -> list[str]:
        return [insights_text.new_customer(n, self.now) for n in self.figures.new_customers]

    customer_header = insights_text.CUSTOMER_HEADER

    def customer_rows(self) -> list[list[str]]:
        """The per-customer table, busiest and most demanding first."""
        return [insights_text.customer_row(c) for c in self.figures.customers]

    def week_label(self, week: WeekFigures) -> str:
        return insights_text.week_label(week.week)

    @staticmethod
    def duration(d: timedelta | None) -> str:
        return insights_text.duration(d)


@dataclass(frozen=True, slots=True)
class PreviewReport:
    """Last week, replayed with some settings (focusguard/preview.py)."""

    summary: PreviewSummary

    @property
    def sentence(self) -> str:
        return self.summary.sentence()

    @property
    def text(self) -> str:
        return "\n".join([self.summary.sentence(), *self.summary.details()])

    def as_json(self) -> dict[str, object]:
        return self.summary.as_json()


# -- the verb table (app/verbs.py): how a user verb is declared -----------------------------
@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a verb: the method's keyword and the control request's JSON key.

    `check` validates a JSON value (the socket accepts anything a client sends) and returns
    the method's value; `parse` reads the command line's text into a JSON value. Both raise
    `ArgumentProblem` (core/command_args.py) with what is allowed, so the command line and
    the socket refuse the same values with the same words."""

    name: str
    help: str
    check: Callable[[object], object]
    parse: Callable[[str], object] | None = None  # None: a switch (--flag, true when given)
    default: object = None  # the value when a request leaves the key out
    flag: str | None = None  # "--hours"; None: a positional argument
    cli_default: str | None = None  # the command line's default text, when not `default`
    metavar: str | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    """A submenu item that runs the verb with these arguments ("25 min")."""

    label: str
    args: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ask:
    """A submenu item that first asks for a whole number ("Custom…" focus minutes)."""

    label: str
    arg: str
    title: str  # of the question's window
    prompt: str
    default: int
    low: int
    high: int
    step: int = 1


def _always(snapshot: Snapshot) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class MenuItem:
    """How a verb shows in the tray menu (and the status window's buttons): its label with
    an `&` mnemonic, a submenu of `choices` (none: the item runs the verb as it is), when it
    is `enabled` and `shown`, and its `group` (the menu's separated sections: "mail" next to
    "Held mail…", "pause" next to "Settings…")."""

    label: str
    choices: tuple[Preset | Ask, ...] = ()
    enabled: Callable[[Snapshot], bool] = _always
    shown: Callable[[Snapshot], bool] = _always
    group: str = "mail"


@dataclass(frozen=True, slots=True)
class Verb:
    """A user verb. `name` is the control request's "cmd"; `words` the command line's
    (`("focus", "start")` is `focusguard focus start`; none: not on the command line);
    `doing` completes "Could not …" when it fails unexpectedly."""

    name: str
    help: str
    words: tuple[str, ...]
    args: tuple[Arg, ...] = ()
    menu: MenuItem | None = None
    doing: str = ""
    while_connecting: bool = False  # answered before the first connection (status, show)
    attribute: str = ""  # the service method's name (filled in by the decorator)


__all__ = [
    "AUTH_METHODS",
    "DEFAULT_POLL_SECONDS",
    "DEFAULT_TENANT",
    "AccountSettings",
    "AlreadyRunning",
    "Answer",
    "Arg",
    "Ask",
    "Autostart",
    "ConfigError",
    "Detection",
    "DigestSnapshot",
    "Done",
    "FailsafeRelease",
    "FocusGuardError",
    "FocusStarted",
    "Handled",
    "HeldRecord",
    "HeldState",
    "HistoryRead",
    "InsightsReport",
    "MailboxCheck",
    "MenuItem",
    "MessageNotes",
    "MessageText",
    "Outcome",
    "Preset",
    "PreviewReport",
    "Problem",
    "PromiseStatus",
    "Release",
    "ReleaseDone",
    "RuleMode",
    "ScheduleAudit",
    "Section",
    "Settings",
    "SettingsNeedFixing",
    "Snapshot",
    "Status",
    "Triage",
    "Verb",
]
