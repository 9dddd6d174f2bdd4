"""File-system side of the store: private permissions, the SQLite header sniff, backups.

Nothing here deletes or rewrites a file the user already had."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from focusguard.store.records import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")
_POSIX = os.name == "posix"


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents, each one readable by the user only.
    Directories that already exist are left as they are."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # raced with another creator: fine, it exists now
        if _POSIX:
            os.chmod(created, PRIVATE_DIR)  # mkdir's mode is filtered by the umask


def make_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it is missing; tighten it to 0600 if not."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
        tighten(path)


def tighten(path: Path) -> None:
    """Mode 0600 for an existing file (no-op where the OS has no POSIX modes)."""
    if not _POSIX:
        return
    try:
        mode = path.stat().st_mode & 0o777
        if mode != PRIVATE_FILE:
            os.chmod(path, PRIVATE_FILE)
    except FileNotFoundError:
        pass


def tighten_side_files(path: Path) -> None:
    for suffix in SIDE_FILE_SUFFIXES:
        tighten(path.with_name(path.name + suffix))


def sniff_header(path: Path) -> bytes | None:
    """The first 16 bytes of an existing non-empty file; None when it is missing or empty
    (SQLite treats an empty file as an empty database)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise StoreError(
            f"{path} is a folder, not FocusGuard's state file — move it away and start "
            "FocusGuard again."
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"FocusGuard cannot read its state file {path} ({exc.strerror or exc}) — check "
            "that the file belongs to you and that the disk is available."
        ) from exc
    return head or None


def backup_path_for(path: Path, version: int) -> Path:
    """`<name>.v<version>.bak`; if that exists already, `<name>.v<version>.<n>.bak`, so an
    older backup is never overwritten."""
    candidate = path.with_name(f"{path.name}.v{version}.bak")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.v{version}.{n}.bak")
        n += 1
    return candidate


def backup(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of `conn`'s main database into a new private file `target`."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.close(fd)
    tighten(target)
    dst = sqlite3.connect(str(target))
    try:
        conn.backup(dst)
    except BaseException:
        dst.close()
        for leftover in (target, *(target.with_name(target.name + s) for s in SIDE_FILE_SUFFIXES)):
            leftover.unlink(missing_ok=True)  # our own half-written copy, not user data
        raise
    else:
        dst.close()
    tighten_side_files(target)
