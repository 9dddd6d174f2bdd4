"""One app id everywhere: focusguard.APP_ID names the Linux desktop entry and its icon, the
AppStream component, the macOS bundle, the Windows installer and its AppUserModelID, and the
desktop file name the tray sets on QGuiApplication. A typo in any of them splits the app's
identity (a second taskbar group, notifications under an unknown name, autostart entries
the app cannot find)."""

from __future__ import annotations

import plistlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import focusguard
from focusguard import APP_ID, APP_NAME

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"
LINUX = INSTALLER / "linux"
ISS = INSTALLER / "windows" / "focusguard.iss"

# Anything that looks like a reverse-DNS id of ours, e.g. io.focusguard.Focusguard.
ID_LIKE = re.compile(r"io\.focusguard\.[A-Za-z0-9]+", re.IGNORECASE)


def test_app_id_is_reverse_dns() -> None:
    assert APP_ID == "io.focusguard.FocusGuard"
    assert re.fullmatch(r"[a-z][a-z0-9]*(\.[A-Za-z][A-Za-z0-9_]*){2,}", APP_ID)


def test_linux_desktop_entries_are_named_after_the_app_id() -> None:
    assert (LINUX / f"{APP_ID}.desktop").is_file()
    assert (LINUX / "autostart" / f"{APP_ID}.desktop").is_file()
    for entry in (LINUX / f"{APP_ID}.desktop", LINUX / "autostart" / f"{APP_ID}.desktop"):
        text = entry.read_text(encoding="utf-8")
        assert f"\nIcon={APP_ID}\n" in text
        assert f"\nName={APP_NAME}\n" in text


def test_metainfo_id_launchable_and_icon() -> None:
    path = LINUX / f"{APP_ID}.metainfo.xml"
    root = ET.parse(path).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("icon") == APP_ID
    assert root.findtext("name") == APP_NAME


def test_macos_bundle_identifier() -> None:
    with open(INSTALLER / "macos" / "Info.plist", "rb") as f:
        plist = plistlib.load(f)
    assert plist["CFBundleIdentifier"] == APP_ID
    assert plist["LSUIElement"] is True
    assert plist["CFBundleIconFile"] == f"{APP_ID}.icns"
    spec = (INSTALLER / "focusguard.spec").read_text(encoding="utf-8")
    assert "bundle_identifier=APP_ID" in spec


def test_inno_setup_app_id_and_app_user_model_id() -> None:
    text = ISS.read_text(encoding="utf-8")
    assert f'#define AppId "{APP_ID}"' in text
    assert re.search(r"^AppId=\{#AppId\}$", text, re.MULTILINE)
    icons = [line for line in text.splitlines() if line.startswith('Name: "{auto')]
    assert icons, "no Start-menu/desktop shortcuts"
    for line in icons:
        assert 'AppUserModelID: "{#AppId}"' in line, line


def test_tray_sets_the_desktop_file_name_from_app_id() -> None:
    main = (REPO / "focusguard" / "ui" / "main.py").read_text(encoding="utf-8")
    assert "setDesktopFileName(APP_ID)" in main


def test_autostart_names_agree_with_the_app() -> None:
    from focusguard.platform import autostart

    # The app's own start-at-login switch and the installers must use the same names, so
    # either one sees (and removes) what the other wrote.
    iss = ISS.read_text(encoding="utf-8")
    run_key = autostart.RUN_KEY
    assert f'Subkey: "{run_key}"' in iss
    assert f"RunKey = '{run_key}'" in iss
    assert 'ValueName: "{#AppName}"' in iss and f'#define AppName "{APP_NAME}"' in iss
    xdg = autostart.XdgAutostart(command=["focusguard"], config_home=Path("/x"))
    assert xdg.path.name == f"{APP_ID}.desktop"


def test_app_icon_files_are_named_after_the_app_id() -> None:
    icons = REPO / "resources" / "icons" / "app"
    for name in (f"{APP_ID}.svg", f"{APP_ID}.ico", f"{APP_ID}.icns", f"{APP_ID}-256.png"):
        assert (icons / name).is_file(), name


def test_no_other_spelling_of_the_app_id_anywhere() -> None:
    files = [p for p in INSTALLER.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [REPO / "focusguard" / "__init__.py", REPO / ".ci" / "bundle"]
    seen: dict[str, set[str]] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for match in ID_LIKE.findall(text):
            # Suffixes in file names (.desktop, .metainfo, -256.png, _is1) end the match.
            seen.setdefault(match, set()).add(str(path.relative_to(REPO)))
    assert set(seen) == {APP_ID}, seen
    assert focusguard.APP_ID == APP_ID
