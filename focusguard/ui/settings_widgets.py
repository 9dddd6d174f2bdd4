"""Form pieces shared by the settings dialog and the first-run wizard.

Each piece reads from and writes to the settings *document* (the dict `parse_settings`
validates), so both windows save through exactly the validation `focusguard config check`
uses, and keys the form does not show survive a round trip.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from focusguard.app.values import (
    AUTH_METHODS,
    DEFAULT_POLL_SECONDS,
    DEFAULT_TENANT,
    AccountSettings,
)
from focusguard.ui.plain_text import plain_label
from focusguard.ui.validators import SenderListValidator, list_entries

AUTH_LABELS = {"ntlm": "NTLM (Windows sign-in)", "basic": "Basic", "oauth": "OAuth (modern)"}


def hhmm(t: time | QTime) -> str:
    return f"{t.hour():02d}:{t.minute():02d}" if isinstance(t, QTime) else f"{t:%H:%M}"


KIND_LABELS = {
    "graph": "Microsoft 365 (Exchange Online)",
    "ews": "Exchange server of my organisation (on-premises)",
}
# Exchange Online's EWS address: EWS there is blocked by default since 2026-10-01, so such an
# address means the account belongs on the Microsoft 365 path.
OFFICE365_HOSTS = ("outlook.office365.com", "outlook.office.com", "outlook.office365.us")
OFFICE365_EXPLANATION = (
    "This is Microsoft 365's address. Microsoft 365 no longer lets programs in through "
    "Exchange Web Services, so FocusGuard signs in to it with your Microsoft account instead."
)


def is_office365_address(url: str) -> bool:
    host = urlsplit(url.strip() if "//" in url else f"https://{url.strip()}").hostname or ""
    return host.lower() in OFFICE365_HOSTS


class AccountForm(QWidget):
    """Email, account kind, and the fields that kind needs: Microsoft 365 the app (client) id,
    tenant and poll interval; on-premises Exchange the server (or autodiscover), sign-in
    method, user name and password. Switching kind keeps what was typed for the other."""

    kind_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.email = QLineEdit(self)
        self.email.setPlaceholderText("me@company.example")
        self.email.setAccessibleName("Email address")
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Account type")
        for kind in ("graph", "ews"):
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.kind.setCurrentIndex(self.kind.findData("ews"))
        self.autodiscover = QCheckBox("Find the server automatically (autodiscover)", self)
        self.server_url = QLineEdit(self)
        self.server_url.setPlaceholderText("https://mail.company.example/EWS/Exchange.asmx")
        self.server_url.setAccessibleName("Exchange server address (EWS URL)")
        # The explanation and its button in one row of the form: no gaps when hidden.
        self.office365_box = QWidget(self)
        self.office365 = plain_label(OFFICE365_EXPLANATION, self.office365_box)
        self.office365.setWordWrap(True)
        self.office365.setAccessibleName("Microsoft 365 address warning")
        self.office365.setStyleSheet("color: #8a4b00;")
        self.use_microsoft = QPushButton("Use Microsoft &365 sign-in", self.office365_box)
        self.use_microsoft.setAccessibleName("Switch to Microsoft 365")
        warning = QVBoxLayout(self.office365_box)
        warning.setContentsMargins(0, 0, 0, 0)
        warning.addWidget(self.office365)
        warning.addWidget(self.use_microsoft, 0, Qt.AlignmentFlag.AlignLeft)
        # A wrapped label's size hint is worked out for a narrow column (six lines here):
        # a wider minimum keeps the row as tall as the text really is.
        self.office365.setMinimumWidth(420)
        self.auth = QComboBox(self)
        self.auth.setAccessibleName("Sign-in method")
        for method in AUTH_METHODS:
            self.auth.addItem(AUTH_LABELS.get(method, method), method)
        self.username = QLineEdit(self)
        self.username.setPlaceholderText("Leave empty to use the email address")
        self.username.setAccessibleName("User name")
        self.client_id = QLineEdit(self)
        self.client_id.setPlaceholderText("Application (client) ID from your IT department")
        self.client_id.setAccessibleName("OAuth client ID")
        self.tenant = QLineEdit(self)
        self.tenant.setPlaceholderText(DEFAULT_TENANT)
        self.tenant.setAccessibleName("Microsoft 365 organisation (tenant)")
        self.tenant.setToolTip(
            "Your organisation's tenant id or domain; leave empty for any work account"
        )
        self.poll_seconds = QSpinBox(self)
        self.poll_seconds.setRange(5, 3600)
        self.poll_seconds.setSuffix(" s")
        self.poll_seconds.setValue(DEFAULT_POLL_SECONDS)
        self.poll_seconds.setAccessibleName("Check for new mail every (seconds)")
        self.ca_bundle = QLineEdit(self)
        self.ca_bundle.setPlaceholderText("Only for a server with a company certificate")
        self.ca_bundle.setAccessibleName("CA certificates file (PEM)")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        # Kept only in a system keyring (or one chosen on purpose): focusguard/secrets.py.
        self.password.setPlaceholderText("Kept in your keyring, never in the settings file")
        self.password.setAccessibleName("Password")
        self.layout_ = form = QFormLayout(self)
        form.addRow("&Email address:", self.email)
        form.addRow("Account t&ype:", self.kind)
        form.addRow("", self.autodiscover)
        form.addRow("Ser&ver address:", self.server_url)
        form.addRow("", self.office365_box)
        form.addRow("Sig&n-in method:", self.auth)
        form.addRow("&User name:", self.username)
        form.addRow("&Client ID:", self.client_id)
        form.addRow("&Organisation:", self.tenant)
        form.addRow("Chec&k every:", self.poll_seconds)
        form.addRow("Pass&word:", self.password)
        form.addRow("CA certi&ficates:", self.ca_bundle)
        self.autodiscover.toggled.connect(self._sync)
        self.auth.currentIndexChanged.connect(self._sync)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.server_url.textChanged.connect(self._sync)
        self.use_microsoft.clicked.connect(lambda: self.set_kind("graph"))
        self._sync()

    # -- which fields show ---------------------------------------------------------------
    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))

    def _kind_changed(self, *_: object) -> None:
        self._sync()
        self.kind_changed.emit(self.current_kind())

    def _sync(self, *_: object) -> None:
        graph = self.current_kind() == "graph"
        office365 = not graph and is_office365_address(self.server_url.text())
        rows: dict[QWidget, bool] = {
            self.autodiscover: not graph,
            self.server_url: not graph,
            self.office365_box: office365,
            self.auth: not graph,
            self.username: not graph,
            self.client_id: graph or self.auth.currentData() == "oauth",
            self.tenant: graph,
            self.poll_seconds: graph,
            self.password: not graph and self.auth.currentData() != "oauth",
            self.ca_bundle: not graph,
        }
        for widget, visible in rows.items():
            self.layout_.setRowVisible(widget, visible)
        self.server_url.setEnabled(not self.autodiscover.isChecked())

    def lock(self, keys: Collection[str], why: str) -> None:
        """Account keys set by the organisation: read-only, saying so."""
        fields: dict[str, QWidget] = {
            "kind": self.kind,
            "ews_url": self.server_url,
            "auth": self.auth,
            "username": self.username,
            "client_id": self.client_id,
            "tenant": self.tenant,
            "poll_seconds": self.poll_seconds,
            "ca_bundle": self.ca_bundle,
        }
        for key in keys:
            widget = fields.get(key)
            if widget is not None:
                widget.setEnabled(False)
                widget.setToolTip(why)
                if key == "ews_url":
                    self.autodiscover.setEnabled(False)

    # -- the document --------------------------------------------------------------------
    def load(self, account: AccountSettings | None) -> None:
        self.email.setText(account.email if account else "")
        self.set_kind(account.kind if account else "ews")
        self.autodiscover.setChecked(account is not None and account.ews_url is None)
        self.server_url.setText(account.ews_url or "" if account else "")
        self.auth.setCurrentIndex(max(0, self.auth.findData(account.auth if account else "ntlm")))
        self.username.setText(account.username or "" if account else "")
        self.client_id.setText(account.client_id or "" if account else "")
        tenant = account.tenant if account else DEFAULT_TENANT
        self.tenant.setText("" if tenant == DEFAULT_TENANT else tenant)
        self.poll_seconds.setValue(account.poll_seconds if account else DEFAULT_POLL_SECONDS)
        self.ca_bundle.setText(account.ca_bundle or "" if account else "")
        self.password.clear()
        self._sync()

    def is_empty(self) -> bool:
        return not any(w.text().strip() for w in (self.email, self.server_url, self.username))

    def to_document(self, base: dict[str, Any] | None) -> dict[str, Any] | None:
        """The [account] table, built over `base` (None when the form is left empty)."""
        if self.is_empty():
            return None
        account: dict[str, Any] = dict(base or {"kind": "ews"})
        kind = self.current_kind()
        account["kind"] = kind
        account["email"] = self.email.text().strip()
        _set_or_drop(account, "client_id", self.client_id.text().strip())
        if kind == "graph":
            # Graph signs in with OAuth only; the EWS fields stay in the form for a switch
            # back but not in the file, where validation would question them.
            account["auth"] = "oauth"
            for key in ("ews_url", "username"):
                account.pop(key, None)
            _set_or_drop(account, "tenant", self.tenant.text().strip())
            account["poll_seconds"] = self.poll_seconds.value()
            return account
        account["auth"] = self.auth.currentData()
        _set_or_drop(
            account,
            "ews_url",
            None if self.autodiscover.isChecked() else self.server_url.text().strip(),
        )
        if not self.autodiscover.isChecked() and not self.server_url.text().strip():
            account["ews_url"] = ""  # validation says what to write, instead of guessing
        _set_or_drop(account, "username", self.username.text().strip())
        _set_or_drop(account, "ca_bundle", self.ca_bundle.text().strip())
        return account


def _set_or_drop(table: dict[str, Any], key: str, value: str | None) -> None:
    if value:
        table[key] = value
    else:
        table.pop(key, None)


class SenderListEdit(QWidget):
    """A list of addresses or domains, one per line, checked as you type."""

    def __init__(self, name: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setAccessibleName(name)
        self.editor.setPlaceholderText(hint)
        self.editor.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.message = plain_label("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(f"{name}: problems")
        self.validator = SenderListValidator(self.editor, self.message)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.editor)
        box.addWidget(self.message)

    def entries(self) -> list[str]:
        return list_entries(self.editor.toPlainText())

    def set_entries(self, entries: tuple[str, ...] | list[str]) -> None:
        self.editor.setPlainText("\n".join(entries))


class CheckInTimesEdit(QWidget):
    """The day's check-in times: pick a time, Add; select one, Remove."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Check-in times")
        self.time = QTimeEdit(QTime(9, 30), self)
        self.time.setDisplayFormat("HH:mm")
        self.time.setAccessibleName("New check-in time")
        self.add_button = QPushButton("&Add", self)
        self.add_button.setAccessibleName("Add check-in time")
        self.remove_button = QPushButton("Remo&ve", self)
        self.remove_button.setAccessibleName("Remove selected check-in time")
        self.add_button.clicked.connect(self.add_current)
        self.remove_button.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        row.addWidget(self.time)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.list)
        box.addLayout(row)

    def times(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def set_times(self, times: tuple[time, ...] | list[time]) -> None:
        self.list.clear()
        self.list.addItems(sorted(hhmm(t) for t in times))
        self.changed.emit()

    def add_current(self) -> None:
        text = hhmm(self.time.time())
        if text not in self.times():
            self.list.addItems([text])
            self.list.sortItems()
            self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()


class TimeZoneCombo(QComboBox):
    """Every IANA zone; type any part of a name ("london") to narrow the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setAccessibleName("Time zone")
        try:
            zones = sorted(available_timezones())
        except OSError:  # no zone database: the user can still type a name
            zones = []
        self.addItems(zones)
        completer = QCompleter(zones, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)

    def zone(self) -> str:
        return self.currentText().strip()

    def set_zone(self, name: str) -> None:
        index = self.findText(name)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(name)
