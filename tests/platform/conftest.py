from tests.desktop_bus import desktop_session

__all__ = ["desktop_session"]
