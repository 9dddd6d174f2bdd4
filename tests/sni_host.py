"""A StatusNotifierItem desktop for tests (issue 12 §2), made of real parts: the private
session bus of tests/desktop_bus.py, the distribution's `status-notifier-watcher` (Debian
package haskell-status-notifier-item-utils) on it, an X server (Xvfb) for the tray process,
and a host that registers with the watcher and reads items over the bus with jeepney, as a
panel does (KDE Plasma's system tray, GNOME's AppIndicator extension).

Qt uses its D-Bus tray (QDBusTrayIcon, an org.kde.StatusNotifierItem) only when the platform
theme is a generic Unix one and the watcher says a host is registered
(qgenericunixthemes.cpp, isDBusTrayAvailable, asked once per process). The offscreen platform
has a theme of its own without a D-Bus tray, so the tray runs as a process of its own on xcb;
this process keeps the offscreen platform the rest of the suite uses.

Specs: StatusNotifierItem
https://www.freedesktop.org/wiki/Specifications/StatusNotifierItem/ and the dbusmenu
interface (com.canonical.dbusmenu, libdbusmenu's dbus-menu.xml).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.desktop_bus import DesktopSession, need
from tests.waiting import wait_until

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
ITEM_PATH = "/StatusNotifierItem"  # the spec's default when a registration names no path
MENU = "com.canonical.dbusmenu"
WATCHER_PACKAGE = "haskell-status-notifier-item-utils"


@dataclass(frozen=True)
class MenuNode:
    """One dbusmenu item from GetLayout: its id, its properties (plain values), children."""

    id: int
    props: dict[str, Any]
    children: tuple[MenuNode, ...]

    @property
    def label(self) -> str:
        return str(self.props.get("label", ""))

    def walk(self) -> Iterator[MenuNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def labels(self) -> list[str]:
        """The top level's labels, `_` mnemonics removed (dbusmenu's marker), separators
        as ""."""
        return [c.label.replace("_", "") for c in self.children]

    def ids(self) -> list[tuple[int, str]]:
        return [(n.id, n.label) for n in self.walk()]


def _node(raw: tuple[int, dict[str, tuple[str, Any]], list[tuple[str, Any]]]) -> MenuNode:
    ident, props, children = raw
    return MenuNode(
        ident,
        {k: v[1] for k, v in props.items()},
        tuple(_node(child[1]) for child in children),
    )


@dataclass(frozen=True)
class ItemRef:
    bus_name: str
    path: str

    @classmethod
    def parse(cls, registered: str) -> ItemRef:
        """A watcher's entry: a bus name, or a bus name followed by an object path."""
        name, slash, path = registered.partition("/")
        return cls(name, f"/{path}" if slash else ITEM_PATH)


class SniHost:
    """A StatusNotifierHost on `address`: registered with the watcher, so Qt shows its tray
    as a StatusNotifierItem; reads items and their menus as a panel does."""

    def __init__(self, address: str) -> None:
        from jeepney import DBusAddress, message_bus, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        self._conn = open_dbus_connection(bus=address)
        self._watcher = DBusAddress(WATCHER_PATH, bus_name=WATCHER, interface=WATCHER)
        wait_until(
            lambda: self._reply(message_bus.NameHasOwner(WATCHER))[0],
            timeout=30,
            what="status-notifier-watcher on the bus",
        )
        self.name = f"org.kde.StatusNotifierHost-{os.getpid()}"
        self._reply(message_bus.RequestName(self.name, 4))
        self._reply(new_method_call(self._watcher, "RegisterStatusNotifierHost", "s", (self.name,)))
        assert self._watcher_property("IsStatusNotifierHostRegistered") is True

    def close(self) -> None:
        self._conn.close()

    def _reply(self, msg: Any) -> tuple[Any, ...]:
        from jeepney import MessageType
        from jeepney.wrappers import DBusErrorResponse

        reply = self._conn.send_and_get_reply(msg, timeout=10)
        if reply.header.message_type == MessageType.error:
            raise DBusErrorResponse(reply)
        return tuple(reply.body)

    def _watcher_property(self, name: str) -> Any:
        from jeepney import Properties

        return self._reply(Properties(self._watcher).get(name))[0][1]

    def items(self) -> list[ItemRef]:
        return [ItemRef.parse(s) for s in self._watcher_property("RegisteredStatusNotifierItems")]

    def only_item(self, timeout: float = 30) -> ItemRef:
        wait_until(lambda: len(self.items()) == 1, timeout=timeout, what="one registered SNI")
        return self.items()[0]

    def properties(self, item: ItemRef) -> dict[str, Any]:
        from jeepney import DBusAddress, Properties

        addr = DBusAddress(item.path, bus_name=item.bus_name, interface=ITEM)
        return {k: v[1] for k, v in self._reply(Properties(addr).get_all())[0].items()}

    def _menu(self, item: ItemRef) -> Any:
        from jeepney import DBusAddress

        path = self.properties(item)["Menu"]
        assert path and path != "/NO_DBUSMENU", f"the item has no menu ({path!r})"
        return DBusAddress(path, bus_name=item.bus_name, interface=MENU)

    def layout(self, item: ItemRef) -> MenuNode:
        """GetLayout of the whole menu: what a host asks for before it shows the menu."""
        from jeepney import new_method_call

        _revision, raw = self._reply(
            new_method_call(self._menu(item), "GetLayout", "iias", (0, -1, []))
        )
        return _node(raw)

    def about_to_show(self, item: ItemRef, ident: int = 0) -> bool:
        """AboutToShow: the host is opening (sub)menu `ident`; True when it must fetch the
        layout again."""
        from jeepney import new_method_call

        return bool(self._reply(new_method_call(self._menu(item), "AboutToShow", "i", (ident,)))[0])

    def right_click(self, item: ItemRef) -> MenuNode:
        """What a host shows on a right-click: the layout it has (hosts fetch it when the
        item appears and on LayoutUpdated), AboutToShow, and the layout again only when the
        item answers that it must."""
        shown = self.layout(item)
        if self.about_to_show(item):
            shown = self.layout(item)
        return shown


@dataclass
class SniDesktop:
    session: DesktopSession
    display: str
    host: SniHost

    @property
    def env(self) -> dict[str, str]:
        """What a tray process needs to show its icon to this desktop."""
        return {**self.session.env, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}


def _xvfb() -> tuple[subprocess.Popen[bytes], str]:
    xvfb = need("Xvfb", "xvfb")
    read, write = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        number = pipe.readline().strip().decode()
    assert number.isdigit(), f"Xvfb gave no display number ({number!r})"
    return process, f":{number}"


@pytest.fixture
def sni_desktop(desktop_session: DesktopSession) -> Iterator[SniDesktop]:
    """`desktop_session` with a StatusNotifierWatcher, a registered host and an X display."""
    watcher_program = need("status-notifier-watcher", WATCHER_PACKAGE)
    watcher = subprocess.Popen(
        [watcher_program],
        env={**os.environ, **desktop_session.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    xvfb, display = _xvfb()
    host = SniHost(desktop_session.address)
    try:
        yield SniDesktop(desktop_session, display, host)
    finally:
        host.close()
        for process in (watcher, xvfb):
            process.kill()
            process.wait(10)
