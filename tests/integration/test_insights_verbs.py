"""`focusguard insights` and `focusguard preview` (issue 13 §3, §4) through the running app:
the command line over the control socket into the service, which reads the history through
the real backend on each simulator seeded with five weeks of traffic. The figures printed are
the independent computation's (tests/integration/insights_reference.py); the preview is the
replay's; reading changes nothing on the server; the Insights window's stepwise read
continues where it stopped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from focusguard import preview
from focusguard.app.builder import App
from focusguard.app.values import HistoryRead
from focusguard.cli import main
from focusguard.core.clock import VirtualClock
from focusguard.core.facts import encode_instant
from focusguard.core.focus_ledger import HOLDING_SINCE
from focusguard.core.settings import load_settings
from focusguard.store import Store
from tests.apps import StillTimers, build_app, drain
from tests.integration.insights_reference import Reference
from tests.integration.test_insights_simulators import (
    EWS_READS,
    NOW,
    PROMISE,
    SETTINGS,
    Mailbox,
    as_figures,
    make_mailbox,
)

pytestmark = pytest.mark.timeout(300)


class Running:
    def __init__(self, box: Mailbox, tmp: Path) -> None:
        self.box = box
        self.store = Store.open(tmp / "state.sqlite3")
        self.store.set_fact(HOLDING_SINCE, encode_instant(box.seeded.holding_since))
        self.app: App = build_app(
            box.settings,
            box.backend,
            tmp,
            store=self.store,
            clock=VirtualClock(NOW),
            timers=StillTimers(),
            control=True,
        )


@pytest.fixture(params=["ews", "graph"])
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Running]:
    box, done = make_mailbox(request.param)
    r = Running(box, tmp_path)
    r.app.start()
    drain(r.app)
    assert r.app.runtime.connected
    try:
        yield r
    finally:
        r.app.stop()
        r.store.close()
        done()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_insights_on_the_command_line_are_the_independent_figures(
    running: Running, capsys: pytest.CaptureFixture[str]
) -> None:
    box = running.box
    box.clear_requests()
    code, out, err = cli(capsys, "insights", "--json")
    assert (code, err) == (0, "")
    got = json.loads(out)
    ref = Reference(box.seeded, keep_days=box.settings.privacy.keep_days, promise=PROMISE, now=NOW)
    since = dt.datetime.fromisoformat(got["since"])
    in_window = [w for w in ref.waits() if w.started >= since]
    want = as_figures(ref.figures(in_window, len(ref.arrivals(since))))
    total = got["total"]
    assert (total["received"], total["waits"], total["answered"]) == (
        want.received,
        want.waits,
        want.answered,
    )
    assert (total["chasers"], total["unanswered"]) == (want.chasers, want.unanswered)
    assert total["working"]["median_min"] == _minutes(want.working.median)
    assert total["working"]["p90_min"] == _minutes(want.working.p90)
    assert len(got["weeks"]) == 4
    assert next(c["customer"] for c in got["customers"]) == "bigclient.example"  # Dana chases
    assert [n["customer"] for n in got["new_customers"]] == ["freshstart.example"]
    # Reading the history asked the server nothing that writes.
    assert_reads_only(box)

    code, out, _ = cli(capsys, "insights", "--weeks", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Insights Mon 06 Apr 2026 – Wed 15 Apr 2026")
    assert any(line.startswith("bigclient.example ") for line in lines)
    assert any("freshstart.example (nina@freshstart.example): first mail" in x for x in lines)
    assert "held mail since 1 Apr; the history kept starts after that" in out
    code, out, _ = cli(capsys, "insights")  # four weeks: two before, two since
    assert "Your customers are being trained: they chase less since FocusGuard started " in out

    code, out, _ = cli(capsys, "insights", "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["customer", "week", "received"]
    weekly = [r for r in rows[1:] if r[0] == "(all customers)"]
    assert sum(int(r[2]) for r in weekly) == want.received


def test_preview_of_a_candidate_file_is_the_replay_of_the_stored_history(
    running: Running, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    box = running.box
    candidate = tmp_path / "candidate.toml"
    text = _settings_text(box).replace(
        'check_ins = ["09:30", "13:00", "16:30"]', 'check_ins = ["12:00"]'
    )
    candidate.write_text(text, encoding="utf-8")
    box.clear_requests()
    code, out, err = cli(capsys, "preview", "--days", "7", "--config", str(candidate), "--json")
    assert (code, err) == (0, "")
    got = json.loads(out)
    want = preview.preview_from_store(running.store, load_settings(candidate), NOW, days=7)
    assert got == {**want.as_json()}
    # The first preview read only its days (and the auto-reply spacing before them)...
    stored = running.store.history(NOW - dt.timedelta(days=60), NOW + dt.timedelta(seconds=1))
    back = NOW - dt.timedelta(days=7 + box.settings.autoreply.once_per_sender_days)
    assert 0 < len(stored) == sum(1 for m in box.seeded.messages if m.at >= back)
    assert min(e.at for e in stored) >= back
    current = preview.preview_from_store(running.store, box.settings, NOW, days=7)
    assert got["check_in_batches"] != current.check_in_batches  # the candidate's, not these
    assert_reads_only(box)

    code, out, _ = cli(capsys, "preview")
    assert code == 0
    assert out.startswith("Last week with these settings: ")
    assert " interruptions → " in out and "of your 4h promise" in out
    # ...and the insights read the weeks before it as well: all that keep_days keeps.
    assert cli(capsys, "insights")[0] == 0
    stored = running.store.history(NOW - dt.timedelta(days=60), NOW + dt.timedelta(seconds=1))
    assert len(stored) == running_kept(box)


def test_a_bad_candidate_file_is_refused_with_what_to_fix(
    running: Running, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[schedule]\ncheck_ins = ["25:00"]\n', encoding="utf-8")
    code, out, err = cli(capsys, "preview", "--config", str(bad))
    assert code == 1 and out == ""
    assert err.startswith(f"focusguard: The settings to preview need fixing: {bad}:")
    assert '"25:00" is not a time of day (use HH:MM)' in err
    code, _, err = cli(capsys, "preview", "--config", str(tmp_path / "missing.toml"))
    assert code == 1 and "missing.toml" in err
    assert "Traceback" not in err


def test_the_windows_read_goes_in_steps_and_continues_where_it_stopped(running: Running) -> None:
    service = running.app.service
    steps: list[HistoryRead] = []
    while not steps or not steps[-1].complete:
        steps.append(service.read_history(pages=1))
        assert len(steps) < 500
    assert len(steps) > 3  # several pages: each step stopped after one
    assert all(not s.complete and s.pages == 1 for s in steps[:-1])
    kept = NOW - dt.timedelta(days=running.box.settings.privacy.keep_days)
    seeded = sum(1 for m in running.box.seeded.messages if m.at >= kept)
    assert sum(s.read for s in steps) == seeded  # nothing read twice, nothing missed
    assert service.read_history().read == 0  # up to date: nothing new
    report = service.insights_figures(4)
    assert report.figures.total.received > 0
    assert report.promised == PROMISE


# The running app keeps watching the Inbox meanwhile (EWS streaming notifications).
WATCHING = {"Subscribe", "GetStreamingEvents", "Unsubscribe"}


def assert_reads_only(box: Mailbox) -> None:
    if box.kind == "ews":
        assert {op for op, _ in box.requests()} <= EWS_READS | WATCHING
    else:
        # The watcher's delta queries go in a $batch: its members are reads too.
        members = {e["method"] for e in box.sim.sub_request_log}
        assert {method for method, _ in box.requests()} <= {"GET", "POST"}
        assert {op for method, op in box.requests() if method == "POST"} <= {"batch"}
        assert members <= {"GET"}


def _settings_text(box: Mailbox) -> str:
    if box.kind == "ews":
        return SETTINGS.format(kind="ews", auth="basic", extra=f'ews_url = "{box.sim.url}"')
    extra = 'client_id = "11111111-2222-3333-4444-555555555555"'
    return SETTINGS.format(kind="graph", auth="oauth", extra=extra)


def running_kept(box: Mailbox) -> int:
    oldest = NOW - dt.timedelta(days=box.settings.privacy.keep_days)
    return sum(1 for m in box.seeded.messages if m.at >= oldest)


def _minutes(d: dt.timedelta | None) -> float | None:
    return None if d is None else round(d / dt.timedelta(minutes=1), 1)
