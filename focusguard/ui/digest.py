"""The check-in digest window ("Held mail…"): held and today's released mail, for triage.

Customers first, oldest reply-by first; chases, colleagues and bulk mail folded (issue 12
§2, ui/digest_model.py). The selected message's text is fetched from the server on demand
(`Service.message_text`) and shown as plain text only.

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
    QPlainTextEdit,
    QPushButton,
    QSplitter,
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
    MessageText,
    ReleaseDone,
    Section,
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
PREVIEW_HINT = "Select a message to read its text here (fetched from the server as plain text)"
MAX_OPEN = 10  # opening more browser tabs than this at once is never what anyone wants


class DigestWindow(QWidget):
    loaded = Signal()  # a snapshot is on screen
    action_finished = Signal(str)  # the plain-text outcome of release / mark handled

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._service = service
        self._generation = 0
        self._preview_generation = 0
        self._preview_entry: int | None = None
        # Folding the person chose, by row key (sections, chases); the rest is the default:
        # customers open, chases and the other sections folded.
        self._folded: dict[str, bool] = {}
        self._restoring = False
        self.setWindowTitle("Held mail — FocusGuard")
        self.setAccessibleName("Held mail")
        self.resize(1500, 720)

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

        self.preview = QPlainTextEdit(self)  # plain text only: a mail is never rendered
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Message preview")
        self.preview.setPlaceholderText(PREVIEW_HINT)

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
        tree.setAccessibleName("Held mail, customers first")
        tree.setAccessibleDescription(
            "Enter opens in Outlook, R releases, H marks handled, P focuses the preview, "
            "Ctrl+F filters, a column header sorts"
        )
        # Uniform rows let the view skip measuring 10,000 rows; no per-item widgets anywhere.
        tree.setUniformRowHeights(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setAllColumnsShowFocus(True)
        # The model sorts (sections keep their order); the header only shows and asks.
        tree.setSortingEnabled(False)
        tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(Column.REPLY_BY, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._sort)
        # Fixed widths, never ResizeToContents: that would measure every row.
        for column, width in (
            (Column.SENDER, 320),
            (Column.RECEIVED, 130),
            (Column.WAITED, 120),
            (Column.REPLY_BY, 170),
            (Column.AUTOREPLY, 190),
            (Column.NOTES, 270),
            (Column.STATE, 80),
        ):
            header.resizeSection(column, width)
        header.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        tree.activated.connect(self._activated)
        tree.collapsed.connect(lambda i: self._fold(i, True))
        tree.expanded.connect(lambda i: self._fold(i, False))
        tree.selectionModel().selectionChanged.connect(self._update_actions)
        tree.selectionModel().currentChanged.connect(self._current_changed)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for b in (self.open_button, self.release_button, self.handled_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addWidget(self.filter_edit)
        box.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.tree)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        box.addWidget(split, 1)
        box.addWidget(self.status)
        box.addLayout(buttons)
        QWidget.setTabOrder(self.filter_edit, self.tree)
        QWidget.setTabOrder(self.tree, self.preview)
        QWidget.setTabOrder(self.preview, self.open_button)
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
            ("O", self.tree, on_tree, self.open_selected),
            ("P", self.tree, on_tree, self.focus_preview),
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

    def focus_preview(self) -> None:
        self.preview.setFocus(Qt.FocusReason.ShortcutFocusReason)

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
        if kind == "preview":
            if extra == self._preview_generation:
                self._show_preview(future)
            return
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
        self._restore(keep, current_id)
        self._update_summary()
        self._update_actions()

    def _restore(self, keep: set[int | None], current_id: object) -> None:
        """After a new snapshot or a sort: folding as the person left it, and the selection."""
        self._restoring = True
        try:
            self._unfold()
            self._reselect(keep, current_id)
        finally:
            self._restoring = False

    def _unfold(self) -> None:
        for source in self.model.folds():
            index = self.proxy.mapFromSource(source)
            if index.isValid():  # filtered out otherwise
                self._set_folded(index)

    def _set_folded(self, index: QModelIndex) -> None:
        key = str(index.data(GROUP_KEY_ROLE))
        default = key != f"section:{Section.CUSTOMERS.value}"
        if self.filter_edit.text().strip():
            default = False  # what the filter found is shown
        self.tree.setExpanded(index, not self._folded.get(key, default))

    def _fold(self, index: QModelIndex, folded: bool) -> None:
        if not self._restoring:
            self._folded[str(index.data(GROUP_KEY_ROLE))] = folded

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        keep = {r.entry for r in self.selected_records()}
        current = self.tree.currentIndex()
        current_id = current.data(ENTRY_ROLE) if current.isValid() else None
        self.model.sort(column, order)
        self._restore(keep, current_id)
        self._update_actions()

    def _reselect(self, ids: set[int | None], current_id: object) -> None:
        if not ids and current_id is None:
            return
        selection = QItemSelection()
        last = self.proxy.columnCount() - 1
        pending = [self.proxy.index(g, 0) for g in range(self.proxy.rowCount())]
        while pending:
            parent = pending.pop()
            for r in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(r, 0, parent)
                if self.proxy.hasChildren(index):
                    pending.append(index)
                    continue
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
        self.summary.setText(summary_text(self.model.records, self.model.triage))

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._restore({r.entry for r in self.selected_records()}, None)
        self._update_actions()

    # -- the preview ----------------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(ENTRY_ROLE) if current.isValid() else None
        if entry == self._preview_entry:
            return
        self._preview_entry = entry
        self._preview_generation += 1
        if entry is None:
            self.preview.setPlainText("")
            self.preview.setPlaceholderText(PREVIEW_HINT)
            return
        self.preview.setPlainText("")
        self.preview.setPlaceholderText("Loading the message…")
        self._relay.watch(
            self._service.message_text.later(entry), ("preview", self._preview_generation)
        )

    def _show_preview(self, future: Future[Any]) -> None:
        error = future.exception()
        if error is not None:
            self.preview.setPlainText("")
            self.preview.setPlaceholderText(f"Could not fetch the message: {_describe(error)}")
            return
        text: MessageText = future.result()
        self.preview.setPlainText(text.text)
        if not text.text:
            self.preview.setPlaceholderText("The message has no text.")

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
