"""The engine: owns every state change, and is idempotent.

`reconcile(now)` brings the mailbox (rules, held folder) and the store in line with the
schedule, whatever was missed while the laptop slept or the app was down. Timers, resume
events, start-up and "Check in now" all end in the same reconcile: timers are hints, state
is truth. The engine is single-threaded; `core.worker` runs it on one worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from focusguard.core import facts, focus_ledger
from focusguard.core.held_matching import Entry, match_held
from focusguard.core.history_sync import history_entry
from focusguard.core.ports import (
    Clock,
    Folder,
    HealthListener,
    HoldRules,
    MailBackend,
    MailError,
    MailItem,
    Notifier,
    RuleMode,
)
from focusguard.core.records import (
    CheckInRecord,
    DecisionRecord,
    HeldRecord,
    HeldState,
    StateStore,
)
from focusguard.core.release_times import ReleaseTimes
from focusguard.core.settings import Settings
from focusguard.domain import autoreply
from focusguard.domain.clock_time import format_clock
from focusguard.domain.customers import count_customers
from focusguard.domain.policy import Action, Decision, Policy
from focusguard.domain.schedule import FocusState, Interval, Timeline
from focusguard.domain.senders import Address, Category, sender_address

log = logging.getLogger(__name__)

MOVE_ATTEMPTS = 3
CALENDAR_REFRESH = timedelta(minutes=15)
CALENDAR_DAYS = 8  # today and the next 7 days
PRUNE_EVERY = timedelta(days=1)
# How far the server's receipt times may run ahead of this computer's clock while a message is
# still the one decided before (`_already_decided`).
DECISION_CLOCK_SKEW = timedelta(minutes=5)
# Reconciles that follow a person's own action: what they release is that action's doing.
USER_RUNS = frozenset({"focus-start", "focus-end", "pause", "resume"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one new message (for the decision log, replay and the demo)."""

    message_id: str
    decision: Decision
    autoreplied: bool
    moved: bool  # FocusGuard moved it (into the held folder, or back to the Inbox)
    during_focus: bool = False  # decided while focus was on


@dataclass(frozen=True, slots=True)
class Release:
    kind: str  # a CHECK_IN_KINDS value; "promise" when the promise guard brought it out early
    released: tuple[HeldRecord, ...]
    failed: int
    # Why, when the kind alone does not say: "released early: promised reply by 11:30".
    reason: str = ""

    @property
    def summary(self) -> str:
        customers = [r for r in self.released if r.category == Category.CUSTOMER.value]
        # Counted as the digest groups them (domain/customers.py), so both say the same.
        count = count_customers(r.address for r in customers)
        others = len(self.released) - len(customers)
        parts = []
        if customers:
            parts.append(
                f"{_plural(len(customers), 'customer email')} from {_plural(count, 'customer')}"
            )
        if others:
            parts.append(_plural(others, "other email"))
        return " and ".join(parts)


@dataclass(frozen=True, slots=True)
class Handled:
    """What "mark handled" did: `marked` entries are now handled, `moved` of them were still
    held and went to the Inbox; `failed` were held and could not be moved (still held)."""

    marked: int
    moved: int
    failed: int


@dataclass(frozen=True, slots=True)
class Status:
    """An immutable snapshot for the UI and `focusguard status`."""

    now: datetime
    zone: str
    focus_until: datetime | None
    next_check_in: datetime | None
    in_check_in: bool
    held: int
    held_customers: int
    paused_until: datetime | None
    mode: str
    mode_detail: str
    problem: str | None
    # When the earliest held message is due out: the quit dialog names the fail-safe's run
    # after it ("the fail-safe releases at 13:00").
    next_release: datetime | None = None
    # Held customer mail against the promise (issue 12 §1; 0 without one): at risk has used
    # 75 % of it or more, overdue all of it (past its reply-by time).
    at_risk: int = 0
    overdue: int = 0

    def as_json(self) -> dict[str, object]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "now": iso(self.now),
            "timezone": self.zone,
            "in_focus": self.focus_until is not None,
            "focus_until": iso(self.focus_until),
            "next_check_in": iso(self.next_check_in),
            "in_check_in": self.in_check_in,
            "held": self.held,
            "held_customers": self.held_customers,
            "paused_until": iso(self.paused_until),
            "mode": self.mode,
            "mode_detail": self.mode_detail,
            "problem": self.problem,
            "next_release": iso(self.next_release),
            "at_risk": self.at_risk,
            "overdue": self.overdue,
        }


@dataclass(frozen=True, slots=True)
class StandDown:
    """What one fail-safe run did (`Engine.stand_down`)."""

    release: Release | None
    rules_off: bool  # FocusGuard's hold rules are confirmed off on the server
    problem: str | None  # what failed, as "title: message"
    held: int  # still held afterwards (not due yet)
    next_release: datetime | None

    @property
    def released(self) -> int:
        return 0 if self.release is None else len(self.release.released)

    @property
    def failed(self) -> int:
        return 0 if self.release is None else self.release.failed

    @property
    def complete(self) -> bool:
        """Nothing left for a next run until something falls due."""
        return self.rules_off and self.problem is None and not self.failed


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Engine:
    def __init__(
        self,
        settings: Settings,
        backend: MailBackend,
        store: StateStore,
        clock: Clock,
        notifier: Notifier,
        *,
        on_outcome: Callable[[Outcome], object] | None = None,
        on_release: Callable[[Release], object] | None = None,
    ) -> None:
        self.settings = settings
        self.backend = backend
        self.store = store
        self.clock = clock
        self.notifier = notifier
        self._on_outcome = on_outcome
        self._on_release = on_release
        self._schedule = settings.weekly_schedule()
        self._people = settings.people_rules()
        self._bypass = settings.bypass()
        self._promise = settings.promise_rules()
        self._own = sender_address(settings.account.email) if settings.account is not None else None
        self._state = facts.decode_focus(store.get_fact(facts.FOCUS_STATE))
        # Held entries' stored release times, kept true under the policy: "what is due" and
        # "when next" are index lookups, not a pass over every held entry (issue 15).
        self._release_times = ReleaseTimes(store)
        self._calendar_checked: datetime | None = None
        self._pruned: datetime | None = None
        self._mode = settings.holding.mode
        self._mode_detail = ""
        self._problem: str | None = None
        self._last_rules: tuple[HoldRules | None, tuple[bool, bool] | None] | None = None
        self._rules_applied = False
        # Inbox mail older than this arrived while FocusGuard was not watching.
        self._live_since = datetime.min.replace(tzinfo=UTC)
        self._holding_noted = False  # the fact `holding_since` is written (insights)

    # -- the policy as it stands now -------------------------------------------------------
    @property
    def policy(self) -> Policy:
        return Policy(self._people, Timeline(self._schedule, self._state), self._promise)

    @property
    def paused_until(self) -> datetime | None:
        return facts.decode_instant(self.store.get_fact(facts.PAUSED_UNTIL))

    def _paused(self, now: datetime) -> bool:
        until = self.paused_until
        return until is not None and until > now

    def _set_state(self, state: FocusState) -> None:
        self._state = state
        self.store.set_fact(facts.FOCUS_STATE, facts.encode_focus(state))

    # -- start-up --------------------------------------------------------------------------
    def start(
        self,
        on_new: Callable[[MailItem], object] | None = None,
        on_resync: Callable[[], object] | None = None,
        on_health: HealthListener | None = None,
    ) -> None:
        """Connect, reconcile whatever state we find, then watch for new mail.

        The backend's watcher calls `on_new`/`on_resync` from its own thread; the runtime
        passes callbacks that queue the work for the engine's worker thread. Without them
        (replay, tests) the engine's own methods are called directly. `on_health` hears
        whether watching works (see `MailBackend.watch`)."""
        now = self.clock.now()
        self.backend.connect()
        self._live_since = now
        self.reconcile(now, kind="startup")
        self.backend.watch(on_new or self.on_new_mail, on_resync or self.resync, on_health)

    # -- new mail --------------------------------------------------------------------------
    def on_new_mail(self, item: MailItem) -> Outcome | None:
        """Decide for one message that appeared in the Inbox or the held folder."""
        return self.on_new_mails([item]).get(item.item_id)

    def on_new_mails(self, items: Sequence[MailItem]) -> dict[str, Outcome]:
        """Decide for messages that appeared in the Inbox or the held folder; the outcomes
        by item id (one Message-ID can be on several items).

        Under load the runtime hands over everything that arrived meanwhile: the holds
        then cost one bulk move, not one request per message.

        An item is known by its server id only. A held-folder item with an unknown id is
        a new entry decided on its own even when its Message-ID is known: duplicates
        happen, and a copy with a reused Message-ID must not take over (or hide behind)
        the real message's entry (issue 9).
        """
        now = self.clock.now()
        policy = self.policy
        in_focus = policy.timeline.focus_at(now) is not None and not self._paused(now)
        fresh: list[tuple[MailItem, str | None, Decision]] = []
        seen: set[str] = set()
        look_at_held_folder = False
        for item in items:
            if item.item_id in seen:
                continue  # the same item reported twice (e.g. NewMail + Created events)
            seen.add(item.item_id)
            known = self.store.entry_for_item(item.item_id)
            if known is not None:
                look_at_held_folder |= self._known_arrival(item, known)
                continue
            if item.folder is Folder.INBOX:
                # A held message's Message-ID in the Inbox under a new id: the user moved it
                # out (EWS ids change on moves), or a copy claims its Message-ID. Only the
                # held folder can tell which, so the ledger follows the folder, not the copy.
                look_at_held_folder |= self._held_now(item.message_id)
                if self._already_decided(item):
                    continue
            parsed, category = policy.categorize(item.sender)
            decision = self._bypassed(item) or self._decide(category, item, now)
            fresh.append((item, address_text(parsed), decision))

        to_hold = [i for i, _, d in fresh if d.held and i.folder is Folder.INBOX]
        held = self.backend.move(to_hold, Folder.HELD).moved if to_hold else {}
        # Held by a server rule (ContainsSenderStrings is a substring match) but the exact
        # rules say deliver: back to the Inbox at once.
        wrongly_held = [i for i, _, d in fresh if not d.held and i.folder is Folder.HELD]
        returned = self.backend.move(wrongly_held, Folder.INBOX).moved if wrongly_held else {}

        outcomes: dict[str, Outcome] = {}
        for item, address, decision in fresh:
            autoreplied = False
            if decision.held:
                item_id = held.get(item.item_id) if item.folder is Folder.INBOX else item.item_id
                if item_id is None:
                    # Not logged as decided: the next resync tries again.
                    log.warning("could not hold %s; will retry", item.message_id)
                    continue
                moved = item.folder is Folder.INBOX
                self._record_hold(item, item_id, address, decision, now)
                self._note_holding(now)
                self._log(item, address, decision, now)
                if decision.category is Category.CUSTOMER:
                    # Reply to the message where it is now (item ids change on every move).
                    where = replace(item, item_id=item_id, folder=Folder.HELD)
                    autoreplied = self._maybe_autoreply(where, decision, now)
            else:
                moved = item.item_id in returned
                self._log(item, address, decision, now)
            outcome = Outcome(item.message_id, decision, autoreplied, moved, in_focus)
            outcomes[item.item_id] = outcome
            if self._on_outcome is not None:
                self._on_outcome(outcome)
        if look_at_held_folder:
            self._sync_held_folder(now)
        return outcomes

    def _bypassed(self, item: MailItem) -> Decision | None:
        """[exceptions] (issue 14): mail that comes through whoever sent it counts as urgent
        (the urgent-mail alerts treat it so), with the reason it came through."""
        why = self._bypass.reason(item.subject, item.recipients) if self._bypass else None
        return None if why is None else Decision(Category.URGENT, Action.DELIVER, None, why)

    def _decide(self, category: Category, item: MailItem, now: datetime) -> Decision:
        if self._paused(now):
            return Decision(category, Action.DELIVER, None, "delivered: FocusGuard paused")
        if item.folder is Folder.INBOX and item.received < self._live_since:
            # It reached the Inbox while FocusGuard was not running: the pop-up has been
            # shown already, and hiding mail the user may have read would only confuse.
            return Decision(
                category, Action.DELIVER, None, "delivered: arrived while FocusGuard was off"
            )
        return self.policy.decide(category, item.received)

    def _log(self, item: MailItem, address: str | None, decision: Decision, now: datetime) -> None:
        self.store.log_decision(
            DecisionRecord(
                now,
                item.message_id,
                address,
                decision.category.value,
                decision.action.value,
                decision.release_at,
                decision.reason,
            )
        )

    def _already_decided(self, item: MailItem) -> bool:
        """A message decided before: the same delivery seen again (a repeated event, mail
        FocusGuard released, or that the user moved out of the held folder — each keeps the
        time it was received). Mail received after the decision (give or take the clocks'
        skew) is another delivery reusing the Message-ID, and is decided on its own: a
        reused Message-ID must never walk past the hold (issue 9)."""
        decided = self.store.last_decided(item.message_id)
        return decided is not None and item.received <= decided + DECISION_CLOCK_SKEW

    def _held_now(self, message_id: str) -> bool:
        rec = self.store.get_held(message_id)
        return rec is not None and rec.state is HeldState.HELD

    def _known_arrival(self, item: MailItem, rec: HeldRecord) -> bool:
        """`item` has the server id the ledger last saw for `rec`. True when the held folder
        must be looked at: an event saying a held message is in the Inbox may be stale (ids
        that survive moves, like Graph's immutable ids, arrive with a late Inbox event after
        FocusGuard held it), so the ledger follows the held folder, never the event alone."""
        if item.folder is Folder.HELD:
            if rec.state is not HeldState.HELD:
                # Released before, now back in the held folder: never hold twice.
                self.backend.move([item], Folder.INBOX)
            return False
        return rec.state is HeldState.HELD

    def _record_hold(
        self, item: MailItem, item_id: str, address: str | None, decision: Decision, now: datetime
    ) -> None:
        # The release time `_due` keeps for it (core.release_times), from the start.
        release_at = self.policy.release_time(decision.category, item.received)
        self.store.put_held(
            HeldRecord(
                message_id=item.message_id,
                item_id=item_id,
                sender=item.sender,
                address=address,
                subject=item.subject,
                category=decision.category.value,
                received=item.received,
                held_at=now,
                release_at=release_at,
                reason=decision.reason,
                web_link=item.web_link,
            )
        )
        # The digest sorts bulk mail and chasers apart from the moment mail is held: its
        # bulk flag and thread tokens go into the history now, not at the next history read
        # (which updates the same entry). Only flags and tokens, never a header (privacy.md).
        self.store.note_history([history_entry(item, self._own)])

    def _note_holding(self, now: datetime) -> None:
        """Remember when FocusGuard first held mail: insights compare before and since."""
        if self._holding_noted:
            return
        if self.store.get_fact(focus_ledger.HOLDING_SINCE) is None:
            self.store.set_fact(focus_ledger.HOLDING_SINCE, facts.encode_instant(now))
        self._holding_noted = True

    def _maybe_autoreply(self, item: MailItem, decision: Decision, now: datetime) -> bool:
        cfg = self.settings.autoreply
        address = sender_address(item.sender)
        if not cfg.enabled or address is None or decision.release_at is None:
            return False
        why_not = autoreply.refusal(autoreply.Headers.of(item.headers), address, self._own)
        if why_not is not None:
            log.info("no auto-reply to %s: %s", item.message_id, why_not)
            return False
        if not autoreply.due(
            self.store.last_autoreply(_autoreply_key(address)), now, cfg.once_per_sender_days
        ):
            return False
        body = autoreply.render(
            cfg.template,
            autoreply.customer_time(decision.release_at, self._schedule.zone, now),
            cfg.urgent_phone,
        )
        try:
            self.backend.send_reply(item, body, autoreply.REPLY_HEADERS)
        except MailError as exc:
            log.warning("auto-reply to %s failed: %s", address, exc)
            return False
        # Written only after a successful send: a failed send may be tried next time.
        self.store.record_autoreply(_autoreply_key(address), now, item.message_id)
        return True

    # -- reconcile -------------------------------------------------------------------------
    def resync(self) -> None:
        """After a reconnect: mail may have arrived unseen. Look at the Inbox again (since we
        went live), then reconcile, which looks at the held folder."""
        listed = self.backend.list_folder(Folder.INBOX, since=self._live_since)
        self.on_new_mails([item for item in listed if item.received >= self._live_since])
        self.reconcile(self.clock.now(), kind="resync")

    def reconcile(self, now: datetime, *, kind: str = "check-in") -> Release | None:
        """Bring mailbox and store in line with the schedule at `now`. Idempotent."""
        self._problem = None  # whatever fails below says so again
        self._refresh_calendar(now)
        self._set_state(self._state.pruned(now - timedelta(days=2)))
        if self._pruned is None or now - self._pruned > PRUNE_EVERY:
            self._forget_old_mail_text(now)
        self._sync_held_folder(now)
        if self._paused(now):
            release = self._release(self.store.held(), now, kind="pause")
            self._apply_rules(None)
        else:
            on_time, early = self._due(now)
            if kind in USER_RUNS:
                # The person's own action brought it all out ("Focus ended: released 3"),
                # and the caller reports the one release.
                on_time, early = [*early, *on_time], []
            # Otherwise the promise guard's releases are a run of their own, so the tray can
            # say why (issue 12 §1); `on_release` hears both, the caller gets the scheduled one.
            self._release(early, now, kind="promise", reason=self._early_reason(early, now))
            release = self._release(on_time, now, kind=kind)
            self._apply_rules(self._rules(now))
        focus_ledger.record_focus(self.store, self.policy.timeline, now)
        self.store.set_fact(facts.LAST_TICK, facts.encode_instant(now))
        return release

    def _forget_old_mail_text(self, now: datetime) -> None:
        """Keep what mail told us (senders, subjects, links) only while it is useful
        (issue 9 §3): `privacy.keep_days` after the message left the held folder. The
        auto-reply ledger also answers "replied within once_per_sender_days?", so it is kept
        at least that long. Held mail is never pruned."""
        keep = timedelta(days=self.settings.privacy.keep_days)
        spacing = timedelta(days=self.settings.autoreply.once_per_sender_days)
        self.store.prune_decisions(now - keep)
        self.store.prune_released(now - keep)
        self.store.prune_autoreplies(now - max(keep, spacing))
        self.store.prune_history(now - keep)  # the mailbox's history (insights)
        self.store.prune_focus(now - keep)
        self._pruned = now

    def _due(self, now: datetime) -> tuple[list[HeldRecord], list[HeldRecord]]:
        """Held mail due out at `now` (its stored release time, kept true under the policy by
        core.release_times, is `now` or earlier, or it has none), split into (at its check-in
        or focus end, early by the promise guard). Only what is due is looked at again."""
        policy = self.policy
        self._release_times.sync(policy)
        on_time: list[HeldRecord] = []
        early: list[HeldRecord] = []
        for rec in self.store.due(now):
            plan = policy.release_time_of(Category(rec.category), rec.received)
            (early if plan.early else on_time).append(rec)
        return on_time, early

    def _early_reason(self, early: Sequence[HeldRecord], now: datetime) -> str:
        policy = self.policy
        due = [policy.reply_by(Category(r.category), r.received) for r in early]
        first = min((t for t in due if t is not None), default=None)
        if first is None:
            return ""
        return f"released early: promised reply by {format_clock(first, self._schedule.zone, now)}"

    def _sync_held_folder(self, now: datetime) -> None:
        """The server is the truth: ledger entries follow where the mail actually is, and
        every item in the held folder has an entry of its own (core.held_matching)."""
        keys = self.store.held_keys()
        # Items the ledger knows by id may come back brief: matching needs no more of them.
        known = {k.item_id for k in keys if k.item_id is not None}
        match = match_held(keys, self.backend.list_folder(Folder.HELD, known=known))
        if match.moved:
            self.store.update_item_ids((_entry(rec), item.item_id) for rec, item in match.moved)
        if match.gone:
            # Released before a crash could write the ledger, or moved out by the user.
            self.store.mark_released([_entry(r) for r in match.gone], now)
        if match.new:
            self.on_new_mails(match.new)

    def _release(
        self,
        records: Iterable[HeldRecord],
        now: datetime,
        *,
        kind: str,
        state: HeldState = HeldState.RELEASED,
        reason: str = "",
    ) -> Release | None:
        records = [r for r in records if r.item_id is not None]
        if not records:
            return None
        pending: dict[str, HeldRecord] = {}
        for rec in records:
            assert rec.item_id is not None
            pending.setdefault(rec.item_id, rec)
        released: list[HeldRecord] = []
        for _ in range(MOVE_ATTEMPTS):
            if not pending:
                break
            items = [_as_item(r) for r in pending.values()]
            try:
                result = self.backend.move(items, Folder.INBOX)
            except MailError as exc:
                log.warning("release failed: %s", exc)
                self._problem = f"{exc.title}: {exc.message}"
                if not exc.retryable:
                    break
                continue
            done = [(pending.pop(old), new) for old, new in result.moved.items() if old in pending]
            # One statement for the whole batch: state, release time and the new server id.
            self.store.mark_moved_out([(_entry(r), new) for r, new in done], now, state)
            released.extend(
                replace(r, state=state, released_at=now, item_id=new) for r, new in done
            )
        release = Release(kind, tuple(released), len(pending), reason)
        note = f"{release.summary}, {reason}" if reason and released else release.summary
        self.store.record_check_in(
            CheckInRecord(None, now, kind, len(released), len(pending), note)
        )
        if released and self._on_release is not None:
            self._on_release(release)
        return release

    # -- server-side rules -----------------------------------------------------------------
    def _rules(self, now: datetime) -> HoldRules | None:
        if self._mode is not RuleMode.SERVER_RULE:
            return None
        plan = self.policy.hold_plan(now)
        if plan.idle:
            return None
        people = self.settings.people
        return HoldRules(
            plan=plan,
            customers=people.customers,
            all_external=people.external_is_customer,
            own_domains=people.own_domains,
            urgent=people.urgent,
            subject_keywords=self.settings.exceptions.subject_keywords,
            sent_to=self.settings.exceptions.sent_to,
        )

    def _apply_rules(self, rules: HoldRules | None) -> None:
        if self._mode is not RuleMode.SERVER_RULE:
            return
        # Re-apply when the rules change or when a hold becomes active or ends: backends
        # whose rules have no date predicate (Graph) switch them on and off here.
        key = (rules, None if rules is None else rules.plan.holds(self.clock.now()))
        if self._rules_applied and key == self._last_rules:
            return
        try:
            outcome = self.backend.apply_rules(rules)
        except MailError as exc:
            self._problem = f"{exc.title}: {exc.message}"
            return
        self._rules_applied = True
        self._last_rules = key
        if outcome.mode is not self._mode:
            self._mode = outcome.mode
            self._mode_detail = outcome.detail
            self.notifier.notify("Holding mail on this computer", outcome.detail, kind="warning")

    def _refresh_calendar(self, now: datetime) -> None:
        subject = self.settings.schedule.calendar_focus_subject
        if not subject:
            return
        if self._calendar_checked is not None and now - self._calendar_checked < CALENDAR_REFRESH:
            return
        since = now.astimezone(self._schedule.zone).replace(hour=0, minute=0, second=0)
        since = since.astimezone(UTC)
        try:
            blocks = self.backend.calendar_focus(
                subject, since, since + timedelta(days=CALENDAR_DAYS)
            )
        except MailError as exc:
            log.warning("calendar refresh failed: %s", exc)
            return
        self._calendar_checked = now
        if tuple(sorted(blocks)) != self._state.calendar:
            self._set_state(self._state.with_calendar(blocks))

    # -- user intents ----------------------------------------------------------------------
    def focus_start(self, minutes: int | None = None) -> Interval:
        """Start ad-hoc focus for `minutes`, or until the next check-in when None."""
        now = self.clock.now()
        if minutes is None:
            end = self.policy.timeline.next_check_in(now) or now + timedelta(hours=1)
        else:
            if minutes <= 0:
                raise ValueError("focus needs a positive number of minutes")
            end = now + timedelta(minutes=minutes)
        block = Interval(now, end)
        self._set_state(self._state.with_adhoc(block))
        self.reconcile(now, kind="focus-start")
        return block

    def focus_end(self) -> Release | None:
        now = self.clock.now()
        self._set_state(self.policy.timeline.end_focus(now))
        return self.reconcile(now, kind="focus-end")

    # The manual verbs look at the held folder first: the ledger can lag behind the server
    # (a watcher that missed events, a crash), and "release" must mean what is on the server.
    def check_in_now(self) -> Release | None:
        """Release every held customer email now."""
        now = self.clock.now()
        self._sync_held_folder(now)
        customers = [r for r in self.store.held() if r.category == Category.CUSTOMER.value]
        return self._release(customers, now, kind="manual")

    # -- the fail-safe (core/failsafe.py, docs/failsafe.md) ----------------------------------
    def stand_down(self, now: datetime, *, everything: bool = False) -> StandDown:
        """The fail-safe's run while FocusGuard itself is not running: switch the hold rules
        off on the server (with nobody watching, they would hold new mail indefinitely on
        Graph), take in what they moved to the held folder meanwhile, and release what is
        due — everything with `everything` (uninstalling: nothing would release it later).
        The ledger, the moves and the check-in record are reconcile's own."""
        self._problem = None
        # Rules first: once they are off, nothing new lands in the held folder behind the
        # sync below.
        rules_off = self._switch_rules_off()
        self._sync_held_folder(now)
        if everything or self._paused(now):
            records = self.store.held()
        else:
            on_time, early = self._due(now)
            records = [*early, *on_time]
        release = self._release(records, now, kind="failsafe")
        return StandDown(
            release,
            rules_off,
            self._problem,
            self.store.held_counts().held,
            self.next_release(now),
        )

    def _switch_rules_off(self) -> bool:
        try:
            outcome = self.backend.apply_rules(None)
        except MailError as exc:
            log.warning("could not switch the hold rules off: %s", exc.title)
            self._problem = f"{exc.title}: {exc.message}"
            return False
        if outcome.mode is not RuleMode.SERVER_RULE and self._mode is RuleMode.SERVER_RULE:
            # EWS with Outlook's client-side rules and no consent to remove them: any rule
            # change would delete them, so ours expire by themselves (WithinDateRange) and
            # hold until then. (In client-move mode there are no rules of ours to switch.)
            log.info("hold rules left to expire by themselves: %s", outcome.detail)
            return False
        return True

    def release_all(self) -> Release | None:
        now = self.clock.now()
        self._sync_held_folder(now)
        return self._release(self.store.held(), now, kind="release-all")

    def release(self, entries: Sequence[int]) -> Release | None:
        """Release these ledger entries now (the digest's "Release now")."""
        now = self.clock.now()
        self._sync_held_folder(now)
        return self._release(self._held_entries(entries), now, kind="manual")

    def _held_entries(self, entries: Iterable[int]) -> list[HeldRecord]:
        """These entries, those still held, in the ledger's order (a few entries the user
        picked: looked up one by one, not found in a pass over every held entry)."""
        wanted = {e for e in entries if isinstance(e, int) and not isinstance(e, bool)}
        found = (self.store.get_entry(e) for e in wanted)
        held = [r for r in found if r is not None and r.state is HeldState.HELD]
        held.sort(key=lambda r: (r.received, r.message_id, r.entry or 0))
        return held

    def mark_handled(self, entries: Sequence[int]) -> Handled:
        """The user has dealt with these. Mail still held goes to the Inbox now (its read
        state untouched) and is listed as handled; released mail is listed as handled.
        Nothing marked handled stays in the held folder: handled never means hidden."""
        now = self.clock.now()
        self._sync_held_folder(now)
        wanted = set(entries)
        held = self._held_entries(wanted)
        release = self._release(held, now, kind="handled", state=HeldState.HANDLED)
        still_held = {r.entry for r in held}
        marked = self.store.mark_handled([e for e in wanted if e not in still_held])
        moved = len(release.released) if release is not None else 0
        failed = release.failed if release is not None else 0
        return Handled(marked=marked + moved, moved=moved, failed=failed)

    def pause(self, until: datetime) -> Release | None:
        """Pause FocusGuard: release everything now and hold nothing until `until`."""
        now = self.clock.now()
        self.store.set_fact(facts.PAUSED_UNTIL, facts.encode_instant(until))
        return self.reconcile(now, kind="pause")

    def resume(self) -> None:
        self.store.set_fact(facts.PAUSED_UNTIL, facts.encode_instant(None))
        self.reconcile(self.clock.now(), kind="resume")

    # -- what the UI shows -----------------------------------------------------------------
    def status(self) -> Status:
        now = self.clock.now()
        policy = self.policy
        focus = policy.timeline.focus_at(now)
        counts = self.store.held_counts()
        paused = self.paused_until if self._paused(now) else None
        return Status(
            now=now,
            zone=str(self._schedule.zone),
            focus_until=None if paused else (None if focus is None else focus.end),
            next_check_in=policy.timeline.next_check_in(now),
            in_check_in=policy.timeline.window_at(now) is not None and focus is None,
            held=counts.held,
            held_customers=counts.customers,
            paused_until=paused,
            mode=self._mode.value,
            mode_detail=self._mode_detail,
            problem=self._problem,
            next_release=self._release_times.next_release(policy, now),
            **self._promise_counts(now),
        )

    def _promise_counts(self, now: datetime) -> dict[str, int]:
        """Held customer mail at risk and overdue at `now`: two indexed counts, since "used
        75 % of the promise" is "received at or before the at-risk cut-off"."""
        if self._promise is None:
            return {}
        customer = Category.CUSTOMER.value
        overdue = self.store.count_held_received_by(customer, self._promise.breach_cutoff(now))
        risky = self.store.count_held_received_by(customer, self._promise.at_risk_cutoff(now))
        return {"at_risk": risky - overdue, "overdue": overdue}

    def next_release(self, now: datetime) -> datetime | None:
        """When the earliest held message is due out (its release time, in the past when it is
        overdue; `now` for one without a release time); None when nothing is held."""
        return self._release_times.next_release(self.policy, now)

    def next_wake(self, now: datetime) -> datetime | None:
        """The next instant at which reconcile has something to do (a hint for timers)."""
        policy = self.policy
        times: list[datetime] = []
        held_next = self._release_times.next_after(policy, now)
        if held_next is not None:
            times.append(held_next)
        timeline = policy.timeline
        nxt = timeline.next_check_in(now)
        if nxt is not None:
            times.append(nxt)
            times.append(nxt + timedelta(minutes=self._schedule.check_in_minutes))
        focus = timeline.focus_at(now)
        if focus is not None:
            times.append(focus.end)
        else:
            upcoming = timeline.focus(now, now + timedelta(days=2))
            if upcoming:
                times.append(upcoming[0].start)
        paused = self.paused_until
        if paused is not None and paused > now:
            times.append(paused)
        if self.settings.schedule.calendar_focus_subject:
            # A "Focus time" event added in Outlook shows up within this long.
            times.append((self._calendar_checked or now) + CALENDAR_REFRESH)
        future = [t for t in times if t >= now]
        return min(future) if future else None

    def describe(self, t: datetime) -> str:
        return format_clock(t, self._schedule.zone, self.clock.now())


def policy_for(settings: Settings, store: StateStore) -> Policy:
    """The policy an engine on this store would apply now, without building one (the
    fail-safe asks whether anything is due before it touches the keyring or the network)."""
    state = facts.decode_focus(store.get_fact(facts.FOCUS_STATE))
    return Policy(
        settings.people_rules(),
        Timeline(settings.weekly_schedule(), state),
        settings.promise_rules(),
    )


def _autoreply_key(address: Address) -> str:
    """Whom "once per sender" counts: the mailbox, not each plus-addressed alias of it
    (ann+1@, ann+2@ … would otherwise get one auto-reply each; plus addressing:
    https://learn.microsoft.com/en-us/exchange/recipients-in-exchange-online/plus-addressing-in-exchange-online)."""
    return str(address.base)


def address_text(address: object) -> str | None:
    return None if address is None else str(address)


def _entry(rec: Entry) -> int:
    if rec.entry is None:
        raise ValueError(f"{rec.message_id} is not a stored ledger entry")
    return rec.entry


def _as_item(rec: HeldRecord) -> MailItem:
    assert rec.item_id is not None
    return MailItem(
        item_id=rec.item_id,
        message_id=rec.message_id,
        folder=Folder.HELD,
        sender=rec.sender,
        subject=rec.subject,
        received=rec.received,
        web_link=rec.web_link,
    )
