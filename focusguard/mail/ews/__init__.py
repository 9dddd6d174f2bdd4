"""Exchange Web Services backend (the only importer of exchangelib). See docs/ews.md."""

from focusguard.mail.ews.backend import EwsBackend, connect_backend
from focusguard.mail.ews.login import verify_and_store

__all__ = ["EwsBackend", "connect_backend", "verify_and_store"]
