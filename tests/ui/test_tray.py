"""The tray icon: states, badge, tooltip (plain text only), click, and the live app."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSystemTrayIcon

from focusguard import resource_files
from focusguard.app.values import Snapshot, Status
from focusguard.ui import icons
from focusguard.ui.icons import IconState
from focusguard.ui.menu import Intents
from focusguard.ui.tray import Tray, safe_tooltip
from tests.ui.conftest import HOSTILE, START

BASE = Status(
    now=START,
    zone="Europe/London",
    focus_until=None,
    next_check_in=START.replace(hour=13),
    in_check_in=False,
    held=0,
    held_customers=0,
    paused_until=None,
    mode="client-move",
    mode_detail="",
    problem=None,
)


@pytest.mark.parametrize(
    ("changes", "problem", "state"),
    [
        ({}, None, IconState.OPEN),
        ({"held": 4, "held_customers": 4}, None, IconState.HOLDING),
        ({"focus_until": START + timedelta(minutes=25), "held": 2}, None, IconState.FOCUS),
        ({"in_check_in": True, "held": 3}, None, IconState.CHECK_IN),
        ({"paused_until": START + timedelta(hours=1), "held": 3}, None, IconState.PAUSED),
        ({"held": 3}, "Exchange unreachable: check the network", IconState.ERROR),
        ({"problem": "release failed"}, None, IconState.ERROR),
    ],
)
def test_icon_state_follows_status(changes: dict, problem: str | None, state: IconState) -> None:
    assert icons.state_for(replace(BASE, **changes), problem) is state


def test_no_status_yet_is_open_and_a_problem_is_error() -> None:
    assert icons.state_for(None, None) is IconState.OPEN
    assert icons.state_for(None, "cannot connect") is IconState.ERROR


@pytest.mark.parametrize("state", list(IconState))
def test_every_state_has_a_valid_svg_that_renders(qapp: object, state: IconState) -> None:
    data = resource_files.read_bytes(state.resource)
    assert QSvgRenderer(QByteArray(data)).isValid()
    for size in (16, 32):
        image = icons.pixmap(state, size).toImage()
        assert image.width() == size
        # The shield covers the centre; the corners stay transparent.
        assert image.pixelColor(size // 2, size // 2).alpha() == 255
        assert image.pixelColor(0, 0).alpha() == 0


def test_states_look_different(qapp: object) -> None:
    centres = {s: icons.pixmap(s, 32).toImage().pixelColor(16, 27).name() for s in IconState}
    assert len(set(centres.values())) == len(IconState), centres


def test_badge_shows_count(qapp: object) -> None:
    assert icons.badge_text(0) == ""
    assert icons.badge_text(4) == "4"
    assert icons.badge_text(12) == "9+"
    plain = icons.pixmap(IconState.HOLDING, 32).toImage()
    badged = icons.pixmap(IconState.HOLDING, 32, "4").toImage()
    # The badge is a red disc in the bottom-right corner.
    assert plain.pixelColor(29, 29).alpha() == 0
    assert badged.pixelColor(26, 23) == QColor("#d32f2f") or badged.pixelColor(29, 25).red() > 150
    assert icons.icon(IconState.HOLDING, 4).availableSizes()


class FakeIntents:
    """What the tray's menu reads of `Intents`: no verbs, no windows but the digest."""

    open_settings = None
    open_insights = None

    def __init__(self) -> None:
        self.digests = 0
        self.verbs: dict[str, object] = {}

    def starts_at_login(self) -> None:
        return None

    def quit(self) -> None: ...

    def open_digest(self) -> None:
        self.digests += 1


def make_tray(snap: Snapshot, intents: object | None = None) -> Tray:
    return Tray(intents or FakeIntents(), lambda: snap)  # type: ignore[arg-type]


def test_tooltip_is_the_status_line(qapp: object) -> None:
    snap = Snapshot(replace(BASE, focus_until=START.replace(hour=11, minute=30), held=4))
    tray = make_tray(snap)
    assert tray.icon.toolTip() == "FocusGuard\nFocus until 11:30 · 4 held · next check-in 13:00"
    assert tray.state is IconState.FOCUS
    tray.dispose()


def test_tooltip_never_renders_untrusted_markup(qapp: object) -> None:
    tray = make_tray(Snapshot(BASE, problem=f"Mail from {HOSTILE} could not be held"))
    tip = tray.icon.toolTip()
    assert "<img" not in tip and "<b>" not in tip
    assert "&lt;b&gt;x&lt;/b&gt;&lt;img src=http://127.0.0.1/x&gt;" in tip
    tray.dispose()


def test_safe_tooltip_leaves_ordinary_text_alone() -> None:
    assert safe_tooltip("Open · 0 held") == "Open · 0 held"
    assert safe_tooltip("a < b").startswith("<p>")  # escaped HTML: shows "a < b" literally


def test_left_click_opens_held_mail(qapp: object) -> None:
    intents = FakeIntents()
    tray = make_tray(Snapshot(BASE), intents)
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    assert intents.digests == 1
    tray.dispose()


def test_tray_follows_the_running_engine(qtbot, ui_rig, make_shell) -> None:
    shell = make_shell(tray_available=True)
    assert isinstance(shell.intents, Intents)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    assert shell.tray.state is IconState.OPEN
    assert "0 held" in shell.tray.icon.toolTip()

    ui_rig.deliver(3)
    qtbot.waitUntil(lambda: shell.feed.current.held == 3)
    assert shell.tray.state is IconState.HOLDING
    assert "3 held · next check-in 13:00" in shell.tray.icon.toolTip()


def test_a_failing_mail_watcher_turns_the_tray_to_error_until_it_recovers(
    qtbot, ui_rig, make_shell
) -> None:
    # Issue 9: the watcher stopping used to leave the tray showing all well.
    from focusguard.core.ports import AuthError

    shell = make_shell(tray_available=True)
    shell.start()
    qtbot.waitUntil(lambda: shell.feed.current.status is not None)
    assert shell.tray.state is IconState.OPEN
    ui_rig.mailbox.watcher_failing(
        AuthError("Password rejected", "Exchange rejected the password — update it.")
    )
    qtbot.waitUntil(lambda: shell.tray.state is IconState.ERROR)
    assert "Password rejected" in shell.tray.icon.toolTip()
    qtbot.waitUntil(lambda: [s.title for s in ui_rig.sink.shown] == ["Password rejected"])
    ui_rig.mailbox.watcher_recovered()
    qtbot.waitUntil(lambda: shell.tray.state is IconState.OPEN)
