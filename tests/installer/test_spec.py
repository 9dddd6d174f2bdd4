"""The PyInstaller spec and its helpers: every resource folder is shipped (and named in the
spec), Qt modules the app imports are not excluded, dynamically loaded modules are listed,
and the Windows version resource follows focusguard.__version__. The bundle itself is built
and run by .ci/bundle (too slow for the unit tests)."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

import focusguard

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "installer" / "focusguard.spec"
SUPPORT = REPO / "installer" / "pyinstaller" / "spec_support.py"


def _support():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fg_spec_support", SUPPORT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fg_spec_support"] = module
    spec.loader.exec_module(module)
    return module


S = _support()


def resource_dirs_on_disk() -> list[str]:
    root = REPO / "resources"
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_dir() and p.name != "__pycache__" and any(c.is_file() for c in p.iterdir())
    )


def test_spec_mentions_every_resource_dir() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert "resources/ (all of it" in text
    for rel in resource_dirs_on_disk():
        assert f"resources/{rel}/" in text, (
            f"resources/{rel}/ is not named in installer/focusguard.spec: check it is "
            "meant to ship, then list it in the spec's header comment"
        )


def test_bundle_datas_cover_every_resource_file() -> None:
    shipped = {f"{dest}/{Path(src).name}" for src, dest in S.resource_datas()}
    for rel in S.resource_files():
        if rel.endswith(".py"):
            continue  # resources/__init__.py is the package module, compiled in
        assert f"{S.RESOURCES_DEST}/{rel}" in shipped, rel
    assert set(S.resource_dirs()) >= {".", *resource_dirs_on_disk()}
    assert S.RESOURCES_DEST == "focusguard/resources"
    assert "focusguard.resources" in S.focusguard_modules()


def test_pre_find_hook_points_at_the_repository() -> None:
    hook = REPO / "installer/pyinstaller/hooks/pre_find_module_path/hook-focusguard.resources.py"
    spec = importlib.util.spec_from_file_location("fg_hook", hook)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.REPO / "resources" / "__init__.py").is_file()


def qt_modules_imported() -> set[str]:
    used: set[str] = set()
    for path in (REPO / "focusguard").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("PySide6."):
                    used.add(node.module.split(".")[1])
                elif node.module == "PySide6":
                    used.update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                used.update(
                    a.name.split(".")[1] for a in node.names if a.name.startswith("PySide6.")
                )
    return used


def test_no_qt_module_the_app_imports_is_excluded() -> None:
    used = qt_modules_imported()
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    excluded = {name.split(".")[1] for name in S.QT_EXCLUDES if name.startswith("PySide6.")}
    assert not used & excluded, f"the app imports excluded Qt modules: {used & excluded}"
    for heavy in ("QtWebEngineCore", "Qt3DCore", "QtQuick", "QtQml", "QtMultimedia"):
        assert heavy in excluded


def test_plaintext_keyrings_are_excluded() -> None:
    assert "keyrings.alt" in S.OTHER_EXCLUDES


def test_dynamic_imports_are_declared() -> None:
    for backend in ("SecretService", "kwallet", "Windows", "macOS", "libsecret", "chainer", "fail"):
        assert f"keyring.backends.{backend}" in S.KEYRING_HIDDEN
    for name in (
        "apscheduler.triggers.date",
        "apscheduler.triggers.interval",
        "apscheduler.triggers.cron",
        "apscheduler.executors.pool",
        "apscheduler.jobstores.memory",
    ):
        assert name in S.APSCHEDULER_HIDDEN
    assert {"keyring", "APScheduler"} <= set(S.METADATA)
    spec = SPEC.read_text(encoding="utf-8")
    for needle in (
        'collect_submodules("exchangelib")',
        '"tzdata"',
        '"lxml.etree"',
        '"msal"',
        "platformdirs.",
        "copy_metadata(dist)",
        "S.resource_datas()",
        "console=False",
        'name="focusguard-cli"',
        "upx=False",
    ):
        assert needle in spec, needle


def test_hidden_imports_exist_in_this_environment() -> None:
    for name in S.KEYRING_HIDDEN + S.APSCHEDULER_HIDDEN:
        assert importlib.util.find_spec(name) is not None, name


def test_qt_trim_keeps_desktop_platforms() -> None:
    toc = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", "x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "x", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "x", "BINARY"),
        ("PySide6\\Qt\\plugins\\generic\\qtuiotouchplugin.dll", "x", "BINARY"),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", "x", "BINARY"),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", "x", "BINARY"),
        ("PySide6/Qt/translations/qtbase_de.qm", "x", "DATA"),
    ]
    kept = {dest.rsplit("/", 1)[-1] for dest, _, _ in S.drop_unused_qt(toc)}
    assert kept == {
        "libqxcb.so",
        "libqwayland.so",
        "libqoffscreen.so",
        "libqsvg.so",
        "libqsvgicon.so",
    }


def test_version_and_app_id_are_read_from_the_package() -> None:
    assert S.version() == focusguard.__version__
    assert S.app_id() == focusguard.APP_ID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2", (1, 2, 0, 0)),
        ("2.0.1rc1", (2, 0, 1, 0)),
        ("3.4.5+local", (3, 4, 5, 0)),
    ],
)
def test_version_tuple(text: str, expected: tuple[int, int, int, int]) -> None:
    assert S.version_tuple(text) == expected


def test_windows_version_resource(tmp_path: Path) -> None:
    out = S.write_generated(tmp_path, ["focusguard", "focusguard-cli"])
    text = out["version-focusguard-cli"].read_text(encoding="utf-8")
    ast.parse(text, mode="eval")  # PyInstaller eval()s this file
    major, minor, patch, _ = S.version_tuple(focusguard.__version__)
    assert f"filevers=({major}, {minor}, {patch}, 0)" in text
    assert "'focusguard-cli.exe'" in text
    assert f"StringStruct('ProductVersion', '{focusguard.__version__}')" in text


@pytest.mark.skipif(
    sys.platform != "win32",
    reason="PyInstaller's version-resource loader imports pywin32's win32api (Windows only); "
    "test_windows_version_resource checks the text on every platform",
)
def test_windows_version_resource_loads_in_pyinstaller(tmp_path: Path) -> None:
    from PyInstaller.utils.win32 import versioninfo

    out = S.write_generated(tmp_path, ["focusguard"])
    info = versioninfo.load_version_info_from_text_file(str(out["version-focusguard"]))
    assert "focusguard.exe" in str(info)


def test_manifest_lists_modules_and_resources(tmp_path: Path) -> None:
    import json

    out = S.write_generated(tmp_path, [])
    data = json.loads(out["manifest"].read_text(encoding="utf-8"))
    assert data["app_id"] == focusguard.APP_ID
    assert "focusguard.cli" in data["modules"]
    assert "default-config.toml" in data["resources"]
    assert f"icons/app/{focusguard.APP_ID}.svg" in data["resources"]


def test_app_icon_binaries_stay_small() -> None:
    icons = REPO / "resources" / "icons" / "app"
    total = sum(p.stat().st_size for p in icons.iterdir() if p.is_file())
    assert total < 200_000, f"resources/icons/app is {total} bytes"
    ico = (icons / f"{focusguard.APP_ID}.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") >= 5
    assert (icons / f"{focusguard.APP_ID}.icns").read_bytes()[:4] == b"icns"
