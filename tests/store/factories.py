"""Small hand-built records for store tests: one brand's master data, orders and plan output.

The master data is deliberately sorted by natural key (the order :func:`load_master_data` returns),
so a round trip compares equal without re-sorting, and it exercises the awkward corners: a night
shift crossing midnight, a closure, skills and eligible resource types out of alphabetical order, a
zone without a grid reference, an optional field left empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from microfactory.domain import (
    Brand,
    Calendar,
    ChangeoverRule,
    Closure,
    Customer,
    DeliveryRoute,
    DeliveryWindow,
    GeoPoint,
    LabourPool,
    MasterData,
    OperationAssignment,
    Order,
    OrderLine,
    OrderStatus,
    Problem,
    ProblemKind,
    ProductionRun,
    ReleaseSlot,
    Resource,
    ResourceType,
    RouteStop,
    RoutingStep,
    Severity,
    Shift,
    Site,
    Sku,
    SkuFamily,
    StockMove,
    StockMoveKind,
    VehicleType,
    Weekday,
    WeeklyDemand,
    Zone,
)

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""A Monday morning, the anchor of every time in these records."""


def master_data() -> MasterData:
    """One kitchen brand with a site, two machines, a labour pool, two SKUs and three zones."""
    weekdays = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]
    return MasterData(
        brands=(Brand(code="KIT", name="Kitchen Co", sector="kitchen"),),
        calendars=(
            Calendar(
                code="DAY",
                shifts=tuple(Shift(weekday=d, start=time(6), end=time(14, 30)) for d in weekdays),
                closures=(
                    Closure(
                        start=datetime(2026, 12, 25, tzinfo=UTC),
                        end=datetime(2026, 12, 27, tzinfo=UTC),
                        reason="Christmas",
                    ),
                ),
                release_slots=(ReleaseSlot(weekday=Weekday.TUE, at=time(6)),),
            ),
            Calendar(
                code="NIGHT",
                timezone="Europe/London",
                shifts=(Shift(weekday=Weekday.MON, start=time(22), end=time(6)),),
            ),
        ),
        resource_types=(
            ResourceType(code="cnc_nesting", name="CNC nesting router"),
            ResourceType(code="powder_coat", name="Powder coating line"),
        ),
        sites=(
            Site(
                code="LON-MF",
                name="London microfactory",
                brand="KIT",
                kind="microfactory",
                location=GeoPoint(lat=51.5014, lon=-0.1419),
                outcode="SW1A",
                fixed_cost_pence_per_week=1_250_000,
                calendar="DAY",
            ),
        ),
        resources=(
            Resource(site="LON-MF", code="CNC1", resource_type="cnc_nesting", count=2, calendar="DAY"),
            Resource(site="LON-MF", code="PC1", resource_type="powder_coat", calendar="NIGHT"),
        ),
        labour_pools=(
            LabourPool(
                site="LON-MF",
                code="OPS",
                calendar="DAY",
                operators_per_shift=4,
                skills=("powder_coat", "cnc_nesting"),
            ),
        ),
        sku_families=(SkuFamily(code="DOORS", brand="KIT", name="Cabinet doors"),),
        skus=(
            _sku("DOOR-GRAPHITE", "graphite", price=8_900),
            _sku("DOOR-WHITE", "white", price=7_900, shelf_life_hours=None),
        ),
        changeovers=(
            ChangeoverRule(
                resource_type="powder_coat",
                attribute="finish_colour",
                from_value="graphite",
                to_value="white",
                minutes=45.0,
            ),
            ChangeoverRule(
                resource_type="powder_coat",
                attribute="finish_colour",
                from_value="white",
                to_value="graphite",
                minutes=12.5,
            ),
        ),
        zones=(
            Zone(
                outcode="E1",
                centroid=GeoPoint(lat=51.5166, lon=-0.0583),
                delivery_points=9_012,
                easting=534_800,
                northing=181_500,
            ),
            Zone(outcode="M1", centroid=GeoPoint(lat=53.4794, lon=-2.2453), delivery_points=4_321),
            Zone(
                outcode="SW1A",
                centroid=GeoPoint(lat=51.5010, lon=-0.1416),
                delivery_points=1_234,
                easting=529_090,
                northing=179_645,
            ),
        ),
        customers=(
            Customer(code="C-001", brand="KIT", outcode="E1", name="A. Baker"),
            Customer(code="C-002", brand="KIT", outcode="M1", kind="trade"),
        ),
        vehicle_types=(
            VehicleType(
                code="EVAN",
                name="Electric van",
                capacity_kg=900.0,
                capacity_m3=6.2,
                speed_kmh=22.5,
                cost_pence_per_km=31,
                fixed_cost_pence_per_day=4_500,
                emission_factor_key="desnz-2025/van-bev",
                range_km=180.0,
            ),
        ),
    )


def _sku(code: str, colour: str, *, price: int, shelf_life_hours: float | None = None) -> Sku:
    return Sku(
        code=code,
        family="DOORS",
        name=f"Door, {colour}",
        routing=(
            RoutingStep(
                sequence=10,
                name="Cut",
                resource_types=("cnc_nesting",),
                minutes_per_unit=1.75,
                minutes_per_batch=5.0,
            ),
            RoutingStep(
                sequence=20,
                name="Coat",
                resource_types=("powder_coat", "cnc_nesting"),
                minutes_per_unit=0.5,
                minutes_per_batch=20.0,
                operators=2,
                splittable=True,
                setup={"finish_colour": colour, "texture": "matt"},
            ),
        ),
        unit_mass_kg=4.2,
        unit_volume_m3=0.012,
        shelf_life_hours=shelf_life_hours,
        unit_price_pence=price,
        min_batch_units=2,
        max_batch_units=400,
    )


def order(
    number: int,
    *,
    channel: str = "web",
    status: OrderStatus = OrderStatus.OPEN,
    created_at: datetime | None = None,
    quantities: tuple[int, ...] = (2, 1),
    brand: str = "KIT",
    outcode: str = "E1",
) -> Order:
    """An order ``ORD-<number>`` with one line per quantity, alternating the two door SKUs."""
    created = created_at or T0 + timedelta(hours=number)
    return Order(
        channel=channel,
        external_id=f"ORD-{number:05d}",
        brand=brand,
        customer="C-001" if number % 2 else None,
        outcode=outcode,
        created_at=created,
        window=DeliveryWindow(start=created + timedelta(days=3), end=created + timedelta(days=3, hours=4)),
        status=status,
        lines=tuple(
            OrderLine(
                line_no=i + 1,
                sku="DOOR-GRAPHITE" if i % 2 == 0 else "DOOR-WHITE",
                quantity=q,
                unit_price_pence=8_900,
            )
            for i, q in enumerate(quantities)
        ),
    )


def problems(stage: str = "schedule", count: int = 2) -> list[Problem]:
    """``count`` problems about distinct orders."""
    return [
        Problem(
            stage=stage,
            kind=ProblemKind.LATE,
            subject_kind="order",
            subject=f"web/ORD-{i:05d}",
            reason="powder coating is full until Thursday",
            severity=Severity.WARNING,
            binding_constraint="capacity:LON-MF/PC1 2026-11-24",
            quantity=float(i + 1),
        )
        for i in range(count)
    ]


def weekly_demand(brand: str = "KIT", weeks: int = 2, outcode: str = "E1") -> list[WeeklyDemand]:
    """``weeks`` consecutive weeks of demand for the DOORS family in one zone."""
    monday = date(2026, 11, 2)
    return [
        WeeklyDemand(
            brand=brand,
            sku_family="DOORS",
            outcode=outcode,
            week_start=monday + timedelta(weeks=w),
            orders=10 + w,
            units=25 + w,
        )
        for w in range(weeks)
    ]


@dataclass(frozen=True)
class ScheduleOutput:
    """Records a scheduling and routing stage would write, in the order ``load_plan_output`` returns."""

    production_runs: list[ProductionRun]
    operations: list[OperationAssignment]
    routes: list[DeliveryRoute]
    stops: list[RouteStop]
    stock_moves: list[StockMove]


def schedule_output() -> ScheduleOutput:
    """Two production runs with two operations each, one route with three stops, two stock moves."""
    runs = [
        ProductionRun(
            site="LON-MF",
            run_code=f"R{i}",
            sku="DOOR-WHITE",
            quantity=10 * (i + 1),
            start=T0 + timedelta(hours=i),
            end=T0 + timedelta(hours=i + 1),
        )
        for i in range(2)
    ]
    operations = [
        OperationAssignment(
            site="LON-MF",
            run_code=run.run_code,
            sequence=seq,
            resource="PC1" if seq == 20 else "CNC1",
            start=run.start,
            end=run.end,
            changeover_minutes=12.5 if seq == 20 else 0.0,
        )
        for run in runs
        for seq in (10, 20)
    ]
    route = DeliveryRoute(
        site="LON-MF",
        route_code="LON-MF-2026-11-26-1",
        day=date(2026, 11, 26),
        vehicle_type="EVAN",
        distance_km=42.5,
        start=T0 + timedelta(days=3),
        end=T0 + timedelta(days=3, hours=5),
        cost_pence=1_790,
    )
    stops = [
        RouteStop(
            route_code=route.route_code,
            sequence=i + 1,
            order_channel="web",
            order_external_id=f"ORD-{i:05d}",
            arrival=T0 + timedelta(days=3, hours=i + 1),
            departure=T0 + timedelta(days=3, hours=i + 1, minutes=10),
        )
        for i in range(3)
    ]
    moves = [
        StockMove(sku="DOOR-WHITE", quantity=10, to_site="LON-MF", at=T0, kind=StockMoveKind.PRODUCTION),
        StockMove(sku="DOOR-WHITE", quantity=3, from_site="LON-MF", at=T0, kind=StockMoveKind.SALE),
    ]
    return ScheduleOutput(runs, operations, [route], stops, moves)
