"""The real engine on the real EWS backend against the simulator: hold at delivery by the
server rule, see it through the watcher, release it at focus end."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from focusguard.app.backends import simulator_account
from focusguard.core.engine import Engine
from focusguard.core.ports import Folder, RuleMode
from focusguard.core.settings import settings_from_toml
from focusguard.mail.ews import EwsBackend
from focusguard.sim.ews import EwsSimulator
from focusguard.store import Store
from tests.fakes import RecordingNotifier
from tests.mail.ews.conftest import FOLDER, PASSWORD

pytestmark = pytest.mark.timeout(40)


class RealClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def config(url: str) -> str:
    return (
        simulator_account("ews", url)
        + """
[people]
own_domains = ["corp.example"]
customers = ["client.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
calendar_focus_subject = "Focus time"

[holding]
mode = "server-rule"
folder = "{FOLDER}"
""".replace("{FOLDER}", FOLDER)
    )


def test_engine_holds_by_server_rule_and_releases(sim: EwsSimulator, tmp_path: Path) -> None:
    settings = settings_from_toml(config(sim.url))
    assert settings.account is not None
    backend = EwsBackend(settings.account, settings.holding, PASSWORD, max_wait=20)
    store = Store.open(tmp_path / "state.sqlite3")
    events: queue.Queue[Callable[[], object]] = queue.Queue()

    engine = Engine(settings, backend, store, RealClock(), RecordingNotifier())
    try:
        # The app routes watcher callbacks to the engine's worker; here: to this thread.
        engine.start(
            on_new=lambda item: events.put(lambda: engine.on_new_mail(item)),
            on_resync=lambda: events.put(engine.resync),
        )
        engine.focus_start(30)
        assert "FocusGuard hold: focus" in [r["name"][:22] for r in sim.rules()]
        # EWS times are whole seconds: mail received in the same second as focus_start()
        # reads as received *before* focus (engine keeps microseconds; reported). Step over.
        time.sleep(1.1)
        bob = sim.deliver("Bob <bob@corp.example>", "Lunch?")
        boss = sim.deliver("Boss <boss@corp.example>", "Now!")
        assert [p["internet_message_id"] for p in sim.popups] == [boss]  # no pop-up for bob
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and store.get_held(bob) is None:
            with contextlib.suppress(queue.Empty):
                events.get(timeout=0.2)()
        assert store.get_held(bob) is not None
        assert engine.status().mode == RuleMode.SERVER_RULE.value
        release = engine.focus_end()
        assert release is not None and [r.message_id for r in release.released] == [bob]
        inbox = {i.message_id for i in backend.list_folder(Folder.INBOX)}
        assert {bob, boss} <= inbox
        assert backend.list_folder(Folder.HELD) == []
        assert not [r for r in sim.rules() if r["name"].startswith("FocusGuard hold: focus")]
    finally:
        backend.close()
        store.close()
