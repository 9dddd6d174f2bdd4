"""The tray front-end: `run_tray(start, settings_file)` shows the tray (or, without a system
tray, a status window) around an app someone else built — focusguard/gui.py for `focusguard`,
focusguard/demo.py for `focusguard demo` — and the first-run wizard when there are no
settings yet.

`Shell` wires the GUI parts to the app's service and events and owns nothing clever: a
`Bridge` (the app's events on the GUI thread), a `StatusFeed` (the cached snapshot), the
`TrayNotifier`, the menu's `Intents`, and the tray icon or the status window. The digest,
settings and wizard windows are built (and imported) on first use.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QProcess, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QMessageBox,
    QSystemTrayIcon,
)

from focusguard import APP_ID, APP_NAME
from focusguard.app.events import Decided, Notice, Problem, Released, ShowRequested
from focusguard.app.service import Service
from focusguard.app.setup import SettingsFile
from focusguard.app.values import (
    AlreadyRunning,
    Autostart,
    Done,
    FocusGuardError,
    ReleaseDone,
    Settings,
    SettingsNeedFixing,
)
from focusguard.ui import icons
from focusguard.ui.bridge import Bridge, StatusFeed
from focusguard.ui.icon_first import ExitDuringBuild, built_meanwhile, first_icon
from focusguard.ui.menu import Intents
from focusguard.ui.notifier import TrayNotifier, uses_freedesktop
from focusguard.ui.quit_dialog import Choice, QuitDialog, keep_label
from focusguard.ui.signal_wakeup import SignalWakeup
from focusguard.ui.status_window import StatusWindow
from focusguard.ui.tray import Tray

if TYPE_CHECKING:
    from focusguard.ui.digest import DigestWindow
    from focusguard.ui.insights import InsightsWindow

# Check-ins: the scheduled ones, after a sleep, and "Check in now" ("manual"); not a release
# of chosen mail, the end of focus or a pause.
CHECK_IN_KINDS_THAT_OPEN = frozenset({"check-in", "wake", "manual"})
log = logging.getLogger(__name__)


class Running(Protocol):
    """What the GUI needs of a built app (app/builder.py `App`)."""

    @property
    def service(self) -> Service: ...

    @property
    def autostart(self) -> Autostart | None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


def application() -> QApplication:
    """The QApplication, set up for a tray app (made once; tests bring their own)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    # Qt's D-Bus tray reports the application name as the StatusNotifierItem's Id (and its
    # Title; qstatusnotifieritemadaptor.cpp), and the spec wants an Id "unique for this
    # application and consistent between sessions": the app id the desktop file is named for
    # (issue 12 §2). Window titles and notifications use the display name.
    app.setApplicationName(APP_ID if uses_freedesktop() else APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    # The tray app lives on with no window open; only Quit ends it.
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(icons.app_icon())
    global _quit_relay
    if _quit_relay is None:
        _quit_relay = _QuitRelay()
    return app


class _QuitRelay(QObject):
    """Lives on the GUI thread; its queued signal lets any thread end the event loop."""

    requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.requested.connect(lambda: QApplication.exit(0), Qt.ConnectionType.QueuedConnection)


_quit_relay: _QuitRelay | None = None


def request_quit() -> None:
    """End the tray app from any thread (the demo's --duration timer, a signal). Uses exit()
    rather than quit(): Qt 6's quit() first asks windows to close, and the status window
    declines."""
    if _quit_relay is not None:
        _quit_relay.requested.emit()


def show_startup_error(title: str, message: str) -> None:
    """A start-up problem a person can fix: title + message, never a traceback."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    box.setWindowTitle(f"{APP_NAME}: {title}")
    box.setText(title)
    box.setInformativeText(message)
    # The message may quote settings values or server text: never render it as markup.
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


class Shell(QObject):
    """The GUI around one app."""

    # Answers that arrive on the worker, handled on the GUI thread.
    _quit_release_done = Signal(object)
    _settings_done = Signal(object)

    def __init__(
        self,
        app: Running,
        *,
        settings_file: SettingsFile | None,
        title: str = APP_NAME,
        tray_available: bool | None = None,
        autostart: Autostart | None = None,
        notifier: TrayNotifier | None = None,
        exit_app: Callable[[], None] | None = None,
        tray_icon: QSystemTrayIcon | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`tray_icon`: the icon shown while the app was built (ui/icon_first.py); the tray
        takes it over."""
        super().__init__(parent)
        self.app = app
        self.service = app.service
        self.settings_file = settings_file
        self._exit_app = exit_app or (lambda: QApplication.exit(0))
        self.quit_dialog: QuitDialog | None = None
        self._quit_release_done.connect(
            self._after_quit_release, Qt.ConnectionType.QueuedConnection
        )
        self._settings_done.connect(self._settings_applied, Qt.ConnectionType.QueuedConnection)
        # Subscribed before the app starts: nothing it says at start-up is missed.
        self.bridge = Bridge(self.service.events, self)
        self.notifier = notifier or TrayNotifier()
        self.feed = StatusFeed(self.service, self.bridge, self)
        self._digest: DigestWindow | None = None
        self._digest_refresh_queued = False
        self._insights: InsightsWindow | None = None
        self._settings: QDialog | None = None
        self.intents = Intents(
            self.service,
            self.notifier,
            open_digest=self.open_digest,
            open_settings=self.open_settings if settings_file is not None else None,
            quit_app=self.quit,
            autostart=autostart if autostart is not None else app.autostart,
            open_insights=self.open_insights,
        )
        if tray_available is None:
            tray_available = tray_icon is not None or QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: Tray | None = None
        self.window: StatusWindow | None = None
        if tray_available:
            self.tray = Tray(
                self.intents, lambda: self.feed.current, title=title, icon=tray_icon, parent=self
            )
            self.feed.changed.connect(self.tray.show_snapshot)
            self.notifier.set_sink(self.tray.show_message)
            self.tray.icon.messageClicked.connect(self.notifier.clicked)
        else:
            self.window = StatusWindow(self.intents, lambda: self.feed.current, title=title)
            self.feed.changed.connect(self.window.show_snapshot)
            self.notifier.set_sink(self.window.show_message, renders_markup=False)
        self.notifier.on_open_digest = self.open_digest
        self.notifier.on_open_settings = self.open_settings if settings_file else None
        self.feed.changed.connect(self.notifier.on_snapshot)
        self.bridge.on(Notice, self.notifier.notice)
        self.bridge.on(Problem, self.notifier.problem)
        # An open digest follows the held mail live (issues 12 §2, 15): a new hold or a
        # release; a check-in that brought mail out opens it.
        self.bridge.on(Released, self._released)
        self.bridge.on(Decided, self._decided)
        self.bridge.on(ShowRequested, lambda _event: self.show_main())

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the app and show the UI. AlreadyRunning (or another StartupError) when the
        app cannot start; nothing is shown then."""
        self.app.start()
        if self.tray is not None:
            self.tray.show()
        if self.window is not None:
            self.window.show_and_raise()
        self.feed.refresh()

    def stop(self) -> None:
        # Notifications still queued for this shell's tray or window must not reach them
        # once they are gone.
        self.notifier.set_sink(None)
        self.bridge.detach()
        if self.tray is not None:
            self.tray.dispose()
        if self.window is not None:
            self.window.hide()
            self.window.deleteLater()
        for w in (self._digest, self._insights, self._settings):
            if w is not None:
                w.close()
        self.app.stop()

    @Slot()
    def quit(self) -> None:
        """Quit; with mail held, first ask: release now, keep holding, or cancel."""
        snap = self.feed.current
        if snap.status is None or snap.held == 0:
            self._exit_app()
            return
        if self.quit_dialog is not None:
            self.quit_dialog.raise_()
            return
        dialog = QuitDialog(snap.held, keep_label(self.service.failsafe_release(snap)))
        dialog.buttonClicked.connect(self._quit_chosen)
        self.quit_dialog = dialog
        dialog.open()  # not exec(): the event loop (and the tray) keeps running

    @Slot(QAbstractButton)
    def _quit_chosen(self, button: QAbstractButton) -> None:
        dialog, self.quit_dialog = self.quit_dialog, None
        if dialog is None:
            return
        choice = dialog.choice(button)
        dialog.deleteLater()
        if choice is Choice.KEEP:
            self._exit_app()
        elif choice is Choice.RELEASE:
            future = self.intents.run("release-all")
            future.add_done_callback(self._quit_release_done.emit)

    @Slot(object)
    def _after_quit_release(self, future: Future[object]) -> None:
        if future.exception() is not None:
            return  # Intents reported it; FocusGuard stays to retry
        done = future.result()
        if isinstance(done, ReleaseDone) and done.failed:
            self.notifier.notify(
                "Not all held mail could be released",
                f"{done.failed} could not be moved to your Inbox yet. FocusGuard keeps "
                "running and retries; choose Quit again once they are out.",
                kind="error",
            )
            return
        self._exit_app()

    # -- windows ---------------------------------------------------------------------------
    @Slot()
    def show_main(self) -> None:
        """Another `focusguard` was started: bring this one forward."""
        if self.window is not None:
            self.window.show_and_raise()
        else:
            self.open_digest()

    @Slot()
    def open_digest(self) -> None:
        if self._digest is None:
            # Built (and imported) on first use: the tray comes up faster without it.
            from focusguard.ui.digest import DigestWindow

            self._digest = DigestWindow(self.service)
        self._digest.show_and_raise()

    def _decided(self, event: Decided) -> None:
        if event.outcome.decision.held:
            self._refresh_digest()

    def _released(self, event: Released) -> None:
        """At a check-in that brought mail out the held-mail window opens by itself (issue 12
        §2, `notifications.open_digest_at_check_in`); otherwise an open one refreshes."""
        release = event.release
        if (
            release.kind in CHECK_IN_KINDS_THAT_OPEN
            and release.released
            and self.service.settings.notifications.open_digest_at_check_in
        ):
            self.open_digest()
            return
        self._refresh_digest()

    @Slot()
    def open_insights(self) -> None:
        if self._insights is None:
            from focusguard.ui.insights import InsightsWindow

            self._insights = InsightsWindow(self.service)
        self._insights.show_and_raise()

    def _refresh_digest(self) -> None:
        # Events come in bursts (a batch of arrivals is one Decided each): one refresh for
        # all that arrived in one pass of the event loop.
        if not self._digest_refresh_queued:
            self._digest_refresh_queued = True
            QTimer.singleShot(0, self._refresh_digest_now)

    @Slot()
    def _refresh_digest_now(self) -> None:
        self._digest_refresh_queued = False
        if self._digest is not None and self._digest.isVisible():
            self._digest.refresh()

    @Slot()
    def open_settings(self) -> None:
        if self.settings_file is None:
            return
        if self._settings is None:
            from focusguard.ui.settings_dialog import SettingsDialog

            dialog = SettingsDialog(self.settings_file, focus_until=self._focus_until)
            dialog.saved.connect(self.apply_settings)
            self._settings = dialog
        self._settings.show()
        self._settings.raise_()
        self._settings.activateWindow()

    def _focus_until(self) -> datetime | None:
        status = self.feed.current.status
        return None if status is None else status.focus_until

    @Slot(object)
    def apply_settings(self, settings: Settings) -> Future[Done]:
        """The settings window saved `settings`: the app runs on them from now on."""
        future = self.service.apply_settings.later(settings)
        future.add_done_callback(self._settings_done.emit)
        return future

    @Slot(object)
    def _settings_applied(self, future: Future[Done]) -> None:
        error = future.exception()
        if error is None:
            return
        if isinstance(error, FocusGuardError):
            title, message = error.title, error.message
        else:
            log.error("applying the settings failed", exc_info=error)
            title, message = "Could not apply the settings", "Details are in the log."
        self.notifier.notify(
            title,
            f"{message} The settings are saved; FocusGuard keeps running on the previous ones "
            "until this is fixed.",
            kind="error",
        )


def _exec(app: QApplication) -> int:
    with _signals_quit():
        return app.exec()


@contextlib.contextmanager
def _signals_quit() -> Iterator[None]:
    # Ctrl-C and SIGTERM (a logout, `kill`) quit as the menu's Quit does, so the app stops
    # cleanly and whoever started it can tidy up (the demo removes its folder); also while
    # the app is being built. Through a wakeup socket, not a polling timer: the idle tray has
    # no wake-up of its own (issue 15).
    wakeup = SignalWakeup((signal.SIGINT, signal.SIGTERM), lambda _signum: QApplication.exit(0))
    try:
        yield
    finally:
        wakeup.close()


class Launcher(QObject):
    """Builds and starts the shell, now or after the first-run wizard; remembers it so it
    can be stopped when the event loop ends."""

    def __init__(
        self,
        qt: QApplication,
        start: Callable[[], Running],
        settings_file: SettingsFile,
        *,
        already_running: Callable[[], object] = lambda: None,
        started: Callable[[], object] = lambda: None,
        title: str = APP_NAME,
    ) -> None:
        super().__init__()
        self.qt = qt
        self.settings_file = settings_file
        self.shell: Shell | None = None
        self._start = start
        self._already_running = already_running
        self._started = started
        self._title = title
        self._wizard: QDialog | None = None

    def launch(self) -> int | None:
        """Build the app and show it; an exit code when the process should not go on. The
        tray icon comes first, shown while the app is built (issue 15)."""
        icon = first_icon(self._title)
        try:
            app = built_meanwhile(self._start)
        except SettingsNeedFixing:
            # A GUI user gets Settings at the first problem, not a terminal command.
            if icon is not None:
                icon.hide()
            self.fix_settings()
            return None
        except (FocusGuardError, ExitDuringBuild) as exc:
            if icon is not None:
                icon.hide()
            if isinstance(exc, ExitDuringBuild):
                if exc.built is not None:
                    exc.built.stop()  # never started: this closes what the builder opened
                return exc.code
            show_startup_error(exc.title, exc.message)
            return 1
        shell = Shell(app, settings_file=self.settings_file, title=self._title, tray_icon=icon)
        try:
            shell.start()
        except AlreadyRunning:
            shell.stop()
            self._already_running()  # it came up meanwhile: bring it forward
            return 0
        except FocusGuardError as exc:
            shell.stop()
            show_startup_error(exc.title, exc.message)
            return 1
        self.shell = shell
        self._started()
        return None

    def fix_settings(self) -> None:
        """Settings at the first problem of the file; saved, the app starts; closed, it
        ends as before (exit code 1)."""
        from focusguard.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings_file)
        dialog.saved.connect(self._settings_fixed)
        dialog.rejected.connect(lambda: self.qt.exit(1))
        self._wizard = dialog
        dialog.show()
        dialog.raise_()

    @Slot(object)
    def _settings_fixed(self, _settings: object) -> None:
        self._wizard = None
        code = self.launch()
        if code is not None:
            self.qt.exit(code)

    def stop(self) -> None:
        shell, self.shell = self.shell, None
        if shell is not None:
            shell.stop()

    def first_run(self) -> None:
        from focusguard.ui.wizard import FirstRunWizard

        wizard = FirstRunWizard(self.settings_file)
        wizard.finished.connect(self._wizard_done)
        wizard.demo_requested.connect(self._demo)
        self._wizard = wizard
        wizard.show()

    @Slot(int)
    def _wizard_done(self, result: int) -> None:
        self._wizard = None
        if result != QDialog.DialogCode.Accepted or not self.settings_file.exists():
            self.qt.exit(0)
            return
        code = self.launch()
        if code is not None:
            self.qt.exit(code)

    @Slot()
    def _demo(self) -> None:
        # The demo is its own process with its own simulated mailbox and state.
        QProcess.startDetached(sys.executable, ["-m", "focusguard", "demo"])
        self.qt.exit(0)


def run_tray(
    start: Callable[[], Running],
    settings_file: SettingsFile,
    *,
    already_running: Callable[[], object] = lambda: None,
    started: Callable[[], object] = lambda: None,
    title: str = APP_NAME,
) -> int:
    """The tray app until Quit: the shell around `start()`'s app, after the first-run
    wizard when `settings_file` does not exist yet. `already_running` is called when another
    FocusGuard has the control channel, `started` once the app runs."""
    qt = application()
    launcher = Launcher(
        qt, start, settings_file, already_running=already_running, started=started, title=title
    )
    try:
        with _signals_quit():
            if settings_file.exists():
                code = launcher.launch()
                if code is not None:
                    return code
            else:
                launcher.first_run()
            return qt.exec()
    finally:
        launcher.stop()
