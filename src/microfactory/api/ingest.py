"""Group commit for single-order POSTs: concurrent requests share one transaction.

Each request validates its order's fields on its own, then hands the order to the
:class:`OrderWriter` and waits (on the event loop, holding no thread). A single writer task takes every
waiting order (at most one version per key, up to :data:`MAX_BATCH`), checks
their references to master data with one query, upserts the good ones with
:func:`microfactory.store.upsert_orders` in one transaction together with one audit row per request,
commits, and hands each request its own outcome (inserted, updated or unchanged, read from the stored
content hashes before the write) or its own error. One commit for many orders is what lets a single
server take a thousand orders a second; a lone request is simply a batch of one.

If a batch fails, its orders are written again one per transaction, so only the request whose order
is at fault gets the error: each request stays atomic on its own, as if it had been alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from microfactory.domain import Order
from microfactory.errors import InvalidInputError
from microfactory.store.api_reads import reference_sets
from microfactory.store.api_repository import Principal, record_audit
from microfactory.store.db import transaction
from microfactory.store.models import OrderRow
from microfactory.store.order_repository import content_hash, upsert_orders

MAX_BATCH = 256
"""Most orders written in one transaction."""


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
    in the thread pool, so a batch costs one thread hop however many requests it carries.
    """

    def __init__(
        self, sessions: sessionmaker[Session], write_lock: Callable[[], AbstractContextManager[Any]]
    ) -> None:
        self.sessions = sessions
        self.write_lock = write_lock
        self.queue: list[_Pending] = []
        self.writer: asyncio.Task[None] | None = None

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

    def _write(self, batch: Sequence[_Pending]) -> None:
        with self.write_lock(), transaction(self.sessions) as session:
            known = reference_sets(session, [item.order for item in batch])
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
            for item in good:
                before = stored.get(item.order.key)
                unchanged = before == content_hash(item.order)
                item.outcome = "inserted" if before is None else "unchanged" if unchanged else "updated"
                record_audit(
                    session,
                    item.principal,
                    action="orders.upsert",
                    method="POST",
                    path=item.path,
                    detail={"key": f"{item.order.channel}/{item.order.external_id}", "outcome": item.outcome},
                )


def _stored_hashes(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    stmt = select(OrderRow.channel, OrderRow.external_id, OrderRow.content_hash).where(
        tuple_(OrderRow.channel, OrderRow.external_id).in_(list(keys))
    )
    return {(channel, external_id): digest for channel, external_id, digest in session.execute(stmt)}
