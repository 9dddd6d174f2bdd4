"""The "Sign in with Microsoft" control of the wizard and Settings → Account: the system
browser (msal's loopback redirect) or, where there is no browser, a device code the person
enters on another device. The sign-in runs off the GUI thread and ends in the keyring
(app/setup.py); what it says is plain text, and a refusal says what to do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from focusguard.app import setup
from focusguard.app.setup import SettingsFile
from focusguard.app.values import AccountSettings, FocusGuardError
from focusguard.ui.future_relay import FutureRelay, run_in_thread
from focusguard.ui.plain_text import plain_label

OK_STYLE = "color: #1b5e20;"
ERROR_STYLE = "color: #b00020;"


class MicrosoftSignIn(QWidget):
    """`account()` gives the account to sign in (or a sentence saying what is missing)."""

    signed_in = Signal(str)  # the address signed in
    failed = Signal(str, str)  # title, message
    _shown = Signal(str)  # msal's device-code text, from the worker thread

    def __init__(
        self,
        settings_file: SettingsFile,
        account: Callable[[], AccountSettings | str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._file = settings_file
        self._account = account
        self._cancel: threading.Event | None = None
        self.signed_in_as = ""
        self.browser_button = QPushButton("Sign in with &Microsoft", self)
        self.browser_button.setAccessibleName("Sign in with Microsoft")
        self.browser_button.setToolTip("Opens your browser at Microsoft's sign-in page")
        self.code_button = QPushButton("Use a code &instead", self)
        self.code_button.setAccessibleName("Sign in with a code")
        self.code_button.setToolTip(
            "Sign in on another device (phone, other computer) with a code shown here"
        )
        self.cancel_button = QPushButton("Cancel sign-in", self)
        self.cancel_button.setVisible(False)
        self.status = plain_label("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Microsoft sign-in status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.browser_button)
        row.addWidget(self.code_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.status)
        self._relay = FutureRelay(self)
        self._relay.done.connect(self._finished)
        self._shown.connect(self._show_code)
        self.browser_button.clicked.connect(lambda: self.start(device_code=False))
        self.code_button.clicked.connect(lambda: self.start(device_code=True))
        self.cancel_button.clicked.connect(self.cancel)
        if not setup.has_browser():
            # No display to open a browser on (SSH, a kiosk): the code is the way.
            self.browser_button.setEnabled(False)
            self.browser_button.setToolTip("No browser can be opened here: use a code")

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def start(self, *, device_code: bool) -> None:
        account = self._account()
        if isinstance(account, str):
            self._say(account, ERROR_STYLE)
            return
        cancel = threading.Event()
        self._cancel = cancel
        self.signed_in_as = ""
        self._set_busy(True)
        self._say("Waiting for the code…" if device_code else "Sign in in the browser window…", "")
        file = self._file

        def work() -> str:
            file.sign_in_microsoft(
                account, self._shown.emit, device_code=device_code, cancelled=cancel
            )
            return account.email

        self._relay.watch(run_in_thread(work, "focusguard-sign-in"), cancel)

    def cancel(self) -> None:
        """Stop waiting: a device code stops being polled; a browser sign-in finishing
        later is ignored (msal's listener gives up by itself)."""
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
            self._set_busy(False)
            self._say("Sign-in cancelled.", "")

    def _show_code(self, text: str) -> None:
        if self._cancel is not None and text:
            self._say(text, "")

    def _finished(self, tag: object, future: Future[str]) -> None:
        if tag is not self._cancel:
            return  # a sign-in that was given up on
        self._cancel = None
        self._set_busy(False)
        error = future.exception()
        if error is None:
            self.signed_in_as = future.result()
            self._say(
                f"Signed in as {self.signed_in_as}. The sign-in is kept in your keyring.", OK_STYLE
            )
            self.signed_in.emit(self.signed_in_as)
        elif isinstance(error, FocusGuardError):
            self._say(f"{error.title}: {error.message}", ERROR_STYLE)
            self.failed.emit(error.title, error.message)
        else:
            self._say(f"The sign-in failed unexpectedly: {type(error).__name__}", ERROR_STYLE)
            self.failed.emit("Sign-in failed", type(error).__name__)

    def _set_busy(self, busy: bool) -> None:
        self.browser_button.setEnabled(not busy and setup.has_browser())
        self.code_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)

    def _say(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)
