"""The client's concurrency budget: a batch takes as many slots as Graph runs of its members,
and slots go first come, first served."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest

from focusguard.mail.graph.slots import OperationSlots
from tests.waiting import wait_until


def test_a_waiting_batch_is_not_overtaken_by_single_requests() -> None:
    slots = OperationSlots(4)
    order: list[str] = []
    release_batch = threading.Event()

    def batch() -> None:
        with slots.hold(4):
            order.append("batch")
            release_batch.wait(5)

    def single() -> None:
        with slots.hold(1):
            order.append("single")

    with ExitStack() as stack:
        stack.enter_context(slots.hold(1))  # a delta poll in flight
        first = threading.Thread(target=batch)
        first.start()
        wait_until(lambda: slots.waiting == 1, what="the batch in line")
        second = threading.Thread(target=single)
        second.start()
        wait_until(lambda: slots.waiting == 2, what="the request behind it")
        assert order == []  # three slots are free, but the batch came first
    wait_until(lambda: order == ["batch"], what="the batch running")
    assert slots.waiting == 1
    release_batch.set()
    first.join(5)
    second.join(5)
    assert order == ["batch", "single"]
    assert slots.peak == 4


def test_a_request_for_more_than_there_is_takes_them_all() -> None:
    slots = OperationSlots(2)
    with slots.hold(20):
        assert slots.peak == 2
    with pytest.raises(ValueError):
        OperationSlots(0)
