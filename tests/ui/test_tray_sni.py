"""Issue 12 §2: FocusGuard's tray as a StatusNotifierItem (KDE Plasma, GNOME with the
AppIndicator extension), tested with the real start-up in a process of its own, the
distribution's StatusNotifierWatcher on a private session bus, and a host that reads the
item and its dbusmenu over the bus as a panel does (tests/sni_host.py).

What a trial on such a desktop found: the first right-click showed an empty menu, the counts
went stale, item ids changed on every layout request, and the item's Id was "FocusGuard"
rather than the app id.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from focusguard import APP_ID
from tests import desktop_bus, sni_host
from tests.conftest import REPO
from tests.sni_host import ItemRef, SniDesktop
from tests.ui.conftest import CONFIG
from tests.waiting import wait_until

desktop_session = desktop_bus.desktop_session  # the fixtures, for this module
sni_desktop = sni_host.sni_desktop

pytestmark = pytest.mark.timeout(120)


@dataclass
class TrayProcess:
    process: subprocess.Popen[str]
    desktop: SniDesktop
    lines: list[str] = field(default_factory=list)
    item: ItemRef | None = None

    def read(self) -> None:  # reader thread
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def tooltip(self) -> str:
        assert self.item is not None
        # (icon name, pixmaps, title, text): Qt puts the whole tooltip in the title.
        _icon, _pixmaps, title, text = self.desktop.host.properties(self.item)["ToolTip"]
        return f"{title}\n{text}"


@pytest.fixture
def sni_tray(sni_desktop: SniDesktop, tmp_path: Path) -> Iterator[TrayProcess]:
    settings = tmp_path / "focusguard.toml"
    settings.write_text(CONFIG, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.sni_tray_child", str(settings), str(tmp_path)],
        cwd=REPO,
        env={**os.environ, **sni_desktop.env, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    tray = TrayProcess(process, sni_desktop)
    threading.Thread(target=tray.read, name="tray-stdout", daemon=True).start()
    try:
        tray.item = sni_desktop.host.only_item()
        wait_until(
            lambda: "started" in tray.lines or process.poll() is not None,
            timeout=60,
            what="the tray process to start",
        )
        assert process.poll() is None, f"the tray process ended: {process.returncode}"
        yield tray
    finally:
        if process.poll() is None:
            tray.send("quit")
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def test_the_item_is_registered_with_the_app_id(sni_tray: TrayProcess) -> None:
    assert sni_tray.item is not None
    props = sni_tray.desktop.host.properties(sni_tray.item)
    # The spec: Id is "a name that should be unique for this application and consistent
    # between sessions"; hosts key remembered settings (shown/hidden) by it, so it is the
    # app id the desktop file is named for (installer/linux/io.focusguard.FocusGuard.desktop).
    assert props["Id"] == APP_ID
    # Qt reports the application name as the Title too (qstatusnotifieritemadaptor.cpp);
    # QSystemTrayIcon has no title of its own to give it.
    assert props["Title"] == APP_ID
    assert props["Category"] == "ApplicationStatus"
    assert props["Menu"] not in ("", "/NO_DBUSMENU")


def test_the_first_right_click_shows_the_whole_menu(sni_tray: TrayProcess) -> None:
    assert sni_tray.item is not None
    wait_until(lambda: "0 held" in sni_tray.tooltip(), timeout=30, what="the first status")
    shown = sni_tray.desktop.host.right_click(sni_tray.item)
    labels = shown.labels()
    assert any("0 held" in label for label in labels), labels
    assert "Held mail…" in labels
    assert "Quit FocusGuard" in labels


def test_the_menu_shows_new_counts_without_being_opened(sni_tray: TrayProcess) -> None:
    assert sni_tray.item is not None
    host = sni_tray.desktop.host
    wait_until(lambda: "0 held" in sni_tray.tooltip(), timeout=30, what="the first status")
    host.right_click(sni_tray.item)
    sni_tray.send("deliver 3")
    wait_until(lambda: "3 held" in sni_tray.tooltip(), timeout=30, what="3 held in the tooltip")
    # A host that shows the layout it fetched (GNOME's AppIndicator extension refetches on
    # LayoutUpdated, not on every opening) must see what the tooltip says.
    labels = host.layout(sni_tray.item).labels()
    assert any("3 held" in label for label in labels), labels
    assert "Held mail (3)…" in labels
    assert any("3 held" in label for label in host.right_click(sni_tray.item).labels())


def test_item_ids_are_stable_across_openings(sni_tray: TrayProcess) -> None:
    assert sni_tray.item is not None
    host = sni_tray.desktop.host
    wait_until(lambda: "0 held" in sni_tray.tooltip(), timeout=30, what="the first status")
    first = host.right_click(sni_tray.item).ids()
    second = host.right_click(sni_tray.item).ids()
    assert second == first
    # New counts change labels, not the items: a host's open menu and its keyboard focus
    # stay on the same entries.
    sni_tray.send("deliver 2")
    wait_until(lambda: "2 held" in sni_tray.tooltip(), timeout=30, what="2 held in the tooltip")
    after = host.right_click(sni_tray.item).ids()
    assert [ident for ident, _label in after] == [ident for ident, _label in first]
