"""Plain helpers for installer/focusguard.spec, kept out of the spec so tests can import them.

Nothing here imports PyInstaller at module level: tests run it in the ordinary venv.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources"
PACKAGE = REPO / "focusguard"

# Where resources/ lands inside the bundle: the package path focusguard.resources, the same
# place the wheel puts it, so focusguard/resource_files.py needs no bundle special case.
RESOURCES_DEST = "focusguard/resources"

# The name of the build manifest inside the bundle (read by bundle_selftest.py).
MANIFEST_NAME = "focusguard-bundle-manifest.json"

# Qt: the app imports QtCore, QtGui, QtWidgets and QtSvg (see `qt_modules_used`). Everything
# below is excluded so a stray import in a dependency cannot drag it in. PySide6-Essentials
# ships few of these, but a developer venv may carry PySide6-Addons too.
QT_EXCLUDES = [
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DExtras",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DRender",
    "PySide6.QtBluetooth",
    "PySide6.QtCharts",
    "PySide6.QtConcurrent",
    "PySide6.QtDataVisualization",
    "PySide6.QtDBus",
    "PySide6.QtDesigner",
    "PySide6.QtGraphs",
    "PySide6.QtHelp",
    "PySide6.QtHttpServer",
    "PySide6.QtLocation",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtNetwork",
    "PySide6.QtNetworkAuth",
    "PySide6.QtNfc",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPositioning",
    "PySide6.QtPrintSupport",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtRemoteObjects",
    "PySide6.QtScxml",
    "PySide6.QtSensors",
    "PySide6.QtSerialBus",
    "PySide6.QtSerialPort",
    "PySide6.QtSpatialAudio",
    "PySide6.QtSql",
    "PySide6.QtStateMachine",
    "PySide6.QtSvgWidgets",
    "PySide6.QtTest",
    "PySide6.QtTextToSpeech",
    "PySide6.QtUiTools",
    "PySide6.QtWebChannel",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
    "PySide6.QtWebView",
    "PySide6.QtXml",
    # Other GUI toolkits a developer venv might hold; never part of FocusGuard.
    "PyQt5",
    "PyQt6",
    "tkinter",
    "_tkinter",
]

# Never in the product: keyrings.alt holds plaintext/weakly encrypted backends (the app
# refuses them anyway, focusguard/secrets.py; it is not even a dev dependency any more), and
# test tooling.
OTHER_EXCLUDES = [
    "keyrings.alt",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "ruff",
    "IPython",
    "matplotlib",
    "numpy",
]

# keyring finds its backends through the `keyring.backends` entry points and imports them by
# name, so static analysis sees none of them. PyInstaller's own keyring hook collects the
# submodules; they are listed here too so the spec states what the product relies on.
KEYRING_HIDDEN = [
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.libsecret",
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
]

# APScheduler 3.x resolves trigger/executor/job-store aliases ("date", "interval", "cron",
# "threadpool", "memory") through entry points; the classes FocusGuard may name.
APSCHEDULER_HIDDEN = [
    "apscheduler.triggers.date",
    "apscheduler.triggers.interval",
    "apscheduler.triggers.cron",
    "apscheduler.triggers.combining",
    "apscheduler.triggers.calendarinterval",
    "apscheduler.executors.pool",
    "apscheduler.executors.debug",
    "apscheduler.jobstores.memory",
]

# Entry-point groups whose metadata must travel with the bundle.
ENTRY_POINT_GROUPS = [
    "keyring.backends",
    "apscheduler.triggers",
    "apscheduler.executors",
    "apscheduler.jobstores",
]

# Distributions whose *.dist-info is copied: the ones whose entry points are read at run
# time (APScheduler's own PyInstaller hook copies its metadata too). Nothing else in the app
# or its libraries asks importlib.metadata at run time (checked: msal, exchangelib, lxml,
# platformdirs, requests, tzlocal).
METADATA = ["keyring", "APScheduler"]


def version() -> str:
    """focusguard.__version__, read from the source without importing the package."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, str)
            return value
    raise LookupError("focusguard/__init__.py has no __version__")


def app_id() -> str:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "APP_ID" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, str)
            return value
    raise LookupError("focusguard/__init__.py has no APP_ID")


def version_tuple(text: str) -> tuple[int, int, int, int]:
    """'1.2.3' -> (1, 2, 3, 0); '1.2.0rc1' -> (1, 2, 0, 0). Windows wants four numbers."""
    numbers = [int(n) for n in re.findall(r"\d+", text.split("+")[0])[:3]]
    if not numbers:
        raise ValueError(f"{text!r} is not a version")
    while len(numbers) < 4:
        numbers.append(0)
    return numbers[0], numbers[1], numbers[2], numbers[3]


def windows_version_info(text: str, exe_name: str) -> str:
    """A PyInstaller version-file (the VSVersionInfo text form) for the Windows .exe."""
    v = version_tuple(text)
    dotted = ".".join(str(n) for n in v)
    strings = {
        "CompanyName": "FocusGuard",
        "FileDescription": "FocusGuard - holds customer email until check-in times",
        "FileVersion": dotted,
        "InternalName": exe_name,
        "LegalCopyright": "MIT License, FocusGuard engineers",
        "OriginalFilename": f"{exe_name}.exe",
        "ProductName": "FocusGuard",
        "ProductVersion": text,
    }
    lines = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""# UTF-8
# Generated by installer/pyinstaller/spec_support.py from focusguard.__version__ = {text!r}
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={v!r},
    prodvers={v!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{lines}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def resource_files() -> list[str]:
    """Every file under resources/ (relative POSIX paths), caches left out."""
    return sorted(
        p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def resource_dirs() -> list[str]:
    """resources/ and each folder below it (relative POSIX paths; '.' for the top)."""
    dirs = {"."}
    for name in resource_files():
        parent = Path(name).parent
        while parent != Path("."):
            dirs.add(parent.as_posix())
            parent = parent.parent
    return sorted(dirs)


def resource_datas() -> list[tuple[str, str]]:
    """(source, destination folder) pairs for Analysis(datas=...): one per resource folder,
    so the bundle mirrors resources/ under focusguard/resources/ (data files only; the
    package's __init__.py is compiled in as the module focusguard.resources)."""
    pairs: list[tuple[str, str]] = []
    for rel in resource_dirs():
        src = RESOURCES if rel == "." else RESOURCES / rel
        dest = RESOURCES_DEST if rel == "." else f"{RESOURCES_DEST}/{rel}"
        for f in sorted(src.iterdir()):
            if f.is_file() and f.suffix not in {".py", ".pyc"}:
                pairs.append((str(f), dest))
    return pairs


def focusguard_modules() -> list[str]:
    """Every module of the focusguard package in the checkout (dotted names)."""
    names: list[str] = []
    for p in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        parts = list(p.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    names.append("focusguard.resources")
    return sorted(set(names))


def manifest() -> dict[str, object]:
    """What the bundle must contain; bundle_selftest.py checks it from inside the bundle."""
    return {
        "version": version(),
        "app_id": app_id(),
        "modules": focusguard_modules(),
        "resources": [r for r in resource_files() if not r.endswith((".py", ".pyc"))],
        "entry_point_groups": ENTRY_POINT_GROUPS,
    }


def write_generated(workdir: Path, exe_names: list[str]) -> dict[str, Path]:
    """Writes the manifest and the Windows version files into PyInstaller's work folder."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = {"manifest": workdir / MANIFEST_NAME}
    out["manifest"].write_text(json.dumps(manifest(), indent=2), encoding="utf-8")
    for exe in exe_names:
        path = workdir / f"version-{exe}.txt"
        path.write_text(windows_version_info(version(), exe), encoding="utf-8")
        out[f"version-{exe}"] = path
    return out


# Qt pieces PyInstaller's PySide6 hooks collect that a desktop tray app never loads:
# embedded/kiosk platform plugins (EGLFS, linuxfb, VNC, Vulkan KHR display), input plugins
# for those (evdev, TUIO), and Qt's own translations (FocusGuard installs no QTranslator).
# libQt6Network is only linked by the VNC and TUIO plugins, so it goes with them. Kept:
# xcb, wayland (+ its OpenGL integration), offscreen, minimal, platform themes, SVG/ICO/PNG.
QT_DROP_PREFIXES = (
    "PySide6/Qt/plugins/platforms/libqeglfs",
    "PySide6/Qt/plugins/platforms/libqlinuxfb",
    "PySide6/Qt/plugins/platforms/libqminimalegl",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay",
    "PySide6/Qt/plugins/platforms/libqvnc",
    "PySide6/Qt/plugins/egldeviceintegrations/",
    "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/lib/libQt6EglFSDeviceIntegration",
    "PySide6/Qt/lib/libQt6EglFsKmsSupport",
    "PySide6/Qt/lib/libQt6Network",
    "PySide6/Qt/translations/",
)


def drop_unused_qt(toc: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The TOC (dest, source, kind) without QT_DROP_PREFIXES (dest compared POSIX-style)."""
    return [entry for entry in toc if not entry[0].replace("\\", "/").startswith(QT_DROP_PREFIXES)]
