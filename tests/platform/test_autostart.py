"""Start at login: off by default; Linux tested for real in a temporary XDG_CONFIG_HOME."""

from __future__ import annotations

import plistlib
import sys
import types

import pytest

from focusguard import APP_ID
from focusguard.platform import autostart
from focusguard.platform.autostart import (
    LaunchAgentAutostart,
    WindowsAutostart,
    XdgAutostart,
    for_platform,
)


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_linux_is_off_by_default_then_on_then_off(xdg) -> None:
    auto = for_platform("linux", ["/opt/Focus Guard/bin/focusguard", "--flag"])
    assert isinstance(auto, XdgAutostart)
    assert auto.path == xdg / "autostart" / f"{APP_ID}.desktop"
    assert not auto.enabled()
    auto.enable()
    assert auto.enabled()
    text = auto.path.read_text()
    assert text.startswith("[Desktop Entry]\nType=Application\nName=FocusGuard\n")
    assert 'Exec="/opt/Focus Guard/bin/focusguard" --flag\n' in text
    auto.disable()
    assert not auto.enabled() and not auto.path.exists()
    auto.disable()  # idempotent


def test_linux_respects_a_hidden_entry(xdg) -> None:
    auto = XdgAutostart(["focusguard"])
    auto.enable()
    auto.path.write_text(auto.path.read_text() + "Hidden=true\n")
    assert not auto.enabled()


def test_default_command_runs_this_python(xdg) -> None:
    assert autostart.launch_command() == [sys.executable, "-m", "focusguard"]


def test_macos_launch_agent(tmp_path) -> None:
    auto = LaunchAgentAutostart(
        ["/Applications/FocusGuard.app/Contents/MacOS/FocusGuard"], home=tmp_path
    )
    assert not auto.enabled()
    auto.enable()
    plist = plistlib.loads(auto.path.read_bytes())
    assert plist["Label"] == APP_ID and plist["RunAtLoad"] is True
    assert plist["ProgramArguments"] == ["/Applications/FocusGuard.app/Contents/MacOS/FocusGuard"]
    auto.disable()
    assert not auto.enabled()


class FakeKey:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def fake_winreg(monkeypatch):
    values: dict[str, str] = {}
    reg = types.SimpleNamespace(HKEY_CURRENT_USER=1, REG_SZ=1, KEY_SET_VALUE=2)
    reg.OpenKey = lambda *a: FakeKey()
    reg.CreateKey = lambda *a: FakeKey()

    def query(key, name):
        if name not in values:
            raise FileNotFoundError(name)
        return values[name], 1

    def delete(key, name):
        if name not in values:
            raise FileNotFoundError(name)
        del values[name]

    reg.QueryValueEx = query
    reg.SetValueEx = lambda key, name, _r, _t, value: values.__setitem__(name, value)
    reg.DeleteValue = delete
    monkeypatch.setitem(sys.modules, "winreg", reg)
    return values


def test_windows_run_key(fake_winreg) -> None:
    auto = for_platform("win32", [r"C:\Program Files\FocusGuard\FocusGuard.exe"])
    assert isinstance(auto, WindowsAutostart)
    assert not auto.enabled()
    auto.enable()
    assert fake_winreg == {"FocusGuard": r'"C:\Program Files\FocusGuard\FocusGuard.exe"'}
    assert auto.enabled()
    auto.disable()
    auto.disable()
    assert not auto.enabled()
