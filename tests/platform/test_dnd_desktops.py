"""Desktop Do Not Disturb on real parts (issue 14): a private session bus with a notification
server that speaks KDE's Inhibit extension, and GNOME's key through the real gsettings, the
dconf backend and the schema from gsettings-desktop-schemas; the controller with a real
SQLite store remembering what to undo. A "crash" is a controller (or a whole process) that
goes away without restoring; the next one, on the same store, restores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from focusguard.core.clock import VirtualClock
from focusguard.core.do_not_disturb import DND_STATE, DndController
from focusguard.core.settings import DoNotDisturbSettings
from focusguard.platform.dnd import detect
from focusguard.platform.dnd.gnome import GnomeBanners
from focusguard.platform.dnd.kde import KdeInhibit
from focusguard.platform.dnd.unsupported import NoDnd
from focusguard.store import Store
from tests.desktop_bus import DesktopSession, NotificationServer, gnome_session
from tests.fakes import RecordingNotifier
from tests.waiting import wait_until

T0 = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(minutes=25)
REPO = Path(__file__).resolve().parents[2]
ON = DoNotDisturbSettings(desktop=True)


@pytest.fixture
def store(tmp_path: Path):
    db = Store.open(tmp_path / "state.sqlite3")
    yield db
    db.close()


def controller(
    store: Store, clock: VirtualClock | None = None
) -> tuple[DndController, RecordingNotifier]:
    notes = RecordingNotifier()
    dnd = DndController(
        store,
        clock or VirtualClock(T0),
        notes,
        desktop=detect.desktop_dnd(ON),
        restorer=lambda kind: detect.restorer(kind, ON),
    )
    return dnd, notes


# -- GNOME ---------------------------------------------------------------------------------------
@pytest.fixture
def gnome(desktop_session: DesktopSession, monkeypatch: pytest.MonkeyPatch) -> DesktopSession:
    return gnome_session(desktop_session, monkeypatch)


def test_gnome_is_detected_and_banners_go_off_for_the_block_and_back_after(
    gnome: DesktopSession, store: Store
) -> None:
    dnd, notes = controller(store)
    assert isinstance(dnd.desktop, GnomeBanners)
    assert dnd.describe()["desktop"] == {
        "kind": "gnome",
        "available": True,
        "detail": dnd.desktop.detection.detail,
    }
    dnd.focus_changed(UNTIL)
    assert gnome.banners() is False and dnd.quiet
    dnd.focus_changed(UNTIL)  # idempotent
    dnd.focus_changed(None)
    assert gnome.banners() is True and not dnd.quiet
    assert notes.seen == []


def test_gnome_banners_the_user_had_off_stay_off(gnome: DesktopSession, store: Store) -> None:
    gnome.set_banners(False)
    dnd, _ = controller(store)
    dnd.focus_changed(UNTIL)
    dnd.restore()
    assert gnome.banners() is False


def test_gnome_after_a_crash_the_next_start_restores_once_the_block_is_over(
    gnome: DesktopSession, store: Store
) -> None:
    crashed, _ = controller(store)
    crashed.focus_changed(UNTIL)
    assert gnome.banners() is False
    del crashed  # gone without restoring: kill -9
    after, _ = controller(store, VirtualClock(UNTIL + timedelta(minutes=5)))
    after.focus_changed(None)  # the first look at focus after start
    assert gnome.banners() is True
    assert '"desktop": null' in (store.get_fact(DND_STATE) or "")


def test_gnome_a_restart_inside_the_block_keeps_what_the_crashed_run_saw(
    gnome: DesktopSession, store: Store
) -> None:
    crashed, _ = controller(store)
    crashed.focus_changed(UNTIL)
    restarted, _ = controller(store, VirtualClock(T0 + timedelta(minutes=10)))
    restarted.focus_changed(UNTIL)  # still in focus: stays quiet, and must not save "off"
    assert gnome.banners() is False
    restarted.focus_changed(None)
    assert gnome.banners() is True


def test_gnome_the_failsafe_run_restores_without_a_desktop_of_its_own(
    gnome: DesktopSession, store: Store
) -> None:
    crashed, _ = controller(store)
    crashed.focus_changed(UNTIL)
    failsafe = DndController(
        store,
        VirtualClock(T0),
        RecordingNotifier(),
        restorer=lambda kind: detect.restorer(kind, ON),
    )
    failsafe.restore_after_crash()
    assert gnome.banners() is True


def test_gnome_without_a_session_bus_says_so_once_and_holds_nothing_back(
    gnome: DesktopSession, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dconf writes through the session bus; gsettings then warns, exits 0 and writes
    nothing. The adapter reads back, so the person hears of it (once) instead of a silent
    no-op."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    dnd, notes = controller(store)
    dnd.focus_changed(UNTIL)
    dnd.focus_changed(UNTIL + timedelta(minutes=5))
    assert not dnd.quiet
    assert [(k, t) for k, t, _ in notes.seen] == [("warning", "GNOME did not take the setting")]


# -- KDE ---------------------------------------------------------------------------------------
@pytest.fixture
def plasma(desktop_session: DesktopSession, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    server = NotificationServer(desktop_session.address).start()
    yield server
    server.stop()


def test_kde_is_detected_and_inhibits_for_the_block(
    plasma: NotificationServer, store: Store
) -> None:
    dnd, notes = controller(store)
    assert isinstance(dnd.desktop, KdeInhibit)
    assert dnd.describe()["desktop"]["kind"] == "kde"  # type: ignore[index]
    dnd.focus_changed(UNTIL)
    wait_until(lambda: plasma.inhibited, what="an inhibition")
    dnd.focus_changed(UNTIL)  # idempotent: one inhibition
    assert len(plasma.inhibitions) == 1
    dnd.focus_changed(None)
    wait_until(lambda: not plasma.inhibited, what="the inhibition to end")
    assert plasma.released == ["uninhibit"]
    assert notes.seen == []


def test_kde_quit_ends_the_inhibition(plasma: NotificationServer, store: Store) -> None:
    dnd, _ = controller(store)
    dnd.focus_changed(UNTIL)
    wait_until(lambda: plasma.inhibited, what="an inhibition")
    dnd.restore()
    wait_until(lambda: not plasma.inhibited, what="the inhibition to end")


def test_kde_kill_9_ends_the_inhibition_by_itself(
    plasma: NotificationServer, desktop_session: DesktopSession, tmp_path: Path
) -> None:
    """A real process inhibits and is killed with SIGKILL: Plasma (here: the test server,
    which behaves as Plasma does) drops the inhibition when the connection goes."""
    code = textwrap.dedent(
        """
        import sys, time
        from datetime import UTC, datetime, timedelta
        from focusguard.platform.dnd.kde import KdeInhibit
        KdeInhibit().switch_on(datetime.now(UTC) + timedelta(minutes=25))
        print("inhibited", flush=True)
        time.sleep(600)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, **desktop_session.env},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "inhibited"
        assert plasma.inhibited
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        wait_until(lambda: not plasma.inhibited, what="the inhibition to end with its process")
        assert plasma.released == ["disconnect"]
    finally:
        if child.poll() is None:
            child.kill()


def test_urgent_mail_while_quiet_is_a_critical_notification_in_plain_text(
    plasma: NotificationServer, store: Store
) -> None:
    dnd, notes = controller(store)
    dnd.focus_changed(UNTIL)
    dnd.urgent_mail('Urgent email from "<b>Boss</b>"', "Subject: <a href='x'>down</a> & out")
    wait_until(lambda: plasma.shown(), what="a notification")
    (shown,) = plasma.shown()
    assert shown.urgency == 2 and shown.app == "FocusGuard"
    assert shown.hints["desktop-entry"] == "io.focusguard.FocusGuard"
    assert shown.summary == 'Urgent email from "Boss"'  # the summary is never markup
    assert shown.body == "Subject: &lt;a href='x'&gt;down&lt;/a&gt; &amp; out"
    assert notes.seen == []  # not also on the tray


def test_a_server_without_markup_gets_the_body_as_typed(
    desktop_session: DesktopSession, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    server = NotificationServer(desktop_session.address, markup=False).start()
    try:
        dnd, _ = controller(store)
        dnd.urgent_mail("Urgent", "<b>as typed</b>")
        wait_until(lambda: server.shown(), what="a notification")
        assert server.shown()[0].body == "<b>as typed</b>"
    finally:
        server.stop()


# -- nothing to switch -----------------------------------------------------------------------
def test_a_notification_server_without_inhibit_is_no_dnd_and_says_why(
    desktop_session: DesktopSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "XFCE")
    server = NotificationServer(desktop_session.address, kde=False).start()
    try:
        found = detect.desktop_dnd(ON)
    finally:
        server.stop()
    assert isinstance(found, NoDnd) and not found.detection.available
    assert "no Do Not Disturb switch" in found.detection.detail


def test_no_session_bus_is_no_dnd_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    found = detect.desktop_dnd(ON, platform="linux", environ={})
    assert isinstance(found, NoDnd)
    assert "session bus" in found.detection.detail


def test_windows_is_said_plainly_and_nothing_is_switched(store: Store) -> None:
    found = detect.desktop_dnd(ON, platform="win32", environ={})
    assert found.detection.kind == "windows" and not found.detection.available
    assert "no supported way" in found.detection.detail
    notes = RecordingNotifier()
    dnd = DndController(store, VirtualClock(T0), notes, desktop=found)
    dnd.focus_changed(UNTIL)
    assert not dnd.quiet and store.get_fact(DND_STATE) is None
    dnd.urgent_mail("Urgent email", "from the boss")  # no critical path: the tray's
    assert notes.seen == [("warning", "Urgent email", "from the boss")]


def test_macos_needs_both_shortcut_names() -> None:
    found = detect.desktop_dnd(DoNotDisturbSettings(desktop=True), platform="darwin")
    assert found.detection.kind == "macos" and not found.detection.available
    assert "Shortcuts" in found.detection.detail


def test_switched_off_in_settings_shows_the_detection_and_switches_nothing(
    plasma: NotificationServer, store: Store
) -> None:
    dnd = DndController(
        store,
        VirtualClock(T0),
        RecordingNotifier(),
        desktop=detect.desktop_dnd(ON),
        desktop_enabled=False,
    )
    dnd.focus_changed(UNTIL)
    assert not plasma.inhibited and not dnd.quiet
    assert dnd.describe()["desktop_enabled"] is False
    assert dnd.describe()["desktop"]["kind"] == "kde"  # type: ignore[index]
