"""A user verb is one service method: the control socket, the command line and the tray
menu are generated from its declaration (app/verbs.py). Here a verb that no module knows
about is declared on a subclass of the service, and all three offer it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from focusguard import cli
from focusguard.app import control
from focusguard.app.builder import App
from focusguard.app.service import Service
from focusguard.app.values import Arg, Done, MenuItem, Preset
from focusguard.app.verbs import verb
from focusguard.core.command_args import ArgumentProblem
from focusguard.core.settings import settings_from_toml
from focusguard.mail.memory import MemoryMailbox
from tests.apps import build_app, drain
from tests.fakes import OFFICE_CONFIG


def times(value: object) -> int:
    if type(value) is not int or not 1 <= value <= 3:
        raise ArgumentProblem("times is 1, 2 or 3")
    return value


class WithPing(Service):
    @verb(
        "ping",
        help="check that FocusGuard answers",
        args=(Arg("times", "how often", check=times, parse=int, default=1, flag="--times"),),
        menu=MenuItem("P&ing", choices=(Preset("&Twice", {"times": 2}),)),
    )
    def ping(self, times: int = 1) -> Done:
        held = self._engine.status().held  # engine work: it runs on the worker
        return Done(" ".join(["pong"] * times) + f" ({held} held)")


@pytest.fixture
def pinging(tmp_path: Path) -> Iterator[tuple[App, WithPing]]:
    app = build_app(settings_from_toml(OFFICE_CONFIG), MemoryMailbox(), tmp_path)
    service = WithPing(
        app.runtime, app.events, app.service.settings, engine_for=lambda s: app.engine
    )
    server = control.serve(service)
    app.start()
    server.start()
    drain(app)
    yield app, service
    server.stop()
    app.stop()


def test_the_socket_the_command_line_and_the_menu_offer_a_new_verb(
    pinging: tuple[App, WithPing],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, service = pinging
    assert [v.name for v in service.verbs()][-1] == "ping"
    # The control socket, arguments checked as declared.
    assert control.request({"cmd": "ping", "times": 2})["text"] == "pong pong (0 held)"
    assert control.request({"cmd": "ping", "times": 9}) == {
        "ok": False,
        "error": "times is 1, 2 or 3",
    }
    # The command line, from the same table.
    monkeypatch.setattr(cli, "Service", WithPing)
    assert cli.main(["ping", "--times", "3"]) == 0
    assert capsys.readouterr().out == "pong pong pong (0 held)\n"
    with pytest.raises(SystemExit) as usage:
        cli.main(["ping", "--times", "4"])
    assert usage.value.code == 2 and "times is 1, 2 or 3" in capsys.readouterr().err
    # The tray menu, in the "mail" group, with its preset.
    from focusguard.app.values import Snapshot
    from focusguard.ui.menu import Intents, entries

    intents = Intents(
        service, _Silent(), open_digest=lambda: None, open_settings=None, quit_app=lambda: None
    )
    items = entries(Snapshot(None), intents)
    ping = next(e for e in items if e.text == "P&ing")
    assert [c.text for c in ping.children] == ["&Twice"]
    assert items.index(ping) < next(i for i, e in enumerate(items) if e.text == "&Held mail…")
    assert ping.children[0].run is not None
    assert ping.children[0].run().result(10) == Done("pong pong (0 held)")  # type: ignore[union-attr]


class _Silent:
    def notify(self, title: str, message: str, *, kind: str = "info") -> None: ...
