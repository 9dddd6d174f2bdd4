"""A simulator standing in for login.microsoftonline.com: msal (and the account-kind
discovery) keep talking to `https://login.microsoftonline.com/...`, and this session delivers
those requests over plain HTTP to a simulator on this computer, Host header unchanged — what a
hosts-file entry and a TLS-terminating proxy would do. msal accepts only https authorities, so
this is how the real msal flows run against `focusguard sim --graph`, the demo and the tests.
Loopback only: a real sign-in never goes through here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from focusguard.core.ports import MailError
from focusguard.mail.graph.backend import is_loopback_host

LOGIN_ORIGIN = "https://login.microsoftonline.com"


class _ToSimulator(HTTPAdapter):
    def __init__(self, root: str) -> None:
        super().__init__()
        self._root = root.rstrip("/")

    def send(self, request: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = self._root + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


def simulated_login_session(root: str) -> requests.Session:
    """A session whose login.microsoftonline.com is the simulator at `root` (loopback)."""
    if not is_loopback_host(urlsplit(root).hostname or ""):
        raise MailError(
            "Sign-in address refused",
            f"Only a simulator on this computer can stand in for {LOGIN_ORIGIN}, not {root}.",
            retryable=False,
        )
    session = requests.Session()
    session.mount(LOGIN_ORIGIN, _ToSimulator(root))
    return session


__all__ = ["LOGIN_ORIGIN", "simulated_login_session"]
