"""`focusguard failsafe`: the run the OS scheduler starts at every check-in and every 15
minutes (docs/failsafe.md). When no FocusGuard is running (core/failsafe.py `judge`), it
switches FocusGuard's hold rules off on the server and releases held mail that is due, with
the engine's own ledger and moves (`Engine.stand_down`), and records what it did for the
app's next start.

Quiet and quick: nothing on stdout, exit 0 when there is nothing to do — and when nothing
can have changed since its last run it does not even read the keyring or connect. It never
hangs: the whole server part has a deadline. It logs to `failsafe.log` in FocusGuard's log
folder (errors also to stderr, which systemd keeps in the journal), never a secret.

Exit codes: 0 done, or nothing to do (FocusGuard is running, or stopped moments ago);
1 a problem a person must fix (settings, no password, sign-in refused); 3 incomplete (the
server could not be reached, mail could not be moved, the deadline passed): the next run
tries again.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from focusguard.app import startup
from focusguard.app.builder import Mode, Parts, build
from focusguard.app.events import Event, Notice, Problem
from focusguard.core import facts, failsafe, paths
from focusguard.core.clock import SystemClock
from focusguard.core.engine import Engine, StandDown, policy_for
from focusguard.core.errors import FocusGuardError, StartupError
from focusguard.core.failsafe import LockState, Verdict
from focusguard.core.ports import MailBackend, MailError
from focusguard.core.records import StateStore
from focusguard.core.release_times import next_release_read_only
from focusguard.core.settings import Settings
from focusguard.domain.clock_time import format_clock
from focusguard.platform import failsafe_scheduler
from focusguard.platform.instance_lock import InstanceLock

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_INCOMPLETE = 3
DEADLINE_S = 180.0
LOG_NAME = "failsafe.log"


def _log_event(event: Event) -> None:
    """Nobody is watching a fail-safe run: what the app would tell a person goes to the log."""
    if isinstance(event, Notice):
        log.info("[%s] %s: %s", event.kind, event.title, event.message)
    elif isinstance(event, Problem):
        log.info("[error] %s: %s", event.title, event.message)


class _LogNotifier:
    """Nobody is watching a fail-safe run: what it would notify goes to the log."""

    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        log.info("[%s] %s: %s", kind, title, message)


class DeadlineExceeded(Exception):
    """The server part did not finish in time; its thread may still be stuck in a call."""


@contextmanager
def logging_to_file(level: int = logging.INFO) -> Iterator[None]:
    """FocusGuard's fail-safe log file (rotated, readable by the user only) for the length
    of the block."""
    try:
        folder = paths.ensure_private_dir(paths.log_dir())
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=512_000, backupCount=2, encoding="utf-8"
        )
    except OSError as exc:  # no log file is no reason not to release mail
        log.warning("cannot write %s in %s: %s", LOG_NAME, paths.log_dir(), exc)
        yield
        return
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous, level))
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def say(text: str) -> None:
    """One line for a person on stderr (a windowed Windows program has no stderr)."""
    if sys.stderr is not None:
        print(text, file=sys.stderr, flush=True)


def run(
    config: Path,
    *,
    stale_after: timedelta = failsafe.STALE_AFTER,
    everything: bool = False,
    deadline: float = DEADLINE_S,
    parts: Parts | None = None,
) -> int:
    """One fail-safe run for the settings file `config`; returns the exit code.
    `everything`: release all held mail, due or not (the uninstallers). `parts` as for the
    builder (tests bring their mailbox and clock)."""
    parts = parts or Parts()
    try:
        settings = startup.load(config)
    except StartupError as exc:
        return _problem(exc.title, exc.message)
    db = paths.state_db()
    if settings.account is None or not db.exists():
        log.debug("no account or no state yet: nothing can be held")
        return EXIT_OK
    with InstanceLock(paths.instance_lock(db)) as lock:
        state = lock.try_acquire()
        try:
            store = startup.open_store(db)
        except StartupError as exc:
            return _problem(exc.title, exc.message)
        try:
            return _run(
                settings,
                store,
                state,
                timedelta(0) if everything else stale_after,
                everything,
                deadline,
                replace(parts, store=store, clock=parts.clock or SystemClock(), control=False),
            )
        finally:
            store.close()


def _run(
    settings: Settings,
    store: StateStore,
    lock: LockState,
    stale_after: timedelta,
    everything: bool,
    deadline: float,
    parts: Parts,
) -> int:
    assert parts.clock is not None
    now = parts.clock.now()
    zone = settings.weekly_schedule().zone
    beat = facts.decode_heartbeat(store.get_fact(facts.HEARTBEAT))
    verdict = failsafe.judge(lock, beat, now, stale_after)
    if verdict is Verdict.APP_RUNNING:
        log.debug("FocusGuard is running: nothing to do")
        return _refuse_everything(everything)
    if verdict is Verdict.APP_UNRESPONSIVE:
        seen = "never" if beat is None else format_clock(beat.at, zone, now)
        log.warning(
            "FocusGuard is running but its last heartbeat is from %s: just woken from sleep, "
            "or stuck. The fail-safe leaves a running FocusGuard alone.",
            seen,
        )
        return _refuse_everything(everything)
    if verdict is Verdict.WAIT:
        assert beat is not None
        log.info(
            "FocusGuard stopped without shutting down after %s; the fail-safe acts from %s",
            format_clock(beat.at, zone, now),
            format_clock(failsafe.acts_from(beat, stale_after), zone, now),
        )
        return EXIT_OK

    # Nothing restores the desktop while FocusGuard is down (issue 14): the fail-safe does.
    from focusguard.app import dnd

    dnd.restore_after_crash(settings, store, _LogNotifier())
    last = facts.decode_last_run(store.get_fact(facts.FAILSAFE_LAST))
    first = last is None or last.beat_at != (None if beat is None else beat.at)
    nxt = next_release_read_only(store, policy_for(settings, store), now)
    due = everything or (nxt is not None and nxt <= now)
    if not failsafe.needs_server(last, beat, due):
        log.debug("rules off and nothing due: nothing to do")
        return EXIT_OK

    try:
        app = build(settings, Mode.FAILSAFE, parts=parts)
    except StartupError as exc:
        _record(store, failsafe.RunRecord(now, 0, 0, False, f"{exc.title}: {exc.message}"))
        return _problem(exc.title, exc.message)
    app.events.subscribe(Event, _log_event)
    engine, backend = app.engine, app.engine.backend
    try:
        result = _within(deadline, lambda: _stand_down(backend, engine, now, everything))
    except DeadlineExceeded:
        text = f"it did not finish within {deadline:g} seconds"
        _record(store, failsafe.RunRecord(now, 0, 0, False, text))
        log.error("fail-safe run stopped: %s", text)
        raise
    except MailError as exc:
        _record(store, failsafe.RunRecord(now, 0, 0, False, f"{exc.title}: {exc.message}"))
        code = EXIT_INCOMPLETE if exc.retryable else EXIT_PROBLEM
        log.warning("fail-safe run failed: %s", exc.title)
        say(f"focusguard: {exc.title}\n{exc.message}")
        return code

    store.set_fact(
        facts.FAILSAFE_LAST,
        facts.encode_last_run(failsafe.LastRun(None if beat is None else beat.at, result.complete)),
    )
    if first or result.released or result.failed or result.problem:
        _record(
            store,
            failsafe.RunRecord(
                now, result.released, result.failed, result.rules_off and first, result.problem
            ),
        )
    _log_result(result, zone, now)
    if result.problem or result.failed:
        say(f"focusguard: the fail-safe could not finish: {result.problem or 'moves failed'}")
        return EXIT_INCOMPLETE
    return EXIT_OK


def _refuse_everything(everything: bool) -> int:
    if not everything:
        return EXIT_OK
    say(
        "focusguard: FocusGuard is running; release held mail from its menu or with "
        "`focusguard release-all`, then quit it"
    )
    return EXIT_PROBLEM


def _stand_down(backend: MailBackend, engine: Engine, now: datetime, everything: bool) -> StandDown:
    backend.connect()
    try:
        return engine.stand_down(now, everything=everything)
    finally:
        try:
            backend.close()
        except Exception:  # closing is best effort; the server times out on its own
            log.debug("backend close failed", exc_info=True)


def _within(seconds: float, work: Callable[[], StandDown]) -> StandDown:
    """`work()` on a daemon thread, or DeadlineExceeded after `seconds`: a server that stops
    answering mid-call must not keep the fail-safe (and the instance lock) forever."""
    box: list[StandDown] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # handed to the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name="focusguard-failsafe", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise DeadlineExceeded
    if error:
        raise error[0]
    return box[0]


def _record(store: StateStore, run: failsafe.RunRecord) -> None:
    runs = facts.decode_runs(store.get_fact(facts.FAILSAFE_RUNS))
    store.set_fact(facts.FAILSAFE_RUNS, facts.encode_runs([*runs, run]))


def _log_result(result: StandDown, zone: tzinfo, now: datetime) -> None:
    level = logging.INFO if result.released or result.failed else logging.DEBUG
    when = (
        "none held"
        if result.next_release is None
        else f"next due {format_clock(result.next_release, zone, now)}"
    )
    log.log(
        level,
        "fail-safe: rules %s, released %d, %d could not be moved, %d still held (%s)",
        "off" if result.rules_off else "left to expire",
        result.released,
        result.failed,
        result.held,
        when,
    )


def _problem(title: str, message: str) -> int:
    log.error("fail-safe: %s: %s", title, message)
    say(f"focusguard: {title}\n{message}")
    return EXIT_PROBLEM


# -- `focusguard failsafe --install` / `--uninstall` -----------------------------------------
def install(config: Path) -> int:
    """Install the OS scheduler's units for the settings file `config`, saying where."""
    from focusguard.platform.failsafe_units import describe_triggers, job_for

    try:
        settings = startup.load(config)
    except StartupError as exc:
        return _problem(exc.title, exc.message)
    if settings.account is None:
        return _usage(f"no [account] in {config}: there is no mail to hold yet")
    if not settings.holding.failsafe:
        return _usage(f"holding.failsafe = false in {config}: set it to true first")
    scheduler = failsafe_scheduler.for_platform()
    job = job_for(settings, config)
    try:
        done = scheduler.install(job)
    except FocusGuardError as exc:
        return _problem(exc.title, exc.message)
    print(f"Fail-safe installed as {scheduler.name}: {done.where}")
    print(f"It runs {describe_triggers(job)}.")
    if not done.active:
        print(f"Note: {done.detail}.")
    return EXIT_OK


def uninstall() -> int:
    try:
        removed = failsafe_scheduler.for_platform().uninstall()
    except OSError as exc:
        return _usage(f"could not remove the fail-safe: {exc}")
    print("Fail-safe removed." if removed else "No fail-safe was installed.")
    return EXIT_OK


def _usage(text: str) -> int:
    say(f"focusguard: {text}")
    return EXIT_PROBLEM
