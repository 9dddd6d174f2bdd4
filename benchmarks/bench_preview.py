"""`focusguard preview` on the demo mailbox: last week's ~500 messages replayed with the
settings, in under 10 s (issue 13 §4; a benchmark, not a timed test).

For each simulator (EWS over SOAP with schema validation, Graph over HTTP), a mailbox seeded
with a week of traffic (`seed_history`) is read from scratch into a fresh store (the first
preview a user asks for), the calendar's focus blocks are read, and the preview runs on the
result. The baseline, measured in the same run, is the raw library reading the same
messages with the same fields (exchangelib's QuerySet; `requests` following Graph's
nextLink), no FocusGuard code: the preview's ratio to it is the price of the read being
paged, resumable and saved, plus the replay.

    .venv/bin/python benchmarks/bench_preview.py [--per-week N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from typing import Any

import requests
from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version
from exchangelib.protocol import close_connections

from focusguard import preview
from focusguard.core import mailbox_insights
from focusguard.core.ports import RuleMode
from focusguard.core.settings import AccountSettings, HoldingSettings, settings_from_toml
from focusguard.mail.ews import EwsBackend
from focusguard.mail.ews.history import RECEIVED_FIELDS, SENT_FIELDS
from focusguard.mail.graph.backend import GraphBackend
from focusguard.mail.graph.history import SELECT_RECEIVED, SELECT_SENT
from focusguard.mail.graph.tokens import StaticTokens
from focusguard.sim.common.history_seed import seed_history
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import DEMO_TOKEN, GraphSimulator
from focusguard.store import Store

NOW = dt.datetime(2026, 4, 15, 16, 41, tzinfo=dt.UTC)
PASSWORD = "bench-preview"
FOLDER = "FocusGuard Held"
TARGET_S = 10.0
SETTINGS = """
[account]
kind = "{kind}"
email = "me@corp.example"
auth = "{auth}"
{extra}

[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

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

[privacy]
keep_days = 7
"""


def run_preview(backend: Any, settings: Any) -> tuple[dict[str, Any], preview.PreviewSummary]:
    begin = time.perf_counter()
    store = Store.open(":memory:")
    backend.open_for_reading()
    result = mailbox_insights.read_history(backend, store, settings, NOW)
    read_s = time.perf_counter() - begin
    calendar = backend.calendar_focus(
        settings.schedule.calendar_focus_subject, NOW - dt.timedelta(days=7), NOW
    )
    start = time.perf_counter()
    summary = preview.preview_from_store(store, settings, NOW, days=7, calendar=calendar)
    replay_s = time.perf_counter() - start
    total = time.perf_counter() - begin
    store.close()
    return {
        "read_messages": result.read,
        "pages": result.pages,
        "read_s": round(read_s, 3),
        "replay_s": round(replay_s, 3),
        "total_s": round(total, 3),
    }, summary


def ews(per_week: int) -> dict[str, Any]:
    sim = EwsSimulator(password=PASSWORD).start()
    try:
        seeded = seed_history(sim, weeks=1, seed=13, now=NOW, per_week=per_week)
        received = sum(1 for m in seeded.messages if m.folder != "sentitems")
        extra = f'ews_url = "{sim.url}"'
        settings = settings_from_toml(SETTINGS.format(kind="ews", auth="basic", extra=extra))
        account = AccountSettings(
            kind="ews", email="me@corp.example", ews_url=sim.url, auth="basic"
        )
        backend = EwsBackend(account, HoldingSettings(RuleMode.SERVER_RULE, FOLDER), PASSWORD)
        requests_before = len(sim.request_log)
        figures, summary = run_preview(backend, settings)
        figures["requests"] = len(sim.request_log) - requests_before
        backend.close()
        close_connections()
        baseline = ews_baseline(sim)
        assert not sim.schema_errors, sim.schema_errors
        return _row(received, len(seeded.messages), figures, baseline, summary)
    finally:
        sim.stop()


def ews_baseline(sim: EwsSimulator) -> float:
    """exchangelib alone: every message of the three folders with the same fields."""
    config = Configuration(
        service_endpoint=sim.url,
        credentials=Credentials("baseline@corp.example", PASSWORD),
        auth_type=BASIC,
        version=Version(build=Build(15, 1, 2507, 6), api_version="Exchange2016"),
    )
    begin = time.perf_counter()
    account = Account("me@corp.example", config=config, autodiscover=False, access_type=DELEGATE)
    held = account.msg_folder_root // FOLDER
    count = 0
    for folder, fields in (
        (held, RECEIVED_FIELDS),
        (account.inbox, RECEIVED_FIELDS),
        (account.sent, [f for f in SENT_FIELDS if not f.startswith("fg_")]),
    ):
        qs = folder.all().only(*fields).order_by("datetime_received")
        qs.page_size = 100
        count += sum(1 for _ in qs)
    elapsed = time.perf_counter() - begin
    close_connections()
    assert count > 0
    return elapsed


def graph(per_week: int) -> dict[str, Any]:
    sim = GraphSimulator().start()
    try:
        seeded = seed_history(sim, weeks=1, seed=13, now=NOW, per_week=per_week)
        received = sum(1 for m in seeded.messages if m.folder != "sentitems")
        extra = 'client_id = "11111111-2222-3333-4444-555555555555"'
        settings = settings_from_toml(SETTINGS.format(kind="graph", auth="oauth", extra=extra))
        assert settings.account is not None
        backend = GraphBackend(
            settings.account, HoldingSettings(), StaticTokens(DEMO_TOKEN), base_url=sim.url
        )
        sim.reset_counters()
        figures, summary = run_preview(backend, settings)
        figures["requests"] = len(sim.request_log)
        figures["peak_operations"] = sim.peak_operations
        backend.close()
        baseline = graph_baseline(sim)
        return _row(received, len(seeded.messages), figures, baseline, summary)
    finally:
        sim.stop()


def graph_baseline(sim: GraphSimulator) -> float:
    """`requests` alone: every page of the three folders with the same $select."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {DEMO_TOKEN}", "Prefer": 'IdType="ImmutableId"'}
    begin = time.perf_counter()
    count = 0
    for folder, select in (
        (sim.folder_id(FOLDER), SELECT_RECEIVED),
        ("inbox", SELECT_RECEIVED),
        ("sentitems", SELECT_SENT),
    ):
        url: str | None = f"{sim.url}/me/mailFolders/{folder}/messages"
        params: dict[str, str] | None = {"$select": select, "$top": "100"}
        while url:
            body = session.get(url, headers=headers, params=params, timeout=30).json()
            count += len(body["value"])
            url, params = body.get("@odata.nextLink"), None
    elapsed = time.perf_counter() - begin
    assert count > 0
    return elapsed


def _row(
    received: int,
    seeded: int,
    figures: dict[str, Any],
    baseline: float,
    summary: preview.PreviewSummary,
) -> dict[str, Any]:
    return {
        "messages_replayed": summary.messages,
        "received_seeded": received,
        "seeded_messages": seeded,
        **figures,
        "baseline_raw_read_s": round(baseline, 3),
        "ratio_to_baseline": round(figures["total_s"] / baseline, 2) if baseline else None,
        "under_target": figures["total_s"] < TARGET_S,
        "summary": summary.sentence(),
        "popups": [summary.popups_were, summary.popups_would_be],
        "check_in_batches": summary.check_in_batches,
        "longest_wait_min": round(summary.longest_wait.total_seconds() / 60),
        "promise_breaches": summary.promise_breaches,
        "autoreplies": summary.autoreplies,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-week", type=int, default=660, help="about this many a week")
    parser.add_argument("--ci", action="store_true", help="same run; flag accepted for CI")
    args = parser.parse_args()
    print(
        json.dumps(
            {
                "benchmark": "preview",
                "target_s": TARGET_S,
                "ews": ews(args.per_week),
                "graph": graph(args.per_week),
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
