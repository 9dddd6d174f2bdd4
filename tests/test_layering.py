"""Imports point downwards only (docs/architecture.md, README "Architecture"). Modules are
discovered by walking the package, so new files are covered without touching this test.

    front-ends   ui/ (Qt), cli.py, gui.py, demo.py, replay.py
    app/         builder, backends, service, verbs, events, values, runtime, control...
    adapters     mail/, store/, secrets.py, platform/        sim/ (plays the server)
    core/        engine, ports, settings, scheduler...
    domain/      pure rules, stdlib only
"""

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


# -- the application layer (issue 10) -----------------------------------------------------------

# What ui/ may import of FocusGuard: the service, its events and the values it hands out, the
# settings-file facade for the settings window and the wizard (no running app needed there),
# domain values, and the package's own name and resources.
UI_MAY_IMPORT = (
    "focusguard.ui",
    "focusguard.app.service",
    "focusguard.app.events",
    "focusguard.app.values",
    "focusguard.app.setup",
    "focusguard.domain",
    "focusguard.resource_files",
)


def focusguard_imports(path: Path) -> Iterator[tuple[int, str]]:
    for line, name in imports_of(path):
        if name == "focusguard" or name.startswith("focusguard."):
            yield line, name


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_ui_imports_only_the_service_events_and_values() -> None:
    bad = []
    for path in all_files():
        if not under(path, "ui/"):
            continue
        for line, name in focusguard_imports(path):
            # `from focusguard import APP_NAME` and `from focusguard.app import setup` also name
            # the packages themselves (their __init__ holds no code): fine.
            if name in ("focusguard", "focusguard.app", "focusguard.APP_NAME", "focusguard.APP_ID"):
                continue
            if not within(name, UI_MAY_IMPORT):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


@pytest.mark.parametrize(
    ("package", "who_may"),
    [
        # Backends are picked in one place: the registry (and replay's in-memory mailbox).
        ("focusguard.mail", ("mail/", "app/backends.py", "replay.py")),
        # The keyring is reached through the builder, account login and the settings file.
        ("focusguard.secrets", ("secrets.py", "app/builder.py", "app/account.py", "app/setup.py")),
        # The state file: opened at start-up (and by replay, on its own throw-away store).
        ("focusguard.store", ("store/", "app/startup.py", "replay.py")),
        # OS integration is the builder's to pick (and the fail-safe's own run; Do Not
        # Disturb detects the desktop it runs on).
        (
            "focusguard.platform",
            (
                "platform/",
                "app/builder.py",
                "app/dnd.py",
                "app/startup.py",
                "app/values.py",
                "app/failsafe_run.py",
            ),
        ),
        # Simulators: only the demo and `focusguard sim`.
        ("focusguard.sim", ("sim/", "demo.py", "cli.py")),
        # The builder: the composition roots.
        ("focusguard.app.builder", ("app/", "gui.py", "demo.py")),
        ("focusguard.ui", ("ui/", "gui.py", "demo.py")),
    ],
)
def test_only_these_modules_import(package: str, who_may: tuple[str, ...]) -> None:
    bad = []
    for path in all_files():
        if any(under(path, w) for w in who_may):
            continue
        for line, name in focusguard_imports(path):
            if within(name, (package,)):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("core/", ("focusguard.app", "focusguard.ui", "focusguard.mail", "focusguard.store")),
        ("core/", ("focusguard.platform", "focusguard.secrets", "focusguard.sim")),
        ("app/", ("focusguard.ui", "focusguard.sim", "focusguard.cli", "focusguard.gui")),
        ("app/", ("focusguard.demo",)),
        ("mail/", ("focusguard.app", "focusguard.ui", "focusguard.store", "focusguard.secrets")),
        ("platform/", ("focusguard.app", "focusguard.ui", "focusguard.mail", "focusguard.store")),
        ("store/", ("focusguard.app", "focusguard.ui", "focusguard.mail")),
    ],
)
def test_lower_layers_never_import_higher_ones(layer: str, forbidden: tuple[str, ...]) -> None:
    bad = []
    for path in all_files():
        if not under(path, layer):
            continue
        for line, name in focusguard_imports(path):
            if within(name, forbidden):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def test_no_imports_by_name_of_the_apps_own_modules() -> None:
    """`importlib.import_module("focusguard.mail.ews.login")` hid a layer violation from the
    scanner above (the settings dialog reached the EWS adapter that way)."""
    bad = []
    for path in all_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in calls(tree):
            if call_name(call) not in ("import_module", "__import__", "find_spec"):
                continue
            first = call.args[0] if call.args else None
            if not isinstance(first, ast.Constant) or str(first.value).startswith("focusguard"):
                bad.append(f"{path.relative_to(ROOT)}:{call.lineno} imports a module by name")
    assert bad == []


def test_no_import_error_fallbacks_for_the_apps_own_modules() -> None:
    """FocusGuard's modules are always there: `except ImportError` around one of them only
    ever hid a bug ("Graph is not supported yet" shipped long after Graph was)."""
    bad = []
    for path in all_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = module_name(path).split(".")[:-1]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            caught = ast.unparse(node.handlers[0].type) if node.handlers else ""
            if not any("ImportError" in ast.unparse(h.type or ast.Name("")) for h in node.handlers):
                continue
            own = [
                name
                for stmt in node.body
                for _, name in resolved_imports(stmt, package)
                if name.startswith("focusguard")
            ]
            if own:
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {caught} around {own[0]}")
    assert bad == []


def test_errors_are_recognised_by_type_not_by_their_attributes() -> None:
    """One error base (core/errors.py FocusGuardError) with title + message: no more
    `getattr(exc, "title", ...)` to guess whether an exception has one."""
    bad = []
    for path in all_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in calls(tree):
            if call_name(call) != "getattr" or len(call.args) < 2:
                continue
            attr = call.args[1]
            if isinstance(attr, ast.Constant) and attr.value in ("title", "message"):
                bad.append(f"{path.relative_to(ROOT)}:{call.lineno} getattr(..., {attr.value!r})")
    assert bad == []


def test_every_error_a_person_sees_derives_from_the_one_base() -> None:
    from focusguard.core.errors import AlreadyRunning, FocusGuardError, StartupError
    from focusguard.core.ports import AuthError, MailError
    from focusguard.core.settings import ConfigError
    from focusguard.platform.failsafe_scheduler import SchedulerError
    from focusguard.secrets import SecretStoreError
    from focusguard.store import StoreError

    for error in (
        AuthError,
        MailError,
        ConfigError,
        StoreError,
        SecretStoreError,
        SchedulerError,
        StartupError,
        AlreadyRunning,
    ):
        assert issubclass(error, FocusGuardError), error


def test_comments_point_at_nothing_outside_the_repository() -> None:
    """Notes and design documents outside the repository are gone for whoever reads the code
    later: comments cite the bug, the spec or a file in the repository."""
    bad = []
    for path in all_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "notes §" in line or "DESIGN.md" in line or "/work/" in line:
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bad == []
