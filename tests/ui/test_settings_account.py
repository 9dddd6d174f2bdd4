"""Settings → Account for both kinds with the real widgets offscreen: the fields each kind
needs, switching kind keeps the rest, the calendar focus subject and the Graph poll interval,
"Sign in with Microsoft" and "Test connection" against the simulators (the real msal flows
for Graph), the settings the organisation locked, and the demo's test connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from exchangelib.protocol import close_connections
from pytestqt.qtbot import QtBot

from focusguard.app.backends import SimulatedServer, simulator_account
from focusguard.app.setup import SettingsFile
from focusguard.core.settings import load_settings
from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import GraphSimulator
from focusguard.ui.settings_dialog import SettingsDialog

CLIENT_ID = "5f1c2a3b-0d3e-4d3e-9d3e-000000000de0"  # simulator_account's


@pytest.fixture
def graph() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    try:
        yield sim
    finally:
        sim.stop()


def graph_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "focusguard.toml"
    path.write_text(
        simulator_account("graph", url, poll_seconds=20) + '[schedule]\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    return path


def make(qtbot: QtBot, file: SettingsFile) -> SettingsDialog:
    dialog = SettingsDialog(file)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_graph_account_shows_its_fields_and_switching_kind_keeps_the_rest(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator
) -> None:
    path = graph_config(tmp_path, graph.url)
    dialog = make(qtbot, SettingsFile(path))
    form = dialog.account
    assert form.current_kind() == "graph"
    assert form.client_id.isVisible() and form.tenant.isVisible() and form.poll_seconds.isVisible()
    assert not form.server_url.isVisible() and not form.password.isVisible()
    assert dialog.sign_in.isVisible()
    assert form.poll_seconds.value() == 20
    assert dialog.focus_subject.text() == "Focus time"
    form.tenant.setText("contoso.onmicrosoft.com")
    form.set_kind("ews")
    assert form.server_url.isVisible() and not dialog.sign_in.isVisible()
    assert form.ca_bundle.isVisible() and form.username.isVisible()
    form.set_kind("graph")
    assert form.client_id.text() == CLIENT_ID and form.tenant.text() == "contoso.onmicrosoft.com"
    form.poll_seconds.setValue(60)
    dialog.focus_subject.setText("Deep work")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    s = load_settings(path)
    assert s.account is not None and s.account.kind == "graph"
    assert (s.account.poll_seconds, s.account.tenant) == (60, "contoso.onmicrosoft.com")
    assert s.schedule.calendar_focus_subject == "Deep work"


def test_graph_sign_in_then_test_connection_against_the_simulator(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator
) -> None:
    path = graph_config(tmp_path, graph.url)
    dialog = make(qtbot, SettingsFile(path, server=SimulatedServer("graph", graph.url)))
    with qtbot.waitSignal(dialog.connection_tested, timeout=15000) as before:
        dialog.test_button.click()
    assert before.args[0] is False and "Not signed in" in before.args[1]
    assert "“Sign in with Microsoft” button" in before.args[1]
    dialog.sign_in.code_button.click()
    qtbot.waitUntil(lambda: bool(graph.login.pending_user_codes()), timeout=10000)
    graph.login.approve_device()
    qtbot.waitUntil(lambda: dialog.sign_in.signed_in_as == "me@corp.example", timeout=15000)
    with qtbot.waitSignal(dialog.connection_tested, timeout=15000) as after:
        dialog.test_button.click()
    assert after.args[0] is True
    assert "Connected to the mailbox me@corp.example" in after.args[1]
    assert "Server rules can be used" in after.args[1]


def test_demo_test_connection_needs_no_password(qtbot: QtBot, tmp_path: Path) -> None:
    # The demo hands its simulator to the settings window (focusguard/demo.py).
    sim = EwsSimulator(password="demo").start()
    try:
        path = tmp_path / "focusguard.toml"
        path.write_text(simulator_account("ews", sim.url), encoding="utf-8")
        dialog = make(qtbot, SettingsFile(path, server=SimulatedServer("ews", sim.url, "demo")))
        with qtbot.waitSignal(dialog.connection_tested, timeout=20000) as done:
            dialog.test_button.click()
        assert done.args[0] is True, done.args
        assert "No password given" not in done.args[1]
    finally:
        sim.stop()
        close_connections()


def test_locked_settings_are_read_only_and_keep_the_organisations_value(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    managed = tmp_path / "managed.toml"
    managed.write_text(
        '[account]\nclient_id = "11111111-2222-3333-4444-555555555555"\n'
        '[people]\nown_domains = ["corp.example"]\n'
        '[managed]\nlocked = ["account.client_id", "people.own_domains"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FOCUSGUARD_MANAGED", str(managed))
    path = graph_config(tmp_path, graph.url)
    dialog = make(qtbot, SettingsFile(path))
    assert dialog.account.client_id.text() == "11111111-2222-3333-4444-555555555555"
    assert not dialog.account.client_id.isEnabled()
    assert dialog.account.client_id.toolTip() == "Set by your organisation"
    assert dialog.own_domains.editor.isReadOnly()
    assert "account.client_id" in dialog.managed_note.text()
    assert dialog.managed_note.isVisible()
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    s = load_settings(path)
    assert s.account is not None
    assert s.account.client_id == "11111111-2222-3333-4444-555555555555"
    assert s.people.own_domains == ("corp.example",)


def test_broken_managed_file_is_reported_and_own_settings_still_load(
    qtbot: QtBot, tmp_path: Path, graph: GraphSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    managed = tmp_path / "managed.toml"
    managed.write_text('[managed]\nlocked = ["account.nope"]\n', encoding="utf-8")
    monkeypatch.setenv("FOCUSGUARD_MANAGED", str(managed))
    dialog = make(qtbot, SettingsFile(graph_config(tmp_path, graph.url)))
    assert "managed settings cannot be used" in dialog.banner.text()
    assert "'account.nope' is not a setting" in dialog.banner.text()
    assert dialog.account.email.text() == "me@corp.example"
