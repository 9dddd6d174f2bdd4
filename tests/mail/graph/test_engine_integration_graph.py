"""The real engine on the real Graph backend against the Graph simulator: held at delivery by
the message rule, seen by delta polling, auto-replied, released at focus end."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from focusguard.core.engine import Engine
from focusguard.core.ports import Folder, RuleMode
from focusguard.core.settings import settings_from_toml
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.rules import PREFIX
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from focusguard.store import Store
from tests.fakes import RecordingNotifier

pytestmark = pytest.mark.timeout(40)

CONFIG = """
[account]
kind = "graph"
email = "me@corp.example"
client_id = "3f1c2a7e-9b4d-4c61-8e2f-5a6b7c8d9e01"

[people]
own_domains = ["corp.example"]
customers = ["client.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
calendar_focus_subject = "Focus time"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[holding]
mode = "server-rule"
"""


class RealClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def test_engine_holds_by_message_rule_replies_and_releases(
    sim: GraphSimulator, tmp_path: Path
) -> None:
    settings = settings_from_toml(CONFIG)
    assert settings.account is not None
    backend = GraphBackend(
        settings.account,
        settings.holding,
        StaticTokens(DEMO_TOKEN),
        base_url=sim.url,
        poll_seconds=0.1,
    )
    store = Store.open(tmp_path / "state.sqlite3")
    events: queue.Queue[Callable[[], object]] = queue.Queue()
    engine = Engine(settings, backend, store, RealClock(), RecordingNotifier())

    def pump(until: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not until():
            with contextlib.suppress(queue.Empty):
                events.get(timeout=0.1)()
        assert until()

    try:
        engine.start(
            on_new=lambda item: events.put(lambda: engine.on_new_mail(item)),
            on_resync=lambda: events.put(engine.resync),
        )
        engine.focus_start(30)
        assert [r["isEnabled"] for r in sim.rules() if r["displayName"] == f"{PREFIX}focus"] == [
            True
        ]
        time.sleep(1.1)  # Graph times are whole seconds, like EWS
        bob = sim.deliver("Bob <bob@corp.example>", "Lunch?")
        boss = sim.deliver("Boss <boss@corp.example>", "Now!")
        ann = sim.deliver("Ann <ann@client.example>", "Order 4711")
        assert [p["internet_message_id"] for p in sim.popups] == [boss]
        pump(lambda: store.get_held(bob) is not None and store.get_held(ann) is not None)
        assert engine.status().mode == RuleMode.SERVER_RULE.value
        [reply] = sim.sent()
        assert reply["to"] == ["ann@client.example"] and reply["in_reply_to"] == ann
        assert reply["headers"]["X-Auto-Response-Suppress"] == "All"

        release = engine.focus_end()
        assert release is not None
        assert [r.message_id for r in release.released] == [bob]  # ann waits for check-in
        assert bob in {i.message_id for i in backend.list_folder(Folder.INBOX)}
        assert [r["isEnabled"] for r in sim.rules() if r["displayName"] == f"{PREFIX}focus"] == [
            False
        ]
    finally:
        backend.close()
        store.close()
    assert not any(r["isEnabled"] for r in sim.rules())  # close() switched holding off
