"""The Qt face of FocusGuard: tray, windows, dialogs. The only package that imports PySide6."""
