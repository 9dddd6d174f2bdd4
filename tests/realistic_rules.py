"""A realistic large configuration for rule-size checks: 3 own domains, 5 urgent domains and
3 urgent addresses, at the moment the most rules are on the server (a customer hold now and
a focus block armed ahead after the next check-in, so both look-alike guards exist)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from focusguard.core.ports import HoldRules
from focusguard.domain.policy import HoldPlan
from focusguard.domain.schedule import Interval

T = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)

REALISTIC = HoldRules(
    plan=HoldPlan(
        customer=Interval(T, T + timedelta(hours=4)),
        focus=Interval(T + timedelta(hours=5), T + timedelta(hours=6)),
    ),
    customers=(),
    all_external=True,
    own_domains=("contoso.com", "contoso.co.uk", "contoso-labs.com"),
    urgent=(
        "pagerduty.com",
        "opsgenie.net",
        "statuspage.io",
        "fabrikam.com",
        "northwind-ops.com",
        "ceo@contoso.com",
        "cfo@contoso.com",
        "duty.manager@fabrikam-partners.com",
    ),
)
