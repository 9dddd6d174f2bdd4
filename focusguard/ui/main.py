"""Start-up of the tray app: `run(config)` for `focusguard`, `run_with(runtime, ...)` for
`focusguard demo`.

`Shell` wires the parts together and owns nothing clever: a `Bridge` (runtime threads → GUI
thread), a `StatusFeed` (the cached snapshot), the `TrayNotifier`, the menu's `Intents`, and
either the tray icon or — where there is no system tray — the status window. The digest,
settings and wizard windows are imported lazily, on first use.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QMessageBox,
    QSystemTrayIcon,
    QWidget,
)

from focusguard import APP_ID, APP_NAME, control
from focusguard.core.engine import Release
from focusguard.platform.failsafe_scheduler import FailsafeScheduler
from focusguard.runtime import Runtime
from focusguard.ui import autostart, icons
from focusguard.ui.autostart import Autostart
from focusguard.ui.bridge import Bridge, StatusFeed
from focusguard.ui.menu import Intents
from focusguard.ui.notifier import TrayNotifier
from focusguard.ui.quit_dialog import Choice, QuitDialog, keep_label
from focusguard.ui.status_window import StatusWindow
from focusguard.ui.tray import Tray

log = logging.getLogger(__name__)

ALREADY_RUNNING = "already running"


def application() -> QApplication:
    """The QApplication, set up for a tray app (made once; tests bring their own)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
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
    """End the tray app from any thread (the demo's --duration timer). Uses exit() rather
    than quit(): Qt 6's quit() first asks windows to close, and the status window declines."""
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


def ask_running_instance(root: Path | None = None) -> bool:
    """True when another FocusGuard answered (and was asked to bring its window forward)."""
    try:
        control.request({"cmd": "show"}, root, timeout=5)
    except control.NotRunning:
        return False
    except (TimeoutError, OSError, ValueError):
        # Something holds the channel but did not answer properly; starting a second
        # instance would fail on the socket anyway.
        log.warning("a FocusGuard instance holds the control channel but did not answer")
    return True


class Shell(QObject):
    """The GUI around one runtime."""

    # The settings window saved new settings: the launcher restarts the runtime with them.
    settings_saved = Signal()
    # "Release now" in the quit dialog finished (emitted on the worker, handled here).
    _quit_release_done = Signal(object)

    def __init__(
        self,
        runtime: Runtime,
        bridge: Bridge,
        notifier: TrayNotifier,
        *,
        settings_path: Path | None,
        title: str = APP_NAME,
        tray_available: bool | None = None,
        autostart: Autostart | None = None,
        failsafe: FailsafeScheduler | None = None,
        exit_app: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self._failsafe = failsafe
        self._exit_app = exit_app or (lambda: QApplication.exit(0))
        self.quit_dialog: QuitDialog | None = None
        self._quit_release_done.connect(
            self._after_quit_release, Qt.ConnectionType.QueuedConnection
        )
        self.bridge = bridge
        self.notifier = notifier
        self.settings_path = settings_path
        self.owns_store = False  # True when built by `run`; `run_with`'s caller owns its own
        self.feed = StatusFeed(runtime, bridge, self)
        self._digest: QWidget | None = None
        self._settings: QDialog | None = None
        self.intents = Intents(
            runtime,
            bridge,
            open_digest=self.open_digest,
            open_settings=self.open_settings if settings_path is not None else None,
            quit_app=self.quit,
            autostart=autostart,
        )
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: Tray | None = None
        self.window: StatusWindow | None = None
        if tray_available:
            self.tray = Tray(self.intents, lambda: self.feed.current, title=title, parent=self)
            bridge.snapshot.connect(self.tray.show_snapshot)
            notifier.set_sink(self.tray.show_message)
            self.tray.icon.messageClicked.connect(notifier.clicked)
        else:
            self.window = StatusWindow(self.intents, lambda: self.feed.current, title=title)
            bridge.snapshot.connect(self.window.show_snapshot)
            notifier.set_sink(self.window.show_message, renders_markup=False)
        notifier.on_open_digest = self.open_digest
        notifier.on_open_settings = self.open_settings if settings_path is not None else None
        bridge.snapshot.connect(notifier.on_snapshot)
        bridge.released.connect(notifier.release)
        bridge.released.connect(self._refresh_digest)
        bridge.outcome.connect(notifier.outcome)
        bridge.failed.connect(self._failed)
        bridge.show_requested.connect(self.show_main)

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the runtime and show the UI; False when another instance owns the channel
        (it has been asked to come forward)."""
        try:
            self.runtime.start()
        except RuntimeError as exc:
            if ALREADY_RUNNING not in str(exc):
                raise
            ask_running_instance(self._control_root())
            return False
        if self.tray is not None:
            self.tray.show()
        if self.window is not None:
            self.window.show_and_raise()
        self.feed.refresh()
        return True

    def _control_root(self) -> Path | None:
        server = self.runtime.control
        if server is None or sys.platform == "win32":
            return None
        return Path(server.address).parent

    def stop(self) -> None:
        # Notifications still queued for this shell's tray or window must not reach them
        # once they are gone (a restart with new settings builds new ones).
        self.notifier.set_sink(None)
        if self.tray is not None:
            self.tray.dispose()
        if self.window is not None:
            self.window.hide()
            self.window.deleteLater()
        for w in (self._digest, self._settings):
            if w is not None:
                w.close()
        self.runtime.stop()
        if self.owns_store:
            self.runtime.store.close()  # type: ignore[attr-defined]

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
        keep = keep_label(
            snap.status.next_release,
            self.runtime.settings.weekly_schedule(),
            snap.status.now,
            self._failsafe_installed(),
        )
        dialog = QuitDialog(snap.held, keep)
        dialog.buttonClicked.connect(self._quit_chosen)
        self.quit_dialog = dialog
        dialog.open()  # not exec(): the event loop (and the tray) keeps running

    def _failsafe_installed(self) -> bool:
        if self._failsafe is None or not self.runtime.settings.holding.failsafe:
            return False
        try:
            return self._failsafe.installed()
        except OSError:
            return False

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
            future = self.intents.release_all()
            future.add_done_callback(self._quit_release_done.emit)

    @Slot(object)
    def _after_quit_release(self, future: Future[object]) -> None:
        if future.exception() is not None:
            return  # Intents reported it; FocusGuard stays to retry
        release = future.result()
        if isinstance(release, Release) and release.failed:
            self.notifier.notify(
                "Not all held mail could be released",
                f"{release.failed} could not be moved to your Inbox yet. FocusGuard keeps "
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
            try:
                from focusguard.ui.digest import DigestWindow
            except ImportError:
                log.exception("the held-mail window is not available")
                self.notifier.notify("Held mail", "The held-mail window is not available.")
                return
            self._digest = DigestWindow(self.runtime)
        self._digest.show_and_raise()  # type: ignore[attr-defined]

    @Slot(object)
    def _refresh_digest(self, _release: object) -> None:
        if self._digest is not None and self._digest.isVisible():
            self._digest.refresh()  # type: ignore[attr-defined]

    @Slot()
    def open_settings(self) -> None:
        if self.settings_path is None:
            return
        if self._settings is None:
            try:
                from focusguard.ui.settings_dialog import SettingsDialog
            except ImportError:
                log.exception("the settings dialog is not available")
                self.notifier.notify("Settings", "The settings window is not available.")
                return
            dialog = SettingsDialog(self.settings_path)
            dialog.saved.connect(lambda _settings: self.settings_saved.emit())
            self._settings = dialog
        self._settings.show()
        self._settings.raise_()
        self._settings.activateWindow()

    @Slot(str, str)
    def _failed(self, title: str, message: str) -> None:
        self.notifier.notify(title, message, kind="error")


def attach(runtime: Runtime, bridge: Bridge, notifier: TrayNotifier) -> None:
    """Point an already-built runtime's listeners at the GUI (for `run_with`).

    The demo builds its runtime before there is a QApplication, so the GUI's listeners
    and notifier join it here afterwards (the demo keeps its own listeners too).
    """
    runtime.notifier = notifier
    runtime.listen(
        on_change=bridge.post_change,
        on_show=bridge.post_show,
        on_release=bridge.post_release,
        on_outcome=bridge.post_outcome,
    )


def _exec(app: QApplication, shell: Shell | None) -> int:
    # Python runs signal handlers only between bytecodes; a slow no-op timer gives Ctrl-C a
    # chance while Qt's C++ loop is waiting.
    previous = signal.signal(signal.SIGINT, lambda *_: QApplication.exit(0))
    beat = QTimer()
    beat.timeout.connect(lambda: None)
    beat.start(500)
    try:
        return app.exec()
    finally:
        beat.stop()
        signal.signal(signal.SIGINT, previous)
        if shell is not None:
            shell.stop()


def run_with(runtime: Runtime, settings_path: Path | None, *, demo: bool = False) -> int:
    """Run the tray around a runtime the caller built (the demo). Starts and stops it; the
    caller closes its store."""
    app = application()
    bridge = Bridge()
    notifier = TrayNotifier()
    attach(runtime, bridge, notifier)
    title = f"{APP_NAME} (demo)" if demo else APP_NAME
    shell = Shell(runtime, bridge, notifier, settings_path=settings_path, title=title)
    shell.settings_saved.connect(
        lambda: notifier.notify(
            "Settings saved",
            "This FocusGuard was started with its settings already built; they apply the "
            "next time FocusGuard starts with that settings file.",
        )
    )
    if not shell.start():
        return 0
    return _exec(app, shell)


def build_shell(config: Path) -> Shell:
    """Settings, store, backend and runtime for `config`; StartupError when one fails."""
    from focusguard import app as composition

    settings = composition.load(config)
    store = composition.open_store()
    try:
        backend = composition.build_backend(settings)
    except Exception:
        store.close()
        raise
    bridge = Bridge()
    notifier = TrayNotifier(urgent_alerts=settings.notifications.urgent_during_focus)
    from focusguard import dnd_wiring
    from focusguard.core.clock import SystemClock

    runtime = Runtime(
        settings,
        backend,
        store,
        notifier,
        on_change=bridge.post_change,
        on_release=bridge.post_release,
        on_outcome=bridge.post_outcome,
        on_show=bridge.post_show,
        dnd=dnd_wiring.build(settings, store, backend, notifier, SystemClock()),  # issue 14
    )
    shell = Shell(
        runtime,
        bridge,
        notifier,
        settings_path=config,
        autostart=autostart.for_platform(),
        failsafe=composition.failsafe_scheduler(),
    )
    shell.owns_store = True
    composition.keep_failsafe_soon(settings, config)
    return shell


class Launcher(QObject):
    """Builds and starts the shell, now or after the first-run wizard; remembers it so
    `run` can stop it when the event loop ends."""

    def __init__(self, app: QApplication, config: Path) -> None:
        super().__init__()
        self.app = app
        self.config = config
        self.shell: Shell | None = None
        self._wizard: QDialog | None = None

    def start(self) -> int | None:
        """Start the shell; an exit code when the app should not go on running."""
        from focusguard.app import StartupError

        try:
            shell = build_shell(self.config)
        except StartupError as exc:
            show_startup_error(exc.title, exc.message)
            return 1
        if not shell.start():
            return 0
        shell.settings_saved.connect(self._restart)
        self.shell = shell
        return None

    @Slot()
    def _restart(self) -> None:
        """New settings: a new runtime with them (held mail stays in the ledger and on the
        server; the new engine reconciles it at start)."""
        old, self.shell = self.shell, None
        if old is not None:
            old.stop()
        code = self.start()
        if code is not None:
            self.app.exit(code)

    def first_run(self) -> None:
        from focusguard.ui.wizard import FirstRunWizard

        wizard = FirstRunWizard(self.config)
        wizard.finished.connect(self._wizard_done)
        demo = getattr(wizard, "demo_requested", None)
        if demo is not None:
            demo.connect(self._demo)
        self._wizard = wizard
        wizard.show()

    @Slot(int)
    def _wizard_done(self, result: int) -> None:
        self._wizard = None
        if result != QDialog.DialogCode.Accepted or not self.config.exists():
            self.app.exit(0)
            return
        code = self.start()
        if code is not None:
            self.app.exit(code)

    @Slot()
    def _demo(self) -> None:
        # The demo is its own process with its own simulated mailbox and state.
        QProcess.startDetached(sys.executable, ["-m", "focusguard", "demo"])
        self.app.exit(0)


def run(config: Path) -> int:
    """`focusguard` / `focusguard gui`: the tray app for the settings file `config`."""
    from focusguard.app import AlreadyRunning, StartupError, take_instance_lock

    app = application()
    if ask_running_instance():
        return 0
    try:
        # Held for the process's whole life, across restarts with new settings.
        lock = take_instance_lock()
    except AlreadyRunning:
        ask_running_instance()  # it came up meanwhile: bring it forward
        return 0
    except StartupError as exc:
        show_startup_error(exc.title, exc.message)
        return 1
    try:
        return _run_tray(app, Path(config))
    finally:
        lock.release()


def _run_tray(app: QApplication, config: Path) -> int:
    launcher = Launcher(app, config)
    if launcher.config.exists():
        code = launcher.start()
        if code is not None:
            return code
    else:
        launcher.first_run()
    code = _exec(app, None)
    if launcher.shell is not None:
        launcher.shell.stop()
    return code
