"""The settings file on disk: read (strictly, with a problem for every way a file can be
unusable), write (atomically, readable by you only, read back before it is kept).

Secrets are never in this file; passwords and tokens live in the system keyring.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from pathlib import Path

from focusguard.core.paths import ensure_private_dir
from focusguard.core.settings.managed import NOT_MANAGED, Managed, load_managed
from focusguard.core.settings.schema import Settings
from focusguard.core.settings.validation import ConfigError, Problem, parse_settings

# A run of digits longer than Python's int() limit of 4,300 (CVE-2020-10735): tomllib raises
# a bare ValueError for such an integer, without a line or a key.
_LONG_DIGITS_RE = re.compile(r"[0-9_]{4301,}")
_HUGE_STANDIN = "1" + "0" * 100
_TOML_POS_RE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.DOTALL)
_TOML_END_RE = re.compile(r"^(.*) \(at end of document\)$", re.DOTALL)
_MAX_FILE_BYTES = 1_000_000
_HOW_TO_CREATE = 'create one with "focusguard config init" or run the setup wizard'


def settings_from_toml(
    text: str, name: str = "focusguard.toml", managed: Managed = NOT_MANAGED
) -> Settings:
    """Parse and validate TOML text, laid over `managed`'s presets (locked keys keep the
    organisation's values); syntax errors are problems keyed by `name`."""
    try:
        data = managed.apply(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(name, _toml_error_message(str(exc)))]) from None
    except RecursionError:
        raise ConfigError([Problem(name, "is nested too deeply to read")]) from None
    except ValueError:
        _explain_long_integers(text, name)
        raise  # not reached: _explain_long_integers always raises
    return parse_settings(data)


def _explain_long_integers(text: str, name: str) -> None:
    """Raise the ConfigError for a document tomllib refused with a bare ValueError: an
    integer of more than 4,300 digits. Parsed again with each such run of digits replaced by
    a number that is merely far out of range, the normal checks name the key ("a very large
    number is out of range"). A digit run inside a string is replaced too; harmless, since
    only the problems of a file that cannot be loaded anyway are reported from this."""
    first = _LONG_DIGITS_RE.search(text)
    line = 1 if first is None else text.count("\n", 0, first.start()) + 1
    fallback = Problem(
        name,
        f"line {line}: a number with thousands of digits (no setting needs more than a few; "
        "fix or remove it)",
    )
    try:
        data = tomllib.loads(_LONG_DIGITS_RE.sub(_HUGE_STANDIN, text))
    except (ValueError, RecursionError):
        raise ConfigError([fallback]) from None
    try:
        parse_settings(data)
    except ConfigError as exc:
        raise ConfigError(exc.problems) from None
    raise ConfigError([fallback])


def load_settings(path: Path, managed: Managed | None = None) -> Settings:
    """Read and validate the settings file over the organisation's managed settings (read
    from the system when `managed` is None, managed.py); every problem (file, content or the
    managed file) is a ConfigError."""
    path = Path(path)
    layer = load_managed() if managed is None else managed
    return settings_from_toml(_read_text(path), _file_key(path), layer)


def check_config(path: Path, managed: Managed | None = None) -> list[Problem]:
    """Every problem with the settings file; [] when it is valid."""
    try:
        load_settings(path, managed)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings atomically (temporary file + rename), mode 0600.

    The text is validated by reading it back first, so a file this writes always loads.
    Comments in an existing file are not kept. The folder is created 0700 when missing.
    """
    path = Path(path)
    key = _file_key(path)
    text = settings.to_toml()
    if settings_from_toml(text, key) != settings:
        raise ConfigError([Problem(key, "would not read back as saved; nothing was written")])
    tmp: str | None = None
    try:
        ensure_private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([Problem(key, f"could not be saved to {path}: {reason}")]) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _file_key(path: Path) -> str:
    return path.name or str(path)


def _read_text(path: Path) -> str:
    key = _file_key(path)
    try:
        with path.open("rb") as f:
            raw = f.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([Problem(key, f"not found at {path} ({_HOW_TO_CREATE})")]) from None
    except IsADirectoryError:
        raise ConfigError(
            [Problem(key, f"{path} is a folder, not a settings file ({_HOW_TO_CREATE})")]
        ) from None
    except PermissionError:
        raise ConfigError(
            [
                Problem(
                    key,
                    f"cannot be read at {path}: permission denied (check its owner "
                    "and permissions; FocusGuard writes it readable by you only)",
                )
            ]
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError([Problem(key, f"cannot be read at {path}: {reason}")]) from None
    if len(raw) > _MAX_FILE_BYTES:
        raise ConfigError(
            [Problem(key, f"is larger than {_MAX_FILE_BYTES // 1000} kB: not a settings file")]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise ConfigError(
            [Problem(key, f"line {line}: not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")]
        ) from None


def _toml_error_message(text: str) -> str:
    m = _TOML_POS_RE.match(text)
    if m:
        return f"line {m[2]}, column {m[3]}: {m[1]}"
    m = _TOML_END_RE.match(text)
    if m:
        return f"at the end of the file: {m[1]}"
    return text
