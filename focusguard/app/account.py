"""`focusguard account login`: sign in once, and keep the password or token in the keyring
only after the server accepted it (the backend kind says how: app/backends.py)."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from focusguard.app import backends, startup
from focusguard.core.errors import FocusGuardError


def login(config: Path, *, password_stdin: bool) -> int:
    from focusguard.secrets import Keyring

    try:
        settings = startup.load(config)
    except FocusGuardError as exc:
        return _fail(exc)
    account = settings.account
    if account is None:
        print("focusguard: no [account] section in the settings", file=sys.stderr)
        return 1
    keyring = Keyring()
    try:
        # Before asking for the password: with no safe keyring it could not be kept anyway.
        where = keyring.check()
    except FocusGuardError as exc:
        return _fail(exc)
    kind = backends.kind_of(account)
    asks = kind.asks_password(account)

    def password() -> str:
        text = _read_password(f"Password for {account.username or account.email}: ", password_stdin)
        if not text:
            raise _NoPassword("No password given", "Type the password (nothing was stored).")
        return text

    try:
        kind.sign_in(account, keyring, password, presence=settings.do_not_disturb.teams)
    except _NoPassword:
        print("focusguard: no password given", file=sys.stderr)
        return 1
    except FocusGuardError as exc:
        return _fail(exc)
    what = "the password is in" if asks else "the sign-in is kept in"
    print(f"Signed in as {account.email}; {what} {where}.")
    return 0


class _NoPassword(FocusGuardError):
    """Nothing was typed: asked before any server is contacted."""


def _read_password(prompt: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    read: Callable[[str], str] = getpass.getpass
    return read(prompt)


def _fail(exc: FocusGuardError) -> int:
    print(f"focusguard: {exc.title}\n{exc.message}", file=sys.stderr)
    return 1
