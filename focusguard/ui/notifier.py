"""Desktop notifications: the app's notices and problems (app/events.py) as the tray's
balloon messages. What to say is decided in the app (app/notices.py), the same for every
front-end; this module decides how to show it.

- Thread-safe: `notify()` may be called from the engine's worker; the message is queued to
  the GUI thread (QSystemTrayIcon must only be used there).
- Never a storm: an error is shown once, then the same (title, message) stays quiet until
  the state changes (a different error, or a snapshot with no problem).
- Plain text always: sender names and subjects are untrusted. On Linux Qt hands the body
  to the freedesktop notification server unmodified, and servers with `body-markup` render
  `<b>`, `<a>`, `<img>` — so the body is HTML-escaped there, and tags are stripped from the
  summary (which the spec says is never markup, so escaping would show up literally).
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QSystemTrayIcon

from focusguard.app.events import Notice, Problem
from focusguard.app.values import Snapshot

MessageIcon = QSystemTrayIcon.MessageIcon
# Shows a message: (title, body, icon, milliseconds). The tray's showMessage, or a stand-in.
Sink = Callable[[str, str, MessageIcon, int], None]

TIMEOUT_MS = 10_000
_ICONS = {
    "info": MessageIcon.Information,
    "warning": MessageIcon.Warning,
    "error": MessageIcon.Critical,
}
_TAG = re.compile(r"<[^>]*>?")


class ClickTarget(Enum):
    NONE = "none"
    DIGEST = "digest"  # after a release: open the held-mail digest
    SETTINGS = "settings"  # after a problem: the fix is usually in Settings


def uses_freedesktop(platform: str = sys.platform) -> bool:
    """Linux and the BSDs: Qt forwards messages to org.freedesktop.Notifications."""
    return not (platform.startswith("win") or platform == "darwin")


def plain_for_platform(title: str, body: str, platform: str = sys.platform) -> tuple[str, str]:
    """(title, body) made safe for the platform's notification server."""
    if uses_freedesktop(platform):
        return _TAG.sub("", title), html.escape(body, quote=False)
    return title, body


class TrayNotifier(QObject):
    """Create on the GUI thread; `notify` may be called from any thread."""

    _post = Signal(str, str, str)

    def __init__(
        self,
        sink: Sink | None = None,
        *,
        platform: str = sys.platform,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sink = sink
        self._escape = True
        self._platform = platform
        self._last_problem: tuple[str, str] | None = None
        self._snapshot_problem: str | None = None
        self.click_target = ClickTarget.NONE
        self.on_open_digest: Callable[[], None] | None = None
        self.on_open_settings: Callable[[], None] | None = None
        self._post.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def set_sink(self, sink: Sink | None, *, renders_markup: bool = True) -> None:
        """Where messages go. `renders_markup=False` for a sink that shows text literally
        (a PlainText label), where escaping would show up as `&lt;`."""
        self._sink = sink
        self._escape = renders_markup

    # -- any thread ------------------------------------------------------------------------
    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        self._post.emit(title, message, kind)

    # -- the app's events (GUI thread, from the bridge) ------------------------------------
    def notice(self, notice: Notice) -> None:
        target = ClickTarget.DIGEST if notice.about_held_mail else ClickTarget.NONE
        self._emit(notice.title, notice.message, notice.kind, target)

    def problem(self, problem: Problem) -> None:
        self._show(problem.title, problem.message, "error")

    # -- GUI thread ------------------------------------------------------------------------
    @Slot(str, str, str)
    def _show(self, title: str, message: str, kind: str) -> None:
        if kind == "error":
            key = (title, message)
            if key == self._last_problem:
                return
            self._last_problem = key
            target = ClickTarget.SETTINGS
        else:
            target = ClickTarget.NONE
        self._emit(title, message, kind, target)

    def _emit(self, title: str, message: str, kind: str, target: ClickTarget) -> None:
        if self._sink is None:
            return
        self.click_target = target
        body = message
        if self._escape:
            title, body = plain_for_platform(title, message, self._platform)
        self._sink(title, body, _ICONS.get(kind, MessageIcon.Information), TIMEOUT_MS)

    @Slot(object)
    def on_snapshot(self, snap: object) -> None:
        """A new snapshot. When it shows a problem going away, the next error is news again.
        Only that transition counts: a failed menu action leaves no problem in the snapshot,
        and treating every such snapshot as "all well" would repeat the error per click."""
        assert isinstance(snap, Snapshot)
        problem = snap.problem or (snap.status.problem if snap.status is not None else None)
        if self._snapshot_problem and not problem:
            self._last_problem = None
        self._snapshot_problem = problem

    @Slot()
    def clicked(self) -> None:
        """The tray's messageClicked. Qt cannot say *which* message was clicked, so this acts
        on the last one shown."""
        target, self.click_target = self.click_target, ClickTarget.NONE
        if target is ClickTarget.DIGEST and self.on_open_digest is not None:
            self.on_open_digest()
        elif target is ClickTarget.SETTINGS and self.on_open_settings is not None:
            self.on_open_settings()
