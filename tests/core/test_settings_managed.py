"""IT-managed settings (core/settings/managed.py): where the file is looked for on each
platform, presets under the user's file, locked keys that keep the organisation's value,
where each value came from, and a broken managed file named with its problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from focusguard.cli import main
from focusguard.core.settings import ConfigError, load_settings
from focusguard.core.settings.managed import (
    FROM_DEFAULT,
    FROM_ORGANISATION,
    FROM_ORGANISATION_LOCKED,
    FROM_USER,
    load_managed,
    managed_files,
    parse_managed,
)

MANAGED = """
[account]
kind = "graph"
client_id = "11111111-2222-3333-4444-555555555555"
tenant = "contoso.onmicrosoft.com"
[people]
own_domains = ["contoso.com"]
urgent = ["ceo@contoso.com"]
[autoreply]
template = "We answer at {next_check_in}."
[managed]
locked = ["account.client_id", "account.tenant", "people.own_domains"]
"""


def test_where_the_file_is_looked_for() -> None:
    assert managed_files({}, "linux") == [Path("/etc/xdg/focusguard/managed.toml")]
    # XDG_CONFIG_DIRS in order of preference; relative entries are ignored (basedir spec).
    assert managed_files({"XDG_CONFIG_DIRS": "/opt/x:rel:/etc/xdg"}, "linux") == [
        Path("/opt/x/focusguard/managed.toml"),
        Path("/etc/xdg/focusguard/managed.toml"),
    ]
    win = managed_files({}, "win32", install_dir=Path("C:/Program Files/FocusGuard"))
    assert win == [Path("C:/Program Files/FocusGuard/managed.toml")]
    assert managed_files({}, "darwin") == [
        Path("/Library/Managed Preferences/io.focusguard.FocusGuard.plist"),
        Path("/Library/Application Support/FocusGuard/managed.toml"),
    ]
    assert managed_files({"FOCUSGUARD_MANAGED": "/srv/fg.toml"}, "linux") == [Path("/srv/fg.toml")]


def test_first_existing_file_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    second.write_text('[people]\nurgent = ["x@y.example"]\n', encoding="utf-8")
    assert load_managed([first, second]).source == second
    assert not load_managed([first])


def test_presets_under_the_users_file_and_locks_over_it(tmp_path: Path) -> None:
    managed = parse_managed(MANAGED, tmp_path / "managed.toml")
    user = tmp_path / "focusguard.toml"
    user.write_text(
        '[account]\nkind = "graph"\nemail = "ann@contoso.com"\nauth = "oauth"\n'
        'client_id = "99999999-9999-9999-9999-999999999999"\n'
        '[people]\nown_domains = ["mine.example"]\nurgent = ["boss@contoso.com"]\n',
        encoding="utf-8",
    )
    s = load_settings(user, managed)
    assert s.account is not None
    assert s.account.client_id == "11111111-2222-3333-4444-555555555555"  # locked
    assert s.account.tenant == "contoso.onmicrosoft.com"  # preset
    assert s.people.own_domains == ("contoso.com",)  # locked
    assert s.people.urgent == ("boss@contoso.com",)  # preset, the user's own wins
    assert s.autoreply.template == "We answer at {next_check_in}."
    doc = {"people": {"urgent": ["boss@contoso.com"]}, "account": {"client_id": "x"}}
    assert managed.origin("account.client_id", doc) == FROM_ORGANISATION_LOCKED
    assert managed.origin("people.urgent", doc) == FROM_USER
    assert managed.origin("autoreply.template", doc) == FROM_ORGANISATION
    assert managed.origin("holding.folder", doc) == FROM_DEFAULT


def test_system_managed_file_is_read_by_load_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc-xdg"
    (etc / "focusguard").mkdir(parents=True)
    (etc / "focusguard" / "managed.toml").write_text(MANAGED, encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(etc))
    user = tmp_path / "focusguard.toml"
    user.write_text('[account]\nkind = "graph"\nemail = "ann@contoso.com"\n', encoding="utf-8")
    s = load_settings(user)
    assert s.account is not None and s.account.client_id == "11111111-2222-3333-4444-555555555555"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[managed]\nlocked = ["account.nope"]\n', "'account.nope' is not a setting"),
        ('[managed]\nlocked = "account.client_id"\n', "must be a list"),
        ("[managed]\nother = 1\n", "may only hold locked"),
        ('[people]\nurgent = ["not an address"]\n', "people.urgent"),
        ("[people\n", "is not valid TOML"),
    ],
)
def test_broken_managed_file_is_named_with_its_problems(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "managed.toml"
    with pytest.raises(ConfigError) as err:
        parse_managed(text, path)
    shown = "\n".join(str(p) for p in err.value.problems)
    assert str(path) in shown and words in shown


def test_config_check_says_where_settings_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    managed = tmp_path / "managed.toml"
    managed.write_text(MANAGED, encoding="utf-8")
    monkeypatch.setenv("FOCUSGUARD_MANAGED", str(managed))
    user = tmp_path / "focusguard.toml"
    user.write_text(
        '[account]\nkind = "graph"\nemail = "ann@contoso.com"\n[people]\nurgent = []\n',
        encoding="utf-8",
    )
    assert main(["config", "check", "--config", str(user)]) == 0
    out = capsys.readouterr().out
    assert f"Managed settings from {managed}:" in out
    assert f"account.client_id: {FROM_ORGANISATION_LOCKED}" in out
    assert f"people.urgent: {FROM_USER}" in out
    assert f"autoreply.template: {FROM_ORGANISATION}" in out
    managed.write_text('[managed]\nlocked = ["x.y"]\n', encoding="utf-8")
    assert main(["config", "check", "--config", str(user)]) != 0
    assert "'x.y' is not a setting" in capsys.readouterr().err


def test_status_says_where_settings_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from focusguard.app.control import ControlServer

    managed = tmp_path / "managed.toml"
    managed.write_text(MANAGED, encoding="utf-8")
    monkeypatch.setenv("FOCUSGUARD_MANAGED", str(managed))
    user = tmp_path / "focusguard.toml"
    user.write_text('[account]\nkind = "graph"\nemail = "ann@contoso.com"\n', encoding="utf-8")
    server = ControlServer(lambda request: {"ok": True, "text": "Watching · 0 held"})
    server.start()
    try:
        assert main(["status", "--config", str(user)]) == 0
    finally:
        server.stop()
    out = capsys.readouterr().out
    assert out.startswith("Watching · 0 held\n")
    assert f"people.own_domains: {FROM_ORGANISATION_LOCKED}" in out


def test_macos_managed_preferences_plist(tmp_path: Path) -> None:
    import plistlib

    path = tmp_path / "io.focusguard.FocusGuard.plist"
    path.write_bytes(
        plistlib.dumps(
            {
                "PayloadUUID": "1B2C",  # a configuration profile's own key
                "account": {"client_id": "11111111-2222-3333-4444-555555555555"},
                "managed": {"locked": ["account.client_id"]},
            }
        )
    )
    managed = load_managed([path])
    assert managed.locked == {"account.client_id"}
    assert managed.document == {"account": {"client_id": "11111111-2222-3333-4444-555555555555"}}
    path.write_bytes(b"not a plist")
    with pytest.raises(ConfigError, match="not a valid plist"):
        load_managed([path])


def test_windows_group_policy_value_comes_first(tmp_path: Path) -> None:
    beside_the_app = tmp_path / "managed.toml"
    beside_the_app.write_text('[people]\nurgent = ["x@y.example"]\n', encoding="utf-8")
    managed = load_managed([beside_the_app], policy=lambda: MANAGED)
    assert managed.locked == {"account.client_id", "account.tenant", "people.own_domains"}
    assert str(managed.source).startswith("HKLM")
    assert load_managed([beside_the_app], policy=lambda: None).source == beside_the_app
    with pytest.raises(ConfigError) as err:
        load_managed([], policy=lambda: '[managed]\nlocked = ["a.b"]\n')
    assert "Policies" in str(err.value.problems[0])
