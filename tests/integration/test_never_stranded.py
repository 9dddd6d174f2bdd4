"""Held mail is never stranded (issue 9 §1), end to end: the real app (worker thread, engine,
SQLite store) on the real EWS and Graph backends against the simulators.

- a watcher that stops is never silent: a rejected sign-in shows as the runtime's problem
  (status, notification), is retried, and once the sign-in works again the mail that
  arrived meanwhile (held by the server rule, unseen) is decided;
- release-all releases what is on the server, even when the watcher saw none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from exchangelib.protocol import close_connections

from focusguard.app import backends, control
from focusguard.core.ports import Folder
from focusguard.core.settings import Settings, settings_from_toml
from focusguard.mail.ews.backend import EwsBackend
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from tests.apps import build_app, drain, listen
from tests.waiting import wait_until

pytestmark = pytest.mark.timeout(90)

HELD = "FocusGuard Held"
PASSWORD = "secret-4711"


def settings_for(account: str) -> Settings:
    # One check-in six hours from now: for the whole test, customer mail is held.
    later = (datetime.now(UTC) + timedelta(hours=6)).strftime("%H:%M")
    return settings_from_toml(
        account
        + f"""
[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["{later}"]
check_in_minutes = 5
calendar_focus_subject = ""

[holding]
mode = "server-rule"
folder = "{HELD}"
"""
    )


class Running:
    def __init__(self, settings: Settings, backend: Any, tmp: Path) -> None:
        self.app = build_app(settings, backend, tmp)
        self.heard = listen(self.app.events)
        self.store = self.app.store
        self.app.start()
        drain(self.app, timeout=30)  # the connect job has run
        status = self.status()
        assert status["mode"] == "server-rule" and status["problem"] is None, status

    def ask(self, command: str) -> dict[str, object]:
        """What the control socket answers `{"cmd": command}`."""
        return control.answer(self.app.service, {"cmd": command})

    def status(self) -> dict[str, Any]:
        reply = self.ask("status")
        assert reply["ok"] is True
        status = reply["data"]
        assert isinstance(status, dict)
        return status

    def errors(self) -> list[str]:
        return self.heard.errors()

    def close(self) -> None:
        self.app.stop()


@pytest.fixture
def ews_sim() -> Iterator[EwsSimulator]:
    sim = EwsSimulator(password=PASSWORD, stream_minute_s=2.0, heartbeat_s=0.3).start()
    yield sim
    sim.stop()
    close_connections()
    assert sim.errors == [], sim.errors


@pytest.fixture
def graph_sim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    yield sim
    sim.stop()
    assert sim.errors == [], sim.errors


def ews_running(sim: EwsSimulator, tmp: Path, **backend: Any) -> Running:
    settings = settings_for(backends.simulator_account("ews", sim.url))
    assert settings.account is not None
    backend.setdefault("backoff_start", 0.05)
    backend.setdefault("auth_retry_s", 0.1)
    ews = EwsBackend(settings.account, settings.holding, PASSWORD, max_wait=5, **backend)
    running = Running(settings, ews, tmp)
    wait_until(lambda: "GetStreamingEvents" in sim.operations(), 10, "the watcher streaming")
    drain(running.app, timeout=30)  # and the resync it asked for
    return running


def watcher_blinded(sim: EwsSimulator) -> None:
    """Stream faults: every stream is cut, and Exchange is too busy for a new subscription
    (its back-off is longer than FocusGuard waits), so the watcher sees nothing (no events,
    no resync) while the server rule holds mail. Returns once it has tried and failed."""
    sim.fault("drop_stream", count=100_000, operation="GetStreamingEvents")
    sim.fault("server_busy", count=100_000, operation="Subscribe", backoff_ms=60_000)
    tries = sim.operations().count("Subscribe")
    sim.expire_subscriptions()
    wait_until(lambda: sim.operations().count("Subscribe") > tries, 10, "a failed subscribe")


def graph_running(sim: GraphSimulator, tmp: Path) -> Running:
    settings = settings_for(backends.simulator_account("graph", sim.url))
    assert settings.account is not None
    graph = GraphBackend(
        settings.account,
        settings.holding,
        StaticTokens(DEMO_TOKEN),
        base_url=sim.url,
        poll_seconds=0.1,
        backoff_start=0.01,
        auth_retry_s=0.1,
    )
    return Running(settings, graph, tmp)


def held_in(sim: EwsSimulator | GraphSimulator) -> set[str]:
    return {m["internet_message_id"] for m in sim.folder_messages(HELD)}


def test_graph_revoked_sign_in_is_a_problem_until_it_works_again(
    graph_sim: GraphSimulator, tmp_path: Path
) -> None:
    running = graph_running(graph_sim, tmp_path)
    try:
        graph_sim.revoke_tokens()
        wait_until(lambda: running.status()["problem"] is not None, 20, "a problem in status")
        problem = running.status()["problem"]
        assert problem is not None and problem.startswith("Sign-in rejected")
        assert running.errors() == ["Sign-in rejected"]  # one notification, not one a poll
        # New mail piles up in the held folder (the message rule holds it at delivery).
        mids = {graph_sim.deliver(f"C{n} <c{n}@client.example>", f"#{n}") for n in range(3)}
        assert mids <= held_in(graph_sim)
        wait_until(lambda: len(running.errors()) == 1 and running.status()["held"] == 0, 5)

        graph_sim.static_token = DEMO_TOKEN  # the admin re-consented: sign-in works again
        wait_until(lambda: running.status()["held"] == 3, 20, "mail delivered meanwhile decided")
        wait_until(lambda: running.status()["problem"] is None, 20, "the problem cleared")
        assert {r.message_id for r in running.store.held()} == mids
        assert running.errors() == ["Sign-in rejected"]
        reply = running.ask("release-all")
        assert reply["ok"] and "3 customer emails" in str(reply["text"])
        assert held_in(graph_sim) == set()
    finally:
        running.close()


def test_ews_rejected_password_is_a_problem_until_it_works_again(
    ews_sim: EwsSimulator, tmp_path: Path
) -> None:
    running = ews_running(ews_sim, tmp_path)
    try:
        ews_sim.password = "changed-by-the-helpdesk"
        ews_sim.expire_subscriptions()  # the watcher signs in again at once
        wait_until(lambda: running.status()["problem"] is not None, 20, "a problem in status")
        assert str(running.status()["problem"]).startswith("Password rejected")
        assert running.errors() == ["Password rejected"]
        mids = {ews_sim.deliver(f"C{n} <c{n}@client.example>", f"#{n}") for n in range(3)}
        assert mids <= held_in(ews_sim)

        ews_sim.password = PASSWORD  # the account was unlocked: the password works again
        wait_until(lambda: running.status()["held"] == 3, 20, "mail delivered meanwhile decided")
        wait_until(lambda: running.status()["problem"] is None, 20, "the problem cleared")
        assert {r.message_id for r in running.store.held()} == mids
    finally:
        running.close()


def test_release_all_empties_the_held_folder_the_watcher_never_saw(
    ews_sim: EwsSimulator, tmp_path: Path
) -> None:
    running = ews_running(ews_sim, tmp_path)
    try:
        watcher_blinded(ews_sim)
        mids = {ews_sim.deliver(f"C{n} <c{n}@client{n % 7}.example>", f"#{n}") for n in range(30)}
        assert held_in(ews_sim) == mids
        wait_until(lambda: running.status()["problem"] is not None, 30, "the watcher's problem")
        assert running.status()["held"] == 0  # the ledger knows none of it

        reply = running.ask("release-all")
        assert reply["ok"] is True
        assert "30 customer emails" in str(reply["text"])
        assert held_in(ews_sim) == set()
        inbox = {m["internet_message_id"] for m in ews_sim.folder_messages("inbox")}
        assert mids <= inbox
        assert running.status()["held"] == 0
        ews_sim.clear_faults()
    finally:
        running.close()


def test_check_in_now_releases_customers_the_watcher_never_saw(
    ews_sim: EwsSimulator, tmp_path: Path
) -> None:
    running = ews_running(ews_sim, tmp_path)
    try:
        watcher_blinded(ews_sim)
        mids = {ews_sim.deliver(f"C{n} <c{n}@client.example>", f"#{n}") for n in range(5)}
        assert held_in(ews_sim) == mids
        reply = running.ask("checkin")
        assert reply["ok"] is True and "5 customer emails" in str(reply["text"])
        assert held_in(ews_sim) == set()
        assert [i.folder for i in running.app.engine.backend.list_folder(Folder.HELD)] == []
        ews_sim.clear_faults()
    finally:
        running.close()
