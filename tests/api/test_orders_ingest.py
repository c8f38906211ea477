"""Group commit of single-order POSTs: each request keeps its own outcome, error and audit row."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.api.ingest import CHECKPOINT_EVERY_BATCHES, OrderWriter
from microfactory.domain import Order
from microfactory.errors import InvalidInputError
from microfactory.store import create_engine_for, make_session_factory
from microfactory.store.api_repository import Principal, Role
from microfactory.store.models import OrderRow
from microfactory.store.models.api import ApiAuditRow
from tests.api.helpers import ApiEnv

PLANNER = Principal(username="user-planner", role=Role.PLANNER, site=None, via="key")


def _order(external_id: str, *, brand: str = "KIT", quantity: int = 2) -> Order:
    return Order.model_validate(
        {
            "channel": "ingest",
            "external_id": external_id,
            "brand": brand,
            "outcode": "E1",
            "created_at": datetime(2026, 11, 20, 9, tzinfo=UTC),
            "window": {"start": "2026-11-24T08:00:00Z", "end": "2026-11-24T12:00:00Z"},
            "lines": [{"line_no": 1, "sku": "DOOR-WHITE", "quantity": quantity, "unit_price_pence": 8900}],
        }
    )


@pytest.fixture
def sessions(env: ApiEnv) -> Iterator[sessionmaker[Session]]:
    """A session factory on the module's seeded database."""
    engine = create_engine_for(env.url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


async def _write_all(writer: OrderWriter, orders: list[Order]) -> list[str | BaseException]:
    """POST ``orders`` at once (one batch where keys allow); each answer or error, in order."""
    tasks = [writer.write(order, PLANNER, "/api/v1/orders") for order in orders]
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def _audited(session: Session, keys: list[str]) -> list[str]:
    details = session.scalars(select(ApiAuditRow.detail).where(ApiAuditRow.action == "orders.upsert"))
    return sorted(d["key"] + ":" + d["outcome"] for d in details if d["key"] in keys)


def test_batch_answers_each_request_on_its_own(sessions: sessionmaker[Session]) -> None:
    """Good orders land with their audit rows; a bad reference fails only its own request; a second
    version of a key in the same burst is written after the first (inserted, then updated)."""
    writer = OrderWriter(sessions, threading.Lock)
    burst = [_order("G-1"), _order("G-2"), _order("G-3", brand="NOPE"), _order("G-1", quantity=5)]
    answers = asyncio.run(_write_all(writer, burst))
    assert answers[:2] == ["inserted", "inserted"]
    assert answers[3] == "updated"
    error = answers[2]
    assert isinstance(error, InvalidInputError)
    assert "brand" in str(error) and "NOPE" in str(error)
    with sessions() as session:
        rows = session.execute(
            select(OrderRow.external_id, OrderRow.revision).where(OrderRow.channel == "ingest")
        )
        stored = {row.external_id: row.revision for row in rows}
        assert stored == {"G-1": 1, "G-2": 0}
        assert _audited(session, ["ingest/G-1", "ingest/G-2", "ingest/G-3"]) == [
            "ingest/G-1:inserted",
            "ingest/G-1:updated",
            "ingest/G-2:inserted",
        ]
    assert asyncio.run(_write_all(writer, [_order("G-2")])) == ["unchanged"]


def test_sqlite_log_is_checkpointed_beside_the_writer(sessions: sessionmaker[Session], backend: str) -> None:
    """On SQLite every few batches a background checkpoint copies the whole log into the database."""
    writer = OrderWriter(sessions, threading.Lock)
    for n in range(CHECKPOINT_EVERY_BATCHES):
        assert asyncio.run(_write_all(writer, [_order(f"C-{n}")])) == ["inserted"]
    with sessions() as session:
        count = session.scalar(select(func.count()).where(OrderRow.external_id.like("C-%")))
        assert count == CHECKPOINT_EVERY_BATCHES
    if backend != "sqlite":
        assert writer.checkpointer is None
        return
    assert writer.checkpointer is not None
    writer.checkpointer.join(timeout=30)
    assert not writer.checkpointer.is_alive()
    raw = sessions.kw["bind"].raw_connection()  # outside any transaction, as a checkpoint must be
    try:
        busy, log_pages, copied_pages = raw.driver_connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
    finally:
        raw.close()
    assert busy == 0 and log_pages == copied_pages
