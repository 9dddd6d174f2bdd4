"""The Microsoft identity platform as the Graph simulator plays it (login.microsoftonline.com):
OpenID discovery, the device-code flow, the browser (authorization-code) flow and the token
endpoint, with the refusals Microsoft documents. Pure request -> (status, body, headers)
handlers; server.py routes `/{tenant}/...` here.

What Microsoft documents, and what is played:
- Discovery: `GET /{tenant}/v2.0/.well-known/openid-configuration` for a tenant id, a verified
  domain, `organizations` or `common`; an unknown tenant is 400 `invalid_tenant` AADSTS90002
  (https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri,
  https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes).
- Device code: `POST /{tenant}/oauth2/v2.0/devicecode` answers device_code, user_code,
  verification_uri, expires_in, interval, message; polling the token endpoint with
  `grant_type=urn:ietf:params:oauth:grant-type:device_code` answers `authorization_pending`
  until the user has signed in, then tokens; `authorization_declined`, `expired_token`,
  `bad_verification_code` otherwise
  (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code).
- Browser: `GET /{tenant}/oauth2/v2.0/authorize` redirects to the app's redirect_uri with
  `code` and `state`, or `error` and `error_description`; the code is redeemed at the token
  endpoint (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
- Token errors have the shape `{error, error_description "AADSTSnnnn: …", error_codes,
  timestamp, trace_id, correlation_id, error_uri}`
  (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#error-response-1).
- Successful token answers carry `id_token` and `client_info` (base64url JSON uid/utid) when
  the client asks `client_info=1`, as msal does
  (https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference).

`refuse(code)` makes the user's next sign-ins end in one of REFUSALS: what a tenant's admin,
conditional access or the account itself would do. Nothing here imports the product.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

TENANT_ID = "8d3f1e5a-6b2c-4f0e-9a7d-3c5b1e2f4a60"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
VERIFICATION_URI = "https://microsoft.com/devicelogin"


@dataclass(frozen=True, slots=True)
class Refusal:
    error: str
    code: int
    text: str
    suberror: str = ""


# AADSTS codes as https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
# lists them; `error` is the OAuth error field Entra sends with each.
REFUSALS: dict[str, Refusal] = {
    "consent_required": Refusal(
        "invalid_grant",
        65001,
        "The user or administrator has not consented to use the application with ID "
        "'{client_id}'. Send an interactive authorization request for this user and resource.",
        "consent_required",
    ),
    "admin_consent_required": Refusal(
        "invalid_grant",
        90094,
        "The grant requires admin permission.",
        "consent_required",
    ),
    "conditional_access": Refusal(
        "invalid_grant",
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not "
        "allow token issuance.",
    ),
    "mfa_required": Refusal(
        "invalid_grant",
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a "
        "new location, you must use multi-factor authentication to access "
        "'00000003-0000-0000-c000-000000000000'.",
        "basic_action",
    ),
    "account_disabled": Refusal("invalid_grant", 50057, "The user account is disabled."),
    "app_not_found": Refusal(
        "unauthorized_client",
        700016,
        "Application with identifier '{client_id}' was not found in the directory "
        "'{tenant}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant.",
    ),
}


@dataclass
class _DeviceFlow:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires: float
    state: str = "pending"  # pending | approved | declined
    refusal: str = ""


@dataclass
class LoginService:
    """The identity platform's state for one simulated tenant."""

    domain: str  # the mailbox's verified domain, e.g. corp.example
    username: str  # the signed-in user's UPN (the mailbox address)
    display_name: str = "Me"
    tenant_id: str = TENANT_ID
    device_code_seconds: int = 900
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _flows: dict[str, _DeviceFlow] = field(default_factory=dict)
    # auth code -> scope, client id, nonce (the ID token repeats the nonce: OpenID Connect)
    _codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    _refusal: str = ""
    sign_ins: list[str] = field(default_factory=list)  # how each completed sign-in came
    device_codes: list[str] = field(default_factory=list)  # every one handed out (observing)

    # ---- driving it (tests, the control API) ----------------------------------------------
    def refuse(self, what: str | None) -> None:
        """The user's next sign-ins (device code, browser, refresh) end in REFUSALS[what];
        None signs in normally again."""
        if what is not None and what not in REFUSALS:
            raise ValueError(f"refusal must be one of {sorted(REFUSALS)}, not {what!r}")
        with self._lock:
            self._refusal = what or ""

    def approve_device(self, user_code: str | None = None, *, decline: bool = False) -> str:
        """The user entered `user_code` (default: the newest) at the verification page and
        signed in (or declined). Returns the user code. KeyError when none is pending."""
        with self._lock:
            pending = [f for f in self._flows.values() if f.state == "pending"]
            if user_code is not None:
                pending = [f for f in pending if f.user_code == user_code]
            if not pending:
                raise KeyError("no device code is waiting for a sign-in")
            flow = pending[-1]
            flow.state = "declined" if decline else "approved"
            flow.refusal = self._refusal
            return flow.user_code

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            return [f.user_code for f in self._flows.values() if f.state == "pending"]

    # ---- discovery ------------------------------------------------------------------------
    def knows(self, tenant: str) -> bool:
        return tenant.lower() in {"organizations", "common", self.tenant_id, self.domain.lower()}

    def openid_configuration(self, root: str, tenant: str) -> tuple[int, Any]:
        if not self.knows(tenant):
            return 400, self._error(
                "invalid_tenant",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
                "ID and are signing into the correct cloud.",
            )
        # A tenant's document names the tenant id; organizations/common keep the template, as
        # Microsoft's multi-tenant documents do.
        multi = tenant.lower() in ("organizations", "common")
        tid = "{tenantid}" if multi else self.tenant_id
        # A domain's document points at the tenant id's endpoints, as Microsoft's do.
        base = f"{root}/{tenant if multi else self.tenant_id}"
        return 200, {
            "issuer": f"https://login.microsoftonline.com/{tid}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        }

    def instance_discovery(self, root: str, query: str) -> tuple[int, Any]:
        """`GET /common/discovery/instance`: the cloud's host aliases, which msal reads before
        looking in its token cache (msal's `_get_instance_metadata`; Microsoft's public-cloud
        answer lists these aliases)."""
        endpoint = dict(parse_qsl(query)).get("authorization_endpoint", "")
        tenant = urlsplit(endpoint).path.strip("/").split("/")[0] or "common"
        return 200, {
            "tenant_discovery_endpoint": f"{root}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [
                {
                    "preferred_network": "login.microsoftonline.com",
                    "preferred_cache": "login.windows.net",
                    "aliases": [
                        "login.microsoftonline.com",
                        "login.windows.net",
                        "login.microsoft.com",
                        "sts.windows.net",
                    ],
                }
            ],
        }

    # ---- device code ----------------------------------------------------------------------
    def device_code(self, tenant: str, form: dict[str, str]) -> tuple[int, Any]:
        if not self.knows(tenant):
            return self.openid_configuration("", tenant)
        if not form.get("client_id"):
            return 400, self._error(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            )
        device = "DAQABAAEAAAD--" + secrets.token_urlsafe(24)
        user = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        with self._lock:
            self._flows[device] = _DeviceFlow(
                device,
                user,
                form["client_id"],
                form.get("scope", ""),
                time.monotonic() + self.device_code_seconds,
            )
            self.device_codes.append(device)
        return 200, {
            "device_code": device,
            "user_code": user,
            "verification_uri": VERIFICATION_URI,
            "expires_in": self.device_code_seconds,
            "interval": 1,
            "message": (
                f"To sign in, use a web browser to open the page {VERIFICATION_URI} and enter "
                f"the code {user} to authenticate."
            ),
        }

    # ---- browser --------------------------------------------------------------------------
    def authorize(self, tenant: str, query: str) -> tuple[int, str | None, dict[str, str]]:
        """The sign-in page: the user signs in at once, then the browser is sent back to the
        app's redirect_uri (a loopback address for a desktop app)."""
        q = dict(parse_qsl(query))
        redirect = q.get("redirect_uri", "")
        host = urlsplit(redirect).hostname or ""
        if not redirect or host not in ("localhost", "127.0.0.1", "::1"):
            error = self._error(
                "invalid_request",
                50011,
                f"The redirect URI '{redirect}' specified in the request does not match the "
                "redirect URIs configured for the application.",
            )
            return 400, json.dumps(error), {"Content-Type": "application/json"}
        answer: dict[str, str] = {"state": q.get("state", "")}
        refusal = self._refusal if self.knows(tenant) else ""
        if not self.knows(tenant):
            answer |= {"error": "invalid_tenant", "error_description": "AADSTS90002: not found"}
        elif refusal:
            r = REFUSALS[refusal]
            answer |= {
                "error": "access_denied" if r.error == "invalid_grant" else r.error,
                "error_description": f"AADSTS{r.code}: {self._text(r, q, tenant)}",
            }
        else:
            code = "sim-code-" + secrets.token_urlsafe(16)
            with self._lock:
                self._codes[code] = (q.get("scope", ""), q.get("client_id", ""), q.get("nonce", ""))
            answer["code"] = code
        if q.get("response_mode") == "form_post":
            # The answer is a form the browser posts to the redirect URI at once (OAuth 2.0
            # Form Post Response Mode, which the auth-code flow page lists as response_mode).
            fields = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                for k, v in answer.items()
            )
            page = (
                '<html><body onload="document.forms[0].submit()">'
                f'<form method="POST" action="{html.escape(redirect)}">{fields}</form>'
                "</body></html>"
            )
            return 200, page, {"Content-Type": "text/html; charset=utf-8"}
        sep = "&" if "?" in redirect else "?"
        return 302, None, {"Location": f"{redirect}{sep}{urlencode(answer)}"}

    # ---- the token endpoint ---------------------------------------------------------------
    def token(
        self, tenant: str, form: dict[str, str], issue: Any, refresh_ok: Any
    ) -> tuple[int, Any] | None:
        """The answer for the device-code and authorization-code grants and for refusals of
        any grant; None: the caller issues tokens as before (refresh tokens, tests' own
        grants)."""
        grant = form.get("grant_type", "")
        if not self.knows(tenant):
            return self.openid_configuration("", tenant)
        if grant == DEVICE_GRANT:
            return self._device_token(tenant, form, issue)
        if grant == "authorization_code":
            with self._lock:
                found = self._codes.pop(form.get("code", ""), None)
            if found is None:
                return 400, self._error(
                    "invalid_grant", 70000, "The provided authorization code is invalid."
                )
            scope, client_id, nonce = found
            return self._tokens(form.get("scope") or scope, client_id, "browser", issue, nonce)
        if grant == "refresh_token" and self._refusal and refresh_ok(form.get("refresh_token")):
            return self._refused(self._refusal, form, tenant)
        return None

    def _device_token(self, tenant: str, form: dict[str, str], issue: Any) -> tuple[int, Any]:
        with self._lock:
            flow = self._flows.get(form.get("device_code", ""))
            if flow is not None and flow.state != "pending":
                self._flows.pop(flow.device_code)
        if flow is None:
            return 400, self._error(
                "bad_verification_code", 70019, "The device_code was not recognized."
            )
        if time.monotonic() > flow.expires:
            return 400, self._error(
                "expired_token", 70019, "Verification code expired. Sign in again."
            )
        if flow.state == "pending":
            return 400, self._error(
                "authorization_pending",
                70016,
                "The provided request has not yet been authorized by the user. The user must "
                "input their code.",
            )
        if flow.state == "declined":
            return 400, self._error(
                "authorization_declined", 70018, "The user declined the sign-in."
            )
        if flow.refusal:
            return self._refused(flow.refusal, {"client_id": flow.client_id}, tenant)
        return self._tokens(flow.scope, flow.client_id, "device_code", issue)

    def _tokens(
        self, scope: str, client_id: str, how: str, issue: Any, nonce: str = ""
    ) -> tuple[int, Any]:
        access, refresh = issue(scope)
        with self._lock:
            self.sign_ins.append(how)
        now = int(time.time())
        uid = str(uuid.uuid5(uuid.NAMESPACE_DNS, self.username))
        claims = {
            "aud": client_id,
            "iss": f"https://login.microsoftonline.com/{self.tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": self.display_name,
            "oid": uid,
            "preferred_username": self.username,
            "sub": secrets.token_urlsafe(16),
            "tid": self.tenant_id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return 200, {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": _unsigned_jwt(claims),
            "client_info": _b64(json.dumps({"uid": uid, "utid": self.tenant_id}).encode()),
        }

    def _refused(self, what: str, form: dict[str, str], tenant: str) -> tuple[int, Any]:
        r = REFUSALS[what]
        body = self._error(r.error, r.code, self._text(r, form, tenant))
        if r.suberror:
            body["suberror"] = r.suberror
        return 400, body

    @staticmethod
    def _text(r: Refusal, form: dict[str, str], tenant: str) -> str:
        return r.text.format(client_id=form.get("client_id", ""), tenant=tenant)

    @staticmethod
    def _error(error: str, code: int, text: str) -> dict[str, Any]:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": error,
            "error_description": (
                f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}"
                f"\r\nTimestamp: {stamp}"
            ),
            "error_codes": [code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    """An ID token msal can read (msal decodes the claims and does not check the signature:
    it is not the app's job, msal issue #911); a real client never gets one from here."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


__all__ = ["REFUSALS", "TENANT_ID", "LoginService", "Refusal"]
