"""UI fixtures: a real app from the builder (worker thread, engine, SQLite store) on the
in-memory mailbox, and the GUI's shell around it. Function-scoped: every test gets its own."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from focusguard.app.builder import App
from focusguard.core.clock import VirtualClock
from focusguard.core.ports import Folder, MailItem, MoveResult
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from focusguard.store import Store
from focusguard.ui.notifier import TrayNotifier
from tests.apps import StillTimers, build_app
from tests.fakes import OFFICE_CONFIG

LONDON = ZoneInfo("Europe/London")
# Tuesday: no scheduled focus block, between the 09:30 and 13:00 check-ins.
START = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)
HOSTILE = "<b>x</b><img src=http://127.0.0.1/x>"

CONFIG = OFFICE_CONFIG


class GatedMailbox(MemoryMailbox):
    """The in-memory mailbox, but listing and moving wait on `gate` — a mail server that
    hangs, for as long as a test wants."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.blocked = threading.Event()  # set while a call is waiting at the gate

    def _wait(self) -> None:
        if not self.gate.is_set():
            self.blocked.set()
            self.gate.wait(30)

    def list_folder(
        self, folder: Folder, since: datetime | None = None, known: Collection[str] = ()
    ) -> Sequence[MailItem]:
        self._wait()
        return super().list_folder(folder, since, known)

    def move(self, items: Sequence[MailItem], to: Folder) -> MoveResult:
        self._wait()
        return super().move(items, to)


@dataclass
class Shown:
    title: str
    body: str
    icon: QSystemTrayIcon.MessageIcon
    thread: threading.Thread


@dataclass
class RecordingSink:
    """Stands in for QSystemTrayIcon.showMessage."""

    shown: list[Shown] = field(default_factory=list)

    def __call__(self, title: str, body: str, icon: QSystemTrayIcon.MessageIcon, ms: int) -> None:
        self.shown.append(Shown(title, body, icon, threading.current_thread()))


@dataclass
class UiRig:
    settings: Settings
    clock: VirtualClock
    mailbox: GatedMailbox
    store: Store
    notifier: TrayNotifier
    sink: RecordingSink
    app: App

    @property
    def service(self):  # type: ignore[no-untyped-def]
        return self.app.service

    def deliver(self, n: int, sender: str = "Ann <ann@bigclient.com>", subject: str = "Hi") -> None:
        for i in range(n):
            self.mailbox.deliver(f"<m{i}-{sender}@test>", sender, subject, self.clock.now())


@pytest.fixture
def ui_settings() -> Settings:
    return settings_from_toml(CONFIG)


@pytest.fixture
def ui_failsafe() -> object:
    """The fail-safe's scheduler the app sees (None: not installed). Tests override it."""
    return None


@pytest.fixture
def ui_rig(
    tmp_path: Path, qtbot: object, ui_settings: Settings, ui_failsafe: object
) -> Iterator[UiRig]:
    clock = VirtualClock(START)
    mailbox = GatedMailbox()
    store = Store.open(tmp_path / "state.sqlite3")
    sink = RecordingSink()
    notifier = TrayNotifier(sink, platform="linux")
    app = build_app(
        ui_settings,
        mailbox,
        tmp_path,
        store=store,
        clock=clock,
        timers=StillTimers(),
        failsafe=ui_failsafe,
    )
    rig = UiRig(ui_settings, clock, mailbox, store, notifier, sink, app)
    yield rig
    mailbox.gate.set()  # never leave the worker stuck behind a test
    app.stop()  # stops what was started (a shell's stop has done it already)
    store.close()


@pytest.fixture
def make_shell(ui_rig: UiRig) -> Iterator[object]:
    """Builds the GUI shell around the rig's app; the rig's teardown stops the app."""
    from focusguard.app.setup import SettingsFile
    from focusguard.ui.main import Shell

    shells: list[Shell] = []

    def make(
        *,
        tray_available: bool | None,
        settings_path: Path | None = None,
        title: str = "FocusGuard",
        record: bool = True,
        autostart: object = None,
    ) -> Shell:
        shell = Shell(
            ui_rig.app,
            settings_file=None if settings_path is None else SettingsFile(settings_path),
            title=title,
            tray_available=tray_available,
            autostart=autostart,  # type: ignore[arg-type]
            notifier=ui_rig.notifier,
        )
        if record and shell.tray is not None:
            # Offscreen there is no notification server; record what the tray would show.
            ui_rig.notifier.set_sink(ui_rig.sink)
        shells.append(shell)
        return shell

    yield make
    for shell in shells:
        shell.bridge.detach()
        if shell.tray is not None:
            shell.tray.dispose()
        if shell.window is not None:
            shell.window.deleteLater()
