"""Settings → tabs for account, people, schedule, auto-reply, holding and Do Not Disturb.

The dialog edits the settings *document* and saves only what `setup.check` accepts — the
validation `focusguard config check` runs — listing every problem when it refuses. The
password goes to the system keyring, never into the file (app/setup.py). The connection
test runs on a background thread; the window stays responsive while Exchange takes its time.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from focusguard.app import setup
from focusguard.app.setup import SettingsFile
from focusguard.app.values import (
    AccountSettings,
    ConfigError,
    FocusGuardError,
    MailboxCheck,
    Problem,
    RuleMode,
    ScheduleAudit,
    Settings,
)
from focusguard.domain.autoreply import customer_time, render
from focusguard.domain.schedule import WEEKDAYS, FocusState, Interval, Timeline
from focusguard.ui import connection_report
from focusguard.ui.future_relay import FutureRelay, run_in_thread
from focusguard.ui.microsoft_sign_in import MicrosoftSignIn
from focusguard.ui.plain_text import plain_label
from focusguard.ui.settings_focus import Detect, FocusTab
from focusguard.ui.settings_widgets import (
    AccountForm,
    CheckInTimesEdit,
    SenderListEdit,
    TimeZoneCombo,
    hhmm,
)
from focusguard.ui.validators import outcome_style, show_error, template_problems

# The test sees the account and password typed; returns what it found (None: no report).
TestConnection = Callable[[AccountSettings, str], "MailboxCheck | None"]

RULE_BLOB_CONSENT = (
    "Your mailbox has Outlook client-side rules. Changing server rules through Exchange Web "
    "Services deletes them for good, including rules that run only in Outlook (for example "
    "rules on mail you send, rules that play sounds or show alerts, and rules that move mail "
    "to folders on this computer). Server-side rules are kept."
)
MODE_LABELS = {
    RuleMode.SERVER_RULE.value: "Server rule (holds mail even when this computer is off)",
    RuleMode.CLIENT_MOVE.value: "Move from the Inbox (only while FocusGuard runs)",
}
# The tabs, in order, and the tables of the settings file each one edits: a problem with a
# key opens the tab of its table.
TABS = (
    ("&Account", ("account",)),
    ("&People", ("people",)),
    ("&Schedule", ("schedule",)),
    ("Auto-&reply", ("autoreply",)),
    ("&Holding", ("holding", "notifications")),
    ("&Do not disturb", ("do_not_disturb", "exceptions")),
)
TAB_OF_TABLE = {table: i for i, (_, tables) in enumerate(TABS) for table in tables}


def ask_rule_blob_consent(parent: QWidget | None) -> bool:
    """The explicit consent to lose Outlook's client-side rules; Cancel is the default."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Allow FocusGuard to delete Outlook client-side rules?")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(RULE_BLOB_CONSENT)
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    ok = box.button(QMessageBox.StandardButton.Ok)
    if ok is not None:
        ok.setText("Delete client-side rules")
    return bool(box.exec() == QMessageBox.StandardButton.Ok)


def problems_text(problems: tuple[Problem, ...] | list[Problem]) -> list[str]:
    return [str(p) for p in problems]


class SettingsDialog(QDialog):
    saved = Signal(object)  # the Settings just written
    connection_tested = Signal(bool, str)  # ok, the plain-text result shown

    def __init__(
        self,
        settings_file: SettingsFile | Path,
        parent: QWidget | None = None,
        test_connection: TestConnection | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        focus_until: Callable[[], datetime | None] | None = None,
        detect_dnd: Detect | None = None,
    ) -> None:
        super().__init__(parent)
        # The focus running now (by hand, scheduled or from the calendar): the auto-reply a
        # customer gets now names the check-in after it, and so must the preview.
        self._focus_until = focus_until or (lambda: None)
        self._detect_dnd = detect_dnd or setup.desktop_do_not_disturb
        if not isinstance(settings_file, SettingsFile):
            settings_file = SettingsFile(settings_file)
        self.file = settings_file
        self.settings_path = settings_file.path
        self._test_connection: TestConnection = test_connection or settings_file.verify
        self._now = now or (lambda: datetime.now().astimezone())
        self.setWindowTitle("Settings — FocusGuard")
        self.resize(640, 560)
        loaded = settings_file.load()
        self.settings, self.load_problems = loaded.settings, list(loaded.problems)
        self._base = self.settings.to_dict()  # keys the form does not show survive saving

        self.banner = plain_label("", self)
        self.banner.setWordWrap(True)
        self.managed_note = plain_label("", self)
        self.managed_note.setWordWrap(True)
        self.managed_note.setAccessibleName("Settings set by your organisation")
        self.tabs = QTabWidget(self)
        pages = (
            self._account_tab(),
            self._people_tab(),
            self._schedule_tab(),
            self._autoreply_tab(),
            self._holding_tab(),
            self._focus_tab(),
        )
        for page, (label, _tables) in zip(pages, TABS, strict=True):
            self.tabs.addTab(page, label)
        self.problems = plain_label("", self)
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Problems that stop saving")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.banner)
        box.addWidget(self.managed_note)
        box.addWidget(self.tabs, 1)
        box.addWidget(self.problems)
        box.addWidget(self.buttons)

        self._relay = FutureRelay(self)
        self._relay.done.connect(self._connection_tested)
        self.load_form(self.settings)
        self.lock_managed()
        if self.load_problems:
            # Open at the first problem: a broken file is fixed here, not in a terminal.
            first = self.load_problems[0].split(":")[0].split(".")[0].split("[")[0]
            if first in TAB_OF_TABLE:
                self.tabs.setCurrentIndex(TAB_OF_TABLE[first])
            show_error(
                self.banner,
                [
                    f"{self.settings_path} has problems, so this form starts from the defaults. "
                    "Nothing is written until you press Save.",
                    *self.load_problems,
                ],
            )
        elif self.file.managed_problems:
            show_error(
                self.banner,
                [
                    "Your organisation's managed settings cannot be used (tell your IT "
                    "department); your own settings still apply:",
                    *self.file.managed_problems,
                ],
            )
        else:
            show_error(self.banner, [])
        show_error(self.problems, [])

    # -- tabs ------------------------------------------------------------------------------
    def _account_tab(self) -> QWidget:
        page = QWidget(self)
        self.account = AccountForm(page)
        self.sign_in = MicrosoftSignIn(self.file, self._account_to_sign_in, page)
        self.account.layout_.addRow("Microsoft sign-in:", self.sign_in)
        self.focus_subject = QLineEdit(page)
        self.focus_subject.setAccessibleName("Calendar focus subject")
        self.focus_subject.setPlaceholderText("Empty: calendar entries never start focus")
        self.focus_subject.setToolTip(
            "Calendar entries with this subject in this mailbox start focus time"
        )
        self.account.layout_.addRow("Ca&lendar focus subject:", self.focus_subject)
        self.account.kind_changed.connect(self._kind_changed)
        self.test_button = QPushButton("&Test connection", page)
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = plain_label("", page)
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName("Connection test result")
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.test_result, 1)
        box = QVBoxLayout(page)
        box.addWidget(self.account)
        box.addLayout(row)
        box.addStretch(1)
        self._kind_changed(self.account.current_kind())
        return page

    def _kind_changed(self, kind: str) -> None:
        self.account.layout_.setRowVisible(self.sign_in, kind == "graph")

    def _account_to_sign_in(self) -> AccountSettings | str:
        doc = self.to_document()
        if "account" not in doc:
            return "Enter the email address first."
        try:
            account = setup.check({"account": doc["account"]}).account
        except ConfigError as exc:
            return "Fix first: " + "; ".join(problems_text(exc.problems))
        assert account is not None
        return account

    def lock_managed(self) -> None:
        """Settings the organisation locked: read-only, saying "set by your organisation"."""
        locked = self.file.locked()
        why = "Set by your organisation"
        self.account.lock([k.partition(".")[2] for k in locked if k.startswith("account.")], why)
        widgets: dict[str, QWidget] = {
            "people.own_domains": self.own_domains.editor,
            "people.customers": self.customers.editor,
            "people.urgent": self.urgent.editor,
            "people.external_is_customer": self.external_is_customer,
            "autoreply.enabled": self.autoreply_enabled,
            "autoreply.template": self.template,
            "autoreply.urgent_phone": self.urgent_phone,
            "schedule.calendar_focus_subject": self.focus_subject,
            "holding.folder": self.folder,
            "holding.mode": self.mode,
        }
        for key in locked:
            widget = widgets.get(key)
            if widget is None:
                continue
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(True)
            else:
                widget.setEnabled(False)
            widget.setToolTip(why)
        if locked:
            self.managed_note.setText(
                "Set by your organisation (read-only here): " + ", ".join(sorted(locked))
            )
        self.managed_note.setVisible(bool(locked))

    def _people_tab(self) -> QWidget:
        page = QWidget(self)
        self.own_domains = SenderListEdit("Own domains", "corp.example", page)
        self.external_is_customer = QCheckBox("Every outside sender is a customer", page)
        self.customers = SenderListEdit("Customers", "bigclient.com\nbuyer@shop.example", page)
        self.urgent = SenderListEdit(
            "Urgent senders (always let through)", "boss@corp.example", page
        )
        form = QFormLayout(page)
        form.addRow(plain_label("One address or domain per line.", page))
        form.addRow("&Own domains:", self.own_domains)
        form.addRow("", self.external_is_customer)
        form.addRow("&Customers:", self.customers)
        form.addRow("&Urgent:", self.urgent)
        return page

    def _schedule_tab(self) -> QWidget:
        page = QWidget(self)
        self.check_ins = CheckInTimesEdit(page)
        self.check_in_minutes = QSpinBox(page)
        self.check_in_minutes.setRange(1, 240)
        self.check_in_minutes.setSuffix(" min")
        self.check_in_minutes.setAccessibleName("Check-in length in minutes")
        days = QHBoxLayout()
        self.workdays: dict[str, QCheckBox] = {}
        for day in WEEKDAYS:
            cb = QCheckBox(day.capitalize(), page)
            cb.setAccessibleName(f"Work day {day}")
            self.workdays[day] = cb
            days.addWidget(cb)
        self.blocks = QTableWidget(0, 3, page)
        self.blocks.setHorizontalHeaderLabels(["Days", "Start", "End"])
        self.blocks.setAccessibleName("Focus blocks")
        self.blocks.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.blocks.horizontalHeader().setStretchLastSection(True)
        self.add_block = QPushButton("Add &block", page)
        self.remove_block = QPushButton("Remove b&lock", page)
        self.add_block.clicked.connect(
            lambda: self._add_block_row("mon, tue, wed, thu, fri", "10:00", "12:00")
        )
        self.remove_block.clicked.connect(self._remove_block_rows)
        block_buttons = QHBoxLayout()
        block_buttons.addWidget(self.add_block)
        block_buttons.addWidget(self.remove_block)
        block_buttons.addStretch(1)
        self.timezone = TimeZoneCombo(page)
        form = QFormLayout(page)
        form.addRow("Check-in &times:", self.check_ins)
        form.addRow("Check-in &length:", self.check_in_minutes)
        form.addRow("Work days:", days)
        form.addRow("&Focus blocks:", self.blocks)
        form.addRow("", block_buttons)
        form.addRow("Time &zone:", self.timezone)
        # The promise audit (issue 12 §1): the longest a customer mail can wait under this
        # schedule, and a warning when that breaks the promise; hidden without a promise.
        self.audit = plain_label("", page)
        self.audit.setWordWrap(True)
        self.audit.setAccessibleName("Longest wait for a customer")
        form.addRow(self.audit)
        for signal in (
            self.check_ins.changed,
            self.check_in_minutes.valueChanged,
            self.timezone.currentTextChanged,
            self.blocks.itemChanged,
        ):
            signal.connect(self.update_preview)
        for cb in self.workdays.values():
            cb.toggled.connect(self.update_preview)
        return page

    def _autoreply_tab(self) -> QWidget:
        page = QWidget(self)
        self.autoreply_enabled = QCheckBox("Send customers an automatic reply", page)
        self.template = QPlainTextEdit(page)
        self.template.setAccessibleName("Auto-reply text")
        self.template.setTabChangesFocus(True)
        self.template_message = plain_label("", page)
        self.template_message.setWordWrap(True)
        self.urgent_phone = QLineEdit(page)
        self.urgent_phone.setAccessibleName("Urgent phone number")
        self.once_per_days = QSpinBox(page)
        self.once_per_days.setRange(1, 365)
        self.once_per_days.setSuffix(" days")
        self.once_per_days.setAccessibleName("At most one reply per sender every")
        self.preview = plain_label("", page)
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("Auto-reply preview")
        form = QFormLayout(page)
        form.addRow("", self.autoreply_enabled)
        form.addRow("&Text:", self.template)
        form.addRow("", self.template_message)
        form.addRow(plain_label("Placeholders: {next_check_in}, {urgent_phone}", page))
        form.addRow("Urgent &phone:", self.urgent_phone)
        form.addRow("&Once per sender every:", self.once_per_days)
        form.addRow("Preview:", self.preview)
        self.template.textChanged.connect(self.update_preview)
        self.urgent_phone.textChanged.connect(self.update_preview)
        return page

    def _holding_tab(self) -> QWidget:
        page = QWidget(self)
        self.mode = QComboBox(page)
        self.mode.setAccessibleName("Holding mode")
        for value, label in MODE_LABELS.items():
            self.mode.addItem(label, value)
        self.folder = QLineEdit(page)
        self.folder.setAccessibleName("Folder for held mail")
        self.allow_blob_removal = QCheckBox(
            "Allow deleting Outlook client-side rules to set up the server rule", page
        )
        self.allow_blob_removal.setAccessibleName("Allow deleting Outlook client-side rules")
        # `clicked` fires for the user's own clicks and key presses, not for load_form.
        self.allow_blob_removal.clicked.connect(self._consent_clicked)
        note = plain_label(
            "Without this, FocusGuard never touches your Outlook rules: if your mailbox has "
            "client-side rules it holds mail by moving it while it runs instead.",
            page,
        )
        note.setWordWrap(True)
        self.failsafe = QCheckBox(
            "Release held mail at its check-in even while FocusGuard is not running", page
        )
        self.failsafe.setAccessibleName("Fail-safe")
        failsafe_note = plain_label(
            "The fail-safe: your system's task scheduler starts FocusGuard briefly at every "
            "check-in and every 15 minutes; if FocusGuard is not running, it stops holding "
            "new mail and releases what is due. A computer that is off releases nothing.",
            page,
        )
        failsafe_note.setWordWrap(True)
        self.urgent_alerts = QCheckBox(
            "Notify me when urgent mail comes through during focus", page
        )
        self.urgent_alerts.setAccessibleName("Notify about urgent mail during focus")
        form = QFormLayout(page)
        form.addRow("&Mode:", self.mode)
        form.addRow("&Folder:", self.folder)
        form.addRow("", self.allow_blob_removal)
        form.addRow(note)
        form.addRow("", self.failsafe)
        form.addRow(failsafe_note)
        form.addRow("", self.urgent_alerts)
        return page

    def _focus_tab(self) -> QWidget:
        self.focus = FocusTab(self._detect_dnd, self)
        return self.focus

    # -- form <-> settings -----------------------------------------------------------------
    def load_form(self, s: Settings) -> None:
        self.account.load(s.account)
        self.focus_subject.setText(s.schedule.calendar_focus_subject)
        self.own_domains.set_entries(s.people.own_domains)
        self.external_is_customer.setChecked(s.people.external_is_customer)
        self.customers.set_entries(s.people.customers)
        self.urgent.set_entries(s.people.urgent)
        self.check_ins.set_times(s.schedule.check_ins)
        self.check_in_minutes.setValue(s.schedule.check_in_minutes)
        for day, cb in self.workdays.items():
            cb.setChecked(day in s.schedule.workdays)
        self.blocks.setRowCount(0)
        for b in s.schedule.focus_blocks:
            self._add_block_row(", ".join(b.days), hhmm(b.start), hhmm(b.end))
        self.timezone.set_zone(s.schedule.timezone)
        self.autoreply_enabled.setChecked(s.autoreply.enabled)
        self.template.setPlainText(s.autoreply.template)
        self.urgent_phone.setText(s.autoreply.urgent_phone)
        self.once_per_days.setValue(s.autoreply.once_per_sender_days)
        self.mode.setCurrentIndex(max(0, self.mode.findData(s.holding.mode.value)))
        self.folder.setText(s.holding.folder)
        self.failsafe.setChecked(s.holding.failsafe)
        self.allow_blob_removal.setChecked(
            s.account is not None and s.account.allow_rule_blob_removal
        )
        self.urgent_alerts.setChecked(s.notifications.urgent_during_focus)
        self.focus.load(s)
        self.update_preview()

    def to_document(self) -> dict[str, Any]:
        """The settings document the form describes, over the loaded one."""
        doc = copy.deepcopy(self._base)
        account = self.account.to_document(doc.get("account"))
        if account is None:
            doc.pop("account", None)
        else:
            account["allow_rule_blob_removal"] = self.allow_blob_removal.isChecked()
            doc["account"] = account
        doc["people"] = {
            "own_domains": self.own_domains.entries(),
            "customers": self.customers.entries(),
            "external_is_customer": self.external_is_customer.isChecked(),
            "urgent": self.urgent.entries(),
        }
        schedule = dict(doc.get("schedule", {}))
        schedule.update(self._schedule_document())
        schedule["calendar_focus_subject"] = self.focus_subject.text().strip()
        doc["schedule"] = schedule
        autoreply = dict(doc.get("autoreply", {}))
        autoreply.update(
            {
                "enabled": self.autoreply_enabled.isChecked(),
                "template": self.template.toPlainText(),
                "urgent_phone": self.urgent_phone.text().strip(),
                "once_per_sender_days": self.once_per_days.value(),
            }
        )
        doc["autoreply"] = autoreply
        doc["holding"] = {
            "mode": self.mode.currentData(),
            "folder": self.folder.text(),
            "failsafe": self.failsafe.isChecked(),
        }
        doc["notifications"] = {"urgent_during_focus": self.urgent_alerts.isChecked()}
        doc.update(self.focus.document(doc))
        return doc

    def _schedule_document(self) -> dict[str, Any]:
        blocks = []
        for row in range(self.blocks.rowCount()):
            cells = [self.blocks.item(row, c) for c in range(3)]
            days, start, end = (c.text().strip() if c is not None else "" for c in cells)
            blocks.append(
                {
                    "days": [d for d in re.split(r"[,\s]+", days.lower()) if d],
                    "start": start,
                    "end": end,
                }
            )
        return {
            "timezone": self.timezone.zone(),
            "workdays": [d for d, cb in self.workdays.items() if cb.isChecked()],
            "check_ins": self.check_ins.times(),
            "check_in_minutes": self.check_in_minutes.value(),
            "focus_blocks": blocks,
        }

    def _add_block_row(self, days: str, start: str, end: str) -> None:
        row = self.blocks.rowCount()
        self.blocks.insertRow(row)
        for column, text in enumerate((days, start, end)):
            self.blocks.setItem(row, column, QTableWidgetItem(text))
        self.update_preview()

    def _remove_block_rows(self) -> None:
        for row in sorted({i.row() for i in self.blocks.selectedIndexes()}, reverse=True):
            self.blocks.removeRow(row)
        self.update_preview()

    # -- live checks -----------------------------------------------------------------------
    def update_preview(self, *_: object) -> None:
        """Show the auto-reply as a customer would get it if they wrote now."""
        if not hasattr(self, "preview"):
            return  # called while the tabs are still being built
        template = self.template.toPlainText()
        issues = template_problems(template)
        show_error(self.template_message, issues)
        try:
            settings = setup.check({"schedule": self._schedule_document(), **self._promise()})
        except ConfigError:
            settings = None
        now = self._now()
        self._show_audit(None if settings is None else setup.schedule_audit(settings, now))
        if issues:
            self.preview.setText("(fix the text above to see the preview)")
            return
        if settings is None:
            self.preview.setText("(fix the schedule to see the next check-in time)")
            return
        zone = ZoneInfo(settings.schedule.timezone)
        until = self._focus_until()
        state = FocusState(adhoc=(Interval(now, until),)) if until and until > now else FocusState()
        nxt = Timeline(settings.weekly_schedule(), state).next_check_in(now)
        when = customer_time(nxt, zone, now) if nxt is not None else "my next check-in"
        phone = self.urgent_phone.text().strip() or "(no phone number set)"
        self.preview.setText(render(template, when, phone))

    def _promise(self) -> dict[str, Any]:
        """The promise as loaded (the window does not edit it yet): the audit needs it."""
        promise = self._base.get("promise")
        return {"promise": promise} if isinstance(promise, dict) and promise else {}

    def _show_audit(self, audit: ScheduleAudit | None) -> None:
        if audit is None:
            self.audit.setVisible(False)
            return
        self.audit.setVisible(True)
        if audit.warning:
            self.audit.setText(f"⚠ {audit.warning}")
            self.audit.setStyleSheet(outcome_style(self.audit.palette(), ok=False))
        else:
            self.audit.setText(audit.summary)
            self.audit.setStyleSheet("")

    def _consent_clicked(self, checked: bool) -> None:
        if checked and not ask_rule_blob_consent(self):
            self.allow_blob_removal.setChecked(False)

    # -- save --------------------------------------------------------------------------------
    def validate(self) -> Settings | None:
        try:
            settings = setup.check(self.to_document())
        except ConfigError as exc:
            self._show_problems(exc.problems)
            return None
        show_error(self.problems, [])
        return settings

    def _show_problems(self, problems: tuple[Problem, ...]) -> None:
        show_error(self.problems, ["Not saved. Fix these first:", *problems_text(problems)])
        first = problems[0].key.split(".")[0].split("[")[0] if problems else ""
        if first in TAB_OF_TABLE:
            self.tabs.setCurrentIndex(TAB_OF_TABLE[first])

    def save(self) -> bool:
        settings = self.validate()
        if settings is None:
            return False
        try:
            self.file.save(settings, self.account.password.text())
        except ConfigError as exc:
            self._show_problems(exc.problems)
            return False
        except FocusGuardError as exc:  # the keyring (SecretStoreError)
            show_error(self.problems, [f"Not saved. {exc.title}: {exc.message}"])
            return False
        self.account.password.clear()
        self.settings = settings
        self.saved.emit(settings)
        self.accept()
        return True

    # -- connection test (background thread) -------------------------------------------------
    def test_connection(self) -> None:
        doc = self.to_document()
        if "account" not in doc:
            self._test_done(False, "Enter the email address first.")
            return
        try:
            account = setup.check({"account": doc["account"]}).account
        except ConfigError as exc:
            self._test_done(False, "\n".join(problems_text(exc.problems)))
            return
        assert account is not None
        password = self.account.password.text() if account.kind != "graph" else ""
        fn = self._test_connection
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText("Testing…")
        self._relay.watch(run_in_thread(lambda: fn(account, password), "focusguard-test"))

    def _connection_tested(self, _tag: object, future: Future[MailboxCheck | None]) -> None:
        error = future.exception()
        if error is None:
            found = future.result()
            lines = ["Connected"] if found is None else connection_report.describe(found)
            self._test_done(True, "\n".join(lines))
        elif isinstance(error, FocusGuardError):
            self._test_done(False, f"{error.title}: {error.message}")
        else:
            self._test_done(False, f"The test failed unexpectedly: {type(error).__name__}")

    def _test_done(self, ok: bool, text: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(text)
        self.test_result.setStyleSheet(outcome_style(self.test_result.palette(), ok))
        self.connection_tested.emit(ok, text)
