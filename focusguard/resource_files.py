"""Finds files in `resources/`: in a source checkout, an installed wheel and a PyInstaller
bundle alike. The wheel ships resources/ as the package `focusguard.resources`; a checkout
maps it there through pyproject's package-dir (editable installs), and a bundle carries it
as data under the same package path."""

from __future__ import annotations

import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def root() -> Traversable:
    try:
        return resources.files("focusguard.resources")
    except ModuleNotFoundError:
        # Running from a checkout without installing: resources/ beside the package.
        here = Path(__file__).resolve().parent.parent / "resources"
        bundle = Path(getattr(sys, "_MEIPASS", "")) / "focusguard" / "resources"
        return bundle if bundle.is_dir() else here


def path(name: str) -> Traversable:
    item = root()
    for part in name.split("/"):
        item = item / part
    if not item.is_file():
        raise FileNotFoundError(f"FocusGuard resource missing: {name}")
    return item


def read_text(name: str) -> str:
    return path(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return path(name).read_bytes()
