"""EwsSimulator: the in-process Python API around the HTTP server and the mailbox state."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

from lxml import etree

from ..common.clock import utcnow
from ..common.demo import seed_demo_mailbox
from ..common.http import SimRequestHandler
from ..common.simulator import Simulator, serve_until_stopped
from . import rules as rules_mod
from .faults import Fault
from .mailbox import Mailbox, MailboxError
from .schema import find_schema_dir, load_schema
from .server import EwsRequestHandler
from .soap import sub, t, xdt

log = logging.getLogger(__name__)


class EwsSimulator(Simulator[Mailbox, Fault]):
    """A stateful Exchange Web Services server on 127.0.0.1 for tests and demos.

    ``strict=None`` turns schema validation on when Microsoft's schema is found (see
    schema.find_schema_dir); ``strict=True`` without a schema raises. ``password=None`` accepts
    any Basic credentials; a string makes every other password fail with 401.
    ``stream_minute_s`` is how long one "minute" of a streaming ConnectionTimeout lasts
    (tests shrink it), ``heartbeat_s`` the interval of streaming heartbeats.
    """

    thread_name = "ews-sim"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        strict: bool | None = None,
        password: str | None = None,
        mailbox: str = "me@corp.example",
        *,
        display_name: str = "Me",
        schema_dir: Path | None = None,
        seed: int = 0,
        stream_minute_s: float = 60.0,
        heartbeat_s: float = 30.0,
    ) -> None:
        super().__init__(host, port, Mailbox(mailbox, display_name), seed)
        self.password = password
        self.stream_minute_s = stream_minute_s
        self.heartbeat_s = heartbeat_s
        self.stopping = threading.Event()
        directory = schema_dir or find_schema_dir()
        if strict and directory is None:
            raise FileNotFoundError(
                "strict mode needs the EWS schema (set "
                "FOCUSGUARD_EWS_SCHEMA_DIR or provide ../shared/ews-schema)"
            )
        self.schema: etree.XMLSchema | None = (
            load_schema(directory) if (strict or strict is None) and directory else None
        )
        self._log_lock = threading.Lock()
        self.request_log: list[tuple[str, str]] = []
        self.schema_errors: list[dict[str, str]] = []
        self.errors: list[dict[str, str]] = []
        self.unsupported_ops: list[str] = []

    # ---- lifecycle ------------------------------------------------------------------------
    @property
    def strict(self) -> bool:
        return self.schema is not None

    def handler(self) -> type[SimRequestHandler[Any]]:
        return EwsRequestHandler

    def start(self) -> EwsSimulator:
        self.stopping.clear()
        return super().start()

    def stop(self) -> None:
        # Streaming connections wait on `changed`; wake them so they see `stopping` and end.
        self.stopping.set()
        with self.mailbox.changed:
            self.mailbox.changed.notify_all()
        super().stop()

    @property
    def url(self) -> str:
        return f"{self.root_url}/EWS/Exchange.asmx"

    # ---- records kept by the server -------------------------------------------------------
    def check_credentials(self, user: str, password: str) -> bool:
        return bool(user) and (self.password is None or password == self.password)

    def log_request(self, op: str) -> None:
        with self._log_lock:
            self.request_log.append((op, xdt(utcnow())))

    def record_schema_error(self, op: str, problem: str) -> None:
        log.warning("EWS simulator rejected %s: %s", op, problem)
        with self._log_lock:
            self.schema_errors.append({"operation": op, "error": problem})

    def record_error(self, op: str, problem: str) -> None:
        with self._log_lock:
            self.errors.append({"operation": op, "error": problem})

    def record_unsupported(self, op: str) -> None:
        with self._log_lock:
            self.unsupported_ops.append(op)

    def operations(self) -> list[str]:
        with self._log_lock:
            return [op for op, _ in self.request_log]

    # ---- mailbox driving ------------------------------------------------------------------
    def add_calendar_item(
        self, subject: str, start: dt.datetime, end: dt.datetime, free_busy: str = "Busy"
    ) -> str:
        return self.mailbox.add_calendar_item(subject, start, end, free_busy).id

    def create_folder(self, name: str, parent: str = "inbox") -> str:
        """Create a folder under a distinguished id or folder name; returns its id."""
        parent_folder = self.mailbox.folder_by_path(parent)
        return self.mailbox.create_folder(parent_folder.id, name, "IPF.Note").id

    def folder_id(self, name: str) -> str:
        return self.mailbox.folder_by_path(name).id

    def localize_folder(self, distinguished: str, display_name: str) -> None:
        """Give a distinguished folder the display name of a mailbox in another language
        (Exchange names them in the mailbox's language, e.g. "Gelöschte Elemente" for
        deleteditems); its DistinguishedFolderId stays."""
        with self.mailbox.lock:
            self.mailbox.distinguished(distinguished).name = display_name

    def expire_subscriptions(self) -> None:
        """Every subscription expires, as Exchange does after a timeout or a server move:
        open streams end and the next call with their ids fails ErrorInvalidSubscription."""
        with self.mailbox.changed:
            self.mailbox.subscriptions.clear()
            self.mailbox.changed.notify_all()

    def set_outlook_rule_blob(self, exists: bool) -> None:
        """Pretend classic Outlook stored client-side rules (the FAI rule blob)."""
        with self.mailbox.lock:
            self.mailbox.outlook_rule_blob = exists
            if exists:
                self.mailbox.outlook_rule_blob_destroyed = False

    def set_rules_quota(self, size: int) -> None:
        """The mailbox's RulesQuota in bytes (Exchange Server's default is 64 KB)."""
        with self.mailbox.lock:
            self.mailbox.rules_quota = size

    def rules_size(self) -> int:
        """What the enabled inbox rules take of the quota (see rules.Rule.size)."""
        with self.mailbox.lock:
            return rules_mod.quota_used(self.mailbox.rules)

    @property
    def outlook_rule_blob_destroyed(self) -> bool:
        """True once an UpdateInboxRules with RemoveOutlookRuleBlob=true deleted the blob."""
        return self.mailbox.outlook_rule_blob_destroyed

    def add_user_rule(
        self,
        name: str,
        *,
        priority: int = 1,
        enabled: bool = True,
        from_addresses: list[str] | None = None,
        contains_sender_strings: list[str] | None = None,
        contains_subject_strings: list[str] | None = None,
        importance: str | None = None,
        move_to: str | None = None,
        mark_as_read: bool = False,
        stop_processing_rules: bool = False,
    ) -> str:
        """Add a rule as if the user made it in Outlook/OWA; returns its rule id."""
        rule_el = etree.Element(t("Rule"))
        sub(rule_el, t("DisplayName"), name)
        sub(rule_el, t("Priority"), str(priority))
        sub(rule_el, t("IsEnabled"), "true" if enabled else "false")
        cond = etree.Element(t("Conditions"))
        if contains_sender_strings:
            holder = sub(cond, t("ContainsSenderStrings"))
            for s in contains_sender_strings:
                sub(holder, t("String"), s)
        if contains_subject_strings:
            holder = sub(cond, t("ContainsSubjectStrings"))
            for s in contains_subject_strings:
                sub(holder, t("String"), s)
        if from_addresses:
            holder = sub(cond, t("FromAddresses"))
            for a in from_addresses:
                sub(sub(holder, t("Address")), t("EmailAddress"), a)
        if importance:
            sub(cond, t("Importance"), importance)
        if len(cond):
            rule_el.append(cond)
        actions = sub(rule_el, t("Actions"))
        with self.mailbox.lock:
            # Children in the schema's order (RuleActionsType): MarkAsRead before MoveToFolder.
            if mark_as_read:
                sub(actions, t("MarkAsRead"), "true")
            if move_to:
                target = self.mailbox.folder_by_path(move_to)
                sub(
                    sub(actions, t("MoveToFolder")),
                    t("FolderId"),
                    Id=target.id,
                    ChangeKey=target.change_key,
                )
            if stop_processing_rules:
                sub(actions, t("StopProcessingRules"), "true")
            errors: list[rules_mod.RuleError] = []
            rule = rules_mod.parse_rule(
                rule_el,
                "U" + str(self.mailbox.next_rule_order()),
                self.mailbox.next_rule_order(),
                self.mailbox.resolve_folder_element,
                errors,
            )
            if errors:
                raise ValueError("; ".join(f"{e.field_uri}: {e.code}" for e in errors))
            self.mailbox.rules.append(rule)
            return rule.id

    # ---- observations ---------------------------------------------------------------------
    def rules(self) -> list[dict[str, Any]]:
        with self.mailbox.lock:
            ordered = sorted(self.mailbox.rules, key=lambda r: (r.priority, r.order))
            out = [r.to_dict() for r in ordered]
        for rule in out:
            for key in ("move_to_folder", "copy_to_folder"):
                fid = rule["actions"][key]  # type: ignore[index]
                if fid and fid in self.mailbox.folders:
                    rule["actions"][f"{key}_name"] = self.mailbox.folders[fid].name  # type: ignore[index]
        return out

    def folder_messages(self, name: str) -> list[dict[str, Any]]:
        folder = self.mailbox.folder_by_path(name)
        return self.mailbox.snapshot()[folder.distinguished or folder.name]

    def status(self) -> dict[str, Any]:
        with self.mailbox.lock:
            return {
                "url": self.url,
                "mailbox": self.mailbox.address,
                "strict": self.strict,
                "outlook_rule_blob": self.mailbox.outlook_rule_blob,
                "outlook_rule_blob_destroyed": self.mailbox.outlook_rule_blob_destroyed,
                "subscriptions": len(self.mailbox.subscriptions),
                "schema_errors": len(self.schema_errors),
                "errors": len(self.errors),
            }

    # ---- faults ---------------------------------------------------------------------------
    def fault(
        self,
        kind: str,
        count: int | None = 1,
        operation: str | None = None,
        rate: float | None = None,
        backoff_ms: int = 1000,
        delay_s: float = 1.0,
        retry_after_s: int | None = 1,
    ) -> None:
        self.faults.add(
            Fault(
                kind=kind,
                count=count,
                operation=operation,
                rate=rate,
                backoff_ms=backoff_ms,
                delay_s=delay_s,
                retry_after_s=retry_after_s,
            )
        )


def serve(host: str, port: int, strict: bool | None, seed_demo: bool = False) -> None:
    """Run a standalone simulator until Ctrl-C (used by ``focusguard sim``)."""
    sim = EwsSimulator(host=host, port=port, strict=strict)
    if seed_demo:
        seed_demo_mailbox(sim)
    serve_until_stopped(
        sim,
        lambda: (
            f"EWS simulator on {sim.url} (strict={'on' if sim.strict else 'off'}"
            f"); control API at {sim.control_url}/ — Ctrl-C to stop"
        ),
        "EWS",
    )


__all__ = ["EwsSimulator", "MailboxError", "serve"]
