"""OS integration that is not Qt (docs/architecture.md): start at login
(autostart.py), the instance lock the running app holds, and the OS scheduler units that run
the fail-safe (systemd user timer, Windows Task Scheduler, macOS LaunchAgent). Only the
builder (app/builder.py) picks which of them an app gets. Nothing here imports Qt,
exchangelib or sqlite3.
"""
