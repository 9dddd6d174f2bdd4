"""The one error base: everything FocusGuard tells a person went wrong has a short `title`
and a plain-language `message` that says what to do about it.

Mail server problems (`MailError`, `AuthError`), settings (`ConfigError`), the state file
(`StoreError`), the keyring (`SecretStoreError`), the OS scheduler (`SchedulerError`) and
start-up (`StartupError`) all derive from `FocusGuardError`, so a front-end recognises them
by type — the tray shows title and message, the command line prints them — and never shows
a traceback for them. (Maestral's `MaestralApiError` is the model: one hierarchy, title +
message, plain data out.)
"""

from __future__ import annotations


class FocusGuardError(Exception):
    """A problem a person can act on: `title` names it, `message` says what to do."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


class StartupError(FocusGuardError):
    """FocusGuard cannot start: bad settings, no password saved, an unusable state file."""


class SettingsNeedFixing(StartupError):
    """The settings file (or the organisation's managed one) has problems: a window can open
    Settings at the first of them instead of only saying so."""

    def __init__(self, title: str, message: str, problems: tuple[str, ...]) -> None:
        super().__init__(title, message)
        self.problems = problems


class AlreadyRunning(StartupError):
    """Another FocusGuard holds the instance lock."""
