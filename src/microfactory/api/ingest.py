"""Group commit for single-order POSTs: concurrent requests share one transaction.

Each request validates its order's fields on its own, then hands the order to the
:class:`OrderWriter` and waits (on the event loop, holding no thread). A single writer task takes every
waiting order (at most one version per key, up to :data:`MAX_BATCH`), checks
their references to master data with one query, upserts the good ones with
:func:`microfactory.store.upsert_orders` in one transaction together with one audit row per request
(one many-row insert), commits, and hands each request its own outcome (inserted, updated or
unchanged, read from the stored content hashes before the write) or its own error. One commit for
many orders is what lets a single server take a thousand orders a second; a lone request is simply a
batch of one. The batch's statements are built once, at import: building them per batch cost more
than running them.

If a batch fails, its orders are written again one per transaction, so only the request whose order
is at fault gets the error: each request stays atomic on its own, as if it had been alone.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, literal, select, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from microfactory.domain import Order
from microfactory.errors import InvalidInputError
from microfactory.store.api_reads import ReferenceSets
from microfactory.store.api_repository import Principal
from microfactory.store.db import transaction
from microfactory.store.models import BrandRow, OrderRow, SiteRow, SkuRow, ZoneRow
from microfactory.store.models.api import ApiAuditRow
from microfactory.store.order_repository import content_hash, upsert_orders

MAX_BATCH = 256
"""Most orders written in one transaction."""
CHECKPOINT_EVERY_BATCHES = 16
"""On SQLite, a background checkpoint of the write-ahead log after this many batches (see below)."""


@dataclass
class _Pending:
    order: Order
    principal: Principal
    path: str
    answer: asyncio.Future[str]
    outcome: str | None = None
    error: BaseException | None = None


class OrderWriter:
    """Writes single orders from concurrent requests in shared transactions (see the module docstring).

    Requests wait on the event loop (a future each, no thread held); one batch at a time is written
    in the thread pool, so a batch costs one thread hop however many requests it carries. (Two or
    three batches in flight on PostgreSQL were measured slower: on a small machine the database's
    CPU, not its round trips, is what a batch waits for.)
    """

    def __init__(
        self, sessions: sessionmaker[Session], write_lock: Callable[[], AbstractContextManager[Any]]
    ) -> None:
        self.sessions = sessions
        self.write_lock = write_lock
        self.queue: list[_Pending] = []
        self.writer: asyncio.Task[None] | None = None
        self.batches_since_checkpoint = 0
        self.checkpointer: threading.Thread | None = None

    async def write(self, order: Order, principal: Principal, path: str) -> str:
        """Upsert ``order`` for ``principal``; returns ``inserted``, ``updated`` or ``unchanged``.

        Waits until the order is committed. Raises :class:`InvalidInputError` for references to
        master data that do not exist, or whatever writing this order alone raised.
        """
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.queue.append(_Pending(order, principal, path, answer))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        while batch := self._take():
            try:
                await run_in_threadpool(self._write_batch, batch)
            except Exception as exc:  # never leave a request waiting forever
                for item in batch:
                    item.error = item.error or exc
            for item in batch:
                if item.answer.done():
                    continue
                if item.error is not None:
                    item.answer.set_exception(item.error)
                else:
                    assert item.outcome is not None
                    item.answer.set_result(item.outcome)

    def _take(self) -> list[_Pending]:
        batch: list[_Pending] = []
        keys: set[tuple[str, str]] = set()
        rest: list[_Pending] = []
        for item in self.queue:
            if len(batch) < MAX_BATCH and item.order.key not in keys:
                batch.append(item)
                keys.add(item.order.key)
            else:
                rest.append(item)  # a second version of a key waits for the next batch
        self.queue = rest
        return batch

    def _write_batch(self, batch: list[_Pending]) -> None:
        try:
            self._write(batch)
        except Exception:
            for item in batch:  # find the culprit: each order alone, in its own transaction
                item.error = None
                try:
                    self._write([item])
                except Exception as exc:
                    item.error = exc
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        """On SQLite, now and then copy the write-ahead log into the database in a background thread.

        SQLite checkpoints by itself when the log reaches 1,000 pages, inside the commit that crossed
        the line: that commit (and with it every request of its batch and of the batches queued behind
        it) then waits for the copy and an fsync, 100 ms and more on a busy disk. A passive checkpoint
        run beside the writer keeps the log short, so the commits never have to; it takes no write
        lock, and SQLite's own checkpoint stays as the fallback.
        """
        engine = self.sessions.kw.get("bind")
        if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
            return
        self.batches_since_checkpoint += 1
        if self.batches_since_checkpoint < CHECKPOINT_EVERY_BATCHES:
            return
        if self.checkpointer is not None and self.checkpointer.is_alive():
            return
        self.batches_since_checkpoint = 0
        self.checkpointer = threading.Thread(target=_checkpoint, args=(engine,), daemon=True)
        self.checkpointer.start()

    def _write(self, batch: Sequence[_Pending]) -> None:
        with self.write_lock(), transaction(self.sessions) as session:
            known = _reference_sets(session, [item.order for item in batch])
            good = []
            for item in batch:
                issues = known.issues(item.order, source="order", row=0)
                if issues:
                    item.error = InvalidInputError(issues)
                else:
                    good.append(item)
            if not good:
                return
            stored = _stored_hashes(session, [item.order.key for item in good])
            upsert_orders(session, [item.order for item in good])
            audit: list[dict[str, Any]] = []
            for item in good:
                before = stored.get(item.order.key)
                unchanged = before == content_hash(item.order)
                item.outcome = "inserted" if before is None else "unchanged" if unchanged else "updated"
                audit.append(_audit_row(item))
            session.execute(_AUDIT, audit)


# The statements of a batch are built once: building them anew (IN lists, column collections) cost more
# than running them. Expanding parameters take each batch's codes and keys.
_REFERENCES = union_all(
    *(
        select(literal(kind).label("kind"), column.label("code")).where(
            column.in_(bindparam(name, expanding=True))
        )
        for kind, (name, column) in enumerate(
            (
                ("brands", BrandRow.code),
                ("outcodes", ZoneRow.outcode),
                ("skus", SkuRow.code),
                ("sites", SiteRow.code),
            )
        )
    )
)
_STORED = select(OrderRow.channel, OrderRow.external_id, OrderRow.content_hash).where(
    OrderRow.channel.in_(bindparam("channels", expanding=True)),
    OrderRow.external_id.in_(bindparam("external_ids", expanding=True)),
)
_AUDIT = insert(ApiAuditRow.__table__)  # type: ignore[arg-type]


def _checkpoint(engine: Engine) -> None:
    """``PRAGMA wal_checkpoint(PASSIVE)`` on a pooled connection; best effort (SQLite's own remains)."""
    try:
        connection = engine.raw_connection()
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        finally:
            connection.close()
    except Exception:  # a skipped checkpoint is only a longer log until the next one
        return


def _reference_sets(session: Session, orders: Sequence[Order]) -> ReferenceSets:
    """Which brands, outcodes, SKUs and sites named by ``orders`` exist: one query (as the import checks)."""
    found: tuple[set[str], set[str], set[str], set[str]] = (set(), set(), set(), set())
    parameters = {
        "brands": sorted({o.brand for o in orders}),
        "outcodes": sorted({o.outcode for o in orders}),
        "skus": sorted({line.sku for o in orders for line in o.lines}),
        "sites": sorted({o.site for o in orders if o.site is not None}),
    }
    for kind, code in session.execute(_REFERENCES, parameters):
        found[kind].add(code)
    return ReferenceSets(*found)


def _stored_hashes(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The content hashes stored for ``keys`` (absent keys are not in the answer)."""
    wanted = set(keys)
    parameters = {"channels": sorted({c for c, _ in wanted}), "external_ids": sorted({e for _, e in wanted})}
    return {
        (channel, external_id): digest
        for channel, external_id, digest in session.execute(_STORED, parameters)
        if (channel, external_id) in wanted
    }


def _audit_row(item: _Pending) -> dict[str, Any]:
    """The audit row of one order POST (what :func:`record_audit` writes, for a many-row insert)."""
    order = item.order
    return {
        "at": datetime.now(UTC),
        "actor": item.principal.username,
        "role": item.principal.role.value,
        "action": "orders.upsert",
        "method": "POST",
        "path": item.path,
        "detail": {"key": f"{order.channel}/{order.external_id}", "outcome": item.outcome},
    }
