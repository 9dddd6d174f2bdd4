from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from focusguard.store import HeldRecord, Store

T0 = datetime(2026, 3, 9, 8, 15, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture
def make_held() -> Callable[..., HeldRecord]:
    def make(n: int = 0, **changes: Any) -> HeldRecord:
        fields: dict[str, Any] = {
            "message_id": f"<m{n}@customer.example>",
            "item_id": f"AAMk{n}=",
            "sender": f'"Customer {n}" <c{n}@customer.example>',
            "address": f"c{n}@customer.example",
            "subject": f"Question {n}",
            "category": "customer",
            "received": T0 + timedelta(minutes=n),
            "held_at": T0 + timedelta(minutes=n, seconds=2),
            "release_at": T0 + timedelta(hours=5),
            "reason": "held until the 13:30 check-in",
        }
        fields.update(changes)
        return HeldRecord(**fields)

    return make
