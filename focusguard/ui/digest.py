"""The check-in digest window ("Held mail…"): held and today's released mail by customer.

It sends intents (release, mark handled) to the service without waiting and renders the
snapshots it answers (`Service.digest`, taken on the engine's worker); nothing here touches
the store or the network. Results come back as Qt signals (`FutureRelay`).

"Mark handled" means "I have dealt with it": mail still held goes to the Inbox now and stays
on the list as handled; it never stays hidden in the held folder (issue 9).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from focusguard.app.service import Service
from focusguard.app.values import (
    DigestSnapshot,
    FocusGuardError,
    Handled,
    HeldRecord,
    HeldState,
    ReleaseDone,
)
from focusguard.ui.digest_model import (
    ENTRY_ROLE,
    GROUP_KEY_ROLE,
    MESSAGE_ID_ROLE,
    Column,
    DigestFilter,
    DigestModel,
    records_under,
    summary_text,
)
from focusguard.ui.future_relay import FutureRelay
from focusguard.ui.plain_text import plain_label

log = logging.getLogger(__name__)

NO_LINK = "No Outlook link for this message"
MAX_OPEN = 10  # opening more browser tabs than this at once is never what anyone wants


class DigestWindow(QWidget):
    loaded = Signal()  # a snapshot is on screen
    action_finished = Signal(str)  # the plain-text outcome of release / mark handled

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._service = service
        self._generation = 0
        self._collapsed: set[str] = set()
        self.setWindowTitle("Held mail — FocusGuard")
        self.setAccessibleName("Held mail")
        self.resize(900, 560)

        self.model = DigestModel(self)
        self.proxy = DigestFilter(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by sender or subject (Ctrl+F)")
        self.filter_edit.setAccessibleName("Filter held mail by sender or subject")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)

        self.tree = QTreeView(self)
        self._setup_tree()

        self.summary = plain_label("Loading…", self)
        self.summary.setAccessibleName("Summary")
        self.status = plain_label("", self)
        self.status.setAccessibleName("Last action")

        self.open_button = QPushButton("&Open in Outlook", self)
        self.open_button.setAccessibleName("Open in Outlook")
        self.release_button = QPushButton("&Release now", self)
        self.release_button.setAccessibleName("Release now")
        self.release_button.setToolTip("Move the selected mail to the Inbox now (R)")
        self.handled_button = QPushButton("Mark &handled", self)
        self.handled_button.setAccessibleName("Mark handled")
        self.handled_button.setToolTip(
            "You dealt with the selected mail: move it to the Inbox now if it is still held, "
            "and list it as handled (H)"
        )
        self.close_button = QPushButton("Close", self)
        self.open_button.clicked.connect(self.open_selected)
        self.release_button.clicked.connect(self.release_selected)
        self.handled_button.clicked.connect(self.mark_selected_handled)
        self.close_button.clicked.connect(self.close)

        self._layout()
        self._shortcuts()
        self._relay = FutureRelay(self)
        self._relay.done.connect(self._future_done)
        self._update_actions()

    # -- construction ----------------------------------------------------------------------
    def _setup_tree(self) -> None:
        tree = self.tree
        tree.setModel(self.proxy)
        tree.setAccessibleName("Held mail by customer")
        tree.setAccessibleDescription(
            "Enter opens in Outlook, R releases, H marks handled, Ctrl+F filters"
        )
        # Uniform rows let the view skip measuring 10,000 rows; no per-item widgets anywhere.
        tree.setUniformRowHeights(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setAllColumnsShowFocus(True)
        tree.setSortingEnabled(False)  # the order is the point: busiest customer first
        tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = tree.header()
        header.setStretchLastSection(False)
        # Fixed widths, never ResizeToContents: that would measure every row.
        for column, width in (
            (Column.SENDER, 260),
            (Column.RECEIVED, 120),
            (Column.WAITED, 110),
            (Column.STATE, 130),
        ):
            header.resizeSection(column, width)
        header.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        tree.activated.connect(self._activated)
        tree.collapsed.connect(lambda i: self._collapsed.add(str(i.data(GROUP_KEY_ROLE))))
        tree.expanded.connect(lambda i: self._collapsed.discard(str(i.data(GROUP_KEY_ROLE))))
        tree.selectionModel().selectionChanged.connect(self._update_actions)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for b in (self.open_button, self.release_button, self.handled_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addWidget(self.filter_edit)
        box.addWidget(self.summary)
        box.addWidget(self.tree, 1)
        box.addWidget(self.status)
        box.addLayout(buttons)
        QWidget.setTabOrder(self.filter_edit, self.tree)
        QWidget.setTabOrder(self.tree, self.open_button)
        QWidget.setTabOrder(self.open_button, self.release_button)
        QWidget.setTabOrder(self.release_button, self.handled_button)
        QWidget.setTabOrder(self.handled_button, self.close_button)

    def _shortcuts(self) -> None:
        window = Qt.ShortcutContext.WidgetWithChildrenShortcut
        # Bare letters only while the list has focus, so typing "r" in the filter works.
        on_tree = Qt.ShortcutContext.WidgetShortcut
        pairs = (
            ("R", self.tree, on_tree, self.release_selected),
            ("H", self.tree, on_tree, self.mark_selected_handled),
            ("Ctrl+R", self, window, self.release_selected),
            ("Ctrl+F", self, window, self.focus_filter),
            ("Esc", self, window, self.close),
        )
        self._shortcut_objects = []
        for keys, owner, context, slot in pairs:
            sc = QShortcut(QKeySequence(keys), owner)
            sc.setContext(context)
            sc.activated.connect(slot)
            self._shortcut_objects.append(sc)

    # -- public API (used by the tray) -----------------------------------------------------
    def show_and_raise(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()
        self.tree.setFocus()
        self.refresh()

    def refresh(self) -> None:
        """Ask the worker for a fresh snapshot; the newest request wins."""
        self._generation += 1
        self._relay.watch(self._service.digest.later(), ("load", self._generation))

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    # -- selection -------------------------------------------------------------------------
    def selected_records(self) -> list[HeldRecord]:
        rows = self.tree.selectionModel().selectedRows(0)
        if not rows and self.tree.currentIndex().isValid():
            rows = [self.tree.currentIndex().siblingAtColumn(0)]
        return records_under(self.model, (self.proxy.mapToSource(i) for i in rows))

    def _selected_messages(self) -> list[HeldRecord]:
        """Message rows themselves (not whole customers): what Open acts on."""
        rows = self.tree.selectionModel().selectedRows(0)
        out = (self.model.record_at(self.proxy.mapToSource(i)) for i in rows)
        return [r for r in out if r is not None]

    def _update_actions(self, *_: object) -> None:
        records = self.selected_records()
        linked = [r for r in self._selected_messages() if r.web_link]
        self.open_button.setEnabled(0 < len(linked) <= MAX_OPEN)
        if linked:
            self.open_button.setToolTip("Open the selected mail in Outlook (Enter)")
        elif self._selected_messages():
            self.open_button.setToolTip(NO_LINK)
        else:
            self.open_button.setToolTip("Select a message to open it in Outlook")
        self.release_button.setEnabled(any(r.state is HeldState.HELD for r in records))
        self.handled_button.setEnabled(any(r.state is not HeldState.HANDLED for r in records))

    # -- intents ---------------------------------------------------------------------------
    def open_selected(self) -> None:
        linked = [r for r in self._selected_messages() if r.web_link]
        for rec in linked[:MAX_OPEN]:
            QDesktopServices.openUrl(QUrl(rec.web_link or ""))
        if not linked and self._selected_messages():
            self.status.setText(NO_LINK)

    def release_selected(self) -> None:
        entries = [
            r.entry
            for r in self.selected_records()
            if r.state is HeldState.HELD and r.entry is not None
        ]
        if entries:
            self._intent("release", self._service.release.later(entries))
        elif self.selected_records():
            self.status.setText("The selected mail has been released already")

    def mark_selected_handled(self) -> None:
        records = self.selected_records()
        entries = [
            r.entry for r in records if r.state is not HeldState.HANDLED and r.entry is not None
        ]
        if entries:
            self._intent("handled", self._service.mark_handled.later(entries), count=len(entries))
        elif records:
            self.status.setText("The selected mail is marked handled already")

    def _intent(self, kind: str, future: Future[Any], count: int = 0) -> None:
        self.status.setText("Working…")
        self._relay.watch(future, (kind, count))

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        if index.data(MESSAGE_ID_ROLE) is None:  # a customer row: Enter folds it
            first = index.siblingAtColumn(0)
            self.tree.setExpanded(first, not self.tree.isExpanded(first))
            return
        self.open_selected()

    # -- results (GUI thread, via the relay) -----------------------------------------------
    def _future_done(self, tag: tuple[str, int], future: Future[Any]) -> None:
        kind, extra = tag
        error = future.exception()
        if kind == "load":
            if extra != self._generation:
                return  # an older snapshot finished after a newer request
            if error is not None:
                log.warning("digest load failed", exc_info=error)
                self.summary.setText(f"Could not load held mail: {_describe(error)}")
                return
            self._apply(future.result())
            self.loaded.emit()
            return
        if error is not None:
            text = _describe(error)
        elif kind == "release":
            text = released_text(future.result())
        else:
            text = handled_text(future.result())
        self.status.setText(text)
        self.action_finished.emit(text)
        self.refresh()

    def _apply(self, snapshot: DigestSnapshot) -> None:
        keep = {r.entry for r in self.selected_records()}
        current = self.tree.currentIndex()
        current_id = current.data(ENTRY_ROLE) if current.isValid() else None
        self.model.set_snapshot(snapshot)
        self.tree.expandAll()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if str(index.data(GROUP_KEY_ROLE)) in self._collapsed:
                self.tree.setExpanded(index, False)
        self._reselect(keep, current_id)
        self._update_summary()
        self._update_actions()

    def _reselect(self, ids: set[int | None], current_id: object) -> None:
        if not ids and current_id is None:
            return
        selection = QItemSelection()
        last = self.proxy.columnCount() - 1
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            for r in range(self.proxy.rowCount(group)):
                index = self.proxy.index(r, 0, group)
                entry = index.data(ENTRY_ROLE)
                if entry in ids:
                    selection.select(index, index.siblingAtColumn(last))
                if entry == current_id:
                    self.tree.selectionModel().setCurrentIndex(
                        index, QItemSelectionModel.SelectionFlag.NoUpdate
                    )
        self.tree.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def _update_summary(self) -> None:
        self.summary.setText(summary_text(self.model.groups))

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self.tree.expandAll()
        self._update_actions()

    def closeEvent(self, event: QCloseEvent) -> None:
        # The tray keeps this window and shows it again; closing only hides it.
        self.filter_edit.clear()
        super().closeEvent(event)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def released_text(done: ReleaseDone) -> str:
    """ "Released 2 customer emails from 1 customer" (and what could not be moved)."""
    release = done.release
    if release is None or not release.released:
        return "Nothing was released"
    text = f"Released {release.summary}"
    if release.failed:
        text += f" ({release.failed} could not be moved yet; FocusGuard will retry)"
    return text


def handled_text(done: Handled) -> str:
    """ "Marked 3 emails handled; 2 moved to the Inbox" (and what could not be moved)."""
    text = f"Marked {_plural(done.marked, 'email')} handled"
    if done.moved:
        text += f"; {done.moved} moved to the Inbox"
    if done.failed:
        verb = "is" if done.failed == 1 else "are"
        text += f"; {done.failed} could not be moved to the Inbox yet and {verb} still held"
    return text


def _describe(error: BaseException) -> str:
    if isinstance(error, FocusGuardError):
        return f"{error.title}: {error.message}"
    return f"{type(error).__name__}: {error}"
