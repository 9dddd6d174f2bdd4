"""Paths: FOCUSGUARD_HOME overrides everything; nothing is created until asked."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from focusguard.core import paths

REPO = Path(__file__).resolve().parents[2]


def test_focusguard_home_puts_everything_under_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOCUSGUARD_HOME", str(tmp_path))
    assert paths.config_file() == tmp_path / "config" / "focusguard.toml"
    assert paths.data_dir() == tmp_path / "data"
    assert paths.state_db() == tmp_path / "data" / "state.sqlite3"
    assert paths.runtime_dir() == tmp_path / "run"
    assert paths.log_dir() == tmp_path / "log"
    assert list(tmp_path.iterdir()) == []  # asking for a path creates nothing


def test_relative_home_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOCUSGUARD_HOME", "fg")
    assert paths.data_dir() == tmp_path / "fg" / "data"


def test_without_override_platform_dirs_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FOCUSGUARD_HOME", raising=False)
    monkeypatch.setenv("FOCUSGUARD_HOME", "  ")  # blank counts as unset
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    assert paths.config_file().name == "focusguard.toml"
    assert "FocusGuard" in paths.config_file().parts
    assert "FocusGuard" in paths.data_dir().parts
    assert "FocusGuard" in paths.log_dir().parts
    assert paths.state_db().parent == paths.data_dir()
    if sys.platform.startswith("linux"):
        assert (
            paths.config_file() == tmp_path / "xdg_config_home" / "FocusGuard" / "focusguard.toml"
        )
        assert paths.data_dir() == tmp_path / "xdg_data_home" / "FocusGuard"
        # The runtime folder's parent does not exist: fall back to the data folder.
        assert paths.runtime_dir() == paths.data_dir() / "run"
        (tmp_path / "xdg_runtime_dir").mkdir(mode=0o700)
        (tmp_path / "xdg_runtime_dir").chmod(0o700)  # platformdirs insists on 0700
        assert paths.runtime_dir() == tmp_path / "xdg_runtime_dir" / "FocusGuard"
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "xdg_runtime_dir"])


def test_ensure_private_dir(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    assert paths.ensure_private_dir(target) == target
    assert target.is_dir()
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o700
    # An existing folder is left alone.
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    paths.ensure_private_dir(shared)
    if os.name == "posix":
        assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    paths.ensure_private_dir(target)  # idempotent


def test_ensure_private_dir_over_a_file_fails(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(OSError):
        paths.ensure_private_dir(tmp_path / "f")


def test_import_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "APPDATA": str(home / "AppData" / "Roaming"),
        "LOCALAPPDATA": str(home / "AppData" / "Local"),
        "PYTHONPATH": str(REPO),
        "PATH": os.environ.get("PATH", ""),
        "SYSTEMROOT": os.environ.get("SYSTEMROOT", ""),
    }
    code = (
        "import json, focusguard.core.paths as p, focusguard.core.settings as s\n"
        "print(json.dumps([str(p.config_file()), str(p.data_dir()), str(p.runtime_dir()),"
        " str(p.log_dir()), str(p.state_db())]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    reported = json.loads(out.stdout)
    assert list(home.iterdir()) == []
    assert not any(Path(p).exists() for p in reported if str(home) in p)
