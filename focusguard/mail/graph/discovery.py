"""Is an email address a Microsoft 365 mailbox? Ask the identity platform for the OpenID
configuration of the address's domain: Microsoft answers it for every verified domain of a
tenant, and `400 invalid_tenant` (AADSTS90002) for a domain no tenant has
(https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri).
The tenant id comes from the document's token endpoint. Nothing is signed in or stored."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from focusguard.mail.graph.login_transport import LOGIN_ORIGIN


@dataclass(frozen=True, slots=True)
class TenantLookup:
    kind: str  # "graph" (a Microsoft 365 tenant has the domain) | "ews" (none) | "" (unknown)
    tenant: str = ""  # the tenant id when kind == "graph"
    why: str = ""  # for "": what went wrong, in words


def look_up(
    email: str, session: requests.Session | None = None, timeout: float = 10
) -> TenantLookup:
    domain = email.rpartition("@")[2].strip().lower()
    if "@" not in email or "." not in domain or "/" in domain:
        return TenantLookup("", why="that is not an email address")
    url = f"{LOGIN_ORIGIN}/{domain}/v2.0/.well-known/openid-configuration"
    http = session or requests.Session()
    try:
        response = http.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return TenantLookup("", why=f"Microsoft could not be reached ({type(exc).__name__})")
    finally:
        if session is None:
            http.close()
    if response.status_code == 200:
        try:
            endpoint = str(response.json().get("token_endpoint", ""))
        except ValueError:
            return TenantLookup("", why="Microsoft's answer could not be read")
        tenant = urlsplit(endpoint).path.strip("/").split("/")[0]
        return TenantLookup("graph", tenant or domain)
    if response.status_code == 400:
        return TenantLookup("ews")
    return TenantLookup("", why=f"Microsoft answered HTTP {response.status_code}")


__all__ = ["TenantLookup", "look_up"]
