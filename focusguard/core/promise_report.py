"""What `focusguard config check` says about the promise: the longest a customer mail can wait
under the weekly schedule, and a warning when that is longer than the promise.

The audit (domain/wait_audit.py) looks at the schedule alone (check-ins and recurring focus
blocks) over the current week with holidays left out: a typical week, since days off add no
working time to a wait. A warning is advice, not a problem: the settings still load, the
promise guard still releases such mail in time, and `config check` still exits 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from focusguard.core.settings import Settings
from focusguard.domain.clock_time import format_duration
from focusguard.domain.policy import Policy
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import Timeline
from focusguard.domain.senders import Category
from focusguard.domain.wait_audit import WorstWait, worst_wait


@dataclass(frozen=True, slots=True)
class PromiseReport:
    promise: Promise
    zone: tzinfo
    worst: WorstWait | None
    # When the promise guard releases the worst arrival (its check-in, or earlier).
    guarded_release: datetime | None

    @property
    def exceeded(self) -> bool:
        return self.worst is not None and self.worst.wait > self.promise.reply_within

    @property
    def summary(self) -> str:
        """One line for stdout, e.g. "promise: mail arriving Mon 10:00 would wait until
        13:00 — 3h of your 4h"."""
        promised = format_duration(self.promise.reply_within)
        if self.worst is None:
            return f"promise: customer mail is never held, so every reply can be within {promised}"
        w = self.worst
        share = f", more than your {promised}" if self.exceeded else f" of your {promised}"
        line = (
            f"promise: the longest wait is mail arriving {self._when(w.arrival)}, held until "
            f"{self._when(w.release, w.arrival)} — {format_duration(w.wait)}{share}"
        )
        guarded = self.guarded_release
        if guarded is not None and guarded < w.release:
            line += f"; the promise guard brings it out at {self._when(guarded, w.arrival)}"
        return line

    @property
    def warning(self) -> str | None:
        """The warning for stderr when the schedule alone would break the promise."""
        if not self.exceeded or self.worst is None:
            return None
        w = self.worst
        promise = self.promise
        text = (
            f"promise.reply_within: mail arriving {self._when(w.arrival)} would wait until "
            f"{self._when(w.release, w.arrival)} — {format_duration(w.wait)} of working time, "
            f"more than your {format_duration(promise.reply_within)}. "
        )
        due = promise.due(w.arrival)
        guarded = self.guarded_release
        if guarded is not None and guarded >= due:
            text += (
                f"With focus_wins = true a focus keeps it held until "
                f"{self._when(guarded, w.arrival)} although its reply is due at "
                f"{self._when(due, w.arrival)}. "
            )
        elif guarded is not None:
            text += (
                f"FocusGuard will release it early, at {self._when(guarded, w.arrival)}, "
                f"outside your check-ins. "
            )
        return text + (
            "To keep mail for your check-ins, add or move a check-in, shorten a focus block, "
            "or promise a longer reply_within."
        )

    def _when(self, t: datetime, day_of: datetime | None = None) -> str:
        local = t.astimezone(self.zone)
        if day_of is not None and day_of.astimezone(self.zone).date() == local.date():
            return local.strftime("%H:%M")
        return local.strftime("%a %H:%M")


def promise_report(settings: Settings, now: datetime) -> PromiseReport | None:
    """The audit of the week containing `now`; None without a promise."""
    promise = settings.promise_rules()
    if promise is None:
        return None
    schedule = replace(settings.weekly_schedule(), holidays=frozenset())
    typical = replace(promise, working=replace(promise.working, holidays=frozenset()))
    today = now.astimezone(schedule.zone).date()
    week = today - timedelta(days=today.weekday())
    worst = worst_wait(schedule, typical.working, week)
    guarded = None
    if worst is not None:
        policy = Policy(settings.people_rules(), Timeline(schedule), typical)
        guarded = policy.release_time(Category.CUSTOMER, worst.arrival)
    return PromiseReport(typical, schedule.zone, worst, guarded)
