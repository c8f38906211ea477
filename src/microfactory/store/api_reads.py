"""Paged, filtered reads the HTTP API needs and the capability repositories do not offer.

Each function returns ``(rows as dicts, total matching)`` so the API can answer one page with its
total without loading whole tables (the zone table holds every GB outcode). Read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, func, literal, select, union_all
from sqlalchemy.orm import Session

from microfactory.domain import Order
from microfactory.errors import ErrorLocation, InputIssue
from microfactory.store import _sql
from microfactory.store.models import (
    BrandRow,
    CalendarRow,
    DeliveryRouteRow,
    LotRow,
    OrderLineRow,
    OrderRow,
    PlanRunRow,
    ProblemRow,
    ResourceRow,
    ResourceTypeRow,
    SiteRow,
    SkuFamilyRow,
    SkuRow,
    ZoneRow,
)
from microfactory.store.models.circular import SecondLifeItemRow as Item
from microfactory.store.models.inventory import InventoryMoveRow
from microfactory.store.order_repository import orders_from_rows

_SKUS: Table = SkuRow.__table__  # type: ignore[assignment]
_ZONES: Table = ZoneRow.__table__  # type: ignore[assignment]


def _page(
    session: Session, stmt: Select[*tuple[Any, ...]], limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    total = int(
        session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    )
    rows = [dict(r) for r in session.execute(stmt.limit(limit).offset(offset)).mappings()]
    return rows, total


def brands(session: Session) -> list[dict[str, Any]]:
    """Every brand: code, name, sector; by code."""
    stmt = select(BrandRow.code, BrandRow.name, BrandRow.sector).order_by(BrandRow.code)
    return [dict(r) for r in session.execute(stmt).mappings()]


def skus_page(
    session: Session, *, limit: int, offset: int, brand: str | None = None, family: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """SKUs with family and brand, by code; only ``brand``/``family`` when given."""
    stmt = (
        select(
            SkuRow.code,
            SkuRow.name,
            SkuFamilyRow.code.label("family"),
            BrandRow.code.label("brand"),
            SkuRow.unit_mass_kg,
            SkuRow.unit_volume_m3,
            SkuRow.shelf_life_hours,
            SkuRow.make_policy,
            SkuRow.unit_price_pence,
            SkuRow.min_batch_units,
            SkuRow.max_batch_units,
        )
        .join(SkuFamilyRow, SkuFamilyRow.id == SkuRow.family_id)
        .join(BrandRow, BrandRow.id == SkuFamilyRow.brand_id)
        .order_by(_sql.bytewise(_SKUS.c.code, session))
    )
    if brand is not None:
        stmt = stmt.where(BrandRow.code == brand)
    if family is not None:
        stmt = stmt.where(SkuFamilyRow.code == family)
    return _page(session, stmt, limit, offset)


def resources(session: Session, *, site: str | None = None) -> list[dict[str, Any]]:
    """Resources (machines, stations) with their site, type and calendar; by site then code."""
    stmt = (
        select(
            SiteRow.code.label("site"),
            ResourceRow.code,
            ResourceTypeRow.code.label("resource_type"),
            ResourceTypeRow.kind,
            ResourceRow.count,
            CalendarRow.code.label("calendar"),
        )
        .join(SiteRow, SiteRow.id == ResourceRow.site_id)
        .join(ResourceTypeRow, ResourceTypeRow.id == ResourceRow.resource_type_id)
        .join(CalendarRow, CalendarRow.id == ResourceRow.calendar_id)
        .order_by(SiteRow.code, ResourceRow.code)
    )
    if site is not None:
        stmt = stmt.where(SiteRow.code == site)
    return [dict(r) for r in session.execute(stmt).mappings()]


def calendars(session: Session, *, code: str | None = None) -> list[dict[str, Any]]:
    """Calendars: time zone, shifts, closures and release slots as stored; by code."""
    stmt = select(
        CalendarRow.code,
        CalendarRow.timezone,
        CalendarRow.shifts,
        CalendarRow.closures,
        CalendarRow.release_slots,
    ).order_by(CalendarRow.code)
    if code is not None:
        stmt = stmt.where(CalendarRow.code == code)
    return [dict(r) for r in session.execute(stmt).mappings()]


def zones_page(
    session: Session, *, limit: int, offset: int, area: str | None = None, outcode_prefix: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Delivery zones (outcodes) by outcode; only postcode ``area`` / outcodes starting with a prefix."""
    stmt = select(ZoneRow.outcode, ZoneRow.area, ZoneRow.lat, ZoneRow.lon, ZoneRow.delivery_points).order_by(
        _sql.bytewise(_ZONES.c.outcode, session)
    )
    if area is not None:
        stmt = stmt.where(ZoneRow.area == area)
    if outcode_prefix:
        stmt = stmt.where(ZoneRow.outcode.startswith(outcode_prefix, autoescape=True))
    return _page(session, stmt, limit, offset)


def zone_points(session: Session, outcodes: list[str]) -> dict[str, tuple[float, float]]:
    """``outcode -> (lat, lon)`` of the given outcodes."""
    found: dict[str, tuple[float, float]] = {}
    for chunk in _sql.chunks(sorted(set(outcodes)), _sql.IN_CHUNK):
        for outcode, lat, lon in session.execute(
            select(ZoneRow.outcode, ZoneRow.lat, ZoneRow.lon).where(ZoneRow.outcode.in_(chunk))
        ):
            found[outcode] = (lat, lon)
    return found


def plan_runs_page(
    session: Session, *, limit: int, offset: int, stage: str | None = None, scope: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Plan runs newest first with their problem counts; only ``stage``/``scope`` when given."""
    problems = (
        select(ProblemRow.plan_run_id, func.count().label("n")).group_by(ProblemRow.plan_run_id).subquery()
    )
    stmt = (
        select(
            PlanRunRow.id,
            PlanRunRow.stage,
            PlanRunRow.scope,
            PlanRunRow.horizon_start,
            PlanRunRow.horizon_end,
            PlanRunRow.created_at,
            PlanRunRow.status,
            PlanRunRow.kpis,
            func.coalesce(problems.c.n, 0).label("problem_count"),
        )
        .outerjoin(problems, problems.c.plan_run_id == PlanRunRow.id)
        .order_by(PlanRunRow.created_at.desc(), PlanRunRow.id.desc())
    )
    if stage is not None:
        stmt = stmt.where(PlanRunRow.stage == stage)
    if scope is not None:
        stmt = stmt.where(PlanRunRow.scope == scope)
    return _page(session, stmt, limit, offset)


def route_days(session: Session, *, site: str | None = None) -> list[dict[str, Any]]:
    """Per (plan run, site, day): routes, km and cost, from the routes stored; newest day first."""
    stmt = (
        select(
            DeliveryRouteRow.plan_run_id,
            DeliveryRouteRow.site,
            DeliveryRouteRow.day,
            func.count().label("routes"),
            func.sum(DeliveryRouteRow.distance_km).label("distance_km"),
            func.sum(DeliveryRouteRow.cost_pence).label("cost_pence"),
        )
        .group_by(DeliveryRouteRow.plan_run_id, DeliveryRouteRow.site, DeliveryRouteRow.day)
        .order_by(DeliveryRouteRow.day.desc(), DeliveryRouteRow.site)
    )
    if site is not None:
        stmt = stmt.where(DeliveryRouteRow.site == site)
    return [
        {**dict(r), "distance_km": float(r["distance_km"] or 0), "cost_pence": int(r["cost_pence"] or 0)}
        for r in session.execute(stmt).mappings()
    ]


def lots_page(
    session: Session,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
    site: str | None = None,
    sku: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Lots newest first (by production time, then code); only ``status``/``site``/``sku`` when given."""
    stmt = select(
        LotRow.code,
        LotRow.site,
        LotRow.run_code,
        LotRow.sku,
        LotRow.sequence,
        LotRow.kind,
        LotRow.quantity,
        LotRow.produced_at,
        LotRow.status,
        LotRow.template_code,
        LotRow.template_version,
    ).order_by(LotRow.produced_at.desc(), LotRow.code)
    if status is not None:
        stmt = stmt.where(LotRow.status == status)
    if site is not None:
        stmt = stmt.where(LotRow.site == site)
    if sku is not None:
        stmt = stmt.where(LotRow.sku == sku)
    return _page(session, stmt, limit, offset)


def lot_site(session: Session, code: str) -> str | None:
    """The site of lot ``code`` (``None`` for an unknown lot)."""
    return session.scalar(select(LotRow.site).where(LotRow.code == code))


def _existing(session: Session, column: Any, codes: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _sql.chunks(sorted(codes), _sql.IN_CHUNK):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


_FEW_ORDERS = 20


def _existing_few(session: Session, orders: Sequence[Order]) -> tuple[set[str], set[str], set[str], set[str]]:
    wanted = (
        (BrandRow.code, {o.brand for o in orders}),
        (ZoneRow.outcode, {o.outcode for o in orders}),
        (SkuRow.code, {line.sku for o in orders for line in o.lines}),
        (SiteRow.code, {o.site for o in orders if o.site is not None}),
    )
    parts = [
        select(literal(kind).label("kind"), column.label("code")).where(column.in_(sorted(codes)))
        for kind, (column, codes) in enumerate(wanted)
        if codes
    ]
    found: tuple[set[str], set[str], set[str], set[str]] = (set(), set(), set(), set())
    for kind, code in session.execute(union_all(*parts)):
        found[kind].add(code)
    return found


@dataclass(frozen=True, slots=True)
class ReferenceSets:
    """Which of the codes some orders name exist: brands, outcodes, SKUs and sites."""

    brands: set[str]
    outcodes: set[str]
    skus: set[str]
    sites: set[str]

    def issues(self, order: Order, *, source: str, row: int) -> list[InputIssue]:
        """Every reference of ``order`` that does not exist, as ``source:row:field`` issues."""
        found: list[InputIssue] = []

        def add(field: str, reason: str) -> None:
            found.append(InputIssue(ErrorLocation(source, field=field, row=row), reason))

        if order.brand not in self.brands:
            add("brand", f"unknown brand {order.brand!r}")
        if order.outcode not in self.outcodes:
            add("outcode", f"unknown outcode {order.outcode!r}")
        if order.site is not None and order.site not in self.sites:
            add("site", f"unknown site {order.site!r}")
        for i, line in enumerate(order.lines):
            if line.sku not in self.skus:
                add(f"lines.{i}.sku", f"unknown SKU {line.sku!r}")
        return found


def reference_sets(session: Session, orders: Sequence[Order]) -> ReferenceSets:
    """Which brands, outcodes, SKUs and sites named by ``orders`` exist (reads only those codes)."""
    if len(orders) <= _FEW_ORDERS:  # one round trip for a handful of orders (the single POST)
        return ReferenceSets(*_existing_few(session, orders))
    return ReferenceSets(
        brands=_existing(session, BrandRow.code, {o.brand for o in orders}),
        outcodes=_existing(session, ZoneRow.outcode, {o.outcode for o in orders}),
        skus=_existing(session, SkuRow.code, {line.sku for o in orders for line in o.lines}),
        sites=_existing(session, SiteRow.code, {o.site for o in orders if o.site is not None}),
    )


def order_reference_issues(session: Session, orders: Sequence[Order], *, source: str) -> list[InputIssue]:
    """Every reference of ``orders`` to master data that does not exist: brand, outcode, SKU, site.

    The same checks the order import makes against its reference data, but reading only the codes
    the orders name (cheap for a single order). Issues name ``source:row:field`` (row = position).
    """
    sets = reference_sets(session, orders)
    return [issue for row, order in enumerate(orders) for issue in sets.issues(order, source=source, row=row)]


def order_by_key(session: Session, channel: str, external_id: str) -> Order | None:
    """The order ``(channel, external_id)`` with its lines, or ``None``."""
    row = session.execute(
        select(OrderRow.__table__).where(OrderRow.channel == channel, OrderRow.external_id == external_id)
    ).first()
    if row is None:
        return None
    lines = [
        dict(r)
        for r in session.execute(
            select(
                OrderLineRow.line_no, OrderLineRow.sku, OrderLineRow.quantity, OrderLineRow.unit_price_pence
            )
            .where(OrderLineRow.order_id == row.id)
            .order_by(OrderLineRow.line_no)
        ).mappings()
    ]
    return orders_from_rows([row], {row.id: lines})[0]


def inventory_moves_page(
    session: Session,
    *,
    limit: int,
    offset: int,
    hub: str | None = None,
    sku: str | None = None,
    kind: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Stock moves newest first (the ledger only grows, so it is paged in SQL); filter by hub, SKU, kind."""
    stmt = select(
        InventoryMoveRow.id,
        InventoryMoveRow.hub,
        InventoryMoveRow.sku,
        InventoryMoveRow.lot_code,
        InventoryMoveRow.kind,
        InventoryMoveRow.quantity,
        InventoryMoveRow.balance_after,
        InventoryMoveRow.at,
        InventoryMoveRow.reference,
    ).order_by(InventoryMoveRow.at.desc(), InventoryMoveRow.id.desc())
    if hub is not None:
        stmt = stmt.where(InventoryMoveRow.hub == hub)
    if sku is not None:
        stmt = stmt.where(InventoryMoveRow.sku == sku)
    if kind is not None:
        stmt = stmt.where(InventoryMoveRow.kind == kind)
    return _page(session, stmt, limit, offset)


def second_life_items_page(
    session: Session,
    *,
    limit: int,
    offset: int,
    site: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    grade: str | None = None,
    channel: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Second-life items newest intake first (then by key), with their status columns; filtered."""
    stmt = select(
        Item.item,
        Item.kind,
        Item.source,
        Item.site,
        Item.received_at,
        Item.mass_kg,
        Item.material,
        Item.new_value_pence,
        Item.make,
        Item.model,
        Item.status,
        Item.grade,
        Item.channel,
        Item.disposed_at,
    ).order_by(Item.received_at.desc(), Item.item)
    for column, value in (
        (Item.site, site),
        (Item.status, status),
        (Item.kind, kind),
        (Item.grade, grade),
        (Item.channel, channel),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return _page(session, stmt, limit, offset)


def second_life_item_site(session: Session, item: str) -> str | None:
    """The site that took in second-life item ``item`` (``None`` for an unknown item)."""
    return session.scalar(select(Item.site).where(Item.item == item))
