"""Suite-wide test set-up: no test ever touches the developer's own settings or keyring."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Tests that run threads, sockets, subprocesses or a Qt event loop. `.ci/run` runs them a
# second time (`pytest -m concurrency`), so a race shows up before it lands. A module belongs
# here when it is in one of these folders or its source names one of these words, so a new
# test file that starts a thread is guarded without anyone remembering to list it.
CONCURRENCY_DIRS = ("tests/sim/", "tests/mail/", "tests/integration/", "tests/ui/")
CONCURRENCY_WORDS = re.compile(
    r"\b(threading|subprocess|socket|Popen|Simulator|qtbot|Runtime|Thread|multiprocessing)\b"
)


@functools.cache
def _touches_concurrency(path: Path) -> bool:
    where = path.relative_to(REPO).as_posix()
    if where.startswith(CONCURRENCY_DIRS):
        return True
    return CONCURRENCY_WORDS.search(path.read_text(encoding="utf-8")) is not None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "concurrency: runs threads, sockets or subprocesses (CI runs these twice)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _touches_concurrency(Path(str(item.path)).resolve()):
            item.add_marker(pytest.mark.concurrency)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("fg-home")
    monkeypatch.setenv("FOCUSGUARD_HOME", str(home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "xdg-run"))
    # No organisation's managed settings from this machine (core/settings/managed.py).
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(home / "xdg-config-dirs"))
    monkeypatch.delenv("FOCUSGUARD_MANAGED", raising=False)
    # A real keyring backend, never the developer's: an in-memory one (tests/keyring_memory).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_memory.MemoryKeyring")
    import keyring

    from tests.keyring_memory import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    yield home


@pytest.fixture(autouse=True)
def _no_log_redaction_left_installed():
    """`focusguard.cli.main` installs log redaction and crash hooks process-wide (issue 9 §3);
    tests that call it in-process must not leave them (or remembered secrets) to the next."""
    yield
    from focusguard import log_redaction

    log_redaction.uninstall()
    log_redaction.forget_all()
