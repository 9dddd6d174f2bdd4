"""The D-Bus session bus through jeepney, imported lazily: FocusGuard must run where there is
no jeepney, no session bus (a server, a container, ssh) or no notification server.

Only method calls with a reply are used; a connection that is kept open (KDE's inhibition
lives as long as it) receives nothing else, because FocusGuard adds no match rules.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from focusguard.core.do_not_disturb import DndError

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0
NOTIFICATIONS = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
NOTIFICATIONS_INTERFACE = "org.freedesktop.Notifications"

NO_BUS = DndError(
    "No desktop session bus",
    "FocusGuard cannot reach this desktop's session bus (D-Bus), so it cannot switch Do Not "
    "Disturb or show notifications there. Run FocusGuard inside your desktop session.",
)


def address() -> str | None:
    return os.environ.get("DBUS_SESSION_BUS_ADDRESS") or None


class Bus:
    """One session-bus connection. `call` raises DndError for every failure."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    @classmethod
    def open(cls) -> Bus:
        if address() is None:
            raise NO_BUS
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            raise DndError(
                "D-Bus support is missing",
                "This FocusGuard was installed without jeepney, which it needs to talk to the "
                "desktop. Reinstall FocusGuard (pip install jeepney).",
            ) from None
        try:
            return cls(open_dbus_connection(bus="SESSION"))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            log.info("no session bus: %s", exc)
            raise NO_BUS from None

    def call(
        self,
        destination: tuple[str, str],
        interface: str,
        method: str,
        signature: str | None = None,
        body: Sequence[Any] = (),
        timeout: float = TIMEOUT_S,
    ) -> tuple[Any, ...]:
        """A method call and its reply's body; DndError for a D-Bus error or no answer."""
        from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call

        bus_name, path = destination
        target = DBusAddress(path, bus_name=bus_name, interface=interface)
        message = new_method_call(target, method, signature, tuple(body))
        try:
            reply = self._connection.send_and_get_reply(message, timeout=timeout)
        except (OSError, TimeoutError, ConnectionError) as exc:
            raise DndError(
                "The desktop did not answer",
                f"{bus_name} did not answer {method} ({type(exc).__name__}). FocusGuard tries "
                "again at the next change of focus.",
            ) from None
        if reply.header.message_type == MessageType.error:
            name = reply.header.fields.get(HeaderFields.error_name, "an error")
            text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
            raise DndError(
                "The desktop refused",
                f"{bus_name} answered {method} with {name}{': ' + text if text else ''}.",
            )
        return tuple(reply.body)

    def close(self) -> None:
        try:
            self._connection.close()
        except OSError:
            log.debug("closing the session bus connection failed", exc_info=True)


def introspect(bus: Bus, destination: tuple[str, str]) -> str:
    (xml,) = bus.call(destination, "org.freedesktop.DBus.Introspectable", "Introspect")
    return str(xml)
