"""Save and load orders: fast idempotent bulk upsert by ``(channel, external_id)``.

Re-importing the same orders changes nothing; an order whose status, window or lines changed is
updated in place (its lines replaced); nothing is ever duplicated. Each order row carries a digest
of its content (``content_hash``), so the database itself skips unchanged orders during the upsert,
without anyone reading their lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, delete, func, select
from sqlalchemy.orm import Session

from microfactory.domain import FulfilmentKind, MasterData, Order, OrderStatus, Sku
from microfactory.ingest.assemble import NewSku, ParsedOrders, ReferenceData
from microfactory.store import _sql
from microfactory.store.master_repository import load_master_data, save_master_data
from microfactory.store.models import (
    BrandRow,
    OrderLineRow,
    OrderRow,
    SiteRow,
    SkuFamilyRow,
    SkuRow,
    ZoneRow,
)

_ORDERS: Table = OrderRow.__table__  # type: ignore[assignment]
_LINES: Table = OrderLineRow.__table__  # type: ignore[assignment]

DEFAULT_BATCH_SIZE = 5000
"""Orders written per round of statements: large enough to amortise round trips, small enough to
keep memory flat on a 150,000-order import."""


@dataclass(frozen=True, slots=True)
class OrderUpsertCounts:
    """What :func:`upsert_orders` did: orders inserted, updated (changed) and left unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        """Orders seen (after dropping repeats of a key within one batch)."""
        return self.inserted + self.updated + self.unchanged

    def __add__(self, other: OrderUpsertCounts) -> OrderUpsertCounts:
        return OrderUpsertCounts(
            self.inserted + other.inserted, self.updated + other.updated, self.unchanged + other.unchanged
        )


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "channel": order.channel,
        "external_id": order.external_id,
        "brand": order.brand,
        "customer": order.customer,
        "outcode": order.outcode,
        "created_at": order.created_at,
        "window_start": order.window.start,
        "window_end": order.window.end,
        "status": OrderStatus(order.status).value,
        "fulfilment": FulfilmentKind(order.fulfilment).value,
        "site": order.site,
        "content_hash": content_hash(order),
        "revision": 0,
    }


def content_hash(order: Order) -> str:
    """A 128-bit hex digest of every field and line of ``order`` (lines taken in line-number order).

    Two orders with the same digest store the same rows; used to skip unchanged orders on re-import.
    """
    parts = [
        order.channel,
        order.external_id,
        order.brand,
        "\x00" if order.customer is None else order.customer,
        order.outcode,
        order.created_at.isoformat(),
        order.window.start.isoformat(),
        order.window.end.isoformat(),
        order.status.value,
        order.fulfilment.value,
        "\x00" if order.site is None else order.site,
    ]
    for line in sorted(order.lines, key=lambda ln: ln.line_no):
        parts += (str(line.line_no), line.sku, str(line.quantity), str(line.unit_price_pence))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def upsert_orders(
    session: Session, orders: Iterable[Order], *, batch_size: int = DEFAULT_BATCH_SIZE
) -> OrderUpsertCounts:
    """Insert new orders and update changed ones, keyed by ``(channel, external_id)``.

    Works through ``orders`` (any iterable, consumed once) in batches of ``batch_size``: one bulk
    ``INSERT ... ON CONFLICT DO UPDATE ... WHERE <content differs> RETURNING`` for the batch, then
    the lines of new and changed orders are (re)written with one bulk insert. Unchanged orders are
    not written. Within a batch a key seen twice keeps its last version. Does not commit: run it in
    :func:`microfactory.store.db.transaction` so a failure writes nothing.

    Returns counts of orders inserted, updated and unchanged. Raises ``ValueError`` when
    ``batch_size`` < 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    counts = OrderUpsertCounts()
    for batch in _sql.chunks(orders, batch_size):
        counts += _upsert_batch(session, batch)
    return counts


def _upsert_batch(session: Session, batch: list[Order]) -> OrderUpsertCounts:
    latest = {order.key: order for order in batch}
    ins, parameters = _sql.bulk_insert_statement(session, _ORDERS, [_order_row(o) for o in latest.values()])
    kept = ("id", "channel", "external_id", "revision")
    changes: dict[str, Any] = {c.name: ins.excluded[c.name] for c in _ORDERS.columns if c.name not in kept}
    changes["revision"] = _ORDERS.c.revision + 1
    # One statement inserts new orders and updates changed ones; the WHERE skips unchanged orders, which
    # RETURNING then leaves out. revision is 0 for a row just inserted, so no lookup beforehand is needed
    # (a lookup by key list is planned as a scan on a table that has no statistics yet, e.g. during
    # the first big import into PostgreSQL).
    upsert = ins.on_conflict_do_update(
        index_elements=[_ORDERS.c.channel, _ORDERS.c.external_id],
        set_=changes,
        where=_ORDERS.c.content_hash != ins.excluded.content_hash,
    ).returning(_ORDERS.c.id, _ORDERS.c.channel, _ORDERS.c.external_id, _ORDERS.c.revision)
    written: dict[tuple[str, str], int] = {}
    updated_ids: list[int] = []
    for id_, channel, external_id, revision in session.execute(upsert, parameters):
        written[(channel, external_id)] = id_
        if revision > 0:
            updated_ids.append(id_)
    if not written:
        return OrderUpsertCounts(unchanged=len(latest))

    # A changed order gets all its lines anew: simpler than diffing, and as fast.
    for id_chunk in _sql.chunks(updated_ids, _sql.IN_CHUNK):
        session.execute(delete(_LINES).where(_LINES.c.order_id.in_(id_chunk)))
    lines = [
        {
            "order_id": order_id,
            "line_no": line.line_no,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_pence": line.unit_price_pence,
        }
        for key, order_id in written.items()
        for line in latest[key].lines
    ]
    _sql.bulk_insert(session, _LINES, lines)
    return OrderUpsertCounts(
        inserted=len(written) - len(updated_ids),
        updated=len(updated_ids),
        unchanged=len(latest) - len(written),
    )


def _filter(
    stmt: Select[Any],
    *,
    brand: str | None,
    channel: str | None,
    status: OrderStatus | str | None,
    created_from: datetime | None,
    created_to: datetime | None,
) -> Select[Any]:
    if brand is not None:
        stmt = stmt.where(_ORDERS.c.brand == brand)
    if channel is not None:
        stmt = stmt.where(_ORDERS.c.channel == channel)
    if status is not None:
        stmt = stmt.where(_ORDERS.c.status == OrderStatus(status).value)
    if created_from is not None:
        stmt = stmt.where(_ORDERS.c.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(_ORDERS.c.created_at < created_to)
    return stmt


def load_orders(
    session: Session,
    *,
    brand: str | None = None,
    channel: str | None = None,
    status: OrderStatus | str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Order]:
    """Orders matching every given filter, ordered by ``created_at``, ``channel``, ``external_id``.

    ``created_from``/``created_to`` bound ``created_at`` to ``[created_from, created_to)`` and must
    be timezone-aware. Strings sort by code point on both backends. ``limit``/``offset`` page
    through the result in that order. Each order's lines come back sorted by ``line_no``.

    Raises ``ValueError`` for a naive datetime, an unknown ``status``, or a negative ``limit`` or
    ``offset``.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError(f"limit and offset must not be negative (got limit={limit}, offset={offset})")
    filters: dict[str, Any] = {
        "brand": brand,
        "channel": channel,
        "status": status,
        "created_from": created_from,
        "created_to": created_to,
    }
    ordering = (
        _ORDERS.c.created_at,
        _sql.bytewise(_ORDERS.c.channel, session),
        _sql.bytewise(_ORDERS.c.external_id, session),
    )
    stmt = _filter(select(_ORDERS), **filters).order_by(*ordering)
    ids = _filter(select(_ORDERS.c.id), **filters)
    if limit is not None or offset:
        stmt = stmt.limit(limit).offset(offset)
        ids = ids.order_by(*ordering).limit(limit).offset(offset)
    rows = session.execute(stmt).all()
    if not rows:
        return []

    lines: dict[int, list[dict[str, Any]]] = {}
    line_stmt = (
        select(
            _LINES.c.order_id, _LINES.c.line_no, _LINES.c.sku, _LINES.c.quantity, _LINES.c.unit_price_pence
        )
        .where(_LINES.c.order_id.in_(ids.scalar_subquery()))
        .order_by(_LINES.c.order_id, _LINES.c.line_no)
    )
    for order_id, line_no, sku, quantity, price in session.execute(line_stmt):
        lines.setdefault(order_id, []).append(
            {"line_no": line_no, "sku": sku, "quantity": quantity, "unit_price_pence": price}
        )
    return orders_from_rows(rows, lines)


def orders_from_rows(rows: Sequence[Any], lines: Mapping[int, Sequence[Mapping[str, Any]]]) -> list[Order]:
    """Validated orders from ``orders`` table rows and their line dicts keyed by order id.

    Every query that loads orders (by filter, by delivery window) turns rows into domain orders here.
    """
    return [
        Order.model_validate(
            {
                "channel": r.channel,
                "external_id": r.external_id,
                "brand": r.brand,
                "customer": r.customer,
                "outcode": r.outcode,
                "created_at": r.created_at,
                "window": {"start": r.window_start, "end": r.window_end},
                "status": r.status,
                "fulfilment": r.fulfilment,
                "site": r.site,
                "lines": lines.get(r.id, ()),
            }
        )
        for r in rows
    ]


def count_orders(
    session: Session,
    *,
    brand: str | None = None,
    channel: str | None = None,
    status: OrderStatus | str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> int:
    """Number of orders matching every given filter (same meaning as in :func:`load_orders`)."""
    stmt = _filter(
        select(func.count()).select_from(_ORDERS),
        brand=brand,
        channel=channel,
        status=status,
        created_from=created_from,
        created_to=created_to,
    )
    return int(session.execute(stmt).scalar_one())


@dataclass(frozen=True, slots=True)
class OrderImportCounts:
    """What :func:`import_orders` wrote: the order upsert counts and the SKUs it created."""

    orders: OrderUpsertCounts
    skus_created: int = 0


def load_reference_data(session: Session) -> ReferenceData:
    """The master data an order import is checked against: brands, zones, SKUs, families, sites.

    Reads codes only (no routings, no geometry), so it is cheap even with every GB outcode stored.
    """
    family_brand = select(SkuFamilyRow.code, BrandRow.code).join(
        BrandRow, SkuFamilyRow.brand_id == BrandRow.id
    )
    return ReferenceData(
        brands=frozenset(session.execute(select(BrandRow.code)).scalars()),
        outcodes=frozenset(session.execute(select(ZoneRow.outcode)).scalars()),
        skus=frozenset(session.execute(select(SkuRow.code)).scalars()),
        families={row[0]: row[1] for row in session.execute(family_brand)},
        site_outcodes={row[0]: row[1] for row in session.execute(select(SiteRow.code, SiteRow.outcode))},
    )


def import_orders(
    session: Session, parsed: ParsedOrders, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> OrderImportCounts:
    """Write a parsed file: first the SKUs it creates (policy ``create``), then upsert its orders.

    Idempotent like :func:`upsert_orders` (keyed by ``(channel, external_id)``; a re-import updates
    status and lines, never duplicates). Does not commit: run it in
    :func:`microfactory.store.db.transaction`, so a file lands whole or not at all.
    """
    created = create_skus_from_templates(session, parsed.new_skus)
    return OrderImportCounts(
        orders=upsert_orders(session, parsed.orders, batch_size=batch_size), skus_created=created
    )


def create_skus_from_templates(session: Session, new_skus: Sequence[NewSku]) -> int:
    """Add SKUs to the master data, each a copy of its template SKU under its declared family.

    The copy takes the template's routing, size, shelf life and batch limits, and its own code,
    name and unit price, so the planner can make it like its template until someone refines it.
    SKUs that already exist are left as they are. Returns the number created. Raises ``KeyError``
    naming a template or family missing from the master data.
    """
    if not new_skus:
        return 0
    existing = set(session.execute(select(SkuRow.code)).scalars())
    wanted = [s for s in new_skus if s.code not in existing]
    if not wanted:
        return 0
    master = load_master_data(session)
    families = {f.code: f for f in master.sku_families}
    brands = {b.code: b for b in master.brands}
    types = {t.code: t for t in master.resource_types}
    skus = [
        Sku.model_validate(
            {
                **master.sku(new.template).model_dump(),
                "code": new.code,
                "family": families[new.family].code,
                "name": new.name,
                "unit_price_pence": new.unit_price_pence,
            }
        )
        for new in wanted
    ]
    used_families = sorted({s.family for s in skus})
    used_brands = sorted({families[f].brand for f in used_families})
    used_types = sorted({rt for s in skus for step in s.routing for rt in step.resource_types})
    patch = MasterData(
        brands=tuple(brands[b] for b in used_brands),
        resource_types=tuple(types[t] for t in used_types),
        sku_families=tuple(families[f] for f in used_families),
        skus=tuple(skus),
    )
    save_master_data(session, patch)
    return len(skus)
