"""A real keyring backend that keeps secrets in a JSON file: for the suite's subprocesses,
which cannot share the in-memory keyring (tests/keyring_memory.py).

Deliberately a plaintext file, like keyrings.alt's PlaintextKeyring: the product refuses it
unless it is chosen on purpose (PYTHON_KEYRING_BACKEND=tests.keyring_file.FileKeyring, as the
subprocess tests do), so it also stands in for "a plaintext keyring was all keyring found".
The file is `$FOCUSGUARD_TEST_KEYRING_FILE`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

FILE_ENV = "FOCUSGUARD_TEST_KEYRING_FILE"


class FileKeyring(KeyringBackend):
    priority = 0.5  # type: ignore[assignment]  # what keyrings.alt's PlaintextKeyring has

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self._path = path

    @property
    def path(self) -> Path:
        # Looked up on use: keyring instantiates every backend class it knows (this one too,
        # once imported) when it lists them, with no arguments.
        return self._path or Path(os.environ[FILE_ENV])

    @property
    def file_path(self) -> str:
        """Where keyrings.alt's file backends say their file is (same attribute name)."""
        return str(self.path)

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def _save(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)
