"""Imports point downwards only (see DESIGN.md "Layers"). Modules are discovered by walking
the package, so new files are covered without touching this test."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "focusguard"


def modules_under(sub: str) -> list[str]:
    base = PKG / sub
    out = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append(".".join(parts))
    return out


def imported_in_subprocess(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def top_names(mods: set[str]) -> set[str]:
    return {m.split(".")[0] for m in mods}


HEAVY = {"PySide6", "exchangelib", "keyring", "requests", "lxml"}


def test_domain_imports_pull_in_no_heavy_or_io_libraries() -> None:
    mods = modules_under("domain")
    assert "focusguard.domain.policy" in mods
    loaded = top_names(imported_in_subprocess(mods))
    assert not loaded & (HEAVY | {"sqlite3", "_sqlite3"})


def test_domain_and_core_imports_pull_in_no_heavy_libraries() -> None:
    mods = modules_under("domain") + modules_under("core")
    loaded = top_names(imported_in_subprocess(mods))
    assert not loaded & HEAVY


# -- static scan ------------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    yield from resolved_imports(tree, package)


def resolved_imports(tree: ast.AST, package: list[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:  # `from focusguard import domain` names a module too
                yield node.lineno, f"{name}.{alias.name}"


def all_files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py"))


def under(path: Path, sub: str) -> bool:
    return path.relative_to(PKG).as_posix().startswith(sub)


def violations(allowed: str, forbidden_top: str) -> list[str]:
    bad = []
    for path in all_files():
        if under(path, allowed):
            continue
        for line, name in imports_of(path):
            if name.split(".")[0] == forbidden_top:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return bad


@pytest.mark.parametrize(
    ("allowed", "library"),
    [
        ("mail/ews/", "exchangelib"),
        ("ui/", "PySide6"),
        ("secrets.py", "keyring"),
        ("store/", "sqlite3"),
    ],
)
def test_only_one_place_imports(allowed: str, library: str) -> None:
    assert violations(allowed, library) == []


def test_domain_imports_only_stdlib_and_itself() -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    bad = []
    for path in all_files():
        if not under(path, "domain/"):
            continue
        for line, name in imports_of(path):
            top = name.split(".")[0]
            if top == "focusguard":
                if not (name == "focusguard.domain" or name.startswith("focusguard.domain.")):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
            elif top not in stdlib or top in {"sqlite3", "socket", "subprocess"}:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def test_core_imports_no_ui_mail_secrets_or_sql_libraries() -> None:
    bad = []
    for path in all_files():
        if not under(path, "core/"):
            continue
        for line, name in imports_of(path):
            if name.split(".")[0] in {"PySide6", "exchangelib", "keyring", "sqlite3"}:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def test_sim_shares_no_code_with_the_product() -> None:
    bad = []
    for path in all_files():
        if not under(path, "sim/"):
            continue
        for line, name in imports_of(path):
            for layer in ("focusguard.domain", "focusguard.core", "focusguard.mail"):
                if name == layer or name.startswith(layer + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def test_the_scanner_resolves_relative_and_nested_imports() -> None:
    """Guard the guard: relative, from-package and function-level imports are all seen."""
    code = (
        "from ..domain import policy\n"
        "from .. import core\n"
        "from .rules import x\n"
        "def f():\n"
        "    import exchangelib.account\n"
    )
    names = {name for _, name in resolved_imports(ast.parse(code), ["focusguard", "sim"])}
    assert "focusguard.domain.policy" in names
    assert "focusguard.core" in names
    assert "focusguard.sim.rules" in names
    assert "exchangelib.account" in names
