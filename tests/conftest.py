"""Suite-wide test set-up: no test ever touches the developer's own settings or keyring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Tests that run threads, sockets, subprocesses or a Qt event loop. `.ci/run` runs them a
# second time (`pytest -m concurrency`), so a race shows up before it lands.
CONCURRENCY = (
    "tests/sim/",
    "tests/mail/",
    "tests/integration/",
    "tests/ui/",
    "tests/test_runtime_control.py",
    "tests/store/test_store_threads.py",
    "tests/store/test_store_crash.py",
    "tests/core/test_scheduler.py",
    "tests/platform/test_dnd_desktops.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "concurrency: runs threads, sockets or subprocesses (CI runs these twice)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.path)).resolve().relative_to(REPO).as_posix()
        if where.startswith(CONCURRENCY):
            item.add_marker(pytest.mark.concurrency)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("fg-home")
    monkeypatch.setenv("FOCUSGUARD_HOME", str(home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "xdg-run"))
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
