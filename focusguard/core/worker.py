"""One worker thread for all engine work: a queue of commands, run in order.

The GUI thread, the scheduler and the control channel only ever submit; none of them touch
the engine or the network themselves, so a stuck server can never freeze the tray menu.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_Job = tuple[Callable[[], object], "Future[object]"]


class Worker:
    def __init__(self, name: str = "focusguard-engine") -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((fn, future))  # type: ignore[arg-type]
        return future

    def call(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Submit and wait (never from the GUI thread)."""
        return self.submit(fn).result(timeout)

    @property
    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self, timeout: float = 10.0) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # the worker must outlive any one command
                log.exception("engine command failed")
                future.set_exception(exc)
