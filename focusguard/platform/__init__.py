"""OS integration that is not Qt (DESIGN.md, "The application layer"): the instance lock the
running app holds, and the OS scheduler units that run the fail-safe (systemd user timer,
Windows Task Scheduler, macOS LaunchAgent). Nothing here imports Qt, exchangelib or sqlite3.
"""
