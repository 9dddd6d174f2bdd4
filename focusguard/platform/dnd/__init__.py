"""Desktop Do Not Disturb (issue 14, docs/do-not-disturb.md): one adapter per desktop behind
`core.do_not_disturb.DesktopDnd`, and `detect.desktop_dnd` to pick the one that applies.

- GNOME: GSettings `org.gnome.desktop.notifications show-banners` (gnome.py);
- KDE Plasma: `org.freedesktop.Notifications.Inhibit` on the session bus (kde.py);
- macOS: two user-made Shortcuts run with `shortcuts run` (macos.py);
- Windows, or anything else: nothing to switch (unsupported.py), said so plainly.

Nothing here imports Qt. D-Bus is spoken with jeepney (pure Python), imported only when a
session bus is used, so FocusGuard runs without it and without a session bus.
"""
