"""A desktop session for tests, made of real parts (issue 14): a private session bus
(`dbus-daemon --session`), a minimal notification server on it that speaks the freedesktop
interface plus KDE's Inhibit extension (jeepney), and GSettings through the real dconf
backend and the GNOME schema from gsettings-desktop-schemas (dconf-service is started by the
private bus on demand, as in a desktop session).

Like KDE Plasma's server (plasma-workspace libnotificationmanager/server_p.cpp), the test
server drops an inhibition when the connection that asked for it closes, which it learns
from the bus's NameOwnerChanged signal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import wait_until

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
SCHEMA = "org.gnome.desktop.notifications"


def _introspection(kde: bool) -> str:
    inhibit = (
        '<method name="Inhibit"><arg type="s" direction="in"/><arg type="s" direction="in"/>'
        '<arg type="a{sv}" direction="in"/><arg type="u" direction="out"/></method>'
        '<method name="UnInhibit"><arg type="u" direction="in"/></method>'
        '<property name="Inhibited" type="b" access="read"/>'
        if kde
        else ""
    )
    return (
        '<node><interface name="org.freedesktop.Notifications">'
        '<method name="Notify"/><method name="GetCapabilities"/>'
        f'<method name="GetServerInformation"/>{inhibit}</interface></node>'
    )


@dataclass
class Notification:
    app: str
    summary: str
    body: str
    hints: dict[str, Any]
    sender: str

    @property
    def urgency(self) -> int | None:
        value = self.hints.get("urgency")
        return None if value is None else int(value)


@dataclass
class NotificationServer:
    """org.freedesktop.Notifications on `address`, on a thread of its own."""

    address: str
    kde: bool = True
    markup: bool = True
    notifications: list[Notification] = field(default_factory=list)
    inhibitions: dict[int, str] = field(default_factory=dict)  # cookie -> caller's bus name
    released: list[str] = field(default_factory=list)  # "uninhibit" | "disconnect"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cookies = 0
        self._thread = threading.Thread(target=self._serve, name="test-notifications", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> NotificationServer:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    @property
    def inhibited(self) -> bool:
        with self._lock:
            return bool(self.inhibitions)

    def shown(self) -> list[Notification]:
        with self._lock:
            return list(self.notifications)

    # -- the server --------------------------------------------------------------------------
    def _serve(self) -> None:
        from jeepney import MatchRule, message_bus
        from jeepney.io.blocking import open_dbus_connection

        try:
            conn = open_dbus_connection(bus=self.address)
            conn.send_and_get_reply(message_bus.RequestName(NAME, 4), timeout=5)
            rule = MatchRule(
                type="signal",
                sender="org.freedesktop.DBus",
                interface="org.freedesktop.DBus",
                member="NameOwnerChanged",
            )
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                try:
                    msg = conn.receive(timeout=0.1)
                except TimeoutError:
                    continue
                self._handle(conn, msg)
        finally:
            conn.close()

    def _handle(self, conn: Any, msg: Any) -> None:
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        if msg.header.message_type == MessageType.signal:
            if member == "NameOwnerChanged":
                name, _old, new = msg.body
                if not new:
                    self._dropped(name)
            return
        if msg.header.message_type != MessageType.method_call:
            return
        sender = fields.get(HeaderFields.sender, "")
        interface = fields.get(HeaderFields.interface)
        reply: Any
        if interface == "org.freedesktop.DBus.Introspectable":
            reply = new_method_return(msg, "s", (_introspection(self.kde),))
        elif interface == "org.freedesktop.DBus.Properties" and self.kde:
            with self._lock:
                reply = new_method_return(msg, "v", (("b", bool(self.inhibitions)),))
        elif member == "GetCapabilities":
            caps = ["body", "actions", *(["body-markup"] if self.markup else [])]
            reply = new_method_return(msg, "as", (caps,))
        elif member == "GetServerInformation":
            reply = new_method_return(msg, "ssss", ("Test Plasma", "KDE", "6.0", "1.2"))
        elif member == "Notify":
            app, _replaces, _icon, summary, body, _actions, hints, _timeout = msg.body
            with self._lock:
                self.notifications.append(
                    Notification(app, summary, body, {k: v[1] for k, v in hints.items()}, sender)
                )
                ident = len(self.notifications)
            reply = new_method_return(msg, "u", (ident,))
        elif member == "Inhibit" and self.kde:
            desktop_entry = msg.body[0]
            if not desktop_entry:  # as Plasma: a meaningful desktop entry is required
                reply = new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s", ("no entry",))
            else:
                with self._lock:
                    self._cookies += 1
                    self.inhibitions[self._cookies] = sender
                    reply = new_method_return(msg, "u", (self._cookies,))
        elif member == "UnInhibit" and self.kde:
            with self._lock:
                if self.inhibitions.pop(msg.body[0], None) is not None:
                    self.released.append("uninhibit")
            reply = new_method_return(msg)
        else:
            reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))
        conn.send(reply)

    def _dropped(self, name: str) -> None:
        with self._lock:
            for cookie in [c for c, owner in self.inhibitions.items() if owner == name]:
                del self.inhibitions[cookie]
                self.released.append("disconnect")


@dataclass
class DesktopSession:
    """A private session bus and the environment that points programs at it."""

    address: str
    env: dict[str, str]
    process: subprocess.Popen[str]

    def gsettings(self, *args: str) -> str:
        done = subprocess.run(
            ["gsettings", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            timeout=30,
            check=True,
        )
        return done.stdout.strip()

    def banners(self) -> bool:
        """GNOME's `show-banners`, read with the real gsettings."""
        return self.gsettings("get", SCHEMA, "show-banners") == "true"

    def set_banners(self, value: bool) -> None:
        self.gsettings("set", SCHEMA, "show-banners", "true" if value else "false")
        wait_until(lambda: self.banners() is value, what=f"show-banners = {value}")


def need(program: str, package: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed (Debian package {package}; .ci/install has it)")
    return found


@pytest.fixture
def desktop_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DesktopSession]:
    """A private `dbus-daemon --session` and the environment of a desktop session that uses
    it: DBUS_SESSION_BUS_ADDRESS, GSettings through dconf in a folder of the test's own."""
    daemon = need("dbus-daemon", "dbus-daemon")
    config = tmp_path / "xdg-config"
    runtime = tmp_path / "xdg-runtime"
    config.mkdir()
    runtime.mkdir(mode=0o700)
    base = {
        "XDG_CONFIG_HOME": str(config),
        "XDG_RUNTIME_DIR": str(runtime),
        "GSETTINGS_BACKEND": "dconf",
    }
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **base},
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    assert address.startswith("unix:"), address
    env = {**base, "DBUS_SESSION_BUS_ADDRESS": address}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield DesktopSession(address, env, process)
    process.kill()
    process.wait(10)


def gnome_session(session: DesktopSession, monkeypatch: pytest.MonkeyPatch) -> DesktopSession:
    """`session` as GNOME: XDG_CURRENT_DESKTOP, gsettings with the GNOME schema that works."""
    need("gsettings", "libglib2.0-bin")
    try:
        session.gsettings("list-keys", SCHEMA)
    except subprocess.CalledProcessError:
        pytest.skip(f"the GNOME schema {SCHEMA} is missing (package gsettings-desktop-schemas)")
    session.env["XDG_CURRENT_DESKTOP"] = "ubuntu:GNOME"
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")
    session.set_banners(True)  # fails here, not later, when dconf cannot write
    return session
