"""TLS: verify Exchange against a company CA file, per endpoint, without turning checks off.

exchangelib builds its HTTP sessions itself and takes the adapter class from one global,
`BaseProtocol.HTTP_ADAPTER_CLS`. We install an adapter that behaves exactly like
requests' own unless the request goes to an origin registered here with a CA file, in which
case it verifies against that file instead of the system store. Nothing ever sets
`verify=False`.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import requests.adapters
from exchangelib.protocol import BaseProtocol

_lock = threading.Lock()
_ca_by_origin: dict[str, str] = {}


def origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


class CaBundleAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter; for registered origins `verify` is the registered CA file."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            ca = _ca_by_origin.get(origin(request.url or ""))
        if ca is not None and kwargs.get("verify", True) is True:
            # requests >= 2.32.3 passes `verify` on to get_connection_with_tls_context and
            # cert_verify, so replacing it here covers both hooks.
            kwargs["verify"] = ca
        return super().send(request, *args, **kwargs)


def pin_ca(url: str, ca_bundle: str) -> None:
    """Verify TLS for `url`'s origin against `ca_bundle` (a PEM file)."""
    install()
    with _lock:
        _ca_by_origin[origin(url)] = ca_bundle


def unpin(url: str) -> None:
    with _lock:
        _ca_by_origin.pop(origin(url), None)


def install() -> None:
    """Put the adapter in place (once). Only replaces requests' default adapter."""
    with _lock:
        current = BaseProtocol.HTTP_ADAPTER_CLS
        if current is requests.adapters.HTTPAdapter:
            BaseProtocol.HTTP_ADAPTER_CLS = CaBundleAdapter
