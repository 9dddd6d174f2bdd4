"""Settings: the documented schema loads, every mistake gets one exact, fixable message."""

from __future__ import annotations

import os
import stat
import textwrap
import tomllib
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from focusguard.core.ports import RuleMode
from focusguard.core.settings import (
    DEFAULT_TEMPLATE,
    AccountSettings,
    AutoreplySettings,
    ConfigError,
    FocusBlockSettings,
    HoldingSettings,
    PeopleSettings,
    Problem,
    PromiseSettings,
    ScheduleSettings,
    Settings,
    check_config,
    default_settings,
    load_settings,
    parse_settings,
    save_settings,
    settings_from_toml,
    system_zone_name,
)
from focusguard.domain.senders import Category, parse_address
from focusguard.domain.well_known_folders import well_known_named

REPO = Path(__file__).resolve().parents[2]

SCHEMA = r"""
[account]
kind = "ews"                 # ews | graph
email = "me@corp.example"
ews_url = "https://mail.corp.example/EWS/Exchange.asmx"   # omitted: autodiscover
auth = "ntlm"                # ntlm | basic | oauth
username = "CORP\\me"        # never a password: secrets live in the keyring

[people]
own_domains = ["corp.example"]
customers = ["bigclient.com", "alice@small.example"]      # domains and addresses
external_is_customer = true  # default true: every outside sender is a customer
urgent = ["boss@corp.example", "pager.example"]           # the allow-list

[schedule]
timezone = "Europe/London"   # default: the system zone
workdays = ["mon", "tue", "wed", "thu", "fri"]
check_ins = ["09:30", "13:00", "16:30"]
check_in_minutes = 30
calendar_focus_subject = "Focus time"

[[schedule.focus_blocks]]
days = ["mon", "wed"]
start = "10:00"
end = "12:00"

[autoreply]
enabled = false
template = "TEMPLATE"
once_per_sender_days = 3
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "server-rule"         # server-rule | client-move
folder = "FocusGuard Held"

[promise]
reply_within = "4h"          # working time; leave out for no promise
release_margin = "1h"
""".replace(  # the brief's template line, kept under the line-length limit here
    "TEMPLATE",
    "Thanks - I read email at set times and will reply after {next_check_in}. "
    "If it is urgent, please call {urgent_phone}.",
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_toml(textwrap.dedent(text))
    return [str(p) for p in info.value.problems]


def write(tmp_path: Path, data: bytes | str, name: str = "focusguard.toml") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# -- the documented schema -----------------------------------------------------------------


def test_documented_schema_parses_to_the_exact_values() -> None:
    s = settings_from_toml(SCHEMA)
    assert s.account == AccountSettings(
        kind="ews",
        email="me@corp.example",
        ews_url="https://mail.corp.example/EWS/Exchange.asmx",
        auth="ntlm",
        username="CORP\\me",
    )
    assert s.people == PeopleSettings(
        own_domains=("corp.example",),
        customers=("bigclient.com", "alice@small.example"),
        urgent=("boss@corp.example", "pager.example"),
        external_is_customer=True,
    )
    assert s.schedule == ScheduleSettings(
        timezone="Europe/London",
        workdays=("mon", "tue", "wed", "thu", "fri"),
        check_ins=(time(9, 30), time(13), time(16, 30)),
        check_in_minutes=30,
        calendar_focus_subject="Focus time",
        focus_blocks=(FocusBlockSettings(("mon", "wed"), time(10), time(12)),),
    )
    assert s.autoreply == AutoreplySettings(False, DEFAULT_TEMPLATE, 3, "+44 20 7946 0000")
    assert s.holding == HoldingSettings(RuleMode.SERVER_RULE, "FocusGuard Held")


def test_domain_values_built_from_settings() -> None:
    s = settings_from_toml(SCHEMA)
    weekly = s.weekly_schedule()
    assert weekly.zone == ZoneInfo("Europe/London")
    assert weekly.workdays == frozenset({0, 1, 2, 3, 4})
    assert weekly.check_ins == (time(9, 30), time(13), time(16, 30))
    assert weekly.focus_blocks[0].days == frozenset({0, 2})
    people = s.people_rules()
    assert people.categorize(parse_address("boss@corp.example")) is Category.URGENT
    assert people.categorize(parse_address("x@corp.example")) is Category.INTERNAL
    assert people.categorize(parse_address("a@eu.bigclient.com")) is Category.CUSTOMER


@pytest.mark.parametrize(
    "path",
    [REPO / "docs/examples/focusguard.toml", REPO / "resources/default-config.toml"],
    ids=["example", "template"],
)
def test_shipped_config_files_are_valid(path: Path) -> None:
    assert check_config(path) == []


def test_example_config_is_london_with_autoreply_on() -> None:
    s = load_settings(REPO / "docs/examples/focusguard.toml")
    assert s.schedule.timezone == "Europe/London"
    assert s.autoreply.enabled


def test_empty_file_gives_valid_defaults(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""))
    assert s == default_settings()
    assert s.account is None
    assert s.people == PeopleSettings()
    assert s.schedule.workdays == ("mon", "tue", "wed", "thu", "fri")
    assert s.schedule.check_ins == (time(9, 30), time(13), time(16, 30))
    assert s.schedule.check_in_minutes == 30
    assert s.schedule.calendar_focus_subject == "Focus time"
    assert s.schedule.timezone == system_zone_name()
    assert s.autoreply == AutoreplySettings()
    assert s.holding == HoldingSettings()


def test_timezone_defaults_to_the_system_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert system_zone_name() == "America/New_York"
    assert default_settings().schedule.timezone == "America/New_York"
    monkeypatch.setenv("TZ", ":/usr/share/zoneinfo/Asia/Tokyo")
    assert system_zone_name() == "Asia/Tokyo"


def test_weekday_names_are_case_insensitive_and_may_be_spelt_out() -> None:
    s = settings_from_toml('[schedule]\nworkdays = ["Monday", "TUE", "wednesday", "Sun"]\n')
    assert s.schedule.workdays == ("mon", "tue", "wed", "sun")


def test_toml_local_times_are_accepted() -> None:
    s = settings_from_toml("[schedule]\ncheck_ins = [09:30:00, 13:00:00]\n")
    assert s.schedule.check_ins == (time(9, 30), time(13))


def test_same_entry_may_be_urgent_and_customer() -> None:
    s = settings_from_toml('[people]\ncustomers = ["vip.example"]\nurgent = ["vip.example"]\n')
    assert s.people_rules().categorize(parse_address("a@vip.example")) is Category.URGENT


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8443/EWS/Exchange.asmx",
        "http://localhost/EWS/Exchange.asmx",
        "http://[::1]:9000/EWS/Exchange.asmx",
        "https://mail.corp.example/EWS/Exchange.asmx",
    ],
)
def test_ews_url_https_or_loopback_http(url: str) -> None:
    s = settings_from_toml(f'[account]\nemail = "me@corp.example"\news_url = "{url}"\n')
    assert s.account is not None and s.account.ews_url == url


def test_graph_account_with_client_id() -> None:
    s = settings_from_toml(
        '[account]\nkind = "graph"\nemail = "me@corp.example"\n'
        'client_id = "1b2c3d4e-1111-2222-3333-444455556666"\ntenant = "corp.example"\n'
    )
    assert s.account is not None
    assert s.account.auth == "oauth"
    assert s.account.poll_seconds == 15
    assert s.account.allow_rule_blob_removal is False


def test_ca_bundle_that_exists(tmp_path: Path) -> None:
    bundle = write(tmp_path, "-----BEGIN CERTIFICATE-----\n", "ca.pem")
    s = settings_from_toml(f'[account]\nemail = "me@corp.example"\nca_bundle = "{bundle}"\n')
    assert s.account is not None and s.account.ca_bundle == str(bundle)


# -- every kind of mistake, one exact message --------------------------------------------------

ACCOUNT = '[account]\nemail = "me@corp.example"\n'
CLIENT = 'client_id = "1b2c3d4e-1111-2222-3333-444455556666"\n'

BAD = [
    # unknown keys, with and without a suggestion
    ("holdng = {}", 'holdng: unknown key (did you mean "holding"?)'),
    ("[schedule]\ncheck_in = []", 'schedule.check_in: unknown key (did you mean "check_ins"?)'),
    (
        '[[schedule.focus_blocks]]\ndays = ["mon"]\nstart = "10:00"\nend = "11:00"\nstrat = 1',
        'schedule.focus_blocks[0].strat: unknown key (did you mean "start"?)',
    ),
    (
        "[people]\nzzz = 1",
        "people.zzz: unknown key (known keys here: own_domains, customers, "
        "external_is_customer, urgent)",
    ),
    (
        ACCOUNT + 'password = "hunter2"',
        "account.password: unknown key: passwords and secrets never go in this file; "
        "FocusGuard keeps them in the system keyring (enter it in the setup wizard or "
        "Settings → Account)",
    ),
    # wrong types, one per kind of field
    ("people = 3", "people: expected a table ([people]), got 3"),
    (
        '[schedule]\ncheck_in_minutes = "30"',
        'schedule.check_in_minutes: expected a whole number of minutes, got "30"',
    ),
    (
        "[schedule]\ncheck_in_minutes = true",
        "schedule.check_in_minutes: expected a whole number of minutes, got true",
    ),
    (
        "[autoreply]\nonce_per_sender_days = 2.5",
        "autoreply.once_per_sender_days: expected a whole number of days, got 2.5",
    ),
    (
        '[people]\nexternal_is_customer = "yes"',
        'people.external_is_customer: expected true or false, got "yes"',
    ),
    ("[schedule]\ntimezone = 1", "schedule.timezone: expected a string, got 1"),
    (
        '[people]\ncustomers = "bigclient.com"',
        'people.customers: expected a list like ["example.com", "name@example.com"], '
        'got "bigclient.com" (write ["bigclient.com"])',
    ),
    ("[people]\nurgent = [1]", "people.urgent[0]: expected a string, got 1"),
    (
        "[schedule]\ncheck_ins = [930]",
        'schedule.check_ins[0]: expected a time of day like "09:30", got 930',
    ),
    (
        "[schedule]\nfocus_blocks = 1",
        "schedule.focus_blocks: expected a list of tables ([[schedule.focus_blocks]]), got 1",
    ),
    ("[holding]\nfolder = []", "holding.folder: expected a string, got a list"),
    (
        ACCOUNT + 'allow_rule_blob_removal = "no"',
        'account.allow_rule_blob_removal: expected true or false, got "no"',
    ),
    # ranges
    (
        "[schedule]\ncheck_in_minutes = 0",
        "schedule.check_in_minutes: 0 is out of range (use 1 to 240 minutes)",
    ),
    (
        "[autoreply]\nonce_per_sender_days = 366",
        "autoreply.once_per_sender_days: 366 is out of range (use 1 to 365 days)",
    ),
    (
        ACCOUNT + "poll_seconds = 1",
        "account.poll_seconds: 1 is out of range (use 5 to 3600 seconds)",
    ),
    # times, zones, days
    (
        '[schedule]\ncheck_ins = ["09:30", "25:00"]',
        'schedule.check_ins[1]: "25:00" is not a time of day (use HH:MM)',
    ),
    (
        '[schedule]\ncheck_ins = ["9.30"]',
        'schedule.check_ins[0]: "9.30" is not a time of day (use HH:MM)',
    ),
    (
        "[schedule]\ncheck_ins = [09:30:15]",
        "schedule.check_ins[0]: 09:30:15 is not a time of day (use HH:MM)",
    ),
    (
        '[schedule]\ntimezone = "Europe/Londn"',
        'schedule.timezone: "Europe/Londn" is not a time zone '
        '(use an IANA name like "Europe/London")',
    ),
    (
        '[schedule]\ntimezone = "../../etc/passwd"',
        'schedule.timezone: "../../etc/passwd" is not a time zone '
        '(use an IANA name like "Europe/London")',
    ),
    (
        '[schedule]\nworkdays = ["mon", "funday"]',
        'schedule.workdays[1]: "funday" is not a day of the week '
        "(use mon, tue, wed, thu, fri, sat or sun)",
    ),
    (
        '[schedule]\nworkdays = ["mon", "Monday"]',
        'schedule.workdays[1]: "Monday" is listed twice (list each day once)',
    ),
    (
        "[schedule]\nworkdays = []",
        "schedule.workdays: is empty, so there would be no check-ins and customer mail would "
        'never be held (list the days you work, e.g. ["mon", "tue", "wed", "thu", "fri"])',
    ),
    (
        '[schedule]\ncheck_ins = ["09:30", "13:00", "09:30"]',
        'schedule.check_ins[2]: "09:30" is listed twice (list each check-in time once)',
    ),
    (
        "[schedule]\ncheck_ins = []",
        "schedule.check_ins: is empty, so customer mail would never be held "
        '(list at least one time, e.g. ["09:30", "13:00", "16:30"])',
    ),
    (
        '[[schedule.focus_blocks]]\ndays = ["mon"]\nstart = "12:00"\nend = "10:00"',
        'schedule.focus_blocks[0].end: "10:00" is not after start "12:00" '
        "(a block ends on the day it starts: use an end time later than the start)",
    ),
    (
        '[[schedule.focus_blocks]]\ndays = ["mon"]\nstart = "10:00"\nend = "10:00"',
        'schedule.focus_blocks[0].end: "10:00" is not after start "10:00" '
        "(a block ends on the day it starts: use an end time later than the start)",
    ),
    (
        '[[schedule.focus_blocks]]\ndays = ["mon"]\nstart = "10:00"',
        'schedule.focus_blocks[0].end: missing (add end = "12:00")',
    ),
    (
        '[[schedule.focus_blocks]]\ndays = []\nstart = "10:00"\nend = "11:00"',
        "schedule.focus_blocks[0].days: is empty "
        '(list the days of this block, e.g. ["mon", "wed"])',
    ),
    # people
    (
        '[people]\ncustomers = ["a.example", "b@c.example", "bad..example"]',
        'people.customers[2]: "bad..example" is not an email address or domain '
        '(use "name@example.com" or "example.com")',
    ),
    (
        '[people]\nown_domains = ["corp"]',
        'people.own_domains[0]: "corp" is not an email address or domain '
        '(use "name@example.com" or "example.com")',
    ),
    # auto-reply
    (
        '[autoreply]\ntemplate = "back at {next_checkin}"',
        "autoreply.template: unknown placeholder {next_checkin} "
        "(did you mean {next_check_in}? use only {next_check_in}, {urgent_phone})",
    ),
    (
        '[autoreply]\ntemplate = "back at {0}"',
        "autoreply.template: unknown placeholder {0} (use only {next_check_in}, {urgent_phone})",
    ),
    (
        '[autoreply]\ntemplate = "back at {next_check_in.__class__}"',
        "autoreply.template: unknown placeholder {next_check_in.__class__} "
        "(did you mean {next_check_in}? use only {next_check_in}, {urgent_phone})",
    ),
    (
        '[autoreply]\ntemplate = "back at {next_check_in!r}"',
        "autoreply.template: placeholder {next_check_in!r} cannot have a format "
        "(write {next_check_in})",
    ),
    (
        '[autoreply]\ntemplate = "back at {next_check_in"',
        "autoreply.template: has an unmatched { or } (expected '}' before end of string; "
        "write {{ or }} for a literal brace)",
    ),
    (
        '[autoreply]\ntemplate = "   "',
        "autoreply.template: is empty (write the reply text, or leave the key out for the default)",
    ),
    (
        "[autoreply]\nenabled = true",
        "autoreply.urgent_phone: is empty, but the template uses {urgent_phone} (add the "
        "number customers may call, or take {urgent_phone} out of the template)",
    ),
    # holding
    (
        '[holding]\nmode = "server"',
        'holding.mode: "server" is not a holding mode (use "server-rule" or "client-move")',
    ),
    (
        '[holding]\nfolder = "Inbox/Held"',
        'holding.folder: "Inbox/Held" contains a / or \\ (give a folder name, not a path, '
        'e.g. "FocusGuard Held")',
    ),
    (
        '[holding]\nfolder = ""',
        'holding.folder: is empty (name the folder for held mail, e.g. "FocusGuard Held")',
    ),
    (
        f'[holding]\nfolder = "{"x" * 256}"',
        "holding.folder: is 256 characters long (use at most 255)",
    ),
    (
        '[holding]\nfolder = "inbox"',
        'holding.folder: "inbox" is the Inbox itself (use another name, e.g. "FocusGuard Held")',
    ),
    # account
    (
        '[account]\nkind = "ews"',
        'account.email: missing (add the mailbox address, e.g. email = "me@corp.example", '
        "or remove the [account] section)",
    ),
    (
        '[account]\nemail = "me at corp"',
        'account.email: "me at corp" is not an email address (use "name@example.com")',
    ),
    (
        ACCOUNT + 'kind = "exchange"',
        'account.kind: "exchange" is not a mail backend (use "ews" or "graph")',
    ),
    (
        ACCOUNT + 'auth = "kerberos"',
        'account.auth: "kerberos" is not a sign-in method (use "ntlm", "basic" or "oauth")',
    ),
    (
        ACCOUNT + 'ews_url = "http://mail.corp.example/EWS/Exchange.asmx"',
        'account.ews_url: "http://mail.corp.example/EWS/Exchange.asmx" uses http, which would '
        "send your password and mail unencrypted (use https://; plain http is allowed only to "
        "this computer: localhost, 127.0.0.1 or ::1)",
    ),
    (
        ACCOUNT + 'ews_url = "mail.corp.example"',
        'account.ews_url: "mail.corp.example" is not a web address (use the EWS address, e.g. '
        '"https://mail.corp.example/EWS/Exchange.asmx", or leave the key out to use '
        "autodiscover)",
    ),
    (
        ACCOUNT + 'ews_url = "https://me:pw@mail.corp.example/EWS/Exchange.asmx"',
        'account.ews_url: "https://me:pw@mail.corp.example/EWS/Exchange.asmx" contains a user '
        "name or password (remove it: the user name goes in account.username and the password "
        "in the system keyring)",
    ),
    (
        ACCOUNT + 'kind = "graph"',
        'account.client_id: missing: kind = "graph" signs in with OAuth and needs the '
        "Application (client) ID of an app registered in Microsoft Entra ID "
        '(see docs/configuration.md, "Signing in with OAuth")',
    ),
    (
        ACCOUNT + 'auth = "oauth"',
        'account.client_id: missing: auth = "oauth" signs in with OAuth and needs the '
        "Application (client) ID of an app registered in Microsoft Entra ID "
        '(see docs/configuration.md, "Signing in with OAuth")',
    ),
    (
        ACCOUNT + 'kind = "graph"\nclient_id = "00000000-0000-0000-0000-000000000000"',
        'account.client_id: "00000000-0000-0000-0000-000000000000" is the placeholder from '
        "the documentation (put the Application (client) ID of an app registered in "
        'Microsoft Entra ID (see docs/configuration.md, "Signing in with OAuth") here)',
    ),
    (
        ACCOUNT + 'kind = "graph"\nclient_id = "my-app"',
        'account.client_id: "my-app" is not an application ID (use the GUID shown in Entra ID, '
        'like "1b2c3d4e-1111-2222-3333-444455556666")',
    ),
    (
        ACCOUNT + 'kind = "graph"\nauth = "ntlm"\n' + CLIENT,
        'account.auth: "ntlm" does not work with kind = "graph" (Microsoft Graph signs in '
        'with "oauth": write auth = "oauth" or leave it out)',
    ),
    (
        ACCOUNT + 'kind = "graph"\nauth = "basic"\n' + CLIENT,
        'account.auth: "basic" does not work with kind = "graph" (Microsoft Graph signs in '
        'with "oauth": write auth = "oauth" or leave it out)',
    ),
    (
        ACCOUNT + 'tenant = "not a tenant"',
        'account.tenant: "not a tenant" is not a tenant (use "organizations", "common", '
        '"consumers", your tenant ID, or your domain like "corp.example")',
    ),
    (
        ACCOUNT + 'ca_bundle = "/nonexistent/ca.pem"',
        'account.ca_bundle: "/nonexistent/ca.pem" does not exist or is not a file (give the '
        "path of a PEM file with your organisation's CA certificates, or leave the key out)",
    ),
    (
        ACCOUNT + 'username = ""',
        'account.username: is empty (write the sign-in name, e.g. "CORP\\\\me", or leave the '
        "key out)",
    ),
    # TOML syntax
    (
        "[schedule]\ncheck_in_minutes = 30\ntimezone = Europe/London\n",
        "focusguard.toml: line 3, column 12: Invalid value",
    ),
    ("[schedule]\ncheck_ins = [", "focusguard.toml: at the end of the file: Invalid value"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e.split(":")[0] for _, e in BAD])
def test_each_mistake_gives_one_exact_message(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_graph_ignores_ews_url() -> None:
    s = settings_from_toml(
        ACCOUNT + 'kind = "graph"\news_url = "http://mail.corp.example/x"\n' + CLIENT
    )
    assert s.account is not None and s.account.kind == "graph"


def test_all_problems_are_listed_at_once() -> None:
    text = """
        holdng = 1
        [schedule]
        timezone = "Mars/Olympus"
        check_ins = ["09:30", "25:00", "09:30"]
        check_in_minutes = "30"
        [[schedule.focus_blocks]]
        days = ["mon", "blursday"]
        start = "12:00"
        end = "10:00"
        [people]
        customers = ["ok.example", "bad..example"]
        [holding]
        folder = "a/b"
        mode = "serverrule"
    """
    keys = [p.split(":")[0] for p in problems_of(text)]
    assert keys == [
        "holdng",
        "people.customers[1]",
        "schedule.timezone",
        "schedule.check_ins[1]",
        "schedule.check_ins[2]",
        "schedule.check_in_minutes",
        "schedule.focus_blocks[0].days[1]",
        "schedule.focus_blocks[0].end",
        "holding.mode",
        "holding.folder",
    ]


def test_problem_and_error_render() -> None:
    p = Problem("schedule.check_ins[1]", '"25:00" is not a time of day (use HH:MM)')
    assert str(p) == 'schedule.check_ins[1]: "25:00" is not a time of day (use HH:MM)'
    err = ConfigError([p, Problem("a", "b")])
    assert err.problems == (p, Problem("a", "b"))
    assert str(err) == f"{p}\na: b"
    assert err.title and err.message == str(err)


def test_non_mapping_document() -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings([1, 2])  # type: ignore[arg-type]
    assert [str(p) for p in info.value.problems] == [
        "settings: expected a table of settings, got a list"
    ]


# -- the file -------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "focusguard.toml"
    assert [str(p) for p in check_config(path)] == [
        f"focusguard.toml: not found at {path} "
        '(create one with "focusguard config init" or run the setup wizard)'
    ]


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "focusguard.toml").mkdir()
    [problem] = check_config(tmp_path / "focusguard.toml")
    assert problem.key == "focusguard.toml"
    assert "is a folder, not a settings file" in problem.message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = write(tmp_path, b'[holding]\nfolder = "Gehalten \xe4"\n')
    assert [str(p) for p in check_config(path)] == [
        "focusguard.toml: line 2: not valid UTF-8 (byte 0xe4); save the file as UTF-8"
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbf[holding]\nfolder = "Gehalten \xc3\xa4"\n')
    assert load_settings(path).holding.folder == "Gehalten ä"


def test_syntax_error_in_file_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[people]\ncustomers = ["a.example"\nurgent = []\n')
    [problem] = check_config(path)
    assert problem.key == "focusguard.toml"
    assert problem.message.startswith("line 3, column 1: ")


def test_check_config_valid_file(tmp_path: Path) -> None:
    assert check_config(write(tmp_path, SCHEMA)) == []


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, SCHEMA)

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # chmod 000 does not stop root
    [problem] = check_config(path)
    assert problem.message.startswith(f"cannot be read at {path}: permission denied")


# -- round trip and saving --------------------------------------------------------------------


def test_to_toml_round_trips() -> None:
    for s in (settings_from_toml(SCHEMA), default_settings()):
        assert parse_settings(tomllib.loads(s.to_toml())) == s


def test_save_settings_is_private_and_atomic(tmp_path: Path) -> None:
    s = settings_from_toml(SCHEMA)
    path = tmp_path / "new" / "focusguard.toml"
    save_settings(s, path)
    assert load_settings(path) == s
    assert sorted(p.name for p in path.parent.iterdir()) == ["focusguard.toml"]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # Saving again replaces the file in place.
    changed = Settings(
        s.account, s.people, s.schedule, s.autoreply, HoldingSettings(folder="Later")
    )
    save_settings(changed, path)
    assert load_settings(path).holding.folder == "Later"


def test_save_refuses_invalid_settings(tmp_path: Path) -> None:
    s = default_settings()
    bad = Settings(None, s.people, s.schedule, s.autoreply, HoldingSettings(folder="a/b"))
    path = tmp_path / "focusguard.toml"
    with pytest.raises(ConfigError) as info:
        save_settings(bad, path)
    assert [p.key for p in info.value.problems] == ["holding.folder"]
    assert not path.exists()


def test_save_error_is_a_config_error(tmp_path: Path) -> None:
    blocker = write(tmp_path, "", "file")
    with pytest.raises(ConfigError) as info:
        save_settings(default_settings(), blocker / "focusguard.toml")
    assert info.value.problems[0].message.startswith("could not be saved to ")


# -- properties -------------------------------------------------------------------------------

KNOWN_KEYS = [
    "account", "people", "schedule", "autoreply", "holding", "kind", "email", "ews_url", "auth",
    "username", "ca_bundle", "allow_rule_blob_removal", "client_id", "tenant", "poll_seconds",
    "own_domains", "customers", "external_is_customer", "urgent", "timezone", "workdays",
    "check_ins", "check_in_minutes", "calendar_focus_subject", "focus_blocks", "days", "start",
    "end", "enabled", "template", "once_per_sender_days", "urgent_phone", "mode", "folder",
    "promise", "reply_within", "release_margin", "focus_wins", "working_hours", "holidays",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["09:30", "25:00", "mon", "graph", "oauth", "{x}", "a.example", "/"])
    | st.sampled_from(["4h", "1h30m", "0m", "90m", "2026-12-25", "2026-02-30", "999999h"])
    | st.times()
    | st.dates()
    | st.datetimes()
)
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=12)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, documents, max_size=6))
def test_any_document_gives_settings_or_config_error(data: dict[str, object]) -> None:
    try:
        result = parse_settings(data)
    except ConfigError as exc:
        assert exc.problems
        assert all(isinstance(p, Problem) and p.key and p.message for p in exc.problems)
    else:
        assert isinstance(result, Settings)


@settings(max_examples=300)
@given(st.text(max_size=300) | st.sampled_from([SCHEMA[:n] for n in range(0, len(SCHEMA), 37)]))
def test_any_text_gives_settings_or_config_error(text: str) -> None:
    try:
        result = settings_from_toml(text)
    except ConfigError as exc:
        assert exc.problems
    else:
        assert isinstance(result, Settings)


hhmm = st.builds(time, st.integers(0, 23), st.integers(0, 59))
# Text settings are plain text on one line: no control characters, separators, surrogates
# or non-characters (tests/core/test_settings_bad_input.py has those).
one_line = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")).filter(
    lambda ch: not (0xFDD0 <= ord(ch) <= 0xFDEF or ord(ch) & 0xFFFE == 0xFFFE)
)
domains = st.sampled_from(["a.example", "b.example", "x@y.example", "corp.example", "é.example"])
days = st.lists(
    st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True
).map(tuple)


@st.composite
def blocks(draw: st.DrawFn) -> FocusBlockSettings:
    start, end = sorted(draw(st.lists(hhmm, min_size=2, max_size=2, unique=True)))
    return FocusBlockSettings(draw(days), start, end)


valid_settings = st.builds(
    Settings,
    account=st.none()
    | st.builds(
        AccountSettings,
        kind=st.just("ews"),
        email=st.just("me@corp.example"),
        ews_url=st.none() | st.just("https://mail.corp.example/EWS/Exchange.asmx"),
        auth=st.sampled_from(["ntlm", "basic"]),
        username=st.none() | st.text(one_line, min_size=1, max_size=20).filter(str.strip),
        allow_rule_blob_removal=st.booleans(),
        poll_seconds=st.integers(5, 3600),
    ),
    people=st.builds(
        PeopleSettings,
        own_domains=st.lists(domains, max_size=3).map(tuple),
        customers=st.lists(domains, max_size=3).map(tuple),
        urgent=st.lists(domains, max_size=3).map(tuple),
        external_is_customer=st.booleans(),
    ),
    schedule=st.builds(
        ScheduleSettings,
        timezone=st.sampled_from(["Europe/London", "America/New_York", "UTC", "Asia/Kolkata"]),
        workdays=days,
        check_ins=st.lists(hhmm, min_size=1, max_size=5, unique=True).map(tuple),
        check_in_minutes=st.integers(1, 240),
        calendar_focus_subject=st.text(one_line, max_size=30),
        focus_blocks=st.lists(blocks(), max_size=3).map(tuple),
        working_hours=st.lists(hhmm, min_size=2, max_size=2, unique=True).map(
            lambda ends: (min(ends), max(ends))
        ),
        holidays=st.lists(st.dates(), max_size=4, unique=True).map(lambda d: tuple(sorted(d))),
    ),
    promise=st.builds(
        PromiseSettings,
        reply_within=st.none() | st.integers(60, 600).map(lambda m: timedelta(minutes=m)),
        release_margin=st.none() | st.integers(0, 59).map(lambda m: timedelta(minutes=m)),
        focus_wins=st.booleans(),
    ),
    autoreply=st.builds(
        AutoreplySettings,
        enabled=st.booleans(),
        template=st.just(DEFAULT_TEMPLATE),
        once_per_sender_days=st.integers(1, 365),
        urgent_phone=st.just("+44 20 7946 0000"),
    ),
    holding=st.builds(
        HoldingSettings,
        mode=st.sampled_from(list(RuleMode)),
        folder=st.text(one_line, min_size=1, max_size=40).filter(
            lambda f: (
                f == f.strip()
                and f.strip()
                and not {"/", "\\"} & set(f)
                and well_known_named(f) is None  # the mailbox's own folders are refused
            )
        ),
    ),
)


@settings(max_examples=200)
@given(valid_settings)
def test_valid_settings_round_trip_through_toml(s: Settings) -> None:
    assert parse_settings(tomllib.loads(s.to_toml())) == s


# -- the reference documentation -------------------------------------------------------------


def test_configuration_reference_examples_are_valid_and_complete() -> None:
    doc = (REPO / "docs/configuration.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in doc.split("```toml\n")[1:]]
    assert blocks
    for block in blocks:
        settings_from_toml(block)
    full = settings_from_toml(blocks[0])
    assert full == settings_from_toml(SCHEMA)
    for section, table in full.to_dict().items():
        for key in table:
            assert f"`{section}.{key}`" in doc, f"{section}.{key} missing from the summary"
    for key in ("ca_bundle", "allow_rule_blob_removal", "client_id", "tenant", "poll_seconds"):
        assert f"`account.{key}`" in doc


def test_notifications_table() -> None:
    s = parse_settings({"notifications": {"urgent_during_focus": True}})
    assert s.notifications.urgent_during_focus is True
    assert parse_settings({}).notifications.urgent_during_focus is False
    with pytest.raises(ConfigError) as info:
        parse_settings({"notifications": {"urgent_during_focus": "yes", "sound": True}})
    assert [str(p) for p in info.value.problems] == [
        "notifications.sound: unknown key (known keys here: urgent_during_focus, "
        "open_digest_at_check_in)",
        'notifications.urgent_during_focus: expected true or false, got "yes"',
    ]
    # The digest opens itself at a check-in unless told not to (issue 12 §2).
    assert parse_settings({}).notifications.open_digest_at_check_in is True
    off = parse_settings({"notifications": {"open_digest_at_check_in": False}})
    assert off.notifications.open_digest_at_check_in is False
