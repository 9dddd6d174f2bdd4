"""Last week, replayed with these settings (issue 13 §4): the real engine and policy over the
last N days of real arrivals from the mailbox's history, on a virtual clock with the
in-memory mailbox (`replay.simulate`, the machinery of `focusguard replay`).

It reads only the store's history (core/mailbox_insights.read_history fills it, with reads
only): nothing on the server changes. What the store keeps of a message is enough for the
policy — sender, To/Cc, time, whether RFC 3834 forbids an auto-reply — except its subject,
which FocusGuard never keeps: `[exceptions] subject_keywords` cannot be replayed, and the
summary says so (`subject_keywords_ignored`). Mail that must get no auto-reply is replayed
with an `Auto-Submitted` header, which makes the engine refuse it as the original headers
did.

The summary, for the wizard's last page, the Settings window and `focusguard preview`:
- **pop-ups there were** — arrivals that landed in the Inbox, i.e. all but what FocusGuard
  held then (its decision log, or the held folder) — and **there would be**: what the
  candidate settings deliver; each also during what would have been focus (the candidate's
  focus blocks and calendar focus);
- **check-in batches**: release runs that would bring held mail out;
- **longest customer wait** in working time, until the mail would reach the Inbox;
- **promise breaches**: customer mail that would come out after its reply-by time;
- **auto-replies** that would go out (to whom only when asked: `names`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from focusguard.core import command_args
from focusguard.core.insights_text import duration, plural
from focusguard.core.mailbox_insights import InsightsStore, kept_since
from focusguard.core.settings import Settings
from focusguard.domain.history import Direction, HistoryEntry, message_token
from focusguard.domain.policy import Action
from focusguard.domain.schedule import FocusState, Interval, Timeline, merge
from focusguard.domain.senders import Category, sender_address
from focusguard.domain.working_time import ZERO
from focusguard.replay import TraceMessage, simulate

DEFAULT_DAYS = command_args.PREVIEW_DAYS_DEFAULT
# The header that stands in for what made a message unfit for an auto-reply (RFC 3834).
NO_AUTOREPLY = {"Auto-Submitted": "auto-generated"}


@dataclass(frozen=True, slots=True)
class PreviewSummary:
    since: datetime
    until: datetime
    messages: int  # arrivals replayed
    popups_were: int
    popups_would_be: int
    focus_popups_were: int  # ... of them during what would have been focus
    focus_popups_would_be: int
    focus_time: timedelta  # how long the candidate's focus would have lasted
    check_in_batches: int
    longest_wait: timedelta  # customer mail until it reaches the Inbox, working time
    longest_wait_received: datetime | None  # when that mail arrived
    promised: timedelta | None  # the candidate's promise (working time)
    promise_breaches: int
    autoreplies: int
    autoreply_to: tuple[str, ...]  # addresses, only when asked for (`names`)
    subject_keywords_ignored: bool

    def sentence(self) -> str:
        """ "Last week with these settings: 212 interruptions → 31 check-in batches; longest
        customer wait 3h10 of your 4h promise" (issue 13 §4)."""
        wait = duration(self.longest_wait)
        promise = "" if self.promised is None else f" of your {duration(self.promised)} promise"
        return (
            f"Last {_period(self.until - self.since)} with these settings: "
            f"{self.popups_were} interruptions → {self.popups_would_be} pop-ups and "
            f"{self.check_in_batches} check-in batches; longest customer wait {wait}{promise}"
        )

    def details(self) -> list[str]:
        """The rest of the summary, a line each (`focusguard preview`, the Insights window)."""
        lines = [
            f"{plural(self.messages, 'message')} replayed; during what would have been focus "
            f"({duration(self.focus_time)}): {self.focus_popups_were} pop-ups then → "
            f"{self.focus_popups_would_be} with these settings.",
            f"{plural(self.promise_breaches, 'promise breach', 'promise breaches')}; "
            f"{plural(self.autoreplies, 'auto-reply', 'auto-replies')} would go out"
            + (f" (to {', '.join(self.autoreply_to)})." if self.autoreply_to else "."),
        ]
        if self.subject_keywords_ignored:
            lines.append(
                "Subject keywords cannot be replayed (FocusGuard keeps no subjects): the real "
                "number of pop-ups may be a little higher."
            )
        return lines

    def as_json(self) -> dict[str, object]:
        def minutes(d: timedelta | None) -> float | None:
            return None if d is None else round(d / timedelta(minutes=1), 1)

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "messages": self.messages,
            "popups_were": self.popups_were,
            "popups_would_be": self.popups_would_be,
            "focus_popups_were": self.focus_popups_were,
            "focus_popups_would_be": self.focus_popups_would_be,
            "focus_time_min": minutes(self.focus_time),
            "check_in_batches": self.check_in_batches,
            "longest_wait_min": minutes(self.longest_wait),
            "longest_wait_received": None
            if self.longest_wait_received is None
            else self.longest_wait_received.isoformat(),
            "promised_min": minutes(self.promised),
            "promise_breaches": self.promise_breaches,
            "autoreplies": self.autoreplies,
            "autoreply_to": list(self.autoreply_to),
            "subject_keywords_ignored": self.subject_keywords_ignored,
        }


def preview(
    settings: Settings,
    history: Sequence[HistoryEntry],
    *,
    since: datetime,
    until: datetime,
    calendar: Iterable[Interval] = (),
    held_then: frozenset[str] = frozenset(),
    names: bool = False,
) -> PreviewSummary:
    """Replay the arrivals of `history` in [since, until) under `settings`.

    `calendar`: focus blocks from the calendar in that time (`calendar_focus_subject`);
    `held_then`: Message-ID tokens of the mail FocusGuard held then (its decision log)."""
    arrivals = sorted(
        (e for e in history if e.direction is Direction.RECEIVED and since <= e.at < until),
        key=lambda e: (e.at, e.key),
    )
    autoreplied = _autoreplied_before(history, since)
    trace = [
        TraceMessage(
            line=n,
            id=e.key,
            at=e.at,
            sender=e.sender or "",
            subject="",
            headers=dict(NO_AUTOREPLY) if e.no_autoreply else {},
            to=e.recipients,
        )
        for n, e in enumerate(arrivals, start=1)
    ]
    calendar = merge(calendar)
    run = simulate(settings, trace, start=since, calendar=calendar, autoreplied=autoreplied)
    timeline = Timeline(settings.weekly_schedule(), FocusState(calendar=tuple(calendar)))
    focus = merge(timeline.focus(since, until))

    def in_focus(t: datetime) -> bool:
        return any(iv.start <= t < iv.end for iv in focus)

    were = [e for e in arrivals if not e.held and (e.message is None or e.message not in held_then)]
    delivered = [e for e in arrivals if run.outcomes[e.key].decision.action is Action.DELIVER]
    working = settings.working_time()
    longest, longest_at = ZERO, None
    breaches = 0
    for e in arrivals:
        outcome = run.outcomes[e.key]
        if outcome.decision.category is not Category.CUSTOMER:
            continue
        released = run.released_at.get(e.key)
        if outcome.decision.action is Action.HOLD and released is not None:
            wait = working.elapsed(e.at, released)
            if wait > longest:
                longest, longest_at = wait, e.at
            reply_by = run.policy.reply_by(Category.CUSTOMER, e.at)
            breaches += reply_by is not None and released > reply_by
    to = sorted({str(a) for r in run.replies if (a := sender_address(r.to)) is not None})
    promise = settings.promise_rules()
    return PreviewSummary(
        since=since,
        until=until,
        messages=len(arrivals),
        popups_were=len(were),
        popups_would_be=len(delivered),
        focus_popups_were=sum(1 for e in were if in_focus(e.at)),
        focus_popups_would_be=sum(1 for e in delivered if in_focus(e.at)),
        focus_time=sum((iv.end - iv.start for iv in focus), ZERO),
        check_in_batches=len(run.releases),
        longest_wait=longest,
        longest_wait_received=longest_at,
        promised=None if promise is None else promise.reply_within,
        promise_breaches=breaches,
        autoreplies=sum(1 for o in run.outcomes.values() if o.autoreplied),
        autoreply_to=tuple(to) if names else (),
        subject_keywords_ignored=bool(settings.exceptions.subject_keywords),
    )


def preview_from_store(
    store: InsightsStore,
    settings: Settings,
    now: datetime,
    *,
    days: int = DEFAULT_DAYS,
    calendar: Iterable[Interval] = (),
    names: bool = False,
) -> PreviewSummary:
    """`preview` of the last `days` days (at most the history kept) from the store's
    history; what FocusGuard held then comes from its decision log."""
    since = max(now - timedelta(days=days), kept_since(settings, now))
    until = now + timedelta(seconds=1)
    # Auto-replies sent in the days before count towards `once_per_sender_days`.
    history = store.history(since - timedelta(days=settings.autoreply.once_per_sender_days), until)
    held = frozenset(
        t
        for d in store.decisions_between(since, until)
        if d.action == Action.HOLD.value and (t := message_token(d.message_id)) is not None
    )
    return preview(
        settings, history, since=since, until=until, calendar=calendar, held_then=held, names=names
    )


def _autoreplied_before(history: Sequence[HistoryEntry], since: datetime) -> dict[str, datetime]:
    """Who got FocusGuard's auto-reply before `since`, and when last (the spacing counts)."""
    out: dict[str, datetime] = {}
    for e in history:
        if e.direction is Direction.SENT and e.own_autoreply and e.at < since:
            for address in e.recipients:
                if address not in out or out[address] < e.at:
                    out[address] = e.at
    return out


def _period(d: timedelta) -> str:
    days = d / timedelta(days=1)
    if 6.5 <= days < 7.5:
        return "week"
    if days >= 1:
        return "day" if round(days) == 1 else f"{round(days)} days"
    hours = max(1, round(d / timedelta(hours=1)))
    return "hour" if hours == 1 else f"{hours} hours"
