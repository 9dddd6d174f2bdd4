"""Simulators of mail servers, used by the demo and by tests (EWS first)."""
