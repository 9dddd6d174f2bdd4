"""First run: email → (Microsoft 365 sign-in | Exchange server) → who counts as a customer →
check-in times → connection test → Finish.

Email first: FocusGuard works out the account kind from the address (the domain's Microsoft
365 OpenID discovery, app/setup.py `look_up_kind`), and a manual choice is always there.
Microsoft 365 asks only for the sign-in (the app id and organisation when IT did not preset
them in the managed settings); on-premises Exchange for server, sign-in method, user name and
password. The last page runs the real connection test off the GUI thread and enables Finish
only once it passed. Finish saves through `SettingsFile.save` after the same validation as
`focusguard config check`; secrets only in the keyring. "Try the demo instead" emits
`demo_requested` and closes without writing anything.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from focusguard.app import setup
from focusguard.app.setup import SettingsFile
from focusguard.app.values import (
    DEFAULT_TENANT,
    AccountSettings,
    ConfigError,
    FocusGuardError,
    MailboxCheck,
    Settings,
)
from focusguard.domain.senders import SenderPattern
from focusguard.ui import connection_report
from focusguard.ui.future_relay import FutureRelay, run_in_thread
from focusguard.ui.microsoft_sign_in import ERROR_STYLE, OK_STYLE, MicrosoftSignIn
from focusguard.ui.plain_text import plain_label
from focusguard.ui.settings_widgets import (
    AccountForm,
    CheckInTimesEdit,
    SenderListEdit,
    TimeZoneCombo,
)
from focusguard.ui.validators import show_error

EMAIL, MICROSOFT, EXCHANGE, PEOPLE, CHECKINS, TEST = range(6)
BY_ORGANISATION = "Set by your organisation"


def _problems_label(parent: QWidget, name: str) -> Any:
    label = plain_label("", parent)
    label.setWordWrap(True)
    label.setAccessibleName(name)
    show_error(label, [])
    return label


class EmailPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Your work email")
        self.setSubTitle(
            "FocusGuard holds customer mail in a folder of this mailbox. It works out from "
            "the address whether it is Microsoft 365 or your organisation's Exchange server."
        )
        self.email = QLineEdit(self)
        self.email.setPlaceholderText("me@company.example")
        self.email.setAccessibleName("Email address")
        self.automatic = QRadioButton("Work it out from my address", self)
        self.microsoft = QRadioButton("Microsoft 365 (Exchange Online)", self)
        self.exchange = QRadioButton("My organisation's own Exchange server (on-premises)", self)
        self.choice = QButtonGroup(self)
        for button in (self.automatic, self.microsoft, self.exchange):
            self.choice.addButton(button)
        self.automatic.setChecked(True)
        self.status = _problems_label(self, "Account problems")
        self.demo_button = QPushButton("Try the &demo instead", self)
        self.demo_button.setAccessibleName("Try the demo instead")
        self.demo_button.setToolTip("See FocusGuard at work on a simulated mailbox")
        self.demo_button.clicked.connect(wizard.start_demo)
        form = QFormLayout()
        form.addRow("&Email address:", self.email)
        kinds = QVBoxLayout()
        for button in (self.automatic, self.microsoft, self.exchange):
            kinds.addWidget(button)
        form.addRow("Account type:", kinds)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.status)
        box.addStretch(1)
        box.addWidget(self.demo_button)
        self._relay = FutureRelay(self)
        self._relay.done.connect(self._looked_up)
        self._looking = False
        self.email.textChanged.connect(self._changed)

    def address(self) -> str:
        return self.email.text().strip()

    def _changed(self) -> None:
        self._wizard.kind = ""  # a new address: work it out again
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.address()) and not self._looking

    def validatePage(self) -> bool:
        try:
            setup.check({"account": {"kind": "ews", "email": self.address()}})
        except ConfigError as exc:
            problems = [str(p) for p in exc.problems if str(p).startswith("account.email")]
            if problems:
                show_error(self.status, problems)
                return False
        show_error(self.status, [])
        if self.microsoft.isChecked():
            self._wizard.kind = "graph"
        elif self.exchange.isChecked():
            self._wizard.kind = "ews"
        if self._wizard.kind:
            return True
        # Ask Microsoft off the GUI thread; Next again once it answered.
        self._looking = True
        self.completeChanged.emit()
        self.status.setStyleSheet("")
        self.status.setText(f"Looking up {self.address().rpartition('@')[2]}…")
        file, email = self._wizard.file, self.address()
        self._relay.watch(run_in_thread(lambda: file.look_up_kind(email), "focusguard-lookup"))
        return False

    def _looked_up(self, _tag: object, future: Future[Any]) -> None:
        self._looking = False
        self.completeChanged.emit()
        error = future.exception()
        found = None if error is not None else future.result()
        if found is None or not found.kind:
            why = found.why if found is not None else type(error).__name__
            show_error(
                self.status,
                [
                    f"FocusGuard could not tell what kind of account this is ({why}). "
                    "Choose the account type above and press Next."
                ],
            )
            return
        self._wizard.kind = found.kind
        self._wizard.tenant = found.tenant
        show_error(self.status, [])
        self._wizard.next()

    def nextId(self) -> int:
        return MICROSOFT if self._wizard.kind == "graph" else EXCHANGE


class MicrosoftPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Sign in to Microsoft 365")
        self.setSubTitle(
            "FocusGuard signs in with your Microsoft account; it never sees your password. "
            "The sign-in is kept in your system keyring."
        )
        self.account_line = plain_label("", self)
        self.account_line.setWordWrap(True)
        self.client_id = QLineEdit(self)
        self.client_id.setPlaceholderText("Application (client) ID from your IT department")
        self.client_id.setAccessibleName("Application (client) ID")
        self.tenant = QLineEdit(self)
        self.tenant.setPlaceholderText(DEFAULT_TENANT)
        self.tenant.setAccessibleName("Microsoft 365 organisation (tenant)")
        self.sign_in = MicrosoftSignIn(wizard.file, self._account, self)
        self.problems = _problems_label(self, "Sign-in problems")
        self.form = QFormLayout()
        self.form.addRow("App (&client) ID:", self.client_id)
        self.form.addRow("&Organisation:", self.tenant)
        box = QVBoxLayout(self)
        box.addWidget(self.account_line)
        box.addLayout(self.form)
        box.addWidget(self.sign_in)
        box.addWidget(self.problems)
        box.addStretch(1)
        presets = wizard.account_presets
        self.client_id.setText(str(presets.get("client_id", "")))
        self.tenant.setText(str(presets.get("tenant", "")))
        for key, widget in (("client_id", self.client_id), ("tenant", self.tenant)):
            if f"account.{key}" in wizard.locked:
                widget.setReadOnly(True)
                widget.setToolTip(BY_ORGANISATION)
        # Preset by IT: nothing to show but the sign-in button.
        self.form.setRowVisible(self.client_id, not self.client_id.text())
        self.form.setRowVisible(self.tenant, not self.client_id.text())
        self.sign_in.signed_in.connect(self.completeChanged)
        self.client_id.textChanged.connect(self._details_changed)
        self.tenant.textChanged.connect(self._details_changed)

    def initializePage(self) -> None:
        email = self._wizard.email_page.address()
        if self._wizard.tenant and not self.tenant.text():
            self.tenant.setText(self._wizard.tenant)
        self.account_line.setText(f"Microsoft 365 account: {email}")
        if self.sign_in.signed_in_as and self.sign_in.signed_in_as != email:
            self.sign_in.signed_in_as = ""

    def _details_changed(self) -> None:
        self.sign_in.signed_in_as = ""
        self.completeChanged.emit()

    def _account(self) -> AccountSettings | str:
        try:
            settings = setup.check({"account": self.document()})
        except ConfigError as exc:
            return "Fix first: " + "; ".join(str(p) for p in exc.problems)
        assert settings.account is not None
        return settings.account

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": "graph",
            "email": self._wizard.email_page.address(),
            "auth": "oauth",
            "client_id": self.client_id.text().strip(),
        }
        if self.tenant.text().strip():
            doc["tenant"] = self.tenant.text().strip()
        return doc

    def isComplete(self) -> bool:
        return self.sign_in.signed_in_as == self._wizard.email_page.address()

    def nextId(self) -> int:
        return PEOPLE


class ExchangePage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Your Exchange server")
        self.setSubTitle(
            "Leave the server to be found automatically unless your IT department gave you "
            "its address. The password is kept in your keyring, never in a file."
        )
        self.form = AccountForm(self)
        self.form.autodiscover.setChecked(True)
        # Email and kind were chosen on the first page.
        self.form.layout_.setRowVisible(self.form.email, False)
        self.form.layout_.setRowVisible(self.form.kind, False)
        self.form.kind.setEnabled(False)
        self.form.use_microsoft.clicked.connect(self._switch_to_microsoft)
        self.problems = _problems_label(self, "Account problems")
        box = QVBoxLayout(self)
        box.addWidget(self.form)
        box.addWidget(self.problems)
        box.addStretch(1)

    def initializePage(self) -> None:
        self.form.email.setText(self._wizard.email_page.address())
        self.form.set_kind("ews")

    def _switch_to_microsoft(self) -> None:
        # outlook.office365.com: this account belongs on the Microsoft 365 path.
        self._wizard.kind = "graph"
        self._wizard.email_page.microsoft.setChecked(True)
        self._wizard.back()
        self._wizard.next()

    def document(self) -> dict[str, Any]:
        self.form.set_kind("ews")
        return self.form.to_document(None) or {}

    def validatePage(self) -> bool:
        try:
            setup.check({"account": self.document()})
        except ConfigError as exc:
            show_error(self.problems, [str(p) for p in exc.problems])
            return False
        show_error(self.problems, [])
        return True

    def nextId(self) -> int:
        return PEOPLE


class PeoplePage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Who counts as a customer?")
        self.setSubTitle("One address or domain per line. Urgent senders always get through.")
        self.own_domains = SenderListEdit("Your organisation's domains", "corp.example", self)
        self.external_is_customer = QCheckBox("Every outside sender is a customer", self)
        self.external_is_customer.setChecked(True)
        self.customers = SenderListEdit("Customers", "bigclient.com", self)
        self.urgent = SenderListEdit("Urgent senders", "boss@corp.example", self)
        people = wizard.defaults.people
        self.own_domains.set_entries(list(people.own_domains))
        self.customers.set_entries(list(people.customers))
        self.urgent.set_entries(list(people.urgent))
        self.external_is_customer.setChecked(people.external_is_customer)
        form = QFormLayout(self)
        form.addRow("&Own domains:", self.own_domains)
        form.addRow("", self.external_is_customer)
        form.addRow("&Customers:", self.customers)
        form.addRow("&Urgent:", self.urgent)
        for key, edit in (
            ("people.own_domains", self.own_domains),
            ("people.customers", self.customers),
            ("people.urgent", self.urgent),
        ):
            edit.validator.changed.connect(self.completeChanged)
            if key in wizard.locked:
                edit.editor.setReadOnly(True)
                edit.editor.setToolTip(BY_ORGANISATION)
        if "people.external_is_customer" in wizard.locked:
            self.external_is_customer.setEnabled(False)

    def initializePage(self) -> None:
        # The user's own domain is the obvious first entry.
        email = self._wizard.email_page.address()
        domain = email.rpartition("@")[2]
        if "@" in email and SenderPattern.parse(domain) and not self.own_domains.entries():
            self.own_domains.set_entries([domain])

    def isComplete(self) -> bool:
        return not any(
            e.validator.problems for e in (self.own_domains, self.customers, self.urgent)
        )


class CheckInPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard, defaults: Settings) -> None:
        super().__init__(wizard)
        self.setTitle("When do you check in?")
        self.setSubTitle("Held customer mail arrives together at these times on work days.")
        self.times = CheckInTimesEdit(self)
        self.times.set_times(defaults.schedule.check_ins)
        self.timezone = TimeZoneCombo(self)
        self.timezone.set_zone(defaults.schedule.timezone)
        form = QFormLayout(self)
        form.addRow("Check-in &times:", self.times)
        form.addRow("Time &zone:", self.timezone)
        self.times.changed.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.times.times())


class TestPage(QWizardPage):
    """The connection test, before anything is saved: Finish only once it passed."""

    tested = Signal(bool, str)

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Checking the connection")
        self.setSubTitle("FocusGuard signs in and looks at the mailbox. Nothing is changed yet.")
        self.summary = plain_label("", self)
        self.summary.setWordWrap(True)
        self.result = plain_label("", self)
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Connection test result")
        self.again = QPushButton("Test &again", self)
        self.again.clicked.connect(self.run_test)
        self.problems = _problems_label(self, "Problems that stop saving")
        row = QHBoxLayout()
        row.addWidget(self.again)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.result)
        box.addLayout(row)
        box.addWidget(self.problems)
        box.addStretch(1)
        self._relay = FutureRelay(self)
        self._relay.done.connect(self._tested)
        self.check: MailboxCheck | None = None
        self._running: object = None

    def initializePage(self) -> None:
        show_error(self.problems, [])
        times = ", ".join(self._wizard.checkin_page.times.times())
        self.summary.setText(
            f"FocusGuard will hold customer mail for {self._wizard.email_page.address()} and "
            f"release it at {times}. Change anything later in Settings."
        )
        self.run_test()

    def run_test(self) -> None:
        self.check = None
        self.completeChanged.emit()
        try:
            settings = setup.check(self._wizard.to_document())
        except ConfigError as exc:
            show_error(self.problems, ["Go back and fix:", *(str(p) for p in exc.problems)])
            return
        account = settings.account
        assert account is not None
        password = self._wizard.exchange_page.form.password.text()
        file, holding = self._wizard.file, settings.holding
        self.again.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText("Testing the connection…")
        token = object()
        self._running = token
        self._relay.watch(
            run_in_thread(lambda: file.verify(account, password, holding), "focusguard-test"),
            token,
        )

    def _tested(self, tag: object, future: Future[MailboxCheck]) -> None:
        if tag is not self._running:
            return
        self._running = None
        self.again.setEnabled(True)
        error = future.exception()
        if error is None:
            self.check = future.result()
            text = "\n".join(connection_report.describe(self.check))
            self.result.setStyleSheet(OK_STYLE)
        elif isinstance(error, FocusGuardError):
            text = f"{error.title}: {error.message}"
            self.result.setStyleSheet(ERROR_STYLE)
        else:
            text = f"The test failed unexpectedly: {type(error).__name__}"
            self.result.setStyleSheet(ERROR_STYLE)
        self.result.setText(text)
        self.completeChanged.emit()
        self.tested.emit(error is None, text)

    def isComplete(self) -> bool:
        return self.check is not None

    def validatePage(self) -> bool:
        return self._wizard.save()


class FirstRunWizard(QWizard):
    demo_requested = Signal()
    saved = Signal(object)  # the Settings written

    def __init__(self, settings_file: SettingsFile | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not isinstance(settings_file, SettingsFile):
            settings_file = SettingsFile(settings_file)
        self.file = settings_file
        self.settings_path = settings_file.path
        self.setWindowTitle("Set up FocusGuard")
        # The defaults with whatever the organisation presets (managed settings).
        self.defaults = settings_file.defaults()
        self.locked = settings_file.locked()
        self.account_presets = settings_file.account_presets()
        self.kind = ""  # "graph" | "ews" once known
        self.tenant = ""  # the Microsoft 365 tenant id the address's domain belongs to
        self.email_page = EmailPage(self)
        self.microsoft_page = MicrosoftPage(self)
        self.exchange_page = ExchangePage(self)
        self.people_page = PeoplePage(self)
        self.checkin_page = CheckInPage(self, self.defaults)
        self.test_page = TestPage(self)
        for number, page in (
            (EMAIL, self.email_page),
            (MICROSOFT, self.microsoft_page),
            (EXCHANGE, self.exchange_page),
            (PEOPLE, self.people_page),
            (CHECKINS, self.checkin_page),
            (TEST, self.test_page),
        ):
            self.setPage(number, page)
        self.setStartId(EMAIL)
        self.settings: Settings | None = None

    def start_demo(self) -> None:
        self.demo_requested.emit()
        self.reject()

    def account_document(self) -> dict[str, Any]:
        page = self.microsoft_page if self.kind == "graph" else self.exchange_page
        account = dict(self.account_presets)
        account.update(page.document())
        for key, value in self.account_presets.items():
            if f"account.{key}" in self.locked:
                account[key] = value  # the organisation's, whatever the form says
        return account

    def to_document(self) -> dict[str, Any]:
        doc = self.defaults.to_dict()
        doc["account"] = self.account_document()
        people = self.people_page
        doc["people"] = {
            "own_domains": people.own_domains.entries(),
            "customers": people.customers.entries(),
            "external_is_customer": people.external_is_customer.isChecked(),
            "urgent": people.urgent.entries(),
        }
        doc["schedule"]["check_ins"] = self.checkin_page.times.times()
        doc["schedule"]["timezone"] = self.checkin_page.timezone.zone()
        return doc

    def save(self) -> bool:
        """Validate, keep the password in the keyring, write the file; False shows why."""
        problems = self.test_page.problems
        try:
            settings = setup.check(self.to_document())
            password = self.exchange_page.form.password.text() if self.kind != "graph" else ""
            self.file.save(settings, password)
        except ConfigError as exc:
            show_error(problems, ["Not saved. Go back and fix:", *(str(p) for p in exc.problems)])
            return False
        except FocusGuardError as exc:  # the keyring
            show_error(problems, [f"Not saved. {exc.title}: {exc.message}"])
            return False
        self.exchange_page.form.password.clear()
        self.settings = settings
        self.saved.emit(settings)
        return True
