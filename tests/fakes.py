"""Test doubles at the edges nothing here can reach: a notifier that only records."""

from __future__ import annotations


class RecordingNotifier:
    """`core.ports.Notifier` that keeps (kind, title, message) instead of showing it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    def notify(self, title: str, message: str, *, kind: str = "info") -> None:
        self.seen.append((kind, title, message))
