"""The OS keyring: the only place FocusGuard keeps passwords and tokens.

Lazy and locked (keyring backends are not all thread-safe), errors translated into
messages a person can act on, and never a plaintext fallback (issue 9 §3): with no desktop
keyring, `keyring` itself falls back to whatever else is installed — `keyrings.alt`'s
PlaintextKeyring (priority 0.5, a file next to your documents) or the null/fail backends —
and would silently take the password. So only the operating system's own keyrings are used:

- Secret Service (GNOME Keyring, KWallet, KeePassXC), libsecret and KWallet on Linux,
  Windows Credential Manager, the macOS Keychain (keyring's own backends);
- any other backend only when the user named it on purpose: the `PYTHON_KEYRING_BACKEND`
  environment variable or `default-keyring` in keyring's `keyringrc.cfg` (the suite does
  this for its in-memory backend). Even then the null and fail backends are refused: they
  keep nothing while the app would say the password is stored.

keyring's ChainerBackend (what it picks when several backends are viable) is resolved to the
best system keyring it chains, so a plaintext file further down its list is never read or
written.
"""

from __future__ import annotations

import configparser
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from focusguard import log_redaction
from focusguard.core.errors import FocusGuardError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "FocusGuard"
ENV_VAR = "PYTHON_KEYRING_BACKEND"

# keyring's backends for the operating systems' own secret stores (module -> what people call
# it). Everything else (keyrings.alt's PlaintextKeyring, EncryptedKeyring, Windows registry
# and other file-based "alt" backends, third-party plugins) needs the user's explicit choice.
SYSTEM_BACKENDS = {
    "keyring.backends.SecretService": "the Secret Service keyring",
    "keyring.backends.libsecret": "the Secret Service keyring (libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.Windows": "Windows Credential Manager",
    "keyring.backends.macOS": "the macOS Keychain",
}
_NEVER = ("keyring.backends.null", "keyring.backends.fail")
_CHAINER = "keyring.backends.chainer"


class SecretStoreError(FocusGuardError):
    """The keyring cannot keep or give a secret (none installed, locked, refused)."""


_lock = threading.Lock()

_HOW_TO_GET_ONE = (
    "Install and unlock a system keyring — on Linux GNOME Keyring or KWallet (or KeePassXC "
    "with its Secret Service integration switched on), inside a desktop session; Windows "
    "Credential Manager and the macOS Keychain work out of the box — then try again."
)


@dataclass(frozen=True, slots=True)
class Choice:
    """A keyring backend the user named on purpose, and where they named it."""

    name: str  # "module.Class", as keyring loads it
    where: str  # "PYTHON_KEYRING_BACKEND" or the keyringrc.cfg path


def keyring_config_file() -> Path:
    """keyring's own configuration file (`[backend] default-keyring = module.Class`)."""
    from keyring.util import platform_

    return Path(platform_.config_root()) / "keyringrc.cfg"


def explicit_choice() -> Choice | None:
    """The backend the user configured for keyring, or None when keyring picks one itself."""
    name = os.environ.get(ENV_VAR, "").strip()
    if name:
        return Choice(name, ENV_VAR)
    path = keyring_config_file()
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        name = parser.get("backend", "default-keyring", fallback="").strip()
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None  # keyring ignores a file it cannot read too
    return Choice(name, str(path)) if name else None


def _name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _module(backend: object) -> str:
    return type(backend).__module__


def is_system_keyring(backend: object) -> bool:
    return _module(backend) in SYSTEM_BACKENDS


def choose(backend: KeyringBackend, choice: Choice | None) -> KeyringBackend:
    """The backend FocusGuard may keep secrets in, given what keyring picked; raises
    SecretStoreError (with the fix) when that would be a plaintext file or nothing at all."""
    module = _module(backend)
    if module == _CHAINER:
        # The chainer reads from every backend it chains and writes to the first: use the
        # best system keyring among them directly, so no "alt" file is ever consulted.
        chained: list[KeyringBackend] = list(getattr(backend, "backends", []))
        system = [b for b in chained if is_system_keyring(b)]
        if system:
            return system[0]  # keyring sorts them by priority, best first
        backend = chained[0] if chained else backend
        module = _module(backend)
    if module in _NEVER or module == _CHAINER:
        if choice is not None and _name(backend) == choice.name:
            raise SecretStoreError(
                "Keyring switched off",
                f"{choice.where} selects {choice.name}, which keeps nothing, so FocusGuard "
                f"cannot store the password. {_HOW_TO_GET_ONE} Then remove that setting.",
            )
        raise SecretStoreError(
            "No keyring",
            f"No usable keyring was found, so FocusGuard cannot store the password safely. "
            f"{_HOW_TO_GET_ONE}",
        )
    if is_system_keyring(backend):
        return backend
    if choice is not None and _name(backend) == choice.name:
        return backend  # the user's own, deliberate choice
    # keyrings.alt's file backends say where their file is: an earlier FocusGuard (or another
    # program) may have left a password in it.
    file = getattr(backend, "file_path", None)
    leftover = (
        f" A password stored there earlier is still in {file}: delete it from that file."
        if isinstance(file, str | Path)
        else ""
    )
    raise SecretStoreError(
        "No safe keyring",
        f"The only keyring available is {_name(backend)}, which is not a system keyring "
        "(keyrings.alt and similar backends keep passwords in a file on disk), so FocusGuard "
        f"will not store your password there. {_HOW_TO_GET_ONE} To use that backend anyway, "
        f"choose it on purpose: set {ENV_VAR}={_name(backend)} or name it as default-keyring "
        f"in {keyring_config_file()}.{leftover}",
    )


def describe(backend: object) -> str:
    """Where a secret kept in `backend` is, in words ("the macOS Keychain")."""
    known = SYSTEM_BACKENDS.get(_module(backend))
    return known or f"the keyring you chose ({_name(backend)})"


class Keyring:
    """`core.ports.Secrets` on the OS keyring. `service` separates the demo and tests."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _backend(self) -> KeyringBackend:
        import keyring

        try:
            backend = keyring.get_keyring()
        except Exception as exc:  # a PYTHON_KEYRING_BACKEND/keyringrc.cfg keyring cannot load
            choice = explicit_choice()
            where = f"{choice.where} names {choice.name}, which" if choice else "The keyring"
            raise SecretStoreError(
                "Keyring setting not usable",
                f"{where} could not be loaded ({type(exc).__name__}: {exc}). Correct or "
                "remove that setting and try again.",
            ) from None
        return choose(backend, explicit_choice())

    def check(self) -> str:
        """Where secrets would be kept ("the Secret Service keyring"); raises
        SecretStoreError when there is no safe keyring. Asks nothing of the keyring itself."""
        with _lock:
            return describe(self._backend())

    def get(self, account: str) -> str | None:
        from keyring.errors import KeyringError

        with _lock:
            try:
                value: str | None = self._backend().get_password(self.service, account)
            except KeyringError as exc:
                raise SecretStoreError("Keyring unavailable", _explain(exc)) from None
        log_redaction.remember(value)
        return value

    def set(self, account: str, secret: str) -> None:
        from keyring.errors import KeyringError

        log_redaction.remember(secret)
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
