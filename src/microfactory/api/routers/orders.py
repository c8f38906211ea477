"""Orders: list with filters and pages, read one, upsert one, and bulk ingest with ``Idempotency-Key``.

Writes validate like the order import: every field by the domain model (422 naming the field), then
every reference to master data (brand, outcode, SKU, site; 422 listing every issue), and only then
upsert by ``(channel, external_id)`` with :func:`microfactory.store.upsert_orders` in one transaction,
so a batch lands whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from fastapi.encoders import jsonable_encoder
from sqlalchemy.exc import IntegrityError

from microfactory.api.deps import Caller, DbSession, Planner, Reader
from microfactory.api.ingest import OrderWriter
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.problems import CONFLICT, NOT_FOUND, ConflictError
from microfactory.api.schemas import ORDER_EXAMPLE, OrderBatch, UpsertResult
from microfactory.domain import Order, OrderStatus
from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.store import api_reads
from microfactory.store.api_repository import find_idempotent, save_idempotent
from microfactory.store.order_repository import count_orders, load_orders, upsert_orders

router = APIRouter(tags=["orders"])
CodeQuery = Annotated[str | None, Query(max_length=80)]


@router.get("/orders", response_model=Page[Order], summary="List orders")
def list_orders(
    caller: Reader,
    session: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    brand: CodeQuery = None,
    channel: CodeQuery = None,
    status: OrderStatus | None = None,
    created_from: Annotated[datetime | None, Query(description="Aware datetime, inclusive.")] = None,
    created_to: Annotated[datetime | None, Query(description="Aware datetime, exclusive.")] = None,
) -> Page[Order]:
    """Orders by creation time, channel and id; filter by brand, channel, status and creation time."""
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise InvalidInputError.single(
                "query", "needs a time zone (e.g. 2026-11-02T00:00:00Z)", field=name
            )
    filters: dict[str, Any] = {
        "brand": brand,
        "channel": channel,
        "status": status,
        "created_from": created_from,
        "created_to": created_to,
    }
    items = load_orders(session, limit=paging.limit, offset=paging.offset, **filters)
    return page_of(items, paging, count_orders(session, **filters))


@router.get("/orders/{channel}/{external_id}", response_model=Order, responses=NOT_FOUND, summary="One order")
def get_order(caller: Reader, session: DbSession, channel: str, external_id: str) -> Order:
    """The order ``(channel, external_id)`` with its lines."""
    order = api_reads.order_by_key(session, channel, external_id)
    if order is None:
        raise NotFoundError("order", f"{channel}/{external_id}")
    return order


def _upsert(
    caller: Caller, orders: list[Order], source: str, action: str, extra: dict[str, Any]
) -> UpsertResult:
    with caller.write(action, {"orders": len(orders), **extra}) as session:
        issues = api_reads.order_reference_issues(session, orders, source=source)
        if issues:
            raise InvalidInputError(issues)
        counts = upsert_orders(session, orders)
    return UpsertResult(inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged)


@router.post(
    "/orders",
    response_model=UpsertResult,
    responses={**NOT_FOUND},
    summary="Create or update one order",
)
async def post_order(
    caller: Planner,
    order: Annotated[
        Order, Body(openapi_examples={"delivery": {"summary": "A web order", "value": ORDER_EXAMPLE}})
    ],
) -> UpsertResult:
    """Upsert one order by ``(channel, external_id)``: inserted, updated when changed, else unchanged.

    Concurrent POSTs are committed together (group commit), each still all-or-nothing and audited.
    """
    writer: OrderWriter = caller.request.app.state.order_writer
    outcome = await writer.write(order, caller.principal, caller.request.url.path)
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    counts[outcome] = 1
    return UpsertResult(**counts)


def _request_hash(batch: OrderBatch) -> str:
    text = json.dumps(jsonable_encoder(batch), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@router.post(
    "/orders/bulk",
    response_model=UpsertResult,
    responses={**CONFLICT},
    summary="Bulk ingest orders (idempotent)",
)
def post_orders_bulk(
    caller: Planner,
    batch: OrderBatch,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="Repeat a request with the same key and body to get the first answer back, "
            "without applying it twice.",
        ),
    ] = None,
) -> UpsertResult:
    """Upsert many orders in one transaction (all or nothing), by ``(channel, external_id)``.

    With an ``Idempotency-Key``, the first answer is stored with the writes; a retry with the same key
    and body returns it again (header ``Idempotent-Replay: true``); the same key with another body is
    refused with 409.
    """
    if idempotency_key is None:
        return _upsert(caller, batch.orders, "orders", "orders.bulk", {})
    digest = _request_hash(batch)
    with caller.request.app.state.sessions() as session:
        stored = find_idempotent(session, caller.username, idempotency_key)
    if stored is not None:
        return _replay(stored.request_hash, digest, stored.response, response)
    try:
        with caller.write(
            "orders.bulk", {"orders": len(batch.orders), "idempotency_key": idempotency_key}
        ) as s:
            issues = api_reads.order_reference_issues(s, batch.orders, source="orders")
            if issues:
                raise InvalidInputError(issues)
            counts = upsert_orders(s, batch.orders)
            result = UpsertResult(
                inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged
            )
            save_idempotent(
                s,
                caller.username,
                idempotency_key,
                request_hash=digest,
                status_code=200,
                response=result.model_dump(),
            )
    except IntegrityError:  # the same key committed by a concurrent request
        with caller.request.app.state.sessions() as session:
            stored = find_idempotent(session, caller.username, idempotency_key)
        if stored is None:
            raise
        return _replay(stored.request_hash, digest, stored.response, response)
    return result


def _replay(stored_hash: str, digest: str, stored: dict[str, Any], response: Response) -> UpsertResult:
    if stored_hash != digest:
        raise ConflictError("Idempotency-Key was already used with a different request body")
    response.headers["Idempotent-Replay"] = "true"
    return UpsertResult.model_validate(stored)
