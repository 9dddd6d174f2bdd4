"""Hold or deliver, until when, and why: the gatekeeping rules.

- urgent: deliver.
- customer: deliver inside a check-in window that is not inside focus; otherwise hold until
  the start of the next check-in window after the message arrived.
- internal, other: inside focus, hold until that focus ends; otherwise deliver.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from focusguard.domain.clock_time import format_clock
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

    @property
    def held(self) -> bool:
        return self.action is Action.HOLD


@dataclass(frozen=True, slots=True)
class Policy:
    people: People
    timeline: Timeline

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
                return Decision(category, Action.DELIVER, None, "delivered: check-in window open")
            release = self.timeline.next_check_in(received)
            if release is None:
                # Fail open: with no check-in in sight, holding would mean never delivering.
                return Decision(category, Action.DELIVER, None, "delivered: no check-in scheduled")
            return Decision(
                category,
                Action.HOLD,
                release,
                f"held: customer, next check-in {self._clock(release, received)}",
            )
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
        once, a new focus block over a check-in postpones customer mail with it.
        """
        if category is Category.CUSTOMER:
            return self.timeline.next_check_in(received)
        focus = self.timeline.focus_at(received)
        return None if focus is None else focus.end

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
