"""First run: account → who counts as a customer → check-in times → done.

Finish saves through `SettingsFile.save` (app/setup.py) after the same validation as
`focusguard config check`; the password goes to the system keyring. "Try the demo instead" emits
`demo_requested` and closes without writing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from focusguard.app import setup
from focusguard.app.setup import SettingsFile
from focusguard.app.values import ConfigError, FocusGuardError, Settings
from focusguard.domain.senders import SenderPattern
from focusguard.ui.plain_text import plain_label
from focusguard.ui.settings_widgets import (
    AccountForm,
    CheckInTimesEdit,
    SenderListEdit,
    TimeZoneCombo,
)
from focusguard.ui.validators import show_error


class AccountPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Your Exchange account")
        self.setSubTitle("FocusGuard holds customer mail in a folder of this mailbox.")
        self.form = AccountForm(self)
        self.form.autodiscover.setChecked(True)
        self.demo_button = QPushButton("Try the &demo instead", self)
        self.demo_button.setAccessibleName("Try the demo instead")
        self.demo_button.setToolTip("See FocusGuard at work on a simulated mailbox")
        self.demo_button.clicked.connect(wizard.start_demo)
        self.problems = plain_label("", self)
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Account problems")
        box = QVBoxLayout(self)
        box.addWidget(self.form)
        box.addWidget(self.problems)
        box.addWidget(self.demo_button)
        show_error(self.problems, [])
        self.form.email.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.form.email.text().strip())

    def validatePage(self) -> bool:
        # Say what is wrong with the account here, not three pages later.
        try:
            setup.check({"account": self.form.to_document(None) or {}})
        except ConfigError as exc:
            show_error(self.problems, [str(p) for p in exc.problems])
            return False
        show_error(self.problems, [])
        return True


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
        form = QFormLayout(self)
        form.addRow("&Own domains:", self.own_domains)
        form.addRow("", self.external_is_customer)
        form.addRow("&Customers:", self.customers)
        form.addRow("&Urgent:", self.urgent)
        for edit in (self.own_domains, self.customers, self.urgent):
            edit.validator.changed.connect(self.completeChanged)

    def initializePage(self) -> None:
        # The user's own domain is the obvious first entry.
        email = self._wizard.account_page.form.email.text().strip()
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


class DonePage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Ready")
        self.summary = plain_label("", self)
        self.summary.setWordWrap(True)
        self.problems = plain_label("", self)
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Problems that stop saving")
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.problems)
        box.addStretch(1)

    def initializePage(self) -> None:
        show_error(self.problems, [])
        times = ", ".join(self._wizard.checkin_page.times.times())
        self.summary.setText(
            f"FocusGuard will hold customer mail for "
            f"{self._wizard.account_page.form.email.text().strip()} and release it at "
            f"{times}. Change anything later in Settings."
        )

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
        self._defaults = setup.defaults()
        self.account_page = AccountPage(self)
        self.people_page = PeoplePage(self)
        self.checkin_page = CheckInPage(self, self._defaults)
        self.done_page = DonePage(self)
        for page in (self.account_page, self.people_page, self.checkin_page, self.done_page):
            self.addPage(page)
        self.settings: Settings | None = None

    def start_demo(self) -> None:
        self.demo_requested.emit()
        self.reject()

    def to_document(self) -> dict[str, Any]:
        doc = self._defaults.to_dict()
        account = self.account_page.form.to_document(None)
        if account is not None:
            doc["account"] = account
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
        try:
            settings = setup.check(self.to_document())
            self.file.save(settings, self.account_page.form.password.text())
        except ConfigError as exc:
            show_error(
                self.done_page.problems,
                ["Not saved. Go back and fix:", *(str(p) for p in exc.problems)],
            )
            return False
        except FocusGuardError as exc:  # the keyring
            show_error(self.done_page.problems, [f"Not saved. {exc.title}: {exc.message}"])
            return False
        self.account_page.form.password.clear()
        self.settings = settings
        self.saved.emit(settings)
        return True
