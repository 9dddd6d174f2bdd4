"""Inbox rules created through exchangelib and evaluated by the simulator at delivery."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from exchangelib import Folder
from exchangelib.errors import (
    ErrorInboxRulesValidationError,
    ErrorOutlookRuleBlobExists,
    ErrorSchemaValidation,
)
from exchangelib.fields import EWSElementField
from exchangelib.properties import Actions, Conditions, Exceptions, Rule, WithinDateRange
from exchangelib.services import CreateInboxRule
from exchangelib.util import create_element

from focusguard.sim.ews import EwsSimulator
from focusguard.sim.ews.schema import find_schema_dir

needs_schema = pytest.mark.skipif(
    find_schema_dir() is None,
    reason="EWS schema not found (set FOCUSGUARD_EWS_SCHEMA_DIR or provide ../shared/ews-schema)",
)

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def fixed_date_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test-only workaround for exchangelib 5.6.0, which wraps the bounds of WithinDateRange
    in an extra <t:DateRange>. Write StartDateTime/EndDateTime directly under it instead."""
    field = Conditions.get_field_by_fieldname("within_date_range")
    assert isinstance(field, EWSElementField)

    def to_xml(value: WithinDateRange, version: object) -> object:
        elem = create_element(field.request_tag())
        for child in list(value.to_xml(version=version)):
            elem.append(child)
        return elem

    monkeypatch.setattr(field, "to_xml", to_xml)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _hold_rule(account, held, start: dt.datetime, end: dt.datetime) -> Rule:
    return Rule(
        account=account,
        display_name="FocusGuard · hold · 3f9a2c1e",
        priority=1,
        is_enabled=True,
        conditions=Conditions(
            contains_sender_strings=["client.example"],
            within_date_range=WithinDateRange(start_date_time=start, end_date_time=end),
        ),
        exceptions=Exceptions(from_addresses=["vip@client.example"], importance="High"),
        actions=Actions(move_to_folder=held, stop_processing_rules=True),
    )


def _folder_of(sim: EwsSimulator, imid: str) -> str:
    return next(d["folder"] for d in sim.deliveries if d["internet_message_id"] == imid)


def test_hold_rule_semantics_at_delivery(sim: EwsSimulator, account, fixed_date_range) -> None:
    held = Folder(parent=account.inbox, name="FocusGuard Held").save()
    now = _now()
    rule = _hold_rule(account, held, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    rule.save()
    assert rule.id
    [listed] = account.rules
    assert listed.display_name == rule.display_name
    assert listed.conditions.within_date_range.end_date_time == now + dt.timedelta(hours=1)
    assert listed.actions.move_to_folder.folder_id.id == held.id
    assert listed.actions.stop_processing_rules is True

    customer = sim.deliver("Ann <ann@client.example>", "held")
    vip = sim.deliver("VIP <vip@client.example>", "exception: allow-listed sender")
    urgent = sim.deliver("ann@client.example", "exception: high importance", importance="High")
    colleague = sim.deliver("bob@corp.example", "not a customer")
    # ContainsSenderStrings is a substring match: look-alike domains are caught too.
    lookalike = sim.deliver("evil@client.example.evil.net", "substring")
    after = sim.deliver(
        "ann@client.example", "after the window", received=now + dt.timedelta(hours=2)
    )
    assert _folder_of(sim, customer) == "FocusGuard Held"
    assert _folder_of(sim, lookalike) == "FocusGuard Held"
    for imid in (vip, urgent, colleague, after):
        assert _folder_of(sim, imid) == "Inbox"
    assert [p["internet_message_id"] for p in sim.popups] == [vip, urgent, colleague, after]
    assert held.all().count() == 2

    # Shrinking the window with SetRuleOperation takes effect for the next delivery.
    rule.conditions.within_date_range = WithinDateRange(
        start_date_time=now - dt.timedelta(hours=2), end_date_time=now - dt.timedelta(hours=1)
    )
    rule.save()
    assert _folder_of(sim, sim.deliver("ann@client.example", "expired")) == "Inbox"
    rule.delete()
    assert account.rules == []
    assert sim.schema_errors == []


def test_priority_disabled_and_user_rules(sim: EwsSimulator, account) -> None:
    Folder(parent=account.inbox, name="Newsletters").save()
    held = Folder(parent=account.inbox, name="Held").save()
    user_rule = sim.add_user_rule(
        "User: newsletters",
        priority=2,
        contains_subject_strings=["newsletter"],
        move_to="Newsletters",
    )
    Rule(
        account=account,
        display_name="FG hold",
        priority=1,
        is_enabled=True,
        conditions=Conditions(from_addresses=["ann@client.example"]),
        actions=Actions(move_to_folder=held, stop_processing_rules=True),
    ).save()
    off = Rule(
        account=account,
        display_name="FG disabled",
        priority=1,
        is_enabled=False,
        conditions=Conditions(contains_sender_strings=["bob"]),
        actions=Actions(move_to_folder=held),
    )
    off.save()
    # Priority 1 + StopProcessingRules pre-empts the user's rule.
    assert _folder_of(sim, sim.deliver("ann@client.example", "newsletter")) == "Held"
    assert _folder_of(sim, sim.deliver("x@news.example", "newsletter")) == "Newsletters"
    assert _folder_of(sim, sim.deliver("bob@corp.example", "hi")) == "Inbox"
    names = [r.display_name for r in account.rules]
    assert set(names) == {"User: newsletters", "FG hold", "FG disabled"}
    assert any(r["id"] == user_rule for r in sim.rules())
    # FromAddresses is an exact address match, unlike ContainsSenderStrings.
    assert _folder_of(sim, sim.deliver("ann@client.example.evil.net", "x")) == "Inbox"


def test_unknown_rule_id_is_a_validation_error(sim: EwsSimulator, account) -> None:
    ghost = Rule(
        account=account,
        id="AQAAAAAAAAA=",
        display_name="ghost",
        priority=1,
        is_enabled=True,
        actions=Actions(stop_processing_rules=True),
    )
    with pytest.raises(ErrorInboxRulesValidationError, match="RuleNotFound"):
        account.delete_rule(ghost)
    with pytest.raises(ErrorInboxRulesValidationError, match="RuleNotFound"):
        account.set_rule(ghost)
    no_actions = Rule(
        account=account,
        display_name="empty",
        priority=1,
        is_enabled=True,
        conditions=Conditions(importance="High"),
        actions=Actions(),
    )
    with pytest.raises(ErrorInboxRulesValidationError):
        account.create_rule(no_actions)
    assert sim.rules() == []


def _blob_exists_on_wire(sim: EwsSimulator) -> bool:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        '<s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header>'
        "<s:Body><m:GetInboxRules><m:MailboxSmtpAddress>me@corp.example</m:MailboxSmtpAddress>"
        "</m:GetInboxRules></s:Body></s:Envelope>"
    )
    resp = requests.post(
        sim.url,
        data=body.encode(),
        auth=("u", "p"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )
    assert resp.status_code == 200
    assert b'GetInboxRulesResponse ResponseClass="Success"' in resp.content
    return b"<m:OutlookRuleBlobExists>true</m:OutlookRuleBlobExists>" in resp.content


def test_outlook_rule_blob_is_destroyed_by_remove_flag(sim: EwsSimulator, account) -> None:
    sim.set_outlook_rule_blob(True)
    assert _blob_exists_on_wire(sim) is True
    rule = Rule(
        account=account,
        display_name="FG",
        priority=1,
        is_enabled=True,
        conditions=Conditions(importance="Low"),
        actions=Actions(stop_processing_rules=True),
    )
    with pytest.raises(ErrorOutlookRuleBlobExists):
        CreateInboxRule(account=account).get(rule=rule, remove_outlook_rule_blob=False)
    assert sim.outlook_rule_blob_destroyed is False
    account.create_rule(rule)  # exchangelib always sends RemoveOutlookRuleBlob=true
    assert sim.outlook_rule_blob_destroyed is True
    assert _blob_exists_on_wire(sim) is False
    assert (
        requests.get(f"{sim.control_url}/status", timeout=5).json()["outlook_rule_blob_destroyed"]
        is True
    )


@needs_schema
def test_strict_mode_rejects_raw_exchangelib_date_range(sim: EwsSimulator, account) -> None:
    held = Folder(parent=account.inbox, name="Held").save()
    now = _now()
    raw = _hold_rule(account, held, now, now + dt.timedelta(hours=1))
    with pytest.raises(ErrorSchemaValidation, match="DateRange"):
        raw.save()
    assert sim.schema_errors and sim.schema_errors[-1]["operation"] == "UpdateInboxRules"
    assert sim.rules() == []


def test_correct_date_range_is_accepted(sim: EwsSimulator, account, fixed_date_range) -> None:
    held = Folder(parent=account.inbox, name="Held").save()
    now = _now()
    _hold_rule(account, held, now, now + dt.timedelta(hours=1)).save()
    assert sim.schema_errors == []
    assert sim.rules()[0]["conditions"]["WithinDateRange"]["start"] == now.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_lenient_mode_still_rejects_wrapped_date_range(account_factory) -> None:
    # Without the schema, the rule parser itself refuses the DateRange wrapper, as Exchange would.
    sim = EwsSimulator(strict=False).start()
    try:
        acc = account_factory(sim)
        held = Folder(parent=acc.inbox, name="Held").save()
        now = _now()
        with pytest.raises(ErrorSchemaValidation):
            _hold_rule(acc, held, now, now + dt.timedelta(hours=1)).save()
    finally:
        sim.stop()
