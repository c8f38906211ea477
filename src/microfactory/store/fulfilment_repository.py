"""Save and read delivery plans' inputs and emissions: orders of a delivery day, kg CO2e per route and
order, and totals per site and per week.

Emission records belong to the plan run of their routes (``routes`` stage, one run per site and
day): saving a new run for the same site and day deletes the old run, its routes and its emissions
together (``ON DELETE CASCADE``), so totals never count a plan twice. Weeks start on Monday (the
delivery day's ISO week), like :func:`microfactory.emissions.week_start`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.orm import Session

from microfactory.domain import FulfilmentKind, Order, OrderStatus, PlanHorizon
from microfactory.store import _sql
from microfactory.store.models import (
    OrderEmissionRow,
    OrderLineRow,
    OrderRow,
    PlanRunRow,
    RouteEmissionRow,
)
from microfactory.store.order_repository import orders_from_rows

BOUNDARIES = ("ttw", "wtw")
ROUTED_FULFILMENT = (FulfilmentKind.DELIVERY.value, FulfilmentKind.INSTALL.value)
"""Orders that go out on a vehicle; pickups are collected by the customer."""
ROW_ID_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class RouteEmission:
    """One route's emissions for one boundary, with the factor set, year and source rows used."""

    site: str
    route_code: str
    day: date
    vehicle_type: str
    boundary: str
    """``ttw`` (tank-to-wheel) or ``wtw`` (well-to-wheel)."""
    method: str
    """``per_km`` or ``per_tonne_km``."""
    distance_km: float
    tonne_km: float
    kg_co2e: float
    factor_set_id: str
    factor_year: int
    factor_row_ids: tuple[str, ...]

    @property
    def g_co2e_per_tonne_km(self) -> float | None:
        """Intensity in g CO2e per tonne-km (``None`` when the route carried no tonne-km)."""
        return 1000.0 * self.kg_co2e / self.tonne_km if self.tonne_km > 0 else None


@dataclass(frozen=True, slots=True)
class OrderEmission:
    """One order's share of one route's emissions (tonne-km share, ISO 14083:2023 §5.6)."""

    site: str
    route_code: str
    day: date
    order_channel: str
    order_external_id: str
    boundary: str
    method: str
    tonne_km: float
    kg_co2e: float
    factor_set_id: str
    factor_year: int
    factor_row_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EmissionRecords:
    """Everything one plan run stored about emissions, routes then orders, by route code."""

    routes: list[RouteEmission]
    orders: list[OrderEmission]


@dataclass(frozen=True, slots=True)
class EmissionTotal:
    """A sum of route emissions (one site, one week, or both) with the provenance of its figures."""

    site: str | None
    week_start: date | None
    boundary: str
    routes: int
    distance_km: float
    tonne_km: float
    kg_co2e: float
    methods: tuple[str, ...]
    factor_sets: tuple[str, ...]
    """``<set id>:<year>`` of every factor set summed (one, unless plans used different sets)."""
    factor_row_ids: tuple[str, ...]

    @property
    def g_co2e_per_tonne_km(self) -> float | None:
        """Intensity in g CO2e per tonne-km (``None`` without tonne-km)."""
        return 1000.0 * self.kg_co2e / self.tonne_km if self.tonne_km > 0 else None


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _check_boundary(boundary: str) -> str:
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {', '.join(BOUNDARIES)}, got {boundary!r}")
    return boundary


def _rows(ids: Sequence[str]) -> str:
    return ROW_ID_SEPARATOR.join(ids)


def _ids(text: str) -> tuple[str, ...]:
    return tuple(x for x in text.split(ROW_ID_SEPARATOR) if x)


def save_emissions(
    session: Session,
    plan_run_id: int,
    *,
    routes: Sequence[RouteEmission] = (),
    orders: Sequence[OrderEmission] = (),
) -> None:
    """Store route and order emissions under a plan run saved by ``save_plan_run``.

    Does not commit. Raises ``ValueError`` for an unknown boundary and
    ``sqlalchemy.exc.IntegrityError`` when a (route, boundary) or (route, order, boundary) repeats.
    """
    for boundary in {r.boundary for r in routes} | {o.boundary for o in orders}:
        _check_boundary(boundary)
    route_rows = [
        {
            "plan_run_id": plan_run_id,
            "site": r.site,
            "route_code": r.route_code,
            "day": r.day,
            "vehicle_type": r.vehicle_type,
            "boundary": r.boundary,
            "method": r.method,
            "distance_km": float(r.distance_km),
            "tonne_km": float(r.tonne_km),
            "kg_co2e": float(r.kg_co2e),
            "factor_set_id": r.factor_set_id,
            "factor_year": r.factor_year,
            "factor_row_ids": _rows(r.factor_row_ids),
        }
        for r in routes
    ]
    order_rows = [
        {
            "plan_run_id": plan_run_id,
            "site": o.site,
            "route_code": o.route_code,
            "day": o.day,
            "order_channel": o.order_channel,
            "order_external_id": o.order_external_id,
            "boundary": o.boundary,
            "method": o.method,
            "tonne_km": float(o.tonne_km),
            "kg_co2e": float(o.kg_co2e),
            "factor_set_id": o.factor_set_id,
            "factor_year": o.factor_year,
            "factor_row_ids": _rows(o.factor_row_ids),
        }
        for o in orders
    ]
    if route_rows:
        _sql.bulk_insert(session, _table(RouteEmissionRow), route_rows)
    if order_rows:
        _sql.bulk_insert(session, _table(OrderEmissionRow), order_rows)


def _route_emission(row: Any) -> RouteEmission:
    return RouteEmission(
        site=row.site,
        route_code=row.route_code,
        day=row.day,
        vehicle_type=row.vehicle_type,
        boundary=row.boundary,
        method=row.method,
        distance_km=row.distance_km,
        tonne_km=row.tonne_km,
        kg_co2e=row.kg_co2e,
        factor_set_id=row.factor_set_id,
        factor_year=row.factor_year,
        factor_row_ids=_ids(row.factor_row_ids),
    )


def _order_emission(row: Any) -> OrderEmission:
    return OrderEmission(
        site=row.site,
        route_code=row.route_code,
        day=row.day,
        order_channel=row.order_channel,
        order_external_id=row.order_external_id,
        boundary=row.boundary,
        method=row.method,
        tonne_km=row.tonne_km,
        kg_co2e=row.kg_co2e,
        factor_set_id=row.factor_set_id,
        factor_year=row.factor_year,
        factor_row_ids=_ids(row.factor_row_ids),
    )


def load_emissions(session: Session, plan_run_id: int, *, boundary: str | None = None) -> EmissionRecords:
    """The emissions one plan run stored (only ``boundary`` when given).

    Routes come back by (route code, boundary); orders by (route code, channel, external id, boundary).
    """
    routes = _table(RouteEmissionRow)
    orders = _table(OrderEmissionRow)
    route_stmt = select(routes).where(routes.c.plan_run_id == plan_run_id)
    order_stmt = select(orders).where(orders.c.plan_run_id == plan_run_id)
    if boundary is not None:
        route_stmt = route_stmt.where(routes.c.boundary == _check_boundary(boundary))
        order_stmt = order_stmt.where(orders.c.boundary == boundary)
    route_stmt = route_stmt.order_by(_sql.bytewise(routes.c.route_code, session), routes.c.boundary)
    order_stmt = order_stmt.order_by(
        _sql.bytewise(orders.c.route_code, session),
        _sql.bytewise(orders.c.order_channel, session),
        _sql.bytewise(orders.c.order_external_id, session),
        orders.c.boundary,
    )
    return EmissionRecords(
        routes=[_route_emission(r) for r in session.execute(route_stmt)],
        orders=[_order_emission(r) for r in session.execute(order_stmt)],
    )


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class _Sum:
    routes: int = 0
    distance_km: float = 0.0
    tonne_km: float = 0.0
    kg_co2e: float = 0.0
    methods: dict[str, None] = field(default_factory=dict)
    sets: dict[str, None] = field(default_factory=dict)
    rows: dict[str, None] = field(default_factory=dict)


def _totals(
    session: Session,
    *,
    boundary: str,
    by_site: bool,
    by_week: bool,
    week_start: date | None = None,
    site: str | None = None,
) -> list[EmissionTotal]:
    t = _table(RouteEmissionRow)
    stmt = select(
        t.c.site,
        t.c.day,
        t.c.method,
        t.c.factor_set_id,
        t.c.factor_year,
        t.c.factor_row_ids,
        func.count(),
        func.sum(t.c.distance_km),
        func.sum(t.c.tonne_km),
        func.sum(t.c.kg_co2e),
    ).where(t.c.boundary == _check_boundary(boundary))
    if week_start is not None:
        monday = _week(week_start)
        stmt = stmt.where(t.c.day >= monday, t.c.day < monday + timedelta(days=7))
    if site is not None:
        stmt = stmt.where(t.c.site == site)
    stmt = stmt.group_by(
        t.c.site, t.c.day, t.c.method, t.c.factor_set_id, t.c.factor_year, t.c.factor_row_ids
    )
    sums: dict[tuple[str | None, date | None], _Sum] = defaultdict(_Sum)
    for row_site, day, method, set_id, year, row_ids, n, km, tkm, kg in session.execute(stmt):
        key = (row_site if by_site else None, _week(day) if by_week else None)
        s = sums[key]
        s.routes += int(n)
        s.distance_km += float(km)
        s.tonne_km += float(tkm)
        s.kg_co2e += float(kg)
        s.methods[method] = None
        s.sets[f"{set_id}:{year}"] = None
        s.rows.update(dict.fromkeys(_ids(row_ids)))
    return [
        EmissionTotal(
            site=k[0],
            week_start=k[1],
            boundary=boundary,
            routes=s.routes,
            distance_km=s.distance_km,
            tonne_km=s.tonne_km,
            kg_co2e=s.kg_co2e,
            methods=tuple(sorted(s.methods)),
            factor_sets=tuple(sorted(s.sets)),
            factor_row_ids=tuple(sorted(s.rows)),
        )
        for k, s in sorted(sums.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or date.min))
    ]


def emissions_by_site(
    session: Session, *, boundary: str = "wtw", week_start: date | None = None
) -> list[EmissionTotal]:
    """Route emissions summed per site, sorted by site; only the week of ``week_start`` when given.

    ``week_start`` may be any day of the week (its Monday is used). Raises ``ValueError`` for an
    unknown boundary.
    """
    return _totals(session, boundary=boundary, by_site=True, by_week=False, week_start=week_start)


def emissions_by_week(
    session: Session, *, boundary: str = "wtw", site: str | None = None, per_site: bool = False
) -> list[EmissionTotal]:
    """Route emissions summed per week (Monday), over every site or only ``site``.

    With ``per_site`` each (site, week) is its own total. Sorted by site, then week.
    """
    return _totals(session, boundary=boundary, by_site=per_site, by_week=True, site=site)


def order_emissions(
    session: Session, *, week_start: date, boundary: str = "wtw", site: str | None = None
) -> list[OrderEmission]:
    """Every order's emission shares delivered in the week of ``week_start`` (any day of it).

    Sorted by site, day, channel and external id.
    """
    t = _table(OrderEmissionRow)
    monday = _week(week_start)
    stmt = select(t).where(
        t.c.boundary == _check_boundary(boundary),
        t.c.day >= monday,
        t.c.day < monday + timedelta(days=7),
    )
    if site is not None:
        stmt = stmt.where(t.c.site == site)
    stmt = stmt.order_by(
        _sql.bytewise(t.c.site, session),
        t.c.day,
        _sql.bytewise(t.c.order_channel, session),
        _sql.bytewise(t.c.order_external_id, session),
        _sql.bytewise(t.c.route_code, session),
    )
    return [_order_emission(r) for r in session.execute(stmt)]


def find_plan_run_id(session: Session, *, stage: str, scope: str, horizon: PlanHorizon) -> int | None:
    """The id of the plan run of ``stage`` for ``scope`` over exactly ``horizon``, or ``None``."""
    return session.scalar(
        select(PlanRunRow.id).where(
            PlanRunRow.stage == stage,
            PlanRunRow.scope == scope,
            PlanRunRow.horizon_start == horizon.start,
            PlanRunRow.horizon_end == horizon.end,
        )
    )


def _routed(t: Table) -> Any:
    return and_(t.c.status != OrderStatus.CANCELLED.value, t.c.fulfilment.in_(ROUTED_FULFILMENT))


def delivery_day_counts(
    session: Session, *, start: datetime, end: datetime, timezone: str = "Europe/London"
) -> dict[str, dict[date, int]]:
    """Per site, the number of routed orders (delivery or install, not cancelled) per local day.

    Counts orders whose window starts in ``[start, end)`` (aware datetimes); the day is the window
    start's date in ``timezone``. Orders not yet allocated to a site are not counted.
    """
    t = _table(OrderRow)
    zone = ZoneInfo(timezone)
    stmt = select(t.c.site, t.c.window_start).where(
        _routed(t), t.c.site.is_not(None), t.c.window_start >= start, t.c.window_start < end
    )
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for site, window_start in session.execute(stmt):
        counts[site][window_start.astimezone(zone).date()] += 1
    return {site: dict(days) for site, days in counts.items()}


def load_window_orders(
    session: Session, *, start: datetime, end: datetime, site: str, brand: str | None = None
) -> list[Order]:
    """Routed orders (delivery or install, not cancelled) whose window starts in ``[start, end)``.

    Only orders placed at or allocated to ``site``, plus, when ``brand`` is given, the brand's orders
    not allocated to any site yet. Sorted by window start, channel and external id; lines by number.
    """
    t = _table(OrderRow)
    lines_t = _table(OrderLineRow)
    at_site = t.c.site == site
    where = or_(at_site, and_(t.c.site.is_(None), t.c.brand == brand)) if brand is not None else at_site
    stmt = (
        select(t)
        .where(_routed(t), where, t.c.window_start >= start, t.c.window_start < end)
        .order_by(
            t.c.window_start, _sql.bytewise(t.c.channel, session), _sql.bytewise(t.c.external_id, session)
        )
    )
    rows = session.execute(stmt).all()
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _sql.chunks([r.id for r in rows], _sql.IN_CHUNK):
        line_stmt = (
            select(lines_t)
            .where(lines_t.c.order_id.in_(chunk))
            .order_by(lines_t.c.order_id, lines_t.c.line_no)
        )
        for line in session.execute(line_stmt):
            lines[line.order_id].append(
                {
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price_pence": line.unit_price_pence,
                }
            )
    return orders_from_rows(rows, lines)


def order_outcodes(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Outcode of each order named by ``(channel, external_id)``; unknown keys are left out."""
    t = _table(OrderRow)
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], str] = {}
    for chunk in _sql.chunks(wanted, _sql.IN_CHUNK // 2):
        stmt = select(t.c.channel, t.c.external_id, t.c.outcode).where(
            or_(*(and_(t.c.channel == c, t.c.external_id == e) for c, e in chunk))
        )
        found.update({(c, e): outcode for c, e, outcode in session.execute(stmt)})
    return found
