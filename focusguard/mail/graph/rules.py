"""Server-side hold rules as Graph messageRules, switched on and off by FocusGuard itself.

Graph's messageRulePredicates have no date predicate (no EWS `WithinDateRange`;
https://learn.microsoft.com/en-us/graph/api/resources/messagerulepredicates), so a rule cannot
expire on the server. FocusGuard therefore keeps one rule per kind of `core.hold_rules` (the
look-alike guards, the customer hold, the focus hold), each enabled exactly while its window
contains "now", each "move to the held folder, stop processing rules":
- sender substrings are `senderContains` ("the strings that appear in the from property",
  matched against the sender's address: Exchange's FromAddressContainsWords, "the specified
  words are in the sender's email address",
  https://learn.microsoft.com/en-us/powershell/module/exchange/new-inboxrule);
- exact addresses are `fromAddresses` ("the specific sender email addresses");
- [exceptions] (issue 14) are `subjectContains` ("the strings that appear in the subject")
  and `sentToAddresses` ("the email addresses that an incoming message must have been sent
  to") among the exceptions.
An interval that starts later (pre-armed) keeps its rule disabled until then. The rules are
re-checked on every watcher poll (`tick`) as well as on every engine reconcile, so a boundary
is honoured within `poll_seconds` even when the engine's plan did not change; a guard is
switched on before the hold it protects and off after it. `close()` and start-up switch off
what should not be on: a rule left enabled by a crash holds mail with nobody watching (no
fail-open on Graph), so the first reconcile says so.

Semantics as with EWS (mail/ews/rules.py): predicates AND-ed, values OR-ed, exceptions OR-ed; rules
run in ascending `sequence` (https://learn.microsoft.com/en-us/graph/api/resources/messagerule)
and the engine re-checks every held message exactly. Only rules whose name starts with
`PREFIX` are ours; the user's rules are never modified, and ours run after theirs (higher
`sequence`). A disabled rule does not count against the mailbox's rules quota.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from focusguard.core.hold_rules import HoldRuleSpec, hold_rule_specs
from focusguard.core.ports import HoldRules, RuleMode, RuleOutcome
from focusguard.mail.graph.client import GraphClient
from focusguard.mail.graph.errors import outcome_unknown

log = logging.getLogger(__name__)

PREFIX = "FocusGuard hold: "
# Every kind core.hold_rules produces, in the order the rules must run.
KINDS = ("customers look-alikes", "focus look-alikes", "customers", "focus")
RULES_PATH = "/me/mailFolders/inbox/messageRules"
LEFT_ON = "A hold rule left on by an earlier run was switched off"


@dataclass(frozen=True, slots=True)
class WantedRule:
    """One messageRule as FocusGuard wants it on Graph: what the engine means by it (the
    server-neutral HoldRuleSpec, core/hold_rules.py) under a fixed name per kind, as a
    request body."""

    hold: HoldRuleSpec

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.hold.kind}"

    def enabled_at(self, now: datetime) -> bool:
        return self.hold.window.contains(now)

    def body(self, folder_id: str, sequence: int, enabled: bool) -> dict[str, Any]:
        hold = self.hold
        conditions: dict[str, Any] = {}
        if hold.senders:
            conditions["senderContains"] = list(hold.senders)
        exceptions: dict[str, Any] = {}
        if hold.except_addresses:
            exceptions["fromAddresses"] = [
                {"emailAddress": {"address": a}} for a in hold.except_addresses
            ]
        if hold.except_strings:
            exceptions["senderContains"] = list(hold.except_strings)
        if hold.except_subjects:
            exceptions["subjectContains"] = list(hold.except_subjects)
        if hold.except_sent_to:
            exceptions["sentToAddresses"] = [
                {"emailAddress": {"address": a}} for a in hold.except_sent_to
            ]
        return {
            "displayName": self.name,
            "sequence": sequence,
            "isEnabled": enabled,
            "conditions": conditions,
            "exceptions": exceptions,
            "actions": {"moveToFolder": folder_id, "stopProcessingRules": True},
        }


def desired(rules: HoldRules) -> list[WantedRule]:
    return [WantedRule(hold) for hold in hold_rule_specs(rules)]


def _norm_predicates(value: Any) -> dict[str, Any]:
    """Predicates in a comparable form: empty values dropped, lists sorted, case folded."""
    out: dict[str, Any] = {}
    for key, item in (value or {}).items():
        if item in (None, [], {}, "") or key.startswith("@odata"):
            continue
        if key in ("fromAddresses", "sentToAddresses"):
            item = sorted(str(e.get("emailAddress", {}).get("address", "")).lower() for e in item)
        elif isinstance(item, list):
            item = sorted(str(s).lower() for s in item)
        out[key] = item
    return out


def _norm_actions(value: Any) -> dict[str, Any]:
    return {
        k: v
        for k, v in (value or {}).items()
        if v not in (None, False, [], "") and not k.startswith("@odata")
    }


def _diff(server: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key in ("sequence", "isEnabled"):
        if server.get(key) != wanted[key]:
            patch[key] = wanted[key]
    for key in ("conditions", "exceptions"):
        if _norm_predicates(server.get(key)) != _norm_predicates(wanted[key]):
            patch[key] = wanted[key]
    if _norm_actions(server.get("actions")) != _norm_actions(wanted["actions"]):
        patch["actions"] = wanted["actions"]
    return patch


class RuleKeeper:
    """Keeps FocusGuard's messageRules in line with HoldRules and the clock; idempotent."""

    def __init__(
        self, client: GraphClient, folder_id: Callable[[], str], clock: Callable[[], datetime]
    ) -> None:
        self.client = client
        self._folder_id = folder_id
        self._clock = clock
        self._lock = threading.Lock()
        self._specs: list[WantedRule] = []
        self._applied: dict[str, bool] | None = None  # kind -> enabled, as last written
        self._first = True
        self.writes = 0  # POST/PATCH/DELETE sent (tests, log)

    def apply(self, rules: HoldRules | None) -> RuleOutcome:
        with self._lock:
            self._specs = desired(rules) if rules is not None else []
            left_on = self._settle(self._clock())
        return RuleOutcome(RuleMode.SERVER_RULE, LEFT_ON if left_on else "")

    def tick(self) -> None:
        """Switch rules on/off as intervals begin and end (called every watcher poll)."""
        with self._lock:
            if self._applied is None:
                return
            now = self._clock()
            specs = {s.hold.kind: s for s in self._specs}
            wanted = {k: k in specs and specs[k].enabled_at(now) for k in KINDS}
            if wanted != {k: self._applied.get(k, False) for k in KINDS}:
                self._settle(now)

    def switch_off(self) -> bool:
        """Disable every enabled FocusGuard rule (start-up in client-move mode, close).
        Returns True when one was on."""
        with self._lock:
            self._specs = []
            return self._settle(self._clock())

    def _settle(self, now: datetime) -> bool:
        """`_sync`, once more after a write whose outcome is unknown: a POST answered 503/504
        may have made the rule, so it is not sent again blindly — the rules are read again
        and the second pass finishes from what is there (a duplicate is deleted by name)."""
        try:
            return self._sync(now)
        except Exception as exc:
            if not outcome_unknown(exc):
                raise
            log.info("a hold rule change may or may not have been made; looking again")
            return self._sync(now)

    def _sync(self, now: datetime) -> bool:
        """Bring the server's rules in line with the specs at `now`; True when a rule of ours
        that should be off was found on at the first look since start-up."""
        server = self._read()
        ours = [r for r in server if str(r.get("displayName", "")).startswith(PREFIX)]
        theirs = [r for r in server if r not in ours]
        base = max((int(r.get("sequence") or 0) for r in theirs), default=0) + 1
        wanted = {s.hold.kind: s for s in self._specs}
        left_on = False
        applied: dict[str, bool] = {}
        matched: set[str] = set()
        # (method, path, body) per kind: rules that end up on are written in run order and
        # rules that end up off in reverse, so a guard is on whenever its hold is.
        on: list[tuple[str, str, dict[str, Any] | None]] = []
        off: list[tuple[str, str, dict[str, Any] | None]] = []
        for index, kind in enumerate(KINDS):
            spec = wanted.get(kind)
            same = [r for r in ours if r.get("displayName") == f"{PREFIX}{kind}"]
            keep = same[0] if same else None
            for extra in same[1:]:  # duplicates (two clients, a crash mid-create)
                self._write("DELETE", f"{RULES_PATH}/{extra['id']}")
            if keep is not None:
                matched.add(str(keep["id"]))
            if spec is None:
                if keep is not None and keep.get("isEnabled"):
                    left_on = left_on or self._first
                    off.append(("PATCH", f"{RULES_PATH}/{keep['id']}", {"isEnabled": False}))
                applied[kind] = False
                continue
            enabled = spec.enabled_at(now)
            body = spec.body(self._folder_id(), base + index, enabled)
            writes = on if enabled else off
            if keep is None:
                writes.append(("POST", RULES_PATH, body))
            else:
                if keep.get("isEnabled") and not enabled:
                    left_on = left_on or self._first
                patch = _diff(keep, body)
                if patch:
                    writes.append(("PATCH", f"{RULES_PATH}/{keep['id']}", patch))
            applied[kind] = enabled
        for method, path, body in [*on, *reversed(off)]:
            self._write(method, path, body)
        for rule in ours:  # ours under a name this version does not use: remove
            known = {f"{PREFIX}{k}" for k in KINDS}
            if str(rule.get("id")) not in matched and rule.get("displayName") not in known:
                self._write("DELETE", f"{RULES_PATH}/{rule['id']}")
        if left_on:
            log.warning("%s.", LEFT_ON)
        self._first = False
        self._applied = applied
        return left_on

    def _read(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.client.pages(RULES_PATH):
            out.extend(page.get("value", []))
        return out

    def _write(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        self.writes += 1
        self.client.request(method, path, json=body)
        log.info(
            "hold rules: %s %s %s",
            method,
            path.rsplit("/", 1)[-1],
            "" if body is None else sorted(body),
        )
