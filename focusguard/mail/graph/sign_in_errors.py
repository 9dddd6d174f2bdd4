"""What a failed Microsoft sign-in means, in the user's words, with what to do.

The identity platform answers a refused sign-in with an OAuth `error`, `error_codes` (the AADSTS
numbers) and an `error_description` starting "AADSTSnnnn:"
(https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#error-response-1).
The numbers used here are those of
https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes; the page warns
that codes may be added, so anything unknown still gets a readable fallback with the code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from focusguard.core.ports import AuthError, MailError

LOGIN_HOST = "https://login.microsoftonline.com"

_CONSENT = frozenset({65001, 65004, 90094, 90095})
_CONDITIONAL_ACCESS = frozenset({53000, 53001, 53002, 53003, 530003, 530035})
_MFA = frozenset({50072, 50074, 50076, 50079, 50158})
_DISABLED = frozenset({50057, 50053})  # disabled; locked after too many attempts
_NO_TENANT = frozenset({90002, 90072})
_NO_APP = frozenset({700016, 7000215})
# Refusals a new sign-in alone does not fix: an administrator, a policy or the user's extra
# verification has to come first.
FIXED_BY_IT = _CONSENT | _CONDITIONAL_ACCESS | _MFA | _DISABLED | _NO_APP


def admin_consent_link(tenant: str, client_id: str) -> str:
    """The page where an admin grants consent for the whole organisation
    (https://learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent)."""
    tenant = tenant if tenant not in ("", "common", "consumers") else "organizations"
    return f"{LOGIN_HOST}/{tenant}/adminconsent?client_id={client_id}"


def codes_of(result: Mapping[str, Any]) -> set[int]:
    codes = {int(c) for c in result.get("error_codes") or () if str(c).isdigit()}
    codes |= {int(m) for m in re.findall(r"AADSTS(\d+)", str(result.get("error_description")))}
    return codes


def explain(
    result: Mapping[str, Any] | None,
    *,
    email: str,
    client_id: str,
    tenant: str,
    retry: str,
) -> AuthError | MailError:
    """The error for msal's failed `result`; `retry` says how to sign in again (a button in
    the app, `focusguard account login` in a terminal)."""
    result = result or {}
    error = str(result.get("error") or "")
    codes = codes_of(result)
    if codes & _CONSENT or error == "consent_required":
        link = admin_consent_link(tenant, client_id)
        return AuthError(
            "Your organisation must approve FocusGuard",
            f"Microsoft 365 needs an administrator of your organisation to allow FocusGuard "
            f"(app id {client_id}) to read and move your mail. Send your IT department this "
            f"link, where an administrator grants consent once for everyone: {link} — then "
            f"{retry}.",
        )
    if codes & _CONDITIONAL_ACCESS:
        return AuthError(
            "Blocked by your organisation's access policy",
            f"A Conditional Access policy of your organisation does not let FocusGuard sign "
            f"in {email} from this device or network. Ask your IT department to allow "
            f"FocusGuard (app id {client_id}) or to register this device, then {retry}.",
        )
    if codes & _MFA or error == "interaction_required":
        return AuthError(
            "Extra verification needed",
            f"Your organisation asks for multi-factor verification for {email}. "
            f"{retry.capitalize()} and complete the verification (authenticator app, text "
            "message or security key) in the browser.",
        )
    if codes & _DISABLED:
        return AuthError(
            "Account disabled or locked",
            f"Microsoft 365 says the account {email} is disabled or locked. Ask your IT "
            "department to enable or unlock it; FocusGuard stores nothing until it can sign in.",
        )
    if codes & _NO_TENANT or error == "invalid_tenant":
        return AuthError(
            "Organisation not found",
            f"Microsoft 365 knows no organisation called {tenant!r}. Check the email address "
            "(or the tenant given by your IT department in the account settings).",
        )
    if codes & _NO_APP or error == "unauthorized_client":
        return AuthError(
            "FocusGuard is not registered in your organisation",
            f"The app id {client_id} is not known in your organisation's Microsoft 365. Ask "
            "your IT department for FocusGuard's application (client) id and enter it in the "
            "account settings.",
        )
    if error == "authorization_declined":
        return AuthError(
            "Sign-in declined", f"The sign-in for {email} was declined in the browser; {retry}."
        )
    if error in ("expired_token", "bad_verification_code"):
        return AuthError(
            "Sign-in code expired",
            f"The code was not entered in time; {retry} and enter the new code within 15 minutes.",
        )
    shown = ", ".join(f"AADSTS{c}" for c in sorted(codes)) or error or "no token"
    return AuthError(
        "Sign-in failed",
        f"Microsoft sign-in for {email} did not complete ({shown}); {retry}. If it keeps "
        f"failing, give your IT department the code {shown}.",
    )


def unreachable(email: str, what: str) -> MailError:
    return MailError(
        "Microsoft 365 sign-in unreachable",
        f"Could not reach the Microsoft sign-in service for {email} ({what}). Check that this "
        "computer is online (and any proxy); FocusGuard will try again.",
    )


__all__ = ["FIXED_BY_IT", "admin_consent_link", "codes_of", "explain", "unreachable"]
