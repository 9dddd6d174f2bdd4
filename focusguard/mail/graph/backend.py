"""`GraphBackend`: the MailBackend port on Microsoft Graph (Exchange Online).

Every public method is a boundary: HTTP statuses, Graph error codes and requests exceptions
leave it only as `MailError` / `AuthError` with a title and a message a person can act on
(errors.py). Nothing touches the network until `connect()`.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from urllib.parse import urlsplit

from focusguard.core.ports import (
    Folder,
    HealthListener,
    HistoryFolder,
    HistoryPage,
    HoldRules,
    MailError,
    MailItem,
    MailListener,
    MoveResult,
    RuleMode,
    RuleOutcome,
    Secrets,
)
from focusguard.core.settings import AccountSettings, HoldingSettings, Settings
from focusguard.domain.schedule import Interval
from focusguard.mail.graph import calendar, errors, folders, history, items, reply
from focusguard.mail.graph.client import GRAPH_URL, MAX_CONCURRENCY, GraphClient
from focusguard.mail.graph.delta import AUTH_RETRY_S, DeltaCursor, Watcher
from focusguard.mail.graph.presence import TeamsPresence
from focusguard.mail.graph.rules import RuleKeeper
from focusguard.mail.graph.tokens import MsalTokens, TokenProvider, scopes_for

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GraphBackend:
    """Exchange Online mailbox with an Inbox and a held folder (core.ports.MailBackend).

    `tokens` is any TokenProvider (MsalTokens in the app, StaticTokens for the simulator);
    `clock` decides which hold rules are on (tests pass the engine's clock).
    """

    def __init__(
        self,
        account: AccountSettings,
        holding: HoldingSettings,
        tokens: TokenProvider,
        *,
        base_url: str = GRAPH_URL,
        clock: Callable[[], datetime] = _utcnow,
        max_concurrency: int = MAX_CONCURRENCY,
        backoff_start: float = 0.5,
        switch_off_on_close: bool = True,
        poll_seconds: float | None = None,
        auth_retry_s: float = AUTH_RETRY_S,
    ) -> None:
        if account.kind != "graph":
            raise MailError(
                "Wrong account kind",
                f"The account {account.email} is set up for {account.kind}, not Microsoft Graph.",
                retryable=False,
            )
        check_base_url(base_url)
        self.account_settings = account
        self.holding = holding
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self._clock = clock
        self._max_concurrency = max_concurrency
        self._backoff_start = backoff_start
        self._switch_off_on_close = switch_off_on_close
        self._auth_retry = auth_retry_s
        # account.poll_seconds unless given (tests and the benchmark poll faster)
        self.poll_seconds = float(poll_seconds or account.poll_seconds)
        self._lock = threading.RLock()
        self.client: GraphClient | None = None
        self._inbox_id: str | None = None
        self._held_id: str | None = None
        self._reading_held_id: str | None = None  # found by open_for_reading
        self._rules: RuleKeeper | None = None
        self.watcher: Watcher | None = None

    # -- helpers ---------------------------------------------------------------------------
    @property
    def email(self) -> str:
        return self.account_settings.email

    def _boundary(self, action: str) -> AbstractContextManager[None]:
        return errors.boundary(email=self.email, base_url=self.base_url, action=action)

    def _require(self) -> GraphClient:
        if self.client is None or self._held_id is None:
            raise MailError("Not connected", "FocusGuard is not connected to Microsoft 365 yet.")
        return self.client

    def _folder_id(self, folder: Folder) -> str:
        self._require()
        folder_id = self._inbox_id if folder is Folder.INBOX else self._held_id
        assert folder_id is not None
        return folder_id

    def _remake_held(self) -> str:
        """The held folder was deleted or renamed away: make it again (rules follow)."""
        self._held_id = folders.held_folder(self._require(), self.holding.folder)
        return self._held_id

    @property
    def held_folder_id(self) -> str:
        return self._folder_id(Folder.HELD)

    # -- connection ------------------------------------------------------------------------
    def connect(self) -> None:
        """Sign in (silently), find the Inbox and the held folder, tidy up crash leftovers."""
        with self._lock, self._boundary("connecting to Microsoft 365"):
            if self.client is None:
                self.client = GraphClient(
                    self.base_url,
                    self.tokens,
                    max_concurrency=self._max_concurrency,
                    backoff_start=self._backoff_start,
                )
            client = self.client
            self._inbox_id = folders.well_known_id(client, "inbox")
            self._held_id = folders.held_folder(client, self.holding.folder)
            self._rules = RuleKeeper(client, lambda: self.held_folder_id, self._clock)
            # In client-move mode the engine never calls apply_rules: switch off what a
            # server-rule run may have left on, or mail would stay held with nobody watching.
            if self.holding.mode is RuleMode.CLIENT_MOVE and self._rules.switch_off():
                log.warning("switched off a hold rule left on by an earlier run")

    def open_for_reading(self) -> None:
        """Connect for reading the mailbox's history, changing nothing on the server: the
        client, the Inbox, and the held folder if there is one — never created, and no rule
        switched (`connect` does both; the preview must not)."""
        with self._lock, self._boundary("connecting to Microsoft 365"):
            if self.client is None:
                self.client = GraphClient(
                    self.base_url,
                    self.tokens,
                    max_concurrency=self._max_concurrency,
                    backoff_start=self._backoff_start,
                )
            self._inbox_id = folders.well_known_id(self.client, "inbox")
            if self._held_id is None:
                self._reading_held_id = folders.find(self.client, self.holding.folder)

    def close(self) -> None:
        with self._lock:
            watcher, self.watcher = self.watcher, None
            if watcher is not None:
                watcher.stop()
            rules, self._rules = self._rules, None
            if rules is not None and self._switch_off_on_close:
                # Graph rules never expire by themselves: with FocusGuard gone nobody would
                # release held mail, so holding stops with the app (fail-open).
                try:
                    rules.switch_off()
                except Exception as exc:  # the server's answer, raw: closing must not raise
                    log.warning(
                        "could not switch off the hold rules on close: %s", type(exc).__name__
                    )
            client, self.client = self.client, None
            if client is not None:
                client.close()
            self._held_id = self._inbox_id = self._reading_held_id = None

    # -- watching --------------------------------------------------------------------------
    def watch(
        self,
        on_new: MailListener,
        on_resync: Callable[[], object],
        on_health: HealthListener | None = None,
    ) -> None:
        with self._lock:
            client = self._require()
            if self.watcher is not None:
                self.watcher.stop()
            cursors = [
                DeltaCursor(client, self._folder_id(Folder.INBOX), Folder.INBOX),
                DeltaCursor(client, self._folder_id(Folder.HELD), Folder.HELD),
            ]
            rules = self._rules
            self.watcher = Watcher(
                cursors,
                on_new,
                on_resync,
                poll_seconds=self.poll_seconds,
                tick=None if rules is None else self._tick,
                backoff_start=self._backoff_start,
                auth_retry_s=self._auth_retry,
                on_health=on_health,
                describe=self._describe_watch_error,
            )
            self.watcher.start()

    def _describe_watch_error(self, exc: BaseException) -> MailError:
        return errors.translate(
            exc, email=self.email, base_url=self.base_url, action="watching for new mail"
        )

    def _tick(self) -> None:
        rules = self._rules
        if rules is not None:
            with self._boundary("switching the hold rules"):
                rules.tick()

    # -- mail ------------------------------------------------------------------------------
    def list_folder(
        self, folder: Folder, since: datetime | None = None, known: Collection[str] = ()
    ) -> Sequence[MailItem]:
        # Every item complete: Graph returns headers with the listing (no brief form needed).
        with self._boundary(f"listing the {folder.value} folder"):
            return items.list_folder(self._require(), self._folder_id(folder), folder, since)

    def move(self, items_: Sequence[MailItem], to: Folder) -> MoveResult:
        if not items_:
            return MoveResult({}, {})
        with self._boundary("moving mail"):
            remake = self._remake_held if to is Folder.HELD else None
            return items.move(self._require(), items_, self._folder_id(to), remake)

    def send_reply(self, item: MailItem, body: str, headers: Mapping[str, str]) -> None:
        with self._boundary("sending an auto-reply"):
            reply.send_reply(self._require(), item, body, headers, mailbox=self.email)

    def message_text(self, item_id: str) -> str:
        with self._boundary("reading a message"):
            return items.message_text(self._require(), item_id)

    def apply_rules(self, rules: HoldRules | None) -> RuleOutcome:
        with self._boundary("updating the server hold rules"):
            self._require()
            assert self._rules is not None
            return self._rules.apply(rules)

    def calendar_focus(self, subject: str, since: datetime, until: datetime) -> list[Interval]:
        with self._boundary("reading the calendar"):
            return calendar.focus_blocks(self._reading(), subject, since, until)

    def _reading(self) -> GraphClient:
        """The client, after `connect` or `open_for_reading`."""
        if self.client is None or self._inbox_id is None:
            raise MailError("Not connected", "FocusGuard is not connected to Microsoft 365 yet.")
        return self.client

    # -- the mailbox's history (core.ports.HistorySource) ----------------------------------
    def history_page(
        self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
    ) -> HistoryPage:
        with self._boundary(f"reading the history of the {folder.value} folder"):
            client = self.client
            if client is None or self._inbox_id is None:
                raise MailError(
                    "Not connected", "FocusGuard is not connected to Microsoft 365 yet."
                )
            folder_id = {
                HistoryFolder.INBOX: self._inbox_id,
                HistoryFolder.HELD: self._held_id or self._reading_held_id,
                HistoryFolder.SENT: "sentitems",  # a well-known name works as an id
            }[folder]
            if folder_id is None:
                return HistoryPage((), False)  # no held folder: nothing was ever held
            return history.history_page(client, folder_id, folder, since, until, limit)

    def teams_presence(self) -> TeamsPresence:
        """Teams presence through this backend's connection (do_not_disturb.teams)."""
        return TeamsPresence(self._require)


def check_base_url(url: str) -> None:
    """https anywhere; plain http only to this computer (the simulator)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname or ""):
        return
    raise MailError(
        "Unencrypted connection refused",
        f"The Microsoft Graph address {url} is not https, which would send your sign-in and "
        "mail unencrypted. Plain http is allowed only to this computer (the simulator).",
        retryable=False,
    )


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect_backend(
    settings: Settings,
    secrets: Secrets | None = None,
    *,
    tokens: TokenProvider | None = None,
    base_url: str = GRAPH_URL,
) -> GraphBackend:
    """A GraphBackend for the configured account: signing in with msal, its token cache kept
    in `secrets` (the keyring), or with `tokens` when given (a simulator's static token;
    app/backends.py allows that only for a simulator on this computer). Does not touch the
    network."""
    account = settings.account
    if account is None:
        raise MailError(
            "No account set up",
            "Add your Microsoft 365 account with `focusguard account login` or in Settings → "
            "Account.",
            retryable=False,
        )
    if tokens is None:
        if secrets is None:
            raise ValueError("a Graph backend needs the keyring or a token provider")
        tokens = MsalTokens(account, secrets, scopes=scopes_for(settings.do_not_disturb.teams))
    return GraphBackend(account, settings.holding, tokens, base_url=base_url)
