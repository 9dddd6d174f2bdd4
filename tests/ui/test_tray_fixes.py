"""What the trial found around the digest (issue 12 §2) and the promise's UI (§1), with real
widgets: the menu's status line elided with the problem in a submenu, colours that stay
readable on a dark palette, no clashing mnemonics on the Account tab, the auto-reply
preview during a manual focus, the schedule tab's promise audit, the tray's promise mark."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QMenu
from pytestqt.qtbot import QtBot

from focusguard.app.values import Snapshot
from focusguard.ui import icons
from focusguard.ui.menu import STATUS_MAX, find_action, populate, status_entries
from focusguard.ui.settings_dialog import SettingsDialog
from focusguard.ui.validators import outcome_style, show_error
from tests.ui.digest_fixtures import CONFIG, LONDON

NOW = datetime(2026, 3, 24, 11, 0, tzinfo=LONDON)  # Tuesday 11:00
PROBLEM = (
    "Could not connect to Exchange: the server mail.corp.example refused the TLS handshake "
    "because its certificate expired on 2026-03-01; ask IT to renew it, or set "
    "account.tls_ca_file to the new certificate & try again"
)


def test_the_error_status_line_is_elided_and_the_detail_is_a_submenu(qapp: object) -> None:
    snap = Snapshot(None, PROBLEM)
    assert len(snap.line) > 200
    head, detail = status_entries(snap)
    assert len(head.text) <= STATUS_MAX and head.text.endswith("…")
    assert not head.enabled
    words = " ".join(e.text.replace("&&", "&") for e in detail.children)
    assert words == PROBLEM
    menu = QMenu()
    populate(menu, status_entries(snap))
    assert menu.sizeHint().width() < 600  # it used to span the whole screen
    sub = find_action(menu, "⚠ What is wrong").menu()
    assert isinstance(sub, QMenu) and len(sub.actions()) == len(detail.children)
    assert status_entries(Snapshot(None)) == [status_entries(Snapshot(None))[0]]


def dark() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    return palette


def contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_error_and_success_colours_are_readable_on_light_and_dark(qapp: object) -> None:
    for palette in (QPalette(QColor("#f0f0f0")), dark()):
        window = palette.color(QPalette.ColorRole.Window)
        for ok in (True, False):
            colour = QColor(outcome_style(palette, ok).split(":")[1].strip(" ;"))
            # WCAG AA for normal text: 4.5:1 (the fixed #b00020 on #202124 was about 2:1).
            assert contrast(colour, window) >= 4.5, (window.name(), colour.name())
    label = QLabel()
    label.setPalette(dark())
    show_error(label, ["bad"])
    colour = QColor(label.styleSheet().split(":")[1].strip(" ;"))
    assert contrast(colour, dark().color(QPalette.ColorRole.Window)) >= 4.5


def config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "focusguard.toml"
    path.write_text(CONFIG + extra, encoding="utf-8")
    return path


def mnemonics(texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        i = text.replace("&&", "").find("&")
        if i >= 0:
            out.append(text.replace("&&", "")[i + 1].lower())
    return out


def test_no_mnemonic_clashes_between_the_tabs_and_the_account_tab(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = SettingsDialog(config(tmp_path), now=lambda: NOW)
    qtbot.addWidget(dialog)
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    page = dialog.tabs.widget(0)
    labels = [w.text() for w in page.findChildren(QLabel)]
    from PySide6.QtWidgets import QAbstractButton

    buttons = [b.text() for b in page.findChildren(QAbstractButton)]
    keys = mnemonics(tabs + labels + buttons)
    assert len(keys) == len(set(keys)), keys  # Alt+P and Alt+S each meant two things


def test_the_auto_reply_preview_follows_a_manual_focus(qtbot: QtBot, tmp_path: Path) -> None:
    # Tuesday 11:00, check-ins 09:30/13:00/16:30: a focus started by hand until 14:00 keeps
    # mail past 13:00 until the focus ends, so the auto-reply names 14:00 (the engine's own
    # answer: the next test) — and so must the preview, which said 13:00.
    until: list[datetime | None] = [None]
    dialog = SettingsDialog(config(tmp_path), now=lambda: NOW, focus_until=lambda: until[0])
    qtbot.addWidget(dialog)
    dialog.urgent_phone.setText("+1")
    dialog.template.setPlainText("Back at {next_check_in}.")
    assert dialog.preview.text() == "Back at 13:00 GMT today."
    until[0] = NOW + timedelta(hours=3)
    dialog.update_preview()
    assert dialog.preview.text() == "Back at 14:00 GMT today."


def test_the_auto_reply_preview_says_what_the_engine_sends(tmp_path: Path) -> None:
    from focusguard.core.clock import VirtualClock
    from focusguard.core.settings import settings_from_toml
    from focusguard.domain.autoreply import customer_time
    from focusguard.mail.memory import MemoryMailbox
    from tests.apps import StillTimers, build_app, drain

    text = CONFIG + '\n[autoreply]\nenabled = true\nurgent_phone = "+1"\n'
    text += 'template = "Back at {next_check_in}."\n'
    mailbox = MemoryMailbox()
    app = build_app(
        settings_from_toml(text), mailbox, tmp_path, clock=VirtualClock(NOW), timers=StillTimers()
    )
    app.start()
    try:
        drain(app)
        app.service.focus_start(180)
        mailbox.deliver("<a@t>", "Ann <ann@bigclient.com>", "Order", NOW)
        drain(app)
        [sent] = mailbox.sent
        assert sent.body == f"Back at {customer_time(NOW.replace(hour=14), LONDON, NOW)}."
    finally:
        app.stop()


def test_the_schedule_tab_shows_the_promise_audit(qtbot: QtBot, tmp_path: Path) -> None:
    # A 2 h promise with check-ins 09:30/13:00/16:30 and Mon/Wed focus 10:00-12:00: mail
    # arriving just after a check-in waits longer than the promise.
    dialog = SettingsDialog(
        config(tmp_path, '\n[promise]\nreply_within = "2h"\nrelease_margin = "30m"\n'),
        now=lambda: NOW,
    )
    qtbot.addWidget(dialog)
    assert not dialog.audit.isHidden()
    assert dialog.audit.text().startswith("⚠ ") and "2h" in dialog.audit.text()
    assert "#" in dialog.audit.styleSheet()  # the warning colour
    # More check-ins: the schedule keeps the promise and the tab says how long the wait is.
    dialog.check_in_minutes.setValue(5)
    dialog.blocks.setRowCount(0)
    dialog.check_ins.set_times([time(h) for h in range(9, 18)])
    assert dialog.audit.text().startswith("promise: the longest wait is"), dialog.audit.text()
    assert dialog.audit.styleSheet() == ""


def test_no_promise_no_audit(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(config(tmp_path), now=lambda: NOW)
    qtbot.addWidget(dialog)
    assert dialog.audit.isHidden()


def test_the_tray_icon_marks_mail_at_risk_and_overdue(qapp: object) -> None:
    from focusguard.core.engine import Status

    status = Status(NOW, "Europe/London", None, None, False, 3, 3, None, "client-move", "", None)
    assert icons.promise_mark(status) == ""
    assert icons.promise_mark(replace(status, at_risk=1)) == "at-risk"
    assert icons.promise_mark(replace(status, at_risk=1, overdue=1)) == "overdue"
    plain = icons.pixmap(icons.IconState.HOLDING, 32, "3").toImage()
    risky = icons.pixmap(icons.IconState.HOLDING, 32, "3", "at-risk").toImage()
    late = icons.pixmap(icons.IconState.HOLDING, 32, "3", "overdue").toImage()
    corner = (5, 5)
    assert risky.pixelColor(*corner) != plain.pixelColor(*corner)
    assert late.pixelColor(*corner) != risky.pixelColor(*corner)
