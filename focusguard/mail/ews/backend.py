"""`EwsBackend`: the MailBackend port on Exchange Web Services (exchangelib 5.6.0).

Every public method is a boundary: exchangelib / requests / msal exceptions leave it only as
`MailError` / `AuthError` with a title and a message a person can act on (errors.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from exchangelib.errors import ErrorFolderNotFound, ErrorMoveCopyFailed

from focusguard import log_redaction
from focusguard.core.errors import FocusGuardError
from focusguard.core.ports import (
    Folder,
    HealthListener,
    HistoryFolder,
    HistoryPage,
    HoldRules,
    MailboxCheck,
    MailError,
    MailItem,
    MailListener,
    MoveResult,
    RuleOutcome,
    Secrets,
)
from focusguard.core.settings import AccountSettings, HoldingSettings, Settings
from focusguard.domain.schedule import Interval
from focusguard.mail.ews import (
    calendar,
    connection,
    errors,
    folders,
    history,
    items,
    reply,
    tls,
)
from focusguard.mail.ews.connection import Connection
from focusguard.mail.ews.rules import RuleKeeper
from focusguard.mail.ews.watcher import AUTH_RETRY_S, Watcher

log = logging.getLogger(__name__)


class EwsBackend:
    """Exchange mailbox with an Inbox and a held folder (see core.ports.MailBackend).

    `password` is for ntlm/basic; for oauth pass `token_cache` (the Secrets port that keeps
    msal's token cache) or a ready `oauth_credentials`. `password_source` (the keyring) is
    asked again after Exchange rejected the password, so a password the user saved meanwhile
    is picked up without a restart. Nothing touches the network until `verify()` /
    `connect()`.
    """

    def __init__(
        self,
        account: AccountSettings,
        holding: HoldingSettings,
        password: str | None = None,
        token_cache: Secrets | None = None,
        *,
        oauth_credentials: Any = None,
        watch_mode: str = "streaming",
        max_wait: int = connection.MAX_WAIT_S,
        stream_minutes: int = 29,
        backoff_start: float = 1.0,
        auth_retry_s: float = AUTH_RETRY_S,
        password_source: Callable[[], str | None] | None = None,
    ) -> None:
        if account.kind != "ews":
            raise MailError(
                "Wrong account kind",
                f"The account {account.email} is set up for {account.kind}, not Exchange "
                "Web Services.",
                retryable=False,
            )
        if watch_mode not in ("streaming", "pull"):
            raise ValueError("watch_mode is 'streaming' or 'pull'")
        self.account_settings = account
        self.holding = holding
        self._password = password
        log_redaction.remember(password)  # exchangelib logs it (in base64) at DEBUG
        self._token_cache = token_cache
        self._oauth = oauth_credentials
        self._watch_mode = watch_mode
        self._max_wait = max_wait
        self._stream_minutes = stream_minutes
        self._backoff_start = backoff_start
        self._auth_retry = auth_retry_s
        self._password_source = password_source
        self._lock = threading.RLock()
        self._conn: Connection | None = None
        self._verified = False
        self._held: Any = None
        self._reading_held: Any = None  # the held folder found by open_for_reading
        self._rules: RuleKeeper | None = None
        self.watcher: Watcher | None = None

    # -- helpers ---------------------------------------------------------------------------
    @property
    def email(self) -> str:
        return self.account_settings.email

    def _secrets(self) -> tuple[str, ...]:
        return (self._password,) if self._password else ()

    def _boundary(self, action: str) -> Any:
        url = self._conn.url if self._conn is not None else self.account_settings.ews_url
        return errors.boundary(email=self.email, url=url, action=action, secrets=self._secrets())

    def _require(self) -> Connection:
        if self._conn is None or self._held is None:
            raise MailError(
                "Not connected",
                "FocusGuard is not connected to Exchange yet.",
            )
        return self._conn

    def _ews_folder(self, folder: Folder) -> Any:
        conn = self._require()
        return conn.account.inbox if folder is Folder.INBOX else self._held

    def _open(self) -> Connection:
        if self._conn is None:
            credentials = self._oauth
            if self.account_settings.auth == "oauth" and credentials is None:
                credentials = self._msal_credentials()
            creds = connection.make_credentials(self.account_settings, self._password, credentials)
            self._conn = connection.open_account(self.account_settings, creds, self._secrets())
        return self._conn

    def _msal_credentials(self) -> Any:
        from focusguard.mail.ews.oauth import MsalCredentials, TokenSource

        if self._token_cache is None:
            raise errors.no_password(self.email)
        with self._boundary("signing in with Microsoft"):
            return MsalCredentials(TokenSource(self.account_settings, self._token_cache))

    # -- connection ------------------------------------------------------------------------
    def verify(self) -> None:
        """Check address, certificate and password once, failing fast (no retry storm)."""
        with self._lock, self._boundary("signing in"):
            if not self._verified:
                self.reload_password()
            conn = self._open()
            if not self._verified:
                connection.verify(conn, self.account_settings.ca_bundle)
                self._verified = True

    def check(self) -> MailboxCheck:
        """Sign in and report the held folder and the rules situation; creates nothing and
        changes no rule (reading the rules leaves Outlook's blob alone)."""
        from focusguard.mail.ews.rule_patch import read_rules
        from focusguard.mail.ews.rules import BLOB_EXPLANATION

        with self._lock:
            self.verify()
            conn = self._require_conn()
            with self._boundary("looking at the mailbox"):
                held = folders.find(conn.account, self.holding.folder)
                _, blob = read_rules(conn.account)
        allowed = not blob or self.account_settings.allow_rule_blob_removal
        return MailboxCheck(
            mailbox=self.account_settings.email,
            held_folder=self.holding.folder,
            held_folder_exists=held is not None,
            server_rules=allowed,
            rule_blob=bool(blob),
            detail="" if allowed else BLOB_EXPLANATION,
        )

    def reload_password(self) -> bool:
        """Use the password saved now (e.g. by `focusguard account login` after Exchange
        rejected the old one), if it differs. True when it changed."""
        if self._password_source is None or self.account_settings.auth == "oauth":
            return False
        try:
            saved = self._password_source()
        except Exception as exc:  # a locked keyring: keep what we have
            log.debug("could not read the saved password: %s", type(exc).__name__)
            return False
        if not saved or saved == self._password:
            return False
        # No backend lock: the watcher thread calls this, and close() holds the lock while
        # it waits for that thread to end.
        self._password = saved
        conn = self._conn
        if conn is not None:
            # exchangelib drops its sessions when the credentials change (protocol.py).
            conn.protocol.credentials = connection.make_credentials(
                self.account_settings, saved, None
            )
            conn.secrets = self._secrets()
        log.info("using the password saved for %s since the last sign-in", self.email)
        return True

    def connect(self) -> None:
        """verify(), then switch to the patient retry policy and find the held folder."""
        with self._lock:
            self.verify()
            conn = self._require_conn()
            with self._boundary("opening the held folder"):
                conn.use_patient_policy(self._max_wait)
                if self._held is None:
                    self._held = folders.held_folder(conn.account, self.holding.folder)
                    self._rules = RuleKeeper(
                        conn.account,
                        self._held,
                        self.account_settings.allow_rule_blob_removal,
                    )

    def open_for_reading(self) -> None:
        """Connect for reading the mailbox's history, changing nothing on the server: the
        sign-in checks, the patient retry policy, and the held folder if there is one —
        never created (`connect` makes it; the preview must not)."""
        with self._lock:
            self.verify()
            conn = self._require_conn()
            with self._boundary("opening the mailbox"):
                conn.use_patient_policy(self._max_wait)
                if self._held is None:
                    self._reading_held = folders.find(conn.account, self.holding.folder)

    def _require_conn(self) -> Connection:
        assert self._conn is not None
        return self._conn

    def close(self) -> None:
        with self._lock:
            watcher, self.watcher = self.watcher, None
            if watcher is not None:
                watcher.stop()
            conn, self._conn = self._conn, None
            self._held = None
            self._reading_held = None
            self._rules = None
            self._verified = False
            if conn is not None:
                try:
                    conn.close()
                except Exception as exc:  # closing sockets must never raise into the app
                    log.debug("closing the EWS connection: %s", type(exc).__name__)
                if self.account_settings.ca_bundle:
                    tls.unpin(conn.url)

    @property
    def held_folder_id(self) -> str:
        self._require()
        return str(self._held.id)

    # -- watching --------------------------------------------------------------------------
    def watch(
        self,
        on_new: MailListener,
        on_resync: Callable[[], object],
        on_health: HealthListener | None = None,
    ) -> None:
        with self._lock:
            conn = self._require()
            if self.watcher is not None:
                self.watcher.stop()
            with self._boundary("watching for new mail"):
                inbox = conn.account.inbox
                watched = {
                    inbox.id: (inbox, Folder.INBOX),
                    self._held.id: (self._held, Folder.HELD),
                }
            self.watcher = Watcher(
                conn.account,
                watched,
                self._fetch,
                on_new,
                on_resync,
                pull=self._watch_mode == "pull",
                poll_seconds=float(self.account_settings.poll_seconds),
                stream_minutes=self._stream_minutes,
                backoff_start=self._backoff_start,
                auth_retry_s=self._auth_retry,
                on_health=on_health,
                describe=self._describe_watch_error,
                on_auth_failure=self.reload_password,
            )
            self.watcher.start()

    def _describe_watch_error(self, exc: BaseException) -> MailError:
        url = self._conn.url if self._conn is not None else self.account_settings.ews_url
        return errors.translate(
            exc, email=self.email, url=url, action="watching for new mail", secrets=self._secrets()
        )

    def _folder_of(self, parent: Any) -> Folder | None:
        if parent is None:
            return None
        conn = self._require()
        if parent.id == self._held.id:
            return Folder.HELD
        if parent.id == conn.account.inbox.id:
            return Folder.INBOX
        return None

    def _fetch(self, ids: Sequence[tuple[str, str | None]]) -> list[MailItem]:
        with self._boundary("reading new mail"):
            return items.fetch(self._require().account, ids, self._folder_of)

    # -- mail ------------------------------------------------------------------------------
    def list_folder(
        self, folder: Folder, since: datetime | None = None, known: Collection[str] = ()
    ) -> Sequence[MailItem]:
        with self._boundary(f"listing the {folder.value} folder"):
            if not known:
                return items.list_folder(self._ews_folder(folder), folder, since)
            return items.list_known(
                self._require().account,
                self._ews_folder(folder),
                folder,
                since,
                known,
                self._folder_of,
            )

    def move(self, items_: Sequence[MailItem], to: Folder) -> MoveResult:
        watcher = self.watcher
        if watcher is None:
            return self._move(items_, to)
        # Before the first MoveItem: the events of these moves arrive while it runs.
        watcher.expect_moves(item.item_id for item in items_)
        try:
            with watcher.quiet(len(items_)):
                result = self._move(items_, to)
        except BaseException:
            # Which moved is unknown: their events are fetched and looked at, as any other.
            watcher.forget_moves(item.item_id for item in items_)
            raise
        watcher.forget_moves(result.failed)
        # Our own moves raise Created/Moved events for the new ids; the engine already knows
        # where those messages went, so the watcher need not fetch them again.
        watcher.ignore(result.moved.values())
        return result

    def _move(self, items_: Sequence[MailItem], to: Folder) -> MoveResult:
        with self._boundary("moving mail"):
            conn = self._require()
            try:
                return items.move(conn.account, items_, self._ews_folder(to))
            except (ErrorFolderNotFound, ErrorMoveCopyFailed):
                if to is not Folder.HELD:
                    raise
                # The held folder was deleted or renamed away: make it again, once.
                self._held = folders.held_folder(conn.account, self.holding.folder)
                if self._rules is not None:
                    self._rules.held_folder = self._held
                return items.move(conn.account, items_, self._held)

    def send_reply(self, item: MailItem, body: str, headers: Mapping[str, str]) -> None:
        with self._boundary("sending an auto-reply"):
            reply.send_reply(self._require().account, item, body, headers)

    def message_text(self, item_id: str) -> str:
        with self._boundary("reading a message"):
            return items.message_text(self._require().account, item_id)

    def apply_rules(self, rules: HoldRules | None) -> RuleOutcome:
        with self._boundary("updating the server hold rules"):
            self._require()
            assert self._rules is not None
            return self._rules.apply(rules)

    def calendar_focus(self, subject: str, since: datetime, until: datetime) -> list[Interval]:
        with self._boundary("reading the calendar"):
            return calendar.focus_blocks(self._reading().account, subject, since, until)

    def _reading(self) -> Connection:
        """The connection, after `connect` or `open_for_reading`."""
        conn = self._conn
        if conn is None or not self._verified:
            raise MailError("Not connected", "FocusGuard is not connected to Exchange yet.")
        return conn

    # -- the mailbox's history (core.ports.HistorySource) ----------------------------------
    def history_page(
        self, folder: HistoryFolder, since: datetime, until: datetime, limit: int
    ) -> HistoryPage:
        with self._boundary(f"reading the history of the {folder.value} folder"):
            conn = self._reading()
            where = {
                HistoryFolder.INBOX: conn.account.inbox,
                HistoryFolder.HELD: self._held or self._reading_held,
                HistoryFolder.SENT: conn.account.sent,
            }[folder]
            if where is None:
                return HistoryPage((), False)  # no held folder: nothing was ever held
            return history.history_page(conn.account, where, folder, since, until, limit)


def connect_backend(settings: Settings, secrets: Secrets) -> EwsBackend:
    """An EwsBackend for the configured account with the password kept in `secrets` (the
    keyring: app/backends.py passes it).

    Does not touch the network (the engine's worker calls `connect()`); raises AuthError when
    no password is saved: "No password saved for me@corp.example — run `focusguard account
    login`".
    """
    account = settings.account
    if account is None:
        raise MailError(
            "No account set up",
            "Add your Exchange account with `focusguard account login` or in Settings → Account.",
            retryable=False,
        )
    if account.auth == "oauth":
        return EwsBackend(account, settings.holding, token_cache=secrets)
    try:
        password = secrets.get(account.email)
    except FocusGuardError as exc:  # SecretStoreError: the keyring is locked or missing
        raise MailError(exc.title, exc.message, retryable=False) from None
    if not password:
        raise errors.no_password(account.email)
    return EwsBackend(
        account, settings.holding, password, password_source=lambda: secrets.get(account.email)
    )
