"""Insights end to end against each simulator (issue 13, "Done when"): five weeks of seeded
traffic read through the real backends (exchangelib over SOAP; the Graph client over HTTP)
into a real store, the figures computed, and compared with an independent computation from
what was seeded (tests/integration/insights_reference.py). The read and the preview change
nothing on the server: the simulators' request logs hold reads only. An interrupted read
continues; throttling is waited out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from exchangelib.protocol import close_connections

from focusguard import preview
from focusguard.core import mailbox_insights
from focusguard.core.facts import encode_instant
from focusguard.core.focus_ledger import HOLDING_SINCE
from focusguard.core.ports import MailError, RuleMode
from focusguard.core.settings import AccountSettings, HoldingSettings, Settings, settings_from_toml
from focusguard.domain.insights import ResponseFigures, Spread
from focusguard.mail.ews import EwsBackend
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.replay import TraceMessage, replay
from focusguard.sim.common.history_seed import SeededHistory, seed_history
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from focusguard.store import Store
from tests.integration.insights_reference import Figures, Reference, median_low, p90

pytestmark = pytest.mark.timeout(300)

NOW = dt.datetime(2026, 4, 15, 11, 7, tzinfo=dt.UTC)  # a Wednesday; the window spans 29 March
PASSWORD = "Zq7-history-4711"
PROMISE = dt.timedelta(hours=4)
FOLDER = "FocusGuard Held"
SETTINGS = """
[account]
kind = "{kind}"
email = "me@corp.example"
auth = "{auth}"
{extra}

[people]
own_domains = ["corp.example"]

[schedule]
timezone = "Europe/London"
check_ins = ["09:30", "13:00", "16:30"]

[[schedule.focus_blocks]]
days = ["mon", "wed"]
start = "10:00"
end = "12:00"

[autoreply]
enabled = true
urgent_phone = "+44 20 7946 0000"

[promise]
reply_within = "4h"
"""
# What reading the history and the preview may ask: nothing that writes.
EWS_READS = {"ConvertId", "GetFolder", "FindFolder", "FindItem", "GetItem"}


@dataclass
class Mailbox:
    kind: str
    sim: Any
    backend: Any
    settings: Settings
    seeded: SeededHistory

    def requests(self) -> list[tuple[str, str]]:
        """(method or SOAP operation, operation) of every request the server saw."""
        if self.kind == "ews":
            return [(op, op) for op in self.sim.operations()]
        return [(e["method"], e["operation"]) for e in self.sim.request_log]

    def clear_requests(self) -> None:
        if self.kind == "ews":
            with self.sim._log_lock:
                self.sim.request_log.clear()
        else:
            self.sim.reset_counters()


def make_mailbox(kind: str, seed: int = 3) -> tuple[Mailbox, Callable[[], None]]:
    if kind == "ews":
        sim = EwsSimulator(password=PASSWORD).start()
        extra = f'ews_url = "{sim.url}"'
        settings = settings_from_toml(SETTINGS.format(kind="ews", auth="basic", extra=extra))
        account = AccountSettings(
            kind="ews", email="me@corp.example", ews_url=sim.url, auth="basic"
        )
        backend: Any = EwsBackend(
            account, HoldingSettings(RuleMode.SERVER_RULE, FOLDER), PASSWORD, max_wait=5,
            backoff_start=0.05,
        )  # fmt: skip
    else:
        sim = GraphSimulator().start()
        extra = 'client_id = "11111111-2222-3333-4444-555555555555"'
        settings = settings_from_toml(SETTINGS.format(kind="graph", auth="oauth", extra=extra))
        assert settings.account is not None
        backend = GraphBackend(
            settings.account, HoldingSettings(), StaticTokens(DEMO_TOKEN), base_url=sim.url,
            backoff_start=0.01,
        )  # fmt: skip
    seeded = seed_history(sim, weeks=5, seed=seed, now=NOW, zone="Europe/London")

    def done() -> None:
        backend.close()
        sim.stop()
        if kind == "ews":
            close_connections()
            assert sim.schema_errors == [], sim.schema_errors
        assert sim.errors == [], sim.errors

    return Mailbox(kind, sim, backend, settings, seeded), done


@pytest.fixture(params=["ews", "graph"])
def mailbox(request: pytest.FixtureRequest) -> Iterator[Mailbox]:
    box, done = make_mailbox(request.param)
    try:
        yield box
    finally:
        done()


def as_figures(ref: Figures) -> ResponseFigures:
    return ResponseFigures(
        received=ref.received,
        waits=ref.waits,
        answered=ref.answered,
        chasers=ref.chasers,
        unanswered=ref.unanswered,
        within_promise=ref.within,
        judged=ref.judged,
        working=Spread(median_low(ref.working), p90(ref.working)),
        calendar=Spread(median_low(ref.calendar), p90(ref.calendar)),
    )


def read_all(box: Mailbox, store: Store) -> mailbox_insights.SyncResult:
    box.backend.open_for_reading()
    return mailbox_insights.read_history(box.backend, store, box.settings, NOW)


def test_figures_match_an_independent_computation(mailbox: Mailbox, tmp_path: Path) -> None:
    box = mailbox
    store = Store.open(tmp_path / "state.sqlite3")
    store.set_fact(HOLDING_SINCE, encode_instant(box.seeded.holding_since))
    box.clear_requests()
    result = read_all(box, store)
    kept = box.settings.privacy.keep_days
    oldest = NOW - dt.timedelta(days=kept)
    assert result.read == sum(1 for m in box.seeded.messages if m.at >= oldest)

    got = mailbox_insights.insights(store, box.settings, NOW, weeks=4)
    ref = Reference(box.seeded, keep_days=kept, promise=PROMISE, now=NOW)
    waits = ref.waits()
    since = got.since
    assert since == dt.datetime(2026, 3, 23, tzinfo=ref.zone)  # four Mondays back, London
    in_window = [w for w in waits if w.started >= since]
    arrivals = ref.arrivals(since)

    # Overall, per week, per customer and per customer per week.
    assert got.total == as_figures(ref.figures(in_window, len(arrivals)))
    assert [w.week for w in got.weeks] == [
        dt.date(2026, 3, 23) + dt.timedelta(7 * n) for n in range(4)
    ]
    for row in got.weeks:
        group = [w for w in in_window if ref.week(w.started) == row.week]
        count = sum(1 for at, _ in arrivals if ref.week(at) == row.week)
        assert row.responses == as_figures(ref.figures(group, count)), row.week
    customers = {c.customer: c for c in got.customers}
    assert set(customers) == {c for _, c in arrivals}
    for key, c in customers.items():
        mine = [w for w in in_window if w.customer == key]
        count = sum(1 for _, who in arrivals if who == key)
        assert c.responses == as_figures(ref.figures(mine, count)), key
        for week, figures in c.weeks:
            in_week = [w for w in mine if ref.week(w.started) == week]
            n = sum(1 for at, who in arrivals if who == key and ref.week(at) == week)
            assert figures == as_figures(ref.figures(in_week, n)), (key, week)

    # The demanding customer is the busiest and chases most; newsletters and robots are
    # nobody's customers.
    top = got.customers[0]
    assert top.customer == "bigclient.example"
    assert top.responses.chasers == max(c.responses.chasers for c in got.customers)
    assert not customers.keys() & {"vendor-news.example", "tickets.example", "ci.example"}

    # New customers, and before/after FocusGuard held mail.
    assert [(n.customer, n.first_seen) for n in got.new_customers] == ref.new_customers(
        dt.timedelta(days=14)
    )
    assert any(n.customer == "freshstart.example" for n in got.new_customers)
    cut = box.seeded.holding_since
    before = [w for w in in_window if w.started < cut]
    after = [w for w in in_window if w.started >= cut]
    ba = got.before_after
    assert ba.holding_since == cut
    assert ba.before == as_figures(ref.figures(before, sum(1 for at, _ in arrivals if at < cut)))
    assert ba.after == as_figures(ref.figures(after, sum(1 for at, _ in arrivals if at >= cut)))
    # Trained: replies come at check-ins, and the demanding customer chases less per case.
    assert ba.after.chasers / ba.after.waits < ba.before.chasers / ba.before.waits

    # Reading changed nothing on the server.
    requests = box.requests()
    if box.kind == "ews":
        assert {op for op, _ in requests} <= EWS_READS, requests
    else:
        assert {method for method, _ in requests} == {"GET"}, requests
    store.close()


def test_a_second_read_asks_only_for_what_is_new(mailbox: Mailbox) -> None:
    box = mailbox
    with Store.open(":memory:") as store:
        first = read_all(box, store)
        box.sim.deliver(
            "Ann <ann@client0.example>", "One more", received=NOW + dt.timedelta(minutes=1)
        )
        box.clear_requests()
        later = mailbox_insights.read_history(
            box.backend, store, box.settings, NOW + dt.timedelta(minutes=5)
        )
        assert later.read == 1
        assert later.pages == 3  # one page per folder
        assert store.count_history() == first.read + 1


def test_an_interrupted_read_continues_and_ends_the_same(mailbox: Mailbox) -> None:
    box = mailbox
    with Store.open(":memory:") as whole:
        read_all(box, whole)
        expected = sorted(e.key for e in whole.history(NOW - dt.timedelta(days=40), NOW))

    def break_the_server() -> None:
        # Longer than the client waits: EWS asks for a back-off beyond its patience, Graph
        # answers 503 to every retry.
        if box.kind == "ews":
            box.sim.fault("server_busy", count=1, operation="FindItem", backoff_ms=60_000)
        else:
            box.sim.fault("http_503", rate=1.0, operation="messages", retry_after_s=0)

    with Store.open(":memory:") as store:
        box.backend.open_for_reading()
        with pytest.raises(MailError):
            mailbox_insights.read_history(
                _BreaksAfter(box.backend, 2, break_the_server), store, box.settings, NOW
            )
        box.sim.clear_faults()
        partial = store.count_history()
        assert 0 < partial < len(expected)
        again = mailbox_insights.read_history(box.backend, store, box.settings, NOW)
        assert again.read == len(expected) - partial  # nothing twice, nothing skipped
        assert sorted(e.key for e in store.history(NOW - dt.timedelta(days=40), NOW)) == expected


class _BreaksAfter:
    """The real backend; after `pages` pages the server starts failing (`arm`)."""

    def __init__(self, backend: Any, pages: int, arm: Callable[[], None]) -> None:
        self.backend = backend
        self.pages = pages
        self.arm = arm
        self.calls = 0

    def history_page(self, *args: Any) -> Any:
        self.calls += 1
        if self.calls == self.pages + 1:
            self.arm()
        return self.backend.history_page(*args)


def test_throttling_is_waited_out() -> None:
    box, done = make_mailbox("graph")
    try:
        box.sim.fault("throttle", count=2, operation="messages", retry_after_s=0.2)
        with Store.open(":memory:") as store:
            read_all(box, store)
            assert store.count_history() > 0
        assert box.backend.client.throttled >= 2
        assert box.sim.peak_operations <= 4
    finally:
        done()
    box, done = make_mailbox("ews")
    try:
        box.sim.fault("server_busy", count=2, operation="GetItem", backoff_ms=200)
        with Store.open(":memory:") as store:
            result = read_all(box, store)
            assert result.read == store.count_history() > 0
    finally:
        done()


def test_preview_reads_only_and_agrees_with_replay(mailbox: Mailbox) -> None:
    box = mailbox
    with Store.open(":memory:") as store:
        box.clear_requests()
        read_all(box, store)
        calendar = box.backend.calendar_focus(
            "Focus time", NOW - dt.timedelta(days=7), NOW + dt.timedelta(minutes=1)
        )
        summary = preview.preview_from_store(
            store, box.settings, NOW, days=7, calendar=calendar, names=True
        )
        requests = box.requests()
        if box.kind == "ews":
            assert {op for op, _ in requests} <= EWS_READS, requests
        else:
            assert {method for method, _ in requests} == {"GET"}, requests
        assert box.sim.moves == [] and box.sim.sent() == []

        # The same arrivals through `focusguard replay` give the same outcomes.
        since = NOW - dt.timedelta(days=7)
        arrivals = [
            e
            for e in store.history(since, NOW + dt.timedelta(seconds=1))
            if e.direction.value == "received"
        ]
        history_before = store.history(since - dt.timedelta(days=3), since)
        rows = replay(
            box.settings,
            [
                TraceMessage(
                    n,
                    e.key,
                    e.at,
                    e.sender or "",
                    "",
                    {"Auto-Submitted": "auto-generated"} if e.no_autoreply else {},
                    e.recipients,
                )
                for n, e in enumerate(sorted(arrivals, key=lambda e: (e.at, e.key)), start=1)
            ],
        )
    assert summary.messages == len(rows) > 100
    assert summary.popups_would_be == sum(1 for r in rows if r["action"] == "deliver")
    # The preview knows who got FocusGuard's auto-reply in the days before (Sent Items);
    # the bare replay does not, so it may reply to them sooner.
    replied = {r["id"] for r in rows if r["autoreply"]}
    assert 0 < summary.autoreplies <= len(replied)
    recently = {
        address
        for e in history_before
        if e.own_autoreply and since - dt.timedelta(days=3) <= e.at < since
        for address in e.recipients
    }
    by_key = {e.key: e for e in arrivals}
    only_replay = {by_key[str(k)].sender for k in replied} - set(summary.autoreply_to)
    assert only_replay <= recently
    ref = Reference(box.seeded, keep_days=30, promise=PROMISE, now=NOW)
    received_at = {e.key: e.at for e in arrivals}
    waits = [
        ref.walk(received_at[str(r["id"])], dt.datetime.fromisoformat(str(r["release_at"])))
        for r in rows
        if r["category"] == "customer" and r["action"] == "hold" and r["release_at"]
    ]
    assert summary.longest_wait == max(waits)
    assert summary.longest_wait <= PROMISE  # the guard keeps the promise
    assert summary.promise_breaches == 0
    assert summary.popups_were > summary.popups_would_be
    assert summary.check_in_batches > 0
