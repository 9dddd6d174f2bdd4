"""The service: everything a person can ask of a running FocusGuard, in one place.

The tray, the control socket (and through it the command line), the demo and tests all come
in here; none of them touches the engine, the store or the mail server. Commands and queries
return frozen values (app/values.py); what happens meanwhile arrives as events
(app/events.py, `service.events`).

Every method is safe from any thread. The decorated ones run on the engine's worker:
calling one waits for its answer; `.later(...)` returns a Future at once (the GUI's way, so a
stuck mail server can never freeze it). Errors a person can act on are `FocusGuardError`s
with a title and a message.

A method decorated with `@verb` is a user verb: the tray menu, the control socket and the
command line are generated from its declaration (app/verbs.py). Adding one is writing one
such method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from focusguard.app.events import Events, ShowRequested
from focusguard.app.runtime import Runtime
from focusguard.app.values import (
    Arg,
    Ask,
    DigestSnapshot,
    Done,
    FailsafeRelease,
    FocusStarted,
    HistoryRead,
    InsightsReport,
    MenuItem,
    MessageText,
    Preset,
    PreviewReport,
    ReleaseDone,
    Snapshot,
    Verb,
)
from focusguard.app.verbs import command, query, reads, verb, verbs_of
from focusguard.core import command_args, mailbox_insights
from focusguard.core.digest_triage import triage
from focusguard.core.engine import Engine, Handled
from focusguard.core.errors import FocusGuardError
from focusguard.core.failsafe import next_run
from focusguard.core.history_sync import HistoryProgress, HistoryStore
from focusguard.core.mailbox_insights import InsightsStore
from focusguard.core.ports import HistorySource
from focusguard.core.records import HeldState
from focusguard.core.settings import ConfigError, Settings, load_settings
from focusguard.domain.clock_time import tomorrow_at

T = TypeVar("T")

PAUSE_MORNING = time(8, 0)  # "until tomorrow" ends at 08:00 local the next day
FOCUS_PRESETS = (25, 50, 90)
CUSTOM_FOCUS_MAX = 12 * 60

MINUTES = Arg(
    "minutes",
    "25m, 1h, 1h30m or until-checkin",
    check=command_args.focus_minutes,
    parse=command_args.parse_duration,
    default=None,  # until the next check-in
    cli_default="25m",
    metavar="DURATION",
)
HOURS = Arg(
    "hours",
    "how long, e.g. 1 or 0.5 (at most a week)",
    check=command_args.pause_hours,
    parse=command_args.parse_hours,
    default=command_args.PAUSE_HOURS_DEFAULT,
    flag="--hours",
)
TOMORROW = Arg(
    "tomorrow",
    "until 08:00 tomorrow",
    check=command_args.switch("tomorrow"),
    default=False,
    flag="--tomorrow",
)

WEEKS = Arg(
    "weeks",
    "how many weeks, the current one included (at most what privacy.keep_days keeps)",
    check=command_args.whole_number("weeks", 1, command_args.INSIGHTS_WEEKS_MAX),
    parse=command_args.parse_whole("weeks", 1, command_args.INSIGHTS_WEEKS_MAX),
    default=mailbox_insights.DEFAULT_WEEKS,
    flag="--weeks",
    metavar="N",
)
CSV = Arg("csv", "print the figures as CSV", check=command_args.switch("csv"), flag="--csv")
DAYS = Arg(
    "days",
    "how many days back (at most what privacy.keep_days keeps)",
    check=command_args.whole_number("days", 1, command_args.PREVIEW_DAYS_MAX),
    parse=command_args.parse_whole("days", 1, command_args.PREVIEW_DAYS_MAX),
    default=command_args.PREVIEW_DAYS_DEFAULT,
    flag="--days",
    metavar="N",
)
CANDIDATE = Arg(
    "config",
    "a settings file to try (default: the settings in use)",
    check=command_args.settings_path,
    parse=command_args.parse_settings_path,
    default=None,
    flag="--config",
    metavar="CANDIDATE.toml",
)
NAMES = Arg(
    "names",
    "list who would get auto-replies",
    check=command_args.switch("names"),
    default=False,
    flag="--names",
)
# A step of the Insights window's history read: a few pages, so the engine's own work (new
# mail, check-ins) runs between steps and the window can stop after any of them.
HISTORY_STEP_PAGES = 3


class NotConnected(FocusGuardError):
    """A command that changes the mailbox before the first connection succeeded."""


@runtime_checkable
class HistoryStores(InsightsStore, HistoryStore, Protocol):
    """A store that keeps the mailbox's history (store/history.py): the SQLite store."""


class NoHistory(FocusGuardError):
    """The mailbox in use cannot read its history (a backend without the history port)."""


def _candidate(path: Path) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        raise FocusGuardError(
            "The settings to preview need fixing", f"{path}:\n{exc.message}"
        ) from None


class _StepDone(Exception):
    """A history read stopped after its step's pages (what was read is saved)."""


class FailsafeInstalled(Protocol):
    """Whether the fail-safe's OS scheduler units are installed (platform/)."""

    def installed(self) -> bool: ...


class Service:
    def __init__(
        self,
        runtime: Runtime,
        events: Events,
        settings: Settings,
        *,
        engine_for: Callable[[Settings], Engine],
        settings_applied: Callable[[Settings], object] = lambda settings: None,
        failsafe: FailsafeInstalled | None = None,
    ) -> None:
        self._runtime = runtime
        self._events = events
        self._settings = settings
        self._engine_for = engine_for
        self._settings_applied = settings_applied
        self._failsafe = failsafe

    @property
    def events(self) -> Events:
        """Where to subscribe to what happens (app/events.py)."""
        return self._events

    @property
    def settings(self) -> Settings:
        """The settings the engine runs on now."""
        return self._settings

    @classmethod
    def verbs(cls) -> tuple[Verb, ...]:
        """The user verbs, in menu order: the table the menu, the socket and the CLI use."""
        return verbs_of(cls)

    # -- user verbs ------------------------------------------------------------------------
    @verb(
        "status",
        help="what the running FocusGuard is doing",
        while_connecting=True,
        changes=False,
    )
    def status(self) -> Snapshot:
        return self._runtime.snapshot()

    @verb(
        "focus-start",
        words=("focus", "start"),
        help="start a focus block: 25m, 1h, 1h30m or until-checkin",
        args=(MINUTES,),
        doing="start focus",
        menu=MenuItem(
            "&Start focus",
            choices=(
                *(Preset(f"&{m} min", {"minutes": m}) for m in FOCUS_PRESETS),
                Preset("Until next &check-in", {"minutes": None}),
                Ask(
                    "C&ustom…",
                    "minutes",
                    "Start focus",
                    "Focus for how many minutes?",
                    default=45,
                    low=1,
                    high=CUSTOM_FOCUS_MAX,
                    step=5,
                ),
            ),
            enabled=lambda s: not s.paused,
        ),
    )
    def focus_start(self, minutes: int | None = None) -> FocusStarted:
        """Focus for `minutes`, or until the next check-in when None."""
        block = self._engine.focus_start(minutes)
        return FocusStarted(block.end, f"Focus until {self._engine.describe(block.end)}")

    @verb(
        "focus-end",
        words=("focus", "end"),
        help="end focus now",
        doing="end focus",
        menu=MenuItem("&End focus", enabled=lambda s: s.in_focus),
    )
    def focus_end(self) -> ReleaseDone:
        return ReleaseDone("Focus ended", self._engine.focus_end())

    @verb(
        "checkin",
        help="release held customer email now",
        doing="check in",
        menu=MenuItem("Check &in now", enabled=lambda s: s.held > 0),
    )
    def check_in(self) -> ReleaseDone:
        """Release every held customer email now: what is in the held folder on the server,
        not only what FocusGuard has seen."""
        return ReleaseDone("Checked in", self._engine.check_in_now())

    @verb("release-all", help="release everything held now", doing="release held mail")
    def release_all(self) -> ReleaseDone:
        return ReleaseDone("Released", self._engine.release_all())

    @verb(
        "pause",
        help="release everything and hold nothing for a while",
        args=(HOURS, TOMORROW),
        doing="pause FocusGuard",
        menu=MenuItem(
            "&Pause FocusGuard",
            choices=(
                Preset("For 1 &hour", {"hours": 1.0}),
                Preset("Until &tomorrow (08:00)", {"tomorrow": True}),
            ),
            shown=lambda s: not s.paused,
            group="pause",
        ),
    )
    def pause(
        self, hours: float = command_args.PAUSE_HOURS_DEFAULT, tomorrow: bool = False
    ) -> ReleaseDone:
        # The end is computed here, on the worker, from the engine's clock.
        now = self._engine.clock.now()
        zone = ZoneInfo(self._settings.schedule.timezone)
        until = tomorrow_at(now, PAUSE_MORNING, zone) if tomorrow else now + timedelta(hours=hours)
        release = self._engine.pause(until)
        return ReleaseDone(f"Paused until {self._engine.describe(until)}", release)

    @verb(
        "resume",
        help="end a pause",
        doing="resume FocusGuard",
        menu=MenuItem("&Resume FocusGuard", shown=lambda s: s.paused, group="pause"),
    )
    def resume(self) -> Done:
        self._engine.resume()
        return Done("FocusGuard is holding mail again")

    @verb(
        "show",
        words=(),  # not a command to type: a second `focusguard` asks the first to show up
        help="bring the window forward",
        while_connecting=True,
        changes=False,
        on_worker=False,  # answered at once, even while the worker waits for the server
    )
    def show(self) -> Done:
        self._events.publish(ShowRequested())
        return Done("shown")

    @verb(
        "insights",
        help="are my customers trained? response times per customer, chasers, new customers",
        args=(WEEKS, CSV),
        doing="compute the insights",
        changes=False,
    )
    def insights(
        self, weeks: int = mailbox_insights.DEFAULT_WEEKS, csv: bool = False
    ) -> InsightsReport:
        """Read what is new in the mailbox's history, then the figures of the last `weeks`
        weeks (docs/insights.md). Reads only."""
        self._read_history(None)
        return self._insights(weeks, csv)

    @verb(
        "preview",
        help="last week replayed with these settings, or with --config CANDIDATE.toml",
        args=(DAYS, CANDIDATE, NAMES),
        doing="preview the settings",
        changes=False,
    )
    def preview(
        self,
        days: int = command_args.PREVIEW_DAYS_DEFAULT,
        config: str | None = None,
        names: bool = False,
    ) -> PreviewReport:
        """What the last `days` days of real mail would have been like with the settings in
        `config` (default: the ones in use). Reads only; changes nothing on the server."""
        candidate = self._settings if config is None else _candidate(Path(config))
        # Only the days replayed, and the auto-replies sent in the days before them (their
        # spacing counts): a first read of last week, not of all that keep_days keeps.
        back = timedelta(days=days + candidate.autoreply.once_per_sender_days)
        self._read_history(None, since=self._engine.clock.now() - back)
        return self._preview(candidate, days, names)

    # -- the Insights window ---------------------------------------------------------------
    @reads
    def read_history(self, pages: int | None = HISTORY_STEP_PAGES) -> HistoryRead:
        """One step of bringing the stored history up to date: at most `pages` requests
        (None: all of it). Call it again until `complete`; stopping between steps loses
        nothing (core/history_sync.py saves every page)."""
        return self._read_history(pages)

    @query
    def insights_figures(self, weeks: int = mailbox_insights.DEFAULT_WEEKS) -> InsightsReport:
        """The figures from the history read so far (no reading)."""
        return self._insights(weeks, False)

    @query
    def preview_with(
        self, settings: Settings | None = None, days: int = command_args.PREVIEW_DAYS_DEFAULT
    ) -> PreviewReport:
        """The preview of `settings` (None: the ones in use) from the history read so far;
        the calendar's focus time is asked of the mailbox when it is connected."""
        return self._preview(settings or self._settings, days, False)

    def _history_source(self) -> HistorySource:
        backend = self._engine.backend
        if not isinstance(backend, HistorySource):
            raise NoHistory(
                "No mailbox history here",
                "This mailbox cannot read its history; insights need Exchange (EWS) or "
                "Microsoft 365 (Graph).",
            )
        return backend

    def _history_store(self) -> HistoryStores:
        store = self._engine.store
        if not isinstance(store, HistoryStores):
            raise NoHistory(
                "No mailbox history here",
                "This FocusGuard keeps no history of the mailbox (its state store has none).",
            )
        return store

    def _read_history(self, pages: int | None, since: datetime | None = None) -> HistoryRead:
        source = self._history_source()
        engine = self._engine
        seen: list[HistoryProgress] = []

        def progress(p: HistoryProgress) -> None:
            seen.append(p)
            if pages is not None and len(seen) >= pages and p.done < 1.0:
                raise _StepDone

        try:
            result = mailbox_insights.read_history(
                source,
                self._history_store(),
                self._settings,
                engine.clock.now(),
                on_progress=progress,
                since=since,
            )
        except _StepDone:
            return HistoryRead(seen[-1].read, len(seen), seen[-1].done, complete=False)
        return HistoryRead(result.read, result.pages, 1.0, complete=True)

    def _insights(self, weeks: int, csv: bool) -> InsightsReport:
        engine = self._engine
        now = engine.clock.now()
        promise = self._settings.promise_rules()
        return InsightsReport(
            mailbox_insights.insights(self._history_store(), self._settings, now, weeks=weeks),
            self._settings.working_time().zone,
            now,
            None if promise is None else promise.reply_within,
            csv=csv,
        )

    def _preview(self, candidate: Settings, days: int, names: bool) -> PreviewReport:
        # Imported here: the replay's machinery is not needed to start the tray.
        from focusguard.preview import preview_from_store

        engine = self._engine
        now = engine.clock.now()
        subject = candidate.schedule.calendar_focus_subject
        calendar = []
        if subject and self._runtime.connected:
            calendar = engine.backend.calendar_focus(subject, now - timedelta(days=days), now)
        return PreviewReport(
            preview_from_store(
                self._history_store(),
                candidate,
                now,
                days=days,
                calendar=calendar,
                names=names,
            )
        )

    # -- the held-mail window --------------------------------------------------------------
    @query
    def digest(self) -> DigestSnapshot:
        """Held mail plus mail released since local midnight."""
        engine = self._engine
        zone = ZoneInfo(self._settings.schedule.timezone)
        now = engine.clock.now()
        midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
        held = engine.store.held(HeldState.HELD)
        released = engine.store.released_since(midnight)
        records = (*held, *released)
        notes = triage(records, engine.store, engine.policy, now, zone)
        return DigestSnapshot(records, now, zone, notes)

    @query
    def message_text(self, entry: int) -> MessageText:
        """The text of one digest message, fetched from the server now (the preview)."""
        engine = self._engine
        rec = engine.store.get_entry(entry)
        if rec is None or rec.item_id is None:
            raise FocusGuardError(
                "Message not found",
                "FocusGuard no longer knows where this message is; open it in Outlook.",
            )
        return MessageText(entry, engine.backend.message_text(rec.item_id))

    @command
    def release(self, entries: Sequence[int]) -> ReleaseDone:
        """Release these ledger entries now ("Release now")."""
        return ReleaseDone("Released", self._engine.release(entries))

    @command
    def mark_handled(self, entries: Sequence[int]) -> Handled:
        """The person dealt with these: still held ones go to the Inbox now and every one is
        listed as handled; nothing marked handled stays in the held folder."""
        return self._engine.mark_handled(entries)

    # -- settings --------------------------------------------------------------------------
    @command(while_connecting=True)
    def apply_settings(self, settings: Settings) -> Done:
        """Run on new settings (just saved): a new engine and backend for them, connected as
        at start-up. Raises (and keeps the old ones running) when no backend can be built
        for them, e.g. no password saved for a new account."""
        engine = self._engine_for(settings)
        self._runtime.switch(engine)
        self._settings = settings
        self._settings_applied(settings)
        return Done("Settings applied")

    # -- quitting --------------------------------------------------------------------------
    def failsafe_release(self, snapshot: Snapshot) -> FailsafeRelease:
        """If FocusGuard quits now: when the fail-safe brings the held mail back (from the
        snapshot the GUI has: quitting must not wait for a busy worker)."""
        status = snapshot.status
        schedule = self._settings.weekly_schedule()
        now = status.now if status is not None else datetime.now(schedule.zone)
        due = None if status is None else status.next_release
        at = None
        if due is not None and self._failsafe_installed():
            at = next_run(max(due, now), schedule)
        return FailsafeRelease(at, now, schedule.zone)

    def _failsafe_installed(self) -> bool:
        if self._failsafe is None or not self._settings.holding.failsafe:
            return False
        try:
            return self._failsafe.installed()
        except OSError:
            return False

    # -- running on the worker (app/verbs.py) ----------------------------------------------
    @property
    def _engine(self) -> Engine:
        return self._runtime.engine

    def _start_job(
        self, job: Callable[[], T], *, changes: bool, needs_connection: bool, on_worker: bool
    ) -> Future[T]:
        if not on_worker:
            done: Future[T] = Future()
            try:
                done.set_result(job())
            except BaseException as exc:  # delivered through the future, as from the worker
                done.set_exception(exc)
            return done
        runtime = self._runtime

        def run() -> T:
            if needs_connection and not runtime.connected:
                raise NotConnected(
                    "FocusGuard is still connecting",
                    runtime.problem
                    or "It has not reached your mailbox yet; try again in a moment.",
                )
            return job()

        return runtime.submit(run, changes=changes)
