r"""IT-managed settings: a file an organisation rolls out with FocusGuard that presets, and
optionally locks, any setting — the app registration (`account.client_id`, `account.tenant`),
`people.own_domains`, the urgent list, the auto-reply template — so a member of staff only
types their email and signs in.

Where it is read (the first that exists wins):
- Linux and other XDG desktops: `focusguard/managed.toml` in each of `$XDG_CONFIG_DIRS`
  (default `/etc/xdg`), in that order of preference
  (https://specifications.freedesktop.org/basedir-spec/latest/);
- Windows: Group Policy, the text of such a file in the value `Managed` of
  `HKLM\Software\Policies\FocusGuard`; else `managed.toml` beside the installed app (the
  installer's silent mode writes it);
- macOS: the managed preferences a configuration profile installs,
  `/Library/Managed Preferences/io.focusguard.FocusGuard.plist` (the same tables as
  dictionaries), else `managed.toml` in `/Library/Application Support/FocusGuard`;
- anywhere: `$FOCUSGUARD_MANAGED` names the file (for testing a roll-out).

The file has the tables of `focusguard.toml`, and a `[managed]` table whose `locked` lists
"table.key" names the user cannot change:

    [account]
    kind = "graph"
    client_id = "5f1c2a3b-…"
    tenant = "contoso.onmicrosoft.com"
    [people]
    own_domains = ["contoso.com"]
    [managed]
    locked = ["account.client_id", "account.tenant"]

The user's file is laid over the presets; a locked key keeps the organisation's value whatever
the user's file says. Values are checked like the user's own (validation.py).
"""

from __future__ import annotations

import os
import plistlib
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from focusguard.core.settings.schema import TABLES
from focusguard.core.settings.validation import ConfigError, Problem, parse_settings

MANAGED_ENV = "FOCUSGUARD_MANAGED"
MANAGED_TABLE = "managed"
FILE_NAME = "managed.toml"
DEFAULT_XDG_CONFIG_DIRS = "/etc/xdg"
MACOS_PLIST = "io.focusguard.FocusGuard.plist"  # the app id as the preference domain
POLICY_KEY = r"Software\Policies\FocusGuard"
POLICY_VALUE = "Managed"

# Where each setting's value came from (`config check` and `status` say so).
FROM_ORGANISATION_LOCKED = "your organisation (locked)"
FROM_ORGANISATION = "your organisation"
FROM_USER = "your settings file"
FROM_DEFAULT = "default"


def managed_files(
    environ: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    install_dir: Path | None = None,
) -> list[Path]:
    """The places a managed settings file is looked for, most preferred first."""
    named = environ.get(MANAGED_ENV, "").strip()
    if named:
        return [Path(named)]
    if platform == "win32":
        return [(install_dir or Path(sys.executable).parent) / FILE_NAME]
    if platform == "darwin":
        # A configuration profile (MDM) lands as a managed-preferences plist with the same
        # tables as dictionaries; a plain file is the fallback.
        return [
            Path("/Library/Managed Preferences") / MACOS_PLIST,
            Path("/Library/Application Support/FocusGuard") / FILE_NAME,
        ]
    dirs = environ.get("XDG_CONFIG_DIRS", "").strip() or DEFAULT_XDG_CONFIG_DIRS
    # The spec: relative paths in the variable are invalid and ignored.
    return [Path(d) / "focusguard" / FILE_NAME for d in dirs.split(":") if d.startswith("/")]


@dataclass(frozen=True, slots=True)
class Managed:
    """The organisation's presets (`document`, tables as in focusguard.toml) and locks."""

    document: Mapping[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    source: Path | None = None

    def __bool__(self) -> bool:
        return self.source is not None

    def apply(self, user: Mapping[str, Any]) -> dict[str, Any]:
        """The user's document over the presets; locked keys keep the organisation's value."""
        merged: dict[str, Any] = {k: _copy(v) for k, v in self.document.items()}
        for name, value in user.items():
            if isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
                table = dict(merged[name])
                for key, item in value.items():
                    if f"{name}.{key}" not in self.locked:
                        table[key] = _copy(item)
                merged[name] = table
            elif name not in merged or not isinstance(merged[name], Mapping):
                merged[name] = _copy(value)
        return merged

    def origin(self, key: str, user: Mapping[str, Any]) -> str:
        """Where the value of "table.key" comes from, given the user's document."""
        table, _, name = key.partition(".")
        preset = isinstance(self.document.get(table), Mapping) and name in self.document[table]
        if key in self.locked and preset:
            return FROM_ORGANISATION_LOCKED
        mine = user.get(table)
        if isinstance(mine, Mapping) and name in mine:
            return FROM_USER
        return FROM_ORGANISATION if preset else FROM_DEFAULT

    def preset_keys(self) -> list[str]:
        return [
            f"{table}.{key}"
            for table, values in self.document.items()
            if isinstance(values, Mapping)
            for key in values
        ]


NOT_MANAGED = Managed()


def describe_origins(managed: Managed, user: Mapping[str, Any]) -> list[str]:
    """Lines saying which settings the organisation presets or locks, and where each value
    now comes from (`config check`, `status`); [] without a managed file."""
    if not managed:
        return []
    lines = [f"Managed settings from {managed.source}:"]
    for key in sorted(set(managed.preset_keys()) | managed.locked):
        lines.append(f"  {key}: {managed.origin(key, user)}")
    return lines


def windows_policy() -> str | None:
    """Group Policy: the managed file's text in the string (or multi-string) value
    `Managed` of `HKLM\\Software\\Policies\\FocusGuard`, the place Windows reserves for
    policies; None when there is none (or not on Windows)."""
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, POLICY_KEY) as key:
            value, _kind = winreg.QueryValueEx(key, POLICY_VALUE)
    except OSError:
        return None
    return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)


def load_managed(
    files: Sequence[Path] | None = None, policy: Callable[[], str | None] | None = None
) -> Managed:
    """The organisation's managed settings (the Windows policy first, then the files), or
    NOT_MANAGED when there are none. ConfigError (keys named after the file or the policy)
    when they cannot be used."""
    text = (policy or windows_policy)()
    if text is not None:
        return parse_managed(text, Path(f"HKLM\\{POLICY_KEY}\\{POLICY_VALUE}"))
    for path in managed_files() if files is None else files:
        if not path.is_file():
            continue
        try:
            if path.suffix == ".plist":
                return parse_managed_plist(path.read_bytes(), path)
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(
                [Problem(str(path), f"could not be read: {exc.strerror or exc} (ask your IT)")]
            ) from None
        return parse_managed(text, path)
    return NOT_MANAGED


def parse_managed(text: str, path: Path) -> Managed:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError([Problem(str(path), f"is not valid TOML ({exc}); ask your IT")]) from None
    return _checked(data, path)


def parse_managed_plist(raw: bytes, path: Path) -> Managed:
    """macOS managed preferences: the same tables as dictionaries, `managed.locked` an
    array of strings."""
    try:
        data = plistlib.loads(raw)
    except (plistlib.InvalidFileException, ValueError) as exc:
        raise ConfigError(
            [Problem(str(path), f"is not a valid plist ({exc}); ask your IT")]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(path), "must hold a dictionary of settings tables")])
    # Profiles add their own keys (PayloadUUID...): not FocusGuard's tables.
    return _checked({k: v for k, v in data.items() if not k.startswith("Payload")}, path)


def _checked(data: dict[str, Any], path: Path) -> Managed:
    name = str(path)
    raw = data.pop(MANAGED_TABLE, {})
    problems: list[Problem] = []
    locked: list[str] = []
    if not isinstance(raw, Mapping) or set(raw) - {"locked"}:
        problems.append(Problem(f"{name}: [managed]", 'may only hold locked = ["table.key"]'))
    else:
        value = raw.get("locked", [])
        known = {f"{t.name}.{k.name}" for t in TABLES for k in t.keys}
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(f"{name}: managed.locked", 'must be a list like ["a.b"]'))
        else:
            locked = list(value)
            problems += [
                Problem(f"{name}: managed.locked", f"{v!r} is not a setting")
                for v in locked
                if v not in known
            ]
    try:
        # The presets must make sense on their own (an [account] preset may lack the email:
        # each person types their own).
        probe = _copy(data)
        if isinstance(probe.get("account"), dict):
            probe["account"].setdefault("email", "someone@example.com")
        parse_settings(probe)
    except ConfigError as exc:
        problems += [Problem(f"{name}: {p.key}", p.message) for p in exc.problems]
    if problems:
        raise ConfigError(problems)
    return Managed(data, frozenset(locked), path)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


__all__ = [
    "FROM_DEFAULT",
    "FROM_ORGANISATION",
    "FROM_ORGANISATION_LOCKED",
    "FROM_USER",
    "MANAGED_ENV",
    "NOT_MANAGED",
    "Managed",
    "describe_origins",
    "load_managed",
    "managed_files",
    "parse_managed",
    "parse_managed_plist",
    "windows_policy",
]
