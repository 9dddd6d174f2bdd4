"""The Linux desktop entry, autostart entry and AppStream metadata pass the freedesktop
validators (Debian: desktop-file-utils, appstream), and the metadata's newest release is
the package version."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from focusguard import APP_ID, __version__

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "installer" / "linux"

needs_dfv = pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate missing (apt-get install desktop-file-utils)",
)
needs_appstream = pytest.mark.skipif(
    shutil.which("appstreamcli") is None, reason="appstreamcli missing (apt-get install appstream)"
)


@needs_dfv
@pytest.mark.parametrize(
    "entry", [LINUX / f"{APP_ID}.desktop", LINUX / "autostart" / f"{APP_ID}.desktop"]
)
def test_desktop_entry_validates(entry: Path) -> None:
    run = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # desktop-file-validate exits 0 on hints; errors and warnings must not appear either.
    assert "error:" not in run.stdout and "warning:" not in run.stdout, run.stdout


@needs_appstream
def test_metainfo_validates() -> None:
    run = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_metainfo_newest_release_is_the_package_version() -> None:
    root = ET.parse(LINUX / f"{APP_ID}.metainfo.xml").getroot()
    releases = root.findall("releases/release")
    assert releases, "metainfo has no <release>"
    assert releases[0].get("version") == __version__, (
        "add a <release> for the new version to the metainfo (newest first)"
    )


def test_autostart_entry_is_hidden_from_menus_and_gnome_enabled() -> None:
    text = (LINUX / "autostart" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert "\nNoDisplay=true\n" in text
    assert "\nX-GNOME-Autostart-enabled=true\n" in text
    assert "\nExec=focusguard\n" in text


def test_tarball_scripts_are_executable_and_parse() -> None:
    for name in ("build-tarball.sh", "install.sh", "uninstall.sh"):
        path = LINUX / name
        assert path.stat().st_mode & 0o111, f"{name} is not executable"
        run = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


def test_uninstall_releases_through_the_failsafe_and_removes_its_timer(tmp_path) -> None:
    # A stand-in bundle executable records how uninstall.sh calls it (the real bundle is
    # built by .ci/bundle, not in unit tests).
    lib = tmp_path / "prefix" / "lib" / "focusguard"
    lib.mkdir(parents=True)
    calls = tmp_path / "calls"
    exe = lib / "focusguard"
    exe.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n', encoding="utf-8")
    exe.chmod(0o755)
    script = lib / "uninstall.sh"
    script.write_bytes((LINUX / "uninstall.sh").read_bytes())
    script.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    run = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert calls.read_text().splitlines() == ["release-all", "failsafe --release-all --uninstall"]
    assert not lib.exists()
