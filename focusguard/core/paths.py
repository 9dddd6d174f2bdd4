"""Where FocusGuard keeps its files: config, state, runtime socket, logs.

Nothing here touches the disk when imported or when a path is asked for: the functions only
compute paths. Whoever writes a file creates its folder with `ensure_private_dir`.

`FOCUSGUARD_HOME` (an environment variable) puts everything under one folder, with the
subfolders config/, data/, run/ and log/. Tests and the demo use it so that they never read
or write the person's own settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "FocusGuard"
HOME_ENV = "FOCUSGUARD_HOME"
CONFIG_NAME = "focusguard.toml"
STATE_DB_NAME = "state.sqlite3"


def home_override() -> Path | None:
    """The `FOCUSGUARD_HOME` folder as an absolute path, or None when it is not set."""
    value = os.environ.get(HOME_ENV, "").strip()
    if not value:
        return None
    return Path(value).expanduser().absolute()


def config_dir() -> Path:
    home = home_override()
    if home is not None:
        return home / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The settings file, `focusguard.toml` in the user's config folder."""
    return config_dir() / CONFIG_NAME


def data_dir() -> Path:
    """The folder for state (the SQLite database) and other facts FocusGuard learns."""
    home = home_override()
    if home is not None:
        return home / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_db() -> Path:
    return data_dir() / STATE_DB_NAME


def instance_lock(state: Path | None = None) -> Path:
    """The lock file the running app holds (focusguard/platform/instance_lock.py), beside
    the state database `state` (default: `state_db()`)."""
    db = state or state_db()
    return db.with_name(db.name + ".lock")


def runtime_dir() -> Path:
    """The folder for the local control socket.

    The platform's runtime folder (`$XDG_RUNTIME_DIR/FocusGuard` on Linux) when its parent
    exists; otherwise (a container, an ssh session without a login manager) `data_dir()/run`.
    """
    home = home_override()
    if home is not None:
        return home / "run"
    try:
        runtime = Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))
    except (OSError, KeyError, ValueError):
        return data_dir() / "run"
    if not runtime.parent.is_dir():
        return data_dir() / "run"
    return runtime


def log_dir() -> Path:
    home = home_override()
    if home is not None:
        return home / "log"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) if needed; a folder this creates is mode 0700.

    An existing folder is left as it is: it may be shared (a parent such as /tmp) and is not
    ours to change. Missing parents get the default mode, like `mkdir -p`.
    """
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            if not path.is_dir():
                raise
        else:
            if os.name == "posix":
                os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return path
