"""The digest window: loading off the GUI thread, keyboard actions, plain text, and the
real engine behind release / mark handled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from focusguard.core.ports import Folder
from focusguard.core.records import HeldState
from focusguard.ui.digest import NO_LINK, DigestWindow
from focusguard.ui.digest_model import MESSAGE_ID_ROLE, Column
from tests.ui.digest_fixtures import (
    HOSTILE_SENDER,
    HOSTILE_SUBJECT,
    NOW,
    FakeService,
    RealRig,
    many_records,
    record,
)

D = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def fake() -> Iterator[FakeService]:
    rt = FakeService(
        [
            record(
                1,
                "a@big.example",
                received=NOW - timedelta(minutes=50),
                web_link="https://outlook.example/owa/?ItemID=1",
            ),
            record(2, "b@big.example", received=NOW - timedelta(minutes=40)),
            record(
                3, "c@big.example", received=NOW - timedelta(minutes=30), state=HeldState.RELEASED
            ),
            record(4, "d@small.example", subject="Only one"),
        ]
    )
    yield rt
    rt.close()


def open_window(qtbot: QtBot, service: object) -> DigestWindow:
    window = DigestWindow(service)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=5000):
        window.show_and_raise()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window


def select_message(window: DigestWindow, group_row: int, row: int) -> None:
    group = window.proxy.index(group_row, 0)
    index = window.proxy.index(row, 0, group)
    window.tree.setCurrentIndex(index)
    window.tree.selectionModel().select(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    window.tree.setFocus()


def test_loads_on_the_worker_thread_and_shows_customers(qtbot: QtBot, fake: FakeService) -> None:
    window = open_window(qtbot, fake)
    assert fake.store.threads and all(t is not threading.main_thread() for t in fake.store.threads)
    assert window.proxy.index(0, 0).data(D) == "Customers (4)"
    customers = window.proxy.index(0, 0)
    assert [window.proxy.index(r, 0, customers).data(D) for r in range(4)] == [
        "a@big.example (Person 1)",
        "b@big.example (Person 2)",
        "d@small.example (Person 4)",
        "c@big.example (Person 3)",
    ]
    assert window.tree.isExpanded(window.proxy.index(0, 0))
    assert window.summary.text() == "3 emails held from 2 customers; 1 released today"
    assert window.tree.uniformRowHeights()


def test_keyboard_release_and_mark_handled_send_intents(qtbot: QtBot, fake: FakeService) -> None:
    window = open_window(qtbot, fake)
    select_message(window, 0, 0)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window.tree, Qt.Key.Key_R)
    assert fake.engine.released == [[2]]  # the ledger entry of <m1@test>
    # Selecting the section row releases all of its held mail (not what is released).
    window.tree.setCurrentIndex(window.proxy.index(0, 0))
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert fake.engine.released[-1] == [2, 3, 5]
    select_message(window, 0, 2)
    with qtbot.waitSignal(window.action_finished, timeout=5000) as blocker:
        qtbot.keyClick(window.tree, Qt.Key.Key_H)
    assert fake.engine.handled == [[5]]
    assert blocker.args == ["Marked 1 email handled; 1 moved to the Inbox"]
    assert window.status.text() == "Marked 1 email handled; 1 moved to the Inbox"


def test_letters_typed_in_the_filter_do_not_release(qtbot: QtBot, fake: FakeService) -> None:
    window = open_window(qtbot, fake)
    select_message(window, 0, 0)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()
    qtbot.keyClicks(window.filter_edit, "rh one")
    assert window.filter_edit.text() == "rh one"
    assert fake.engine.released == [] and fake.engine.handled == []
    window.filter_edit.setText("only ONE")
    assert window.proxy.rowCount() == 1
    assert window.proxy.rowCount(window.proxy.index(0, 0)) == 1
    assert window.proxy.index(0, 1, window.proxy.index(0, 0)).data(D) == "Only one"


def test_enter_opens_outlook_link_and_no_link_disables_open(
    qtbot: QtBot, fake: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    window = open_window(qtbot, fake)
    select_message(window, 0, 0)  # m1 has a link
    assert window.open_button.isEnabled()
    qtbot.keyClick(window.tree, Qt.Key.Key_Return)
    assert [u.toString() for u in opened] == ["https://outlook.example/owa/?ItemID=1"]
    select_message(window, 0, 1)  # m2 has none
    assert not window.open_button.isEnabled()
    assert window.open_button.toolTip() == NO_LINK
    qtbot.keyClick(window.tree, Qt.Key.Key_Return)
    assert len(opened) == 1


def test_escape_closes_and_tab_order(qtbot: QtBot, fake: FakeService) -> None:
    window = open_window(qtbot, fake)
    select_message(window, 0, 0)  # held, with a link: every button is enabled
    window.filter_edit.setFocus()
    order = []
    for _ in range(6):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [
        window.tree,
        window.preview,
        window.open_button,
        window.release_button,
        window.handled_button,
        window.close_button,
    ]
    names = [
        w.accessibleName()
        for w in (
            window.filter_edit,
            window.tree,
            window.open_button,
            window.release_button,
            window.handled_button,
        )
    ]
    assert all(names)
    window.tree.setFocus()
    qtbot.keyClick(window.tree, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)


def test_hostile_sender_and_subject_stay_plain_text(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = FakeService(
        [record(1, "evil@bad.example", sender=HOSTILE_SENDER, subject=HOSTILE_SUBJECT)]
    )
    try:
        window = open_window(qtbot, rt)
        group = window.proxy.index(0, 0)
        msg = window.proxy.index(0, Column.SENDER, group)
        assert msg.data(D) == HOSTILE_SENDER
        assert msg.siblingAtColumn(Column.SUBJECT).data(D) == HOSTILE_SUBJECT
        assert "<" not in msg.data(Qt.ItemDataRole.ToolTipRole)
        select_message(window, 0, 0)
        window.open_selected()  # writes NO_LINK into the status label
        for label in window.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
        assert not window.findChildren(QMessageBox)
        assert all(isinstance(e, QLineEdit) for e in window.findChildren(QLineEdit))
    finally:
        rt.close()


def test_ten_thousand_items_show(qtbot: QtBot) -> None:
    rt = FakeService(many_records(10_000))
    try:
        window = open_window(qtbot, rt)
        assert window.model.message_count() == 10_000
        assert window.summary.text().startswith("10000 emails held from 500 customers")
        window.filter_edit.setText("Subject 1234")
        assert window.proxy.rowCount() == 1
    finally:
        rt.close()


# -- the real app -------------------------------------------------------------------------


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[RealRig]:
    r = RealRig(tmp_path)
    yield r
    r.close()


def pick(window: DigestWindow, *path: int) -> None:
    """Select the row at `path` (section, row, row in a chase) as a person would."""
    index = QModelIndex()
    for row in path:
        index = window.proxy.index(row, 0, index)
    window.tree.setCurrentIndex(index)
    window.tree.selectionModel().select(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    window.tree.setFocus()


def row_of(window: DigestWindow, message_id: str) -> int:
    customers = window.proxy.index(0, 0)
    return next(
        r
        for r in range(window.proxy.rowCount(customers))
        if window.proxy.index(r, 0, customers).data(MESSAGE_ID_ROLE) == message_id
    )


def test_real_engine_release_and_mark_handled(qtbot: QtBot, rig: RealRig) -> None:
    ann = rig.mail("Ann <ann@client.example>", "Order 1")
    ann2 = rig.mail("Ann <ann@client.example>", "Order 2")
    bob = rig.mail("Bob <bob@other.example>", "Hi")
    rig.drain()
    assert rig.mailbox.where(ann) == [Folder.HELD]
    window = open_window(qtbot, rig.service)
    customers = window.proxy.index(0, 0)
    assert customers.data(D) == "Customers (3)"
    # Ann wrote twice while held: one chase, folded, flagged.
    chase = window.proxy.index(0, 0, customers)
    assert chase.data(D) == "ann@client.example (Ann)"
    assert (
        chase.siblingAtColumn(Column.NOTES)
        .data(D)
        .startswith("2nd mail from ann@client.example since ")
    )
    assert not window.tree.isExpanded(chase)
    pick(window, 0, 0, 0)
    assert window.tree.currentIndex().data(MESSAGE_ID_ROLE) == ann
    with qtbot.waitSignal(window.action_finished, timeout=5000) as done:
        qtbot.keyClick(window.tree, Qt.Key.Key_R)
    assert done.args == ["Released 1 customer email from 1 customer"]
    assert rig.mailbox.where(ann) == [Folder.INBOX]
    # Released today: still listed, now as released (no longer part of the chase).
    qtbot.waitUntil(lambda: window.model.held_count() == 2, timeout=5000)
    customers = window.proxy.index(0, 0)
    states = {
        window.proxy.index(r, 0, customers).data(MESSAGE_ID_ROLE): window.proxy.index(
            r, Column.STATE, customers
        ).data(D)
        for r in range(window.proxy.rowCount(customers))
    }
    assert states == {ann: "released", ann2: "held", bob: "held"}
    # Mark handled: Bob's mail goes to the Inbox now (never left in the held folder) and
    # stays listed as handled.
    row = next(
        r for r in range(3) if window.proxy.index(r, 0, customers).data(MESSAGE_ID_ROLE) == bob
    )
    pick(window, 0, row)
    with qtbot.waitSignal(window.action_finished, timeout=5000) as done:
        qtbot.keyClick(window.tree, Qt.Key.Key_H)
    assert done.args == ["Marked 1 email handled; 1 moved to the Inbox"]
    assert rig.mailbox.where(bob) == [Folder.INBOX]
    rec = rig.store.get_held(bob)
    assert rec is not None and rec.state is HeldState.HANDLED
    qtbot.waitUntil(lambda: window.model.held_count() == 1, timeout=5000)
    assert window.model.message_count() == 3
    # Released mail marked handled is listed as handled too (it was "Marked 0" before).
    customers = window.proxy.index(0, 0)
    row = next(
        r for r in range(3) if window.proxy.index(r, 0, customers).data(MESSAGE_ID_ROLE) == ann
    )
    pick(window, 0, row)
    with qtbot.waitSignal(window.action_finished, timeout=5000) as done:
        qtbot.keyClick(window.tree, Qt.Key.Key_H)
    assert done.args == ["Marked 1 email handled"]
    after = rig.store.get_held(ann)
    assert after is not None and after.state is HeldState.HANDLED


def test_preview_fetches_the_selected_message_as_plain_text(
    qtbot: QtBot, fake: FakeService
) -> None:
    fake.texts[2] = "<b>Where is</b> my order?\nAnn"
    window = open_window(qtbot, fake)
    assert window.preview.toPlainText() == ""
    select_message(window, 0, 0)
    qtbot.waitUntil(lambda: window.preview.toPlainText() != "", timeout=5000)
    # Shown as it is: tags are text, never markup.
    assert window.preview.toPlainText() == "<b>Where is</b> my order?\nAnn"
    assert window.preview.isReadOnly()
    select_message(window, 0, 1)  # entry 3 has no text on the "server"
    qtbot.waitUntil(
        lambda: window.preview.placeholderText().startswith("Could not fetch the message"),
        timeout=5000,
    )
    assert window.preview.toPlainText() == ""
    qtbot.keyClick(window.tree, Qt.Key.Key_P)
    assert window.preview.hasFocus()


def test_header_click_sorts_and_keeps_the_selection(qtbot: QtBot, fake: FakeService) -> None:
    window = open_window(qtbot, fake)
    select_message(window, 0, 0)
    header = window.tree.header()
    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == Column.REPLY_BY
    header.setSortIndicator(Column.SUBJECT, Qt.SortOrder.DescendingOrder)
    customers = window.proxy.index(0, 0)
    subjects = [window.proxy.index(r, 1, customers).data(D) for r in range(4)]
    assert subjects == ["Subject 3", "Subject 2", "Subject 1", "Only one"]
    assert window.tree.currentIndex().data(MESSAGE_ID_ROLE) == "<m1@test>"
    assert [r.message_id for r in window.selected_records()] == ["<m1@test>"]


def test_colleagues_and_bulk_are_folded_and_customers_open(qtbot: QtBot) -> None:
    from dataclasses import replace

    rt = FakeService(
        [
            record(1, "ann@client.example"),
            replace(record(2, "pat@corp.example"), category="internal"),
        ]
    )
    try:
        window = open_window(qtbot, rt)
        assert window.proxy.index(0, 0).data(D) == "Customers (1)"
        assert window.proxy.index(1, 0).data(D) == "Colleagues (1)"
        assert window.tree.isExpanded(window.proxy.index(0, 0))
        assert not window.tree.isExpanded(window.proxy.index(1, 0))
        # The person's folding survives a refresh.
        window.tree.setExpanded(window.proxy.index(1, 0), True)
        window.tree.setExpanded(window.proxy.index(0, 0), False)
        with qtbot.waitSignal(window.loaded, timeout=5000):
            window.refresh()
        assert window.tree.isExpanded(window.proxy.index(1, 0))
        assert not window.tree.isExpanded(window.proxy.index(0, 0))
    finally:
        rt.close()
