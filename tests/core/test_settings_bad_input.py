"""Settings input found by fuzzing (issue 9 §4): each gets one clear message naming the key,
never a traceback, and nothing that is not plain text gets through to a server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from focusguard.core.settings import ConfigError, parse_settings, settings_from_toml

REPO = Path(__file__).resolve().parents[2]
GRAPH = (
    '[account]\nkind = "graph"\nemail = "me@corp.example"\n'
    'client_id = "1b2c3d4e-1111-2222-3333-444455556666"\n'
)
HUGE = "9" * 4400  # past Python's 4,300-digit limit for int(): tomllib raised ValueError


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        settings_from_toml(textwrap.dedent(text))
    return [str(p) for p in info.value.problems]


def config_check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "focusguard.toml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "focusguard", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


# -- integers too long for int() -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"[schedule]\ncheck_in_minutes = {HUGE}",
            "schedule.check_in_minutes: a very large number is out of range (use 1 to 240 minutes)",
        ),
        (
            f"[autoreply]\nonce_per_sender_days = -{HUGE}",
            "autoreply.once_per_sender_days: a very large number is out of range "
            "(use 1 to 365 days)",
        ),
        (
            f"[schedule]\ncheck_ins = [{HUGE}]",
            'schedule.check_ins[0]: expected a time of day like "09:30", got a very large number',
        ),
        (
            f"nonsense = {HUGE}",
            "nonsense: unknown key (known keys here: version, account, people, schedule, "
            "autoreply, holding, notifications, privacy, do_not_disturb, exceptions, promise)",
        ),
    ],
)
def test_an_integer_too_long_for_python_names_its_key(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_config_check_on_a_4400_digit_integer_exits_1_without_a_traceback(
    tmp_path: Path,
) -> None:
    result = config_check(tmp_path, f"[account]\npoll_seconds = {HUGE}\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "account.email: missing" in result.stderr
    assert "account.poll_seconds: a very large number is out of range" in result.stderr


def test_long_digit_runs_in_strings_and_comments_are_just_text() -> None:
    s = settings_from_toml(f'# {HUGE}\n[autoreply]\ntemplate = "Ref {HUGE}"\n')
    assert s.autoreply.template == f"Ref {HUGE}"


# -- tenant: pasted into https://login.microsoftonline.com/{tenant} ---------------------------


@pytest.mark.parametrize(
    "tenant",
    [
        "evil.example/oauth2?x=",
        "evil.example#",
        "corp.example/../common",
        "corp.example ",
        " corp.example",
        "corp",
        "corp..example",
        "-corp.example",
        "corp_example.com",
        "bücher.example",
        "organisations",
        "1b2c3d4e-1111-2222-3333-44445555666",
        "1b2c3d4e-1111-2222-3333-444455556666/x",
        "",
    ],
)
def test_a_tenant_that_is_not_a_guid_a_domain_or_an_audience_is_refused(tenant: str) -> None:
    problems = problems_of(GRAPH + f"tenant = {tomlstr(tenant)}\n")
    assert len(problems) == 1
    assert problems[0].startswith("account.tenant: ")
    assert "is not a tenant" in problems[0]


@pytest.mark.parametrize(
    "tenant",
    [
        "common",
        "organizations",
        "consumers",
        "1b2c3d4e-1111-2222-3333-444455556666",
        "corp.example",
        "contoso.onmicrosoft.com",
        "xn--bcher-kva.example",
        "Corp.Example",
    ],
)
def test_guid_domain_and_the_three_audiences_are_tenants(tenant: str) -> None:
    s = settings_from_toml(GRAPH + f'tenant = "{tenant}"\n')
    assert s.account is not None and s.account.tenant == tenant


# -- control characters and other non-text -------------------------------------------------


@pytest.mark.parametrize(
    ("key", "table", "value", "shown"),
    [
        (
            "folder",
            "holding",
            "Held\u0000x",
            '"Held\\u0000x" contains a control character (U+0000)',
        ),
        ("folder", "holding", "Held\tx", '"Held\\tx" contains a control character (U+0009)'),
        ("folder", "holding", "Held\nx", '"Held\\nx" contains a control character (U+000A)'),
        ("folder", "holding", "Held\u2028x", '"Held\\u2028x" contains a line separator (U+2028)'),
        ("folder", "holding", "Held\ufffex", '"Held\\ufffex" contains a non-character (U+FFFE)'),
        ("folder", "holding", "H\U0001fffe", '"H\\U0001fffe" contains a non-character'),
        (
            "calendar_focus_subject",
            "schedule",
            "Focus\u001btime",
            '"Focus\\u001btime" contains a control character (U+001B)',
        ),
        ("urgent_phone", "autoreply", "+44\u0000", '"+44\\u0000" contains a control character'),
        ("template", "autoreply", "Hi\u0000", '"Hi\\u0000" contains a control character (U+0000)'),
        ("username", "account", "CORP\\me\u0000", "contains a control character (U+0000)"),
        ("ews_url", "account", "https://m.corp.example/\u0007", "contains a control character"),
        ("email", "account", "me\u2028@corp.example", "contains a line separator (U+2028)"),
    ],
)
def test_non_text_in_a_text_setting_names_the_key_and_the_character(
    key: str, table: str, value: str, shown: str
) -> None:
    doc: dict[str, dict[str, object]] = {table: {key: value}}
    if table == "account":
        doc[table].setdefault("email", "me@corp.example")
    with pytest.raises(ConfigError) as info:
        parse_settings(doc)
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"{table}.{key}: ")
    assert shown in messages[0]
    assert "remove it" in messages[0]


def test_the_template_may_have_line_breaks_and_tabs() -> None:
    s = parse_settings({"autoreply": {"template": "Hello,\n\tthanks.\r\nBye {urgent_phone}"}})
    assert s.autoreply.template.startswith("Hello,\n\t")


def test_nul_in_the_folder_via_config_check_is_refused(tmp_path: Path) -> None:
    result = config_check(tmp_path, '[holding]\nfolder = "Held\\u0000x"\n')
    assert result.returncode == 1
    assert 'holding.folder: "Held\\u0000x" contains a control character (U+0000)' in result.stderr


def test_a_lone_surrogate_is_refused_and_shown_escaped() -> None:
    # TOML cannot spell one (tomllib refuses "\ud800"), but the settings window hands Python
    # strings to the same validator.
    with pytest.raises(ConfigError) as info:
        parse_settings({"holding": {"folder": "Held\ud800"}})
    (message,) = [str(p) for p in info.value.problems]
    assert message == (
        'holding.folder: "Held\\ud800" contains a lone surrogate (U+D800) '
        "(remove it: this setting is plain text on one line)"
    )
    message.encode("utf-8")  # printable: no surrogate left in the message itself


def test_client_id_with_spaces_around_it_is_refused() -> None:
    text = GRAPH.replace(
        '"1b2c3d4e-1111-2222-3333-444455556666"', '" 1b2c3d4e-1111-2222-3333-444455556666 "'
    )
    assert problems_of(text) == [
        'account.client_id: " 1b2c3d4e-1111-2222-3333-444455556666 " starts or ends with a '
        "space (remove it)"
    ]


def tomlstr(text: str) -> str:
    """A TOML basic string for `text` (escaping what TOML needs escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
