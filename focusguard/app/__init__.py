"""The application layer: between the core (engine, store, adapters) and the front-ends
(the tray in ui/, the command line, the demo). docs/architecture.md has the picture.

- builder.py   `build(settings, mode)`: the only place that picks backend, store, keyring,
               clock, timers and OS integrations; every way of running FocusGuard uses it
- backends.py  account kind -> backend: build, test a connection, sign in
- service.py   the facade: every command and query, safe from any thread
- verbs.py     how service methods run on the worker; the user-verb table the tray menu,
               the control socket and the command line are generated from
- events.py    typed events and the one subscribe()
- values.py    the frozen values front-ends receive (and the only types they name)
- runtime.py   the engine's life on its worker: connecting, timers, arrivals, health
- control.py   the local socket <-> the service's verbs
- notices.py   what to tell the person about what happened, in every mode
- setup.py     the settings file and the account, for the settings window and the wizard
- startup.py   settings, state file and instance lock, each failure a StartupError
- headless.py, account.py, failsafe_run.py: `run --headless`, `account login`, `failsafe`
"""
