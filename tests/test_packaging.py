"""The wheel carries every package and resources/, and the command is installed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def declared_packages() -> set[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return set(data["tool"]["setuptools"]["packages"])


def test_every_package_directory_is_declared() -> None:
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "focusguard").rglob("__init__.py")
    }
    found.add("focusguard.resources")
    assert found == declared_packages()


@pytest.mark.slow
def test_wheel_ships_resources_and_entry_point(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("focusguard-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n for n in names if n.startswith("focusguard/resources/")}
    for resource in (REPO / "resources").rglob("*"):
        if resource.is_file() and resource.suffix in {
            ".svg",
            ".toml",
            ".png",
            ".md",
            ".ico",
            ".icns",
        }:
            rel = resource.relative_to(REPO / "resources").as_posix()
            assert f"focusguard/resources/{rel}" in shipped
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "focusguard = focusguard.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_the_documented_install_brings_no_plaintext_keyring() -> None:
    """`bash .ci/install` installs the dev extra: it must not bring keyrings.alt, whose
    PlaintextKeyring keyring picks by itself when no desktop keyring runs (issue 9 §3)."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    assert not [d for d in wanted if d.lower().replace("_", ".").startswith("keyrings.alt")]
