"""A running app (worker thread, timers, control socket) driven through the real CLI."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from focusguard.app import control
from focusguard.app.builder import App
from focusguard.cli import main
from focusguard.core.errors import AlreadyRunning
from focusguard.core.ports import Folder
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import build_app, drain

CONFIG = """
[people]
own_domains = ["corp.example"]
urgent = ["boss@corp.example"]

[schedule]
timezone = "UTC"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
check_ins = ["00:00"]
check_in_minutes = 1

[holding]
mode = "client-move"
"""


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[App, MemoryMailbox]]:
    mailbox = MemoryMailbox()
    app = build_app(settings_from_toml(CONFIG), mailbox, tmp_path, control=True)
    app.start()
    drain(app)  # connected
    yield app, mailbox
    app.stop()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_status_focus_checkin_release_all_over_the_socket(
    running: tuple[App, MemoryMailbox], capsys: pytest.CaptureFixture[str]
) -> None:
    app, mailbox = running
    code, out, _ = cli(capsys, "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["in_focus"] is False and status["held"] == 0

    code, out, _ = cli(capsys, "focus", "start", "25m")
    assert code == 0 and out.startswith("Focus until ")
    assert json.loads(cli(capsys, "status", "--json")[1])["in_focus"] is True

    now = app.engine.clock.now()
    mailbox.deliver("<a@t>", "ann@client.example", "s", now)
    mailbox.deliver("<b@t>", "bob@corp.example", "s", now)
    drain(app)  # arrivals are decided in a batch queued behind these
    assert mailbox.where("<a@t>") == [Folder.HELD] and mailbox.where("<b@t>") == [Folder.HELD]

    code, out, _ = cli(capsys, "checkin")
    assert code == 0 and "1 customer email from 1 customer" in out
    assert mailbox.where("<a@t>") == [Folder.INBOX]

    code, out, _ = cli(capsys, "focus", "end")
    assert code == 0 and "1 other email" in out
    assert mailbox.where("<b@t>") == [Folder.INBOX]

    code, out, _ = cli(capsys, "release-all")
    assert code == 0 and "nothing to release" in out

    code, out, _ = cli(capsys, "pause", "--hours", "1")
    assert code == 0 and out.startswith("Paused until")
    assert json.loads(cli(capsys, "status", "--json")[1])["paused_until"] is not None
    code, out, _ = cli(capsys, "resume")
    assert code == 0


def test_status_text_is_one_line(
    running: tuple[App, MemoryMailbox], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "status")
    assert code == 0
    assert out.count("\n") == 1 and " · 0 held · next check-in " in out


def test_socket_is_private(running: tuple[App, MemoryMailbox]) -> None:
    addr, family = control.address()
    assert family == "AF_UNIX"
    sock = Path(addr)
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
    assert sock.stat().st_uid == os.getuid()


def test_second_instance_is_refused(running: tuple[App, MemoryMailbox]) -> None:
    server = control.ControlServer(lambda req: {"ok": True})
    with pytest.raises(AlreadyRunning, match="already running"):
        server.start()


def test_commands_without_a_running_instance_say_how_to_start_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = cli(capsys, "status")
    assert code == 1
    assert "FocusGuard is not running" in err and "focusguard run --headless" in err


def test_bad_focus_duration_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["focus", "start", "soon"])
    assert info.value.code == 2
    assert "not a duration" in capsys.readouterr().err


def test_unknown_control_command_is_refused(running: tuple[App, MemoryMailbox]) -> None:
    reply = control.request({"cmd": "format-disk"})
    assert reply == {"ok": False, "error": "unknown command 'format-disk'"}


def test_long_home_paths_still_get_a_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    addr, _ = control.address(deep)
    assert len(addr) < 100
    assert control.address(deep) == (addr, "AF_UNIX")
    assert control.address(tmp_path / "other" / ("z" * 100))[0] != addr
