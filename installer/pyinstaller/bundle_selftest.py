"""`focusguard --bundle-selftest`: checks a built bundle from the inside.

PyInstaller finds imports by reading code, so whatever is loaded by name at run time
(keyring backends, APScheduler triggers, Qt plugins, data files) can be missing from a
bundle that still starts. This imports every FocusGuard module, resolves every resource
through focusguard.resource_files (the resolver the app uses), renders every tray icon
with QtSvg on the offscreen platform, and loads the entry points keyring and APScheduler
look up. It prints one JSON line and exits 1 if anything is missing.

Options: --no-qt (skip the Qt part), --require-tray (fail unless a system tray is available:
run under a desktop or Xvfb with a tray host, with QT_QPA_PLATFORM=xcb).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

MANIFEST_NAME = "focusguard-bundle-manifest.json"


def _bundle_dir() -> Path:
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent))


def _load_manifest() -> dict[str, Any]:
    path = _bundle_dir() / MANIFEST_NAME
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def check_modules(manifest: dict[str, Any], problems: list[str]) -> int:
    count = 0
    for name in manifest["modules"]:
        if not sys.platform.startswith("win") and name.endswith("_windows"):
            continue
        try:
            importlib.import_module(name)
            count += 1
        except ImportError as exc:
            problems.append(f"module {name}: {type(exc).__name__}: {exc}")
        except Exception as exc:  # a module that fails at import for another reason
            problems.append(f"module {name}: {type(exc).__name__}: {exc}")
    return count


def check_resources(manifest: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    from importlib import resources

    from focusguard import resource_files

    root = resource_files.root()
    info: dict[str, Any] = {"root": str(root)}
    try:
        info["importlib_files"] = str(resources.files("focusguard.resources"))
    except ModuleNotFoundError as exc:
        problems.append(f"importlib.resources.files('focusguard.resources'): {exc}")
    bundle = _bundle_dir().resolve()
    if getattr(sys, "frozen", False) and not str(root).startswith(str(bundle)):
        problems.append(f"resources resolve outside the bundle: {root} (bundle {bundle})")
    found = 0
    for name in manifest["resources"]:
        try:
            if resource_files.read_bytes(name):
                found += 1
            else:
                problems.append(f"resource {name} is empty")
        except FileNotFoundError as exc:
            problems.append(f"resource {name}: {exc}")
    info["count"] = found
    return info


def check_qt(manifest: dict[str, Any], problems: list[str], require_tray: bool) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore
    from PySide6.QtGui import QGuiApplication, QIcon, QImageReader
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication.instance() or QApplication(["focusguard-selftest"])
    QGuiApplication.setDesktopFileName(manifest["app_id"])
    info: dict[str, Any] = {
        "qt": QtCore.qVersion(),
        "platform": QGuiApplication.platformName(),
        "plugins": QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath),
    }
    # With a display and a tray host (CI: Xvfb + trayer, QT_QPA_PLATFORM=xcb) this proves the
    # xcb plugin, its libraries and the tray protocol work from the bundle.
    info["tray_available"] = QSystemTrayIcon.isSystemTrayAvailable()
    if require_tray and not info["tray_available"]:
        problems.append(f"no system tray on platform {info['platform']}")
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    info["image_formats"] = sorted(formats)
    if "svg" not in formats:
        problems.append("Qt has no SVG image format plugin (imageformats/qsvg)")
    plugins = Path(info["plugins"])
    if sys.platform.startswith("linux"):
        for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so"):
            if not (plugins / plugin).is_file():
                problems.append(f"Qt plugin missing: {plugin}")
    from focusguard.ui import icons

    rendered = 0
    for state in icons.IconState:
        pm = icons.pixmap(state, 32, icons.badge_text(3))
        if pm.isNull() or pm.toImage().pixelColor(16, 16).alpha() == 0:
            problems.append(f"tray icon {state.value} rendered empty")
        else:
            rendered += 1
    info["icons_rendered"] = rendered
    from focusguard import resource_files

    app_svg = "icons/app/io.focusguard.FocusGuard.svg"
    if app_svg in manifest["resources"]:
        icon = QIcon(str(resource_files.path(app_svg)))
        if icon.isNull() or icon.pixmap(64, 64).isNull():
            problems.append("app icon SVG did not render")
    del app
    return info


def check_entry_points(manifest: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    from importlib import metadata

    info: dict[str, Any] = {}
    for group in manifest["entry_point_groups"]:
        eps = metadata.entry_points(group=group)
        info[group] = sorted(ep.name for ep in eps)
        if not eps:
            problems.append(f"no entry points in group {group} (dist-info not bundled?)")
    wanted = {
        "keyring.backends": {
            "SecretService",
            "KWallet",
            "Windows",
            "macOS",
            "libsecret",
            "chainer",
        },
        "apscheduler.triggers": {"date", "interval", "cron"},
        "apscheduler.executors": {"threadpool"},
        "apscheduler.jobstores": {"memory"},
    }
    for group, names in wanted.items():
        missing = names - set(info.get(group, []))
        if missing:
            problems.append(f"entry points missing in {group}: {sorted(missing)}")
        for ep in metadata.entry_points(group=group):
            if ep.name in names:
                try:
                    ep.load()
                except ImportError as exc:
                    if (
                        group == "keyring.backends"
                        and "macOS" in ep.name
                        and sys.platform != "darwin"
                    ):
                        continue
                    problems.append(f"entry point {group}:{ep.name}: {exc}")
    if any(d.metadata["Name"] == "keyrings.alt" for d in metadata.distributions()):
        problems.append("keyrings.alt (plaintext backends) is in the bundle")
    return info


def check_keyring(problems: list[str]) -> dict[str, Any]:
    import keyring.backend

    rings = keyring.backend.get_all_keyring()
    names = sorted(type(r).__module__ + "." + type(r).__name__ for r in rings)
    for ring in rings:
        if type(ring).__module__.startswith("keyrings.alt"):
            problems.append(f"plaintext keyring backend available: {ring}")
    return {"viable": names}


def check_scheduler(problems: list[str]) -> None:
    import threading
    import time
    from datetime import UTC, datetime, timedelta

    from apscheduler.schedulers.background import BackgroundScheduler

    ran = threading.Event()
    sched = BackgroundScheduler(timezone="UTC")
    sched.start()
    try:
        # String aliases are looked up through entry points, as in the app's scheduler.
        sched.add_job(ran.set, "date", run_date=datetime.now(UTC) + timedelta(seconds=0.2))
        sched.add_job(lambda: None, "interval", minutes=5)
        sched.add_job(lambda: None, "cron", hour=9, minute=30)
        if not ran.wait(10):
            problems.append("APScheduler date job did not run")
        time.sleep(0.3)  # let the scheduler thread retire the finished date job
    finally:
        sched.shutdown(wait=True)


def check_libraries(problems: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    from zoneinfo import ZoneInfo, available_timezones

    for zone in ("Europe/London", "America/New_York", "Australia/Sydney"):
        ZoneInfo(zone)
    info["zones"] = len(available_timezones())
    from importlib import resources

    import tzdata  # bundled so zoneinfo works where the OS has no tz database (Windows)

    if not resources.files("tzdata").joinpath("zoneinfo", "Europe", "London").is_file():
        problems.append("tzdata's zone files are not in the bundle")
    info["tzdata"] = getattr(tzdata, "IANA_VERSION", "?")
    import lxml.etree

    lxml.etree.fromstring(b"<a><b/></a>")
    info["lxml"] = lxml.etree.__version__
    import exchangelib
    import msal
    import platformdirs

    info["exchangelib"] = exchangelib.__version__
    info["msal"] = msal.__version__
    info["platformdirs"] = platformdirs.__version__
    import certifi

    if not Path(certifi.where()).is_file():
        problems.append(f"CA bundle missing: {certifi.where()} (TLS would fail)")
    import sqlite3
    import ssl

    info["openssl"] = ssl.OPENSSL_VERSION
    info["sqlite"] = sqlite3.sqlite_version
    return info


def main(argv: list[str]) -> int:
    problems: list[str] = []
    report: dict[str, Any] = {"frozen": bool(getattr(sys, "frozen", False))}
    try:
        manifest = _load_manifest()
        import focusguard

        report["version"] = focusguard.__version__
        if focusguard.__version__ != manifest["version"]:
            problems.append(f"version {focusguard.__version__} != built {manifest['version']}")
        if manifest["app_id"] != focusguard.APP_ID:
            problems.append(f"APP_ID {focusguard.APP_ID} != {manifest['app_id']}")
        steps = [
            ("modules", lambda: check_modules(manifest, problems)),
            ("resources", lambda: check_resources(manifest, problems)),
            ("entry_points", lambda: check_entry_points(manifest, problems)),
            ("keyring", lambda: check_keyring(problems)),
            ("scheduler", lambda: check_scheduler(problems)),
            ("libraries", lambda: check_libraries(problems)),
        ]
        if "--no-qt" not in argv:
            require_tray = "--require-tray" in argv
            steps.append(("qt", lambda: check_qt(manifest, problems, require_tray)))
        for name, step in steps:
            try:
                report[name] = step()
            except Exception as exc:
                problems.append(f"{name}: {type(exc).__name__}: {exc}")
                traceback.print_exc(file=sys.stderr)
    except Exception as exc:
        problems.append(f"selftest: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
    report["problems"] = problems
    report["ok"] = not problems
    print(json.dumps(report), flush=True)
    return 0 if not problems else 1
