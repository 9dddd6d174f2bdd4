"""FocusGuard: holds customer email until check-in times, so focus survives the inbox."""

__version__ = "0.1.0"
APP_ID = "io.focusguard.FocusGuard"
APP_NAME = "FocusGuard"
