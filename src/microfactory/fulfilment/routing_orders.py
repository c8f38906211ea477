"""Build a :class:`RoutingProblem` from domain objects: one site's deliveries on one local day.

Rules (each a planner's default, overridable through :class:`OrderRoutingOptions`):

- Orders routed: status not cancelled, fulfilment ``delivery`` or ``install`` (pickups are collected by
  the customer and never routed), window starting on ``day`` in the site's time zone, and placed at or
  allocated to this site (or to no site yet).
- Location: the centroid of the order's postcode district (``zones``); distances are great-circle ×
  circuity between centroids, so two orders in one district are zero km apart (an under-estimate).
- Load: Σ quantity × SKU unit mass (kg) and volume (m³).
- Ready time: from ``ready_times`` (the scheduler's run finish + packing) when given; otherwise made to
  order just in time: ``ready_lead_minutes`` before the window opens, but not before the order was
  placed or the depot opens.
- Depot hours: vehicles leave between the site calendar's first and last open instant of the day and
  may come back after closing (their shift length limits the trip).
- Freshness: the shortest shelf life among the order's perishable lines, in minutes from ready.
- Installs need a vehicle with a crew of at least ``install_min_crew`` (the two-person 7.5 t rigid).
- Every delivery is optional with a large penalty, so the solver serves all it can and reports the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from microfactory.domain import (
    Calendar,
    FulfilmentKind,
    GeoPoint,
    Order,
    OrderStatus,
    Site,
    Sku,
    VehicleType,
)
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError
from microfactory.fulfilment.routing_problem import (
    Delivery,
    RoutingDepot,
    RoutingProblem,
    RoutingVehicleType,
)

ROUTED_KINDS = (FulfilmentKind.DELIVERY, FulfilmentKind.INSTALL)


@dataclass(frozen=True)
class OrderRoutingOptions:
    """Defaults for turning orders into deliveries; every field has a planner's default."""

    delivery_service_minutes: float = 5.0
    """Minutes at the door for a parcel or food drop."""
    install_service_minutes: float = 180.0
    """Minutes the crew spends unloading and starting a kitchen install before moving on."""
    install_min_crew: int = 2
    unserved_penalty_pence: int = 100_000
    """Cost of leaving a delivery out (£1,000): far above any route cost, so the solver serves all it can."""
    carbon_price_pence_per_tonne: int = 0
    """Carbon price in pence per tonne CO2e (e.g. 8_000 for £80/t); 0 for none."""
    kg_co2e_per_km: Mapping[str, float] = field(default_factory=dict)
    """Per vehicle-type code; missing codes are looked up (well-to-wheel, DESNZ 2025) when priced."""
    ready_lead_minutes: float = 90.0
    """Without a scheduler ready time: goods are packed this long before the window opens."""
    timezone: str = "Europe/London"
    refrigerated_for_perishables: bool = False
    """When True, orders with perishable lines may only go on refrigerated vehicles."""


def _issue(source: str, reason: str, field_name: str | None = None) -> InputIssue:
    return InputIssue(ErrorLocation(source, field_name), reason)


def _depot_hours(calendar: Calendar | None, start: datetime) -> tuple[float, float]:
    """Depot opening in minutes from ``start`` (local midnight): first to last open instant of the day."""
    if calendar is None:
        return 0.0, 24 * 60.0
    intervals = calendar.open_intervals(start, start + timedelta(days=1))
    if not intervals:
        return 0.0, 24 * 60.0
    open_at = (intervals[0][0] - start).total_seconds() / 60.0
    close_at = (intervals[-1][1] - start).total_seconds() / 60.0
    return open_at, close_at


def _vehicle_factor(code: str, key: str, options: OrderRoutingOptions) -> float:
    if options.carbon_price_pence_per_tonne == 0:
        return options.kg_co2e_per_km.get(code, 0.0)
    if code in options.kg_co2e_per_km:
        return options.kg_co2e_per_km[code]
    from microfactory.emissions import Boundary, load_desnz_2025

    return load_desnz_2025().vehicle_factor(key, Boundary.WTW, "km").kg_co2e_per_unit


def problem_from_orders(
    site: Site,
    orders: Iterable[Order],
    skus: Iterable[Sku],
    vehicle_types: Iterable[VehicleType],
    day: date,
    *,
    zones: Mapping[str, GeoPoint],
    ready_times: Mapping[tuple[str, str], datetime] | None = None,
    circuity: float = 1.4,
    fleet: Mapping[str, int] | None = None,
    calendar: Calendar | None = None,
    options: OrderRoutingOptions | None = None,
) -> RoutingProblem:
    """One site's deliveries on one local day as a routing problem (rules in the module docstring).

    Args:
        site: The depot; its location and code.
        orders: Candidate orders (others' sites, pickups, cancelled and other days are skipped).
        skus: SKUs named by the order lines (unit mass, volume, shelf life).
        vehicle_types: The fleet's types.
        day: The local delivery day.
        zones: Outcode → centroid.
        ready_times: Order key ``(channel, external_id)`` → aware ready instant, from the scheduler.
        circuity: Road over straight-line distance (``Settings.circuity``).
        fleet: Vehicles available per type code; ``None`` means as many as there are deliveries.
            Types missing from a given mapping are not used.
        calendar: The site calendar; opening hours of the depot that day (whole day when ``None``).
        options: Service times, penalties, carbon price.

    Raises:
        InvalidInputError: An order names an unknown SKU or an outcode without a zone; every such
            issue is listed.
    """
    opts = options or OrderRoutingOptions()
    zone = ZoneInfo(opts.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    open_at, close_at = _depot_hours(calendar, start)
    by_code = {s.code: s for s in skus}
    types = tuple(vehicle_types)

    def minutes(when: datetime) -> float:
        return (when - start).total_seconds() / 60.0

    chosen = [
        o
        for o in orders
        if o.status is not OrderStatus.CANCELLED
        and o.fulfilment in ROUTED_KINDS
        and o.site in (None, site.code)
        and o.window.start.astimezone(zone).date() == day
    ]
    issues: list[InputIssue] = []
    deliveries: list[Delivery] = []
    crew_ok = tuple(v.code for v in types if v.crew >= opts.install_min_crew)
    cold_ok = tuple(v.code for v in types if v.refrigerated)
    for order in chosen:
        source = f"order {order.channel}/{order.external_id}"
        point = zones.get(order.outcode)
        if point is None:
            issues.append(_issue(source, f"no zone for outcode {order.outcode}", "outcode"))
        mass = volume = 0.0
        shelf_hours: list[float] = []
        for line in order.lines:
            sku = by_code.get(line.sku)
            if sku is None:
                issues.append(_issue(source, f"unknown SKU {line.sku!r}", f"lines[{line.line_no}].sku"))
                continue
            mass += line.quantity * sku.unit_mass_kg
            volume += line.quantity * sku.unit_volume_m3
            if sku.shelf_life_hours is not None:
                shelf_hours.append(sku.shelf_life_hours)
        if point is None or issues:
            continue
        ready = ready_times.get(order.key) if ready_times is not None else None
        if ready is not None:
            ready_minutes = minutes(ready)
        else:
            just_in_time = minutes(order.window.start) - opts.ready_lead_minutes
            ready_minutes = max(minutes(order.created_at), open_at, just_in_time)
        allowed: tuple[str, ...] | None = None
        if order.fulfilment is FulfilmentKind.INSTALL:
            allowed = crew_ok
        elif shelf_hours and opts.refrigerated_for_perishables:
            allowed = cold_ok
        install = order.fulfilment is FulfilmentKind.INSTALL
        deliveries.append(
            Delivery(
                code=f"{order.channel}/{order.external_id}",
                location=point,
                load_kg=mass,
                load_m3=volume,
                window_open_minutes=minutes(order.window.start),
                window_close_minutes=minutes(order.window.end),
                service_minutes=opts.install_service_minutes if install else opts.delivery_service_minutes,
                ready_minutes=ready_minutes,
                freshness_minutes=min(shelf_hours) * 60.0 if shelf_hours else None,
                allowed_vehicle_types=allowed,
                unserved_penalty_pence=opts.unserved_penalty_pence,
                order_channel=order.channel,
                order_external_id=order.external_id,
            )
        )
    if issues:
        raise InvalidInputError(issues)

    default_count = max(1, len(deliveries))
    vehicles = [
        RoutingVehicleType(
            code=v.code,
            depot=site.code,
            count=default_count if fleet is None else fleet.get(v.code, 0),
            capacity_kg=v.capacity_kg,
            capacity_m3=v.capacity_m3,
            speed_kmh=v.speed_kmh,
            range_km=v.range_km,
            shift_minutes=float(v.shift_minutes),
            fixed_cost_pence=v.fixed_cost_pence_per_day,
            cost_pence_per_km=float(v.cost_pence_per_km),
            kg_co2e_per_km=_vehicle_factor(v.code, v.emission_factor_key, opts),
            emission_factor_key=v.emission_factor_key,
        )
        for v in types
    ]
    return RoutingProblem(
        horizon_start=start,
        depots=(
            RoutingDepot(
                code=site.code,
                location=site.location,
                open_minutes=open_at,
                last_departure_minutes=close_at,
            ),
        ),
        deliveries=tuple(deliveries),
        vehicle_types=tuple(vehicles),
        circuity=circuity,
        carbon_price_pence_per_tonne=opts.carbon_price_pence_per_tonne,
    )
