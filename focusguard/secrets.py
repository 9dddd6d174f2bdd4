"""The OS keyring: the only place FocusGuard keeps passwords and tokens.

Lazy and locked (keyring backends are not all thread-safe), errors translated into
messages a person can act on, and never a plaintext fallback: with no usable keyring the
user is told how to get one.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "FocusGuard"


class SecretStoreError(Exception):
    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message


_lock = threading.Lock()

_NO_BACKEND = (
    "No usable keyring was found, so FocusGuard cannot store the password safely. "
    "Install and unlock one (GNOME Keyring or KWallet on Linux; Windows Credential Manager "
    "and the macOS Keychain work out of the box), then try again."
)


class Keyring:
    """`core.ports.Secrets` on the OS keyring. `service` separates the demo and tests."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _backend(self) -> KeyringBackend:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
            raise SecretStoreError("No keyring", _NO_BACKEND)
        return backend

    def get(self, account: str) -> str | None:
        from keyring.errors import KeyringError

        with _lock:
            try:
                value: str | None = self._backend().get_password(self.service, account)
                return value
            except KeyringError as exc:
                raise SecretStoreError("Keyring unavailable", _explain(exc)) from None

    def set(self, account: str, secret: str) -> None:
        from keyring.errors import KeyringError

        with _lock:
            try:
                self._backend().set_password(self.service, account, secret)
            except KeyringError as exc:
                raise SecretStoreError("Could not save to the keyring", _explain(exc)) from None

    def delete(self, account: str) -> None:
        from keyring.errors import KeyringError, PasswordDeleteError

        with _lock:
            try:
                self._backend().delete_password(self.service, account)
            except PasswordDeleteError:
                return
            except KeyringError as exc:
                raise SecretStoreError("Keyring unavailable", _explain(exc)) from None


def _explain(exc: Exception) -> str:
    # The exception text is the backend's; it never contains the secret itself.
    return f"{type(exc).__name__}: {exc}. Unlock your keyring and try again."
