"""Hold or deliver, until when, and why: the gatekeeping rules.

- urgent: deliver.
- customer: deliver inside a check-in window that is not inside focus; otherwise hold until
  the start of the next check-in window after the message arrived — or, with a promise
  (domain/promise.py), until its guard instant (`release_margin` before it is due) when
  that comes first. A guard instant inside focus breaks the focus (the promise wins)
  unless `focus_wins`, when it waits for the focus to end like a check-in would.
- internal, other: inside focus, hold until that focus ends; otherwise deliver.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from focusguard.domain.clock_time import format_clock
from focusguard.domain.promise import Promise
from focusguard.domain.schedule import Interval, Timeline
from focusguard.domain.senders import Address, Category, People, sender_address

# How far ahead server rules are armed for a focus block that has not started yet.
PREARM = timedelta(days=1)


class Action(enum.Enum):
    DELIVER = "deliver"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Decision:
    category: Category
    action: Action
    release_at: datetime | None  # None when delivered (or when no check-in is scheduled)
    reason: str
    # The promised reply-by time of customer mail (held or not); None for other mail or
    # without a promise.
    reply_by: datetime | None = None

    @property
    def held(self) -> bool:
        return self.action is Action.HOLD


@dataclass(frozen=True, slots=True)
class ReleaseTime:
    """When held mail is due out and, for customer mail, why (the decision's reason, true
    again whenever focus moves the release); `early` when the promise guard brings it out
    before its check-in, so the release can say so."""

    at: datetime | None  # None: nothing scheduled would release it (release it now)
    early: bool = False
    reason: str = ""
    reply_by: datetime | None = None  # customer mail under a promise, when `at` is known


@dataclass(frozen=True, slots=True)
class Policy:
    people: People
    timeline: Timeline
    promise: Promise | None = None

    @property
    def zone(self) -> tzinfo:
        return self.timeline.schedule.zone

    def categorize(self, from_header: str | None) -> tuple[Address | None, Category]:
        address = sender_address(from_header)
        return address, self.people.categorize(address)

    def decide(self, category: Category, received: datetime) -> Decision:
        """The decision for a message of `category` that arrived at `received`."""
        if category is Category.URGENT:
            return Decision(category, Action.DELIVER, None, "delivered: urgent sender")
        focus = self.timeline.focus_at(received)
        if category is Category.CUSTOMER:
            window = self.timeline.window_at(received)
            if window is not None and focus is None:
                reply_by = self.reply_by(category, received)
                return Decision(
                    category, Action.DELIVER, None, "delivered: check-in window open", reply_by
                )
            plan = self.release_time_of(category, received)
            if plan.at is None:
                # Fail open: with no check-in in sight, holding would mean never delivering.
                reply_by = self.reply_by(category, received)
                return Decision(
                    category, Action.DELIVER, None, "delivered: no check-in scheduled", reply_by
                )
            return Decision(category, Action.HOLD, plan.at, plan.reason, plan.reply_by)
        if focus is not None:
            return Decision(
                category,
                Action.HOLD,
                focus.end,
                f"held: {category.value}, focus until {self._clock(focus.end, received)}",
            )
        return Decision(category, Action.DELIVER, None, f"delivered: {category.value}, no focus")

    def release_time(self, category: Category, received: datetime) -> datetime | None:
        """When a message held at `received` is due out, under the timeline as it is now.

        Recomputed whenever focus changes: an early "End focus" brings internal mail out at
        once, a new focus block over a check-in postpones customer mail with it (but never
        past its promise guard).
        """
        return self.release_time_of(category, received).at

    def release_time_of(self, category: Category, received: datetime) -> ReleaseTime:
        """`release_time` with the reason, and whether the promise guard sets it."""
        if category is not Category.CUSTOMER:
            focus = self.timeline.focus_at(received)
            return ReleaseTime(None if focus is None else focus.end)
        check_in = self.timeline.next_check_in(received)
        if check_in is None:
            return ReleaseTime(None)
        at_check_in = f"held: customer, next check-in {self._clock(check_in, received)}"
        if self.promise is None:
            return ReleaseTime(check_in, reason=at_check_in)
        due, guard = self.promise.deadlines(received)
        guard = self._focus_wins(guard)
        if guard >= check_in:
            return ReleaseTime(check_in, reason=at_check_in, reply_by=due)
        return ReleaseTime(
            guard,
            early=True,
            reason=f"held: customer, until {self._clock(guard, received)} "
            f"(promised reply by {self._clock(due, received)})",
            reply_by=due,
        )

    def reply_by(self, category: Category, received: datetime) -> datetime | None:
        """The promised reply-by time of a message; None for non-customers or no promise."""
        if category is not Category.CUSTOMER or self.promise is None:
            return None
        return self.promise.due(received)

    def guard(self, received: datetime) -> datetime | None:
        """The latest release of held customer mail that keeps the promise, under the
        timeline as it is now: `release_margin` before it is due, or — with `focus_wins` —
        the end of the focus that instant falls in (a focus ended early brings it back)."""
        if self.promise is None:
            return None
        return self._focus_wins(self.promise.guard(received))

    def _focus_wins(self, guard: datetime) -> datetime:
        if self.promise is not None and self.promise.focus_wins:
            focus = self.timeline.focus_at(guard)
            if focus is not None:
                return focus.end
        return guard

    def hold_plan(self, now: datetime) -> HoldPlan:
        """What the server-side hold rules should cover, as seen at `now` (server-rule mode).

        Each interval ends by itself on the server (fail-open). An interval may start in the
        future: inside an open check-in window the next customer hold is armed to start when
        the window closes, and the next focus block within a day is armed ahead, so no mail
        slips into the Inbox between a boundary and the engine's next reconcile.
        """
        tl = self.timeline
        current_focus = tl.focus_at(now)
        focus = current_focus
        if focus is None:
            upcoming = tl.focus(now, now + PREARM)
            focus = upcoming[0] if upcoming else None
        window = tl.window_at(now)
        customer: Interval | None = None
        if window is None or current_focus is not None:
            nxt = tl.next_check_in(now)
            if nxt is not None:
                customer = Interval(now, nxt)
        else:
            nxt = tl.next_check_in(window.end - timedelta(microseconds=1))
            if nxt is not None and nxt > window.end:
                customer = Interval(window.end, nxt)
        return HoldPlan(customer=customer, focus=focus)

    def _clock(self, t: datetime, now: datetime) -> str:
        return format_clock(t, self.zone, now)


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """Which holds are in force now, and until when (each ends by itself: fail-open)."""

    customer: Interval | None
    focus: Interval | None

    def holds(self, now: datetime) -> tuple[bool, bool]:
        """(customer hold active, focus hold active) at `now`."""
        return (
            self.customer is not None and self.customer.contains(now),
            self.focus is not None and self.focus.contains(now),
        )

    @property
    def idle(self) -> bool:
        return self.customer is None and self.focus is None
