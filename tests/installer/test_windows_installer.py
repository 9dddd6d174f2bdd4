"""The Inno Setup script: a per-user install without admin rights, start at login as an
opt-in task, silent switches documented, and an uninstaller that keeps the user's settings
and data unless asked (prompt, or /PURGE). Inno Setup itself runs only on Windows; this
checks the script's text."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ISS = (REPO / "installer" / "windows" / "focusguard.iss").read_text(encoding="utf-8")
README = (REPO / "installer" / "README.md").read_text(encoding="utf-8")


def setup_value(key: str) -> str:
    match = re.search(rf"^{key}=(.*)$", ISS, re.MULTILINE)
    assert match, key
    return match.group(1).strip()


def test_per_user_install_without_admin() -> None:
    assert setup_value("PrivilegesRequired") == "lowest"
    assert setup_value("DefaultDirName") == r"{localappdata}\Programs\{#AppName}"
    assert "HKLM" not in ISS and "{commonprograms}" not in ISS and "{pf}" not in ISS


def test_start_menu_entry_and_optional_autostart() -> None:
    assert re.search(
        r'^Name: "\{autoprograms\}\\\{#AppName\}"; Filename: "\{app\}\\\{#AppExe\}"',
        ISS,
        re.MULTILINE,
    )
    task = re.search(r'^Name: "autostart";.*$', ISS, re.MULTILINE)
    assert task and "Flags: unchecked" in task.group(0)
    run = re.search(r"^Root: HKCU; Subkey: .*Run\"; .*$", ISS, re.MULTILINE)
    assert run and "Tasks: autostart" in run.group(0) and "uninsdeletevalue" in run.group(0)


def test_uninstaller_keeps_data_unless_asked() -> None:
    assert "/PURGE" in ISS and "PurgeRequested" in ISS
    assert "MB_DEFBUTTON2" in ISS  # the prompt defaults to "No, keep my data"
    assert "if (not Purge) and (not UninstallSilent())" in ISS
    assert "RegDeleteValue(HKEY_CURRENT_USER, RunKey" in ISS


def test_silent_switches_are_documented() -> None:
    for switch in ("/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/TASKS=", "/PURGE"):
        assert switch in ISS, switch
        assert switch in README, switch


def test_both_executables_are_known() -> None:
    assert '#define AppExe "focusguard.exe"' in ISS
    assert '#define AppCliExe "focusguard-cli.exe"' in ISS


def test_uninstaller_releases_through_the_failsafe_and_removes_its_task() -> None:
    # After the running copy was asked to release and was stopped, nothing would release
    # what is still held: the fail-safe does, then removes its scheduled task (issue 9).
    section = ISS.split("[UninstallRun]", 1)[1].split("\n[", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("Filename:")]
    assert len(lines) == 3
    assert "taskkill" in lines[1]
    assert lines[2].startswith('Filename: "{app}\\{#AppCliExe}"; Parameters: "failsafe ')
    assert "--release-all --uninstall" in lines[2] and "waituntilterminated" in lines[2]


def test_silent_install_can_write_the_managed_settings_beside_the_app() -> None:
    # managed_files() on Windows: managed.toml beside the installed app (issue 11).
    from focusguard.core.settings.managed import managed_files

    assert '/MANAGED="' in ISS
    assert "{param:MANAGED|}" in ISS
    assert re.search(r"FileCopy\(Managed, ExpandConstant\('\{app\}\\managed\.toml'\)", ISS)
    assert 'Type: files; Name: "{app}\\managed.toml"' in ISS
    assert managed_files({}, "win32", install_dir=Path("C:/x"))[0].name == "managed.toml"
