"""GraphSimulator: the in-process Python API around the Graph HTTP server and the mailbox."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from typing import Any

from ..common.clock import utcnow
from ..common.demo import seed_demo_mailbox
from ..common.http import SimRequestHandler
from ..common.simulator import Simulator, serve_until_stopped
from .faults import Fault
from .login import LoginService
from .mailbox import DELTA_EXPIRED_CODES, Mailbox
from .model import iso
from .presence import Presence
from .server import GraphRequestHandler

log = logging.getLogger(__name__)

DEMO_TOKEN = "focusguard-graph-sim-demo-token"  # noqa: S105 - a fixed token for the simulator


class GraphSimulator(Simulator[Mailbox, Fault]):
    """A stateful Microsoft Graph (Outlook mail) server on 127.0.0.1 for tests and demos.

    Bearer tokens: `static_token` (default DEMO_TOKEN) or any token issued by the simulator's
    own `/{tenant}/oauth2/v2.0/token`. `page_size` caps every page (delta, lists, calendar) so
    clients exercise `@odata.nextLink`. `latency_s` is how long Outlook works on each
    operation: every API request, and every member of a `$batch` (members run up to 4 at a
    time, or one after another with `dependsOn`). At most `mailbox_concurrency` operations
    run at once on the mailbox, as Graph allows an app (4); one more is answered 429 with
    `Retry-After: concurrency_retry_after_s` (operations.py). `seed` drives `rate` faults.
    """

    thread_name = "graph-sim"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        mailbox: str = "me@corp.example",
        *,
        display_name: str = "Me",
        static_token: str | None = DEMO_TOKEN,
        page_size: int = 10,
        latency_s: float = 0.0,
        seed: int = 0,
        mailbox_concurrency: int = 4,
        concurrency_retry_after_s: float = 1.0,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the Graph simulator only listens on loopback")
        super().__init__(host, port, Mailbox(mailbox, display_name), seed)
        self.static_token = static_token
        self.page_size = page_size
        self.latency_s = latency_s
        self._lock = threading.Lock()
        self._issued: dict[str, frozenset[str]] = {}  # access token -> scopes granted
        self.presence = Presence()  # Teams presence of the simulated user (presence.py)
        # login.microsoftonline.com for this mailbox's tenant (login.py)
        self.login = LoginService(mailbox.rpartition("@")[2], mailbox, display_name)
        self._refresh: set[str] = set()
        self.request_log: list[dict[str, Any]] = []
        self.sub_request_log: list[dict[str, Any]] = []
        self.errors: list[dict[str, str]] = []
        self._in_flight = 0
        self.max_concurrency = 0  # most HTTP requests in flight at once
        self.mailbox_concurrency = mailbox_concurrency
        self.concurrency_retry_after_s = concurrency_retry_after_s
        self._operations = 0
        # Most Outlook operations in flight at once, counting one that was refused for being
        # over the limit: above `mailbox_concurrency` means the client broke the limit.
        self.peak_operations = 0
        self.over_limit = 0  # operations refused with 429 for the mailbox's concurrency

    # ---- lifecycle ------------------------------------------------------------------------
    def handler(self) -> type[SimRequestHandler[Any]]:
        return GraphRequestHandler

    @property
    def url(self) -> str:
        """The Graph base URL, like https://graph.microsoft.com/v1.0."""
        return f"{self.root_url}/v1.0"

    @property
    def authority(self) -> str:
        """Token endpoint base: POST {authority}/oauth2/v2.0/token."""
        return f"{self.root_url}/organizations"

    @property
    def login_url(self) -> str:
        """Where login.microsoftonline.com's paths are served: {login_url}/{tenant}/..."""
        return self.root_url

    @property
    def web_base(self) -> str:
        return "https://outlook.office365.com/owa/"

    # ---- tokens ---------------------------------------------------------------------------
    def issue_token(self, scope: str = "") -> str:
        """An access token granting `scope` (space-separated, as the token request's): the
        permissions consented, for the calls that check them (Teams presence)."""
        token = "sim-access-" + secrets.token_urlsafe(24)
        granted = frozenset(s.rsplit("/", 1)[-1].lower() for s in scope.split() if s)
        with self._lock:
            self._issued[token] = granted
        return token

    def token_grants(self, token: str, permission: str) -> bool:
        """Does `token` carry `permission`? The static demo token carries every one."""
        with self._lock:
            if self.static_token is not None and token == self.static_token:
                return True
            return permission.lower() in self._issued.get(token, frozenset())

    def token_ok(self, token: str) -> bool:
        with self._lock:
            return token in self._issued or (
                self.static_token is not None and token == self.static_token
            )

    def remember_refresh(self, token: str) -> None:
        with self._lock:
            self._refresh.add(token)

    def refresh_ok(self, token: str) -> bool:
        with self._lock:
            return token in self._refresh

    def revoke_tokens(self) -> None:
        """Every issued access and refresh token stops working (the static one too)."""
        with self._lock:
            self._issued.clear()
            self._refresh.clear()
            self.static_token = None

    # ---- accounting (called by the server) -------------------------------------------------
    def begin_request(self, method: str, path: str, operation: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "operation": operation,
            "time": time.time(),
            "status": None,
        }
        self.begin_work()
        with self._lock:
            self._in_flight += 1
            self.max_concurrency = max(self.max_concurrency, self._in_flight)
            self.request_log.append(entry)
        return entry

    def end_request(self, entry: dict[str, Any], status: int) -> None:
        with self._lock:
            self._in_flight -= 1
            entry["status"] = status
        self.end_work()

    def begin_operation(self) -> bool:
        """One more Outlook operation on the mailbox; False when that is over the limit."""
        with self._lock:
            self._operations += 1
            self.peak_operations = max(self.peak_operations, self._operations)
            if self._operations > self.mailbox_concurrency:
                self.over_limit += 1
                return False
            return True

    def end_operation(self) -> None:
        with self._lock:
            self._operations -= 1

    @property
    def operations_in_flight(self) -> int:
        with self._lock:
            return self._operations

    def log_sub_request(self, method: str, path: str, operation: str) -> dict[str, Any]:
        """Record a batch member; its "status" is filled in once it has been answered."""
        entry = {"method": method, "path": path, "operation": operation, "time": time.time()}
        with self._lock:
            self.sub_request_log.append(entry)
        return entry

    def end_sub_request(self, entry: dict[str, Any], status: int) -> None:
        with self._lock:
            entry["status"] = status

    def record_error(self, where: str, problem: str) -> None:
        with self._lock:
            self.errors.append({"request": where, "error": problem})

    def operations(self) -> list[str]:
        with self._lock:
            return [e["operation"] for e in self.request_log]

    def reset_counters(self) -> None:
        with self._lock:
            self.request_log.clear()
            self.sub_request_log.clear()
            self.max_concurrency = self._in_flight
            self.peak_operations = self._operations
            self.over_limit = 0

    # ---- driving the mailbox --------------------------------------------------------------
    def add_calendar_item(
        self, subject: str, start: dt.datetime, end: dt.datetime, show_as: str = "busy"
    ) -> str:
        return self.mailbox.add_event(subject, start, end, show_as).id

    def create_folder(self, name: str, parent: str = "msgfolderroot") -> str:
        return self.mailbox.create_folder(parent, name).id

    def folder_id(self, name: str) -> str:
        return self.mailbox.folder_by_name(name).id

    def localize_folder(self, well_known: str, display_name: str) -> None:
        """Give a well-known folder the display name of a mailbox in another language
        ("Well-known names work regardless of the locale of the user's mailbox",
        https://learn.microsoft.com/en-us/graph/api/resources/mailfolder)."""
        with self.mailbox.lock:
            self.mailbox.folder(well_known).display_name = display_name

    def add_user_rule(
        self,
        name: str,
        *,
        sequence: int = 1,
        enabled: bool = True,
        conditions: dict[str, Any] | None = None,
        exceptions: dict[str, Any] | None = None,
        actions: dict[str, Any] | None = None,
    ) -> str:
        """A rule "made in Outlook"; `actions.moveToFolder` may name a folder."""
        acts = dict(actions or {"markAsRead": True})
        if "moveToFolder" in acts:
            acts["moveToFolder"] = self.folder_id(acts["moveToFolder"])
        rule = self.mailbox.create_rule(
            {
                "displayName": name,
                "sequence": sequence,
                "isEnabled": enabled,
                "conditions": conditions or {},
                "exceptions": exceptions or {},
                "actions": acts,
            }
        )
        return rule.id

    def expire_delta_tokens(self, status: int = 410, code: str = "syncStateNotFound") -> None:
        """Every delta/skip token handed out so far is dead. Microsoft documents "a 40X-series
        error with error codes such as `syncStateNotFound`"
        (https://learn.microsoft.com/en-us/graph/delta-query-overview#token-duration) and
        `resyncRequired` (https://learn.microsoft.com/en-us/graph/errors#code-property), and
        410 Gone for a synchronization reset; `status` and `code` pick the answer."""
        if not 400 <= status < 500 or code not in DELTA_EXPIRED_CODES:
            raise ValueError(
                f"a dead delta token is a 40X with one of {DELTA_EXPIRED_CODES}, "
                f"not {status} {code!r}"
            )
        with self.mailbox.lock:
            self.mailbox.delta_epoch += 1
            self.mailbox.delta_expiry = (status, code)

    # ---- observing ------------------------------------------------------------------------
    def rules(self) -> list[dict[str, Any]]:
        with self.mailbox.lock:
            ordered = sorted(self.mailbox.rules, key=lambda r: (r.sequence, r.order))
            out = [r.to_json() for r in ordered]
            for rule in out:
                fid = rule["actions"].get("moveToFolder")
                if fid in self.mailbox.folders:
                    rule["actions"]["moveToFolder_name"] = self.mailbox.folders[fid].display_name
            return out

    def folder_messages(self, name: str) -> list[dict[str, Any]]:
        folder = self.mailbox.folder_by_name(name)
        return self.mailbox.snapshot()[folder.well_known or folder.display_name]

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self.url,
                "mailbox": self.mailbox.address,
                "requests": len(self.request_log),
                "max_concurrency": self.max_concurrency,
                "peak_operations": self.peak_operations,
                "over_limit": self.over_limit,
                "errors": len(self.errors),
                "delta_epoch": self.mailbox.delta_epoch,
            }

    # ---- faults ---------------------------------------------------------------------------
    def fault(
        self,
        kind: str,
        count: int | None = 1,
        operation: str | None = None,
        rate: float | None = None,
        retry_after_s: float | None = 1,
        delay_s: float = 1.0,
        top_level_only: bool = False,
        method: str | None = None,
    ) -> None:
        self.faults.add(
            Fault(
                kind=kind,
                count=count,
                operation=operation,
                rate=rate,
                retry_after_s=retry_after_s,
                delay_s=delay_s,
                top_level_only=top_level_only,
                method=method,
            )
        )


def serve(host: str = "127.0.0.1", port: int = 8766, seed_demo: bool = True) -> None:
    """Run a standalone simulator until Ctrl-C or SIGTERM (`focusguard sim --graph`)."""
    sim = GraphSimulator(host=host, port=port)
    if seed_demo:
        seed_demo_mailbox(sim)
    serve_until_stopped(
        sim,
        lambda: (
            f"Graph simulator on {sim.url} (bearer token {sim.static_token!r} "
            f"or one from {sim.authority}/oauth2/v2.0/token); control API at "
            f"{sim.control_url}/ — started {iso(utcnow())}, Ctrl-C to stop"
        ),
        "Graph",
    )
