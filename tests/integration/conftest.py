"""Simulators for the integration tests; each asserts at teardown that the product never
sent a request the server (or its schema) refused and the simulator never failed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exchangelib.protocol import close_connections

from focusguard.sim.ews import EwsSimulator
from focusguard.sim.graph import GraphSimulator
from tests.integration.day import EWS_PASSWORD


@pytest.fixture
def ews_sim() -> Iterator[EwsSimulator]:
    sim = EwsSimulator(password=EWS_PASSWORD, stream_minute_s=1.0, heartbeat_s=0.3).start()
    yield sim
    sim.stop()
    close_connections()
    assert sim.schema_errors == [], sim.schema_errors
    assert sim.errors == [], sim.errors


@pytest.fixture
def graph_sim() -> Iterator[GraphSimulator]:
    sim = GraphSimulator().start()
    yield sim
    sim.stop()
    assert sim.errors == [], sim.errors
