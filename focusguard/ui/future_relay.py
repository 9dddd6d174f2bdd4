"""Results of background work delivered to the GUI thread as a Qt signal.

A `Future` completes on a worker thread; its done-callback must not touch widgets. It
emits a signal of a QObject that lives on the GUI thread instead; Qt queues cross-thread
emissions, so the connected slot runs on the GUI thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

T = TypeVar("T")


class FutureRelay(QObject):
    """Emits `done(tag, future)` on the GUI thread for every future passed to `watch`; the
    tag says what the work was, so one slot can route every result."""

    done = Signal(object, object)

    def watch(self, future: Future[Any], tag: object = None) -> None:
        future.add_done_callback(lambda f: self._emit(tag, f))

    def _emit(self, tag: object, future: Future[Any]) -> None:
        # The window may have been closed and its relay deleted while the work ran.
        with contextlib.suppress(RuntimeError):
            self.done.emit(tag, future)


def run_in_thread(fn: Callable[[], T], name: str = "focusguard-ui-task") -> Future[T]:
    """Run `fn` on a daemon thread; a hung network check must never block quitting."""
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = fn()
        except BaseException as exc:  # delivered to the GUI through the future
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
