"""Building a routing problem from domain orders: selection, loads, freshness, ready times, fleet."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from microfactory.demo.fleet import vehicle_types
from microfactory.domain import (
    DeliveryWindow,
    FulfilmentKind,
    GeoPoint,
    Order,
    OrderLine,
    OrderStatus,
)
from microfactory.errors import InvalidInputError
from microfactory.fulfilment import OrderRoutingOptions, RoutingProblem, SolveLimits, solve
from tests.domain.builders import calendar, site, sku

DAY = date(2026, 1, 5)
"""Monday 5 January 2026: London is on GMT, so local times equal UTC."""
ZONES = {
    "SW1A": GeoPoint(lat=51.5014, lon=-0.1419),
    "E8": GeoPoint(lat=51.5437, lon=-0.0661),
    "N1": GeoPoint(lat=51.5390, lon=-0.0990),
}
BAR = sku(
    code="BAR", family="bars", name="Seed bar", unit_mass_kg=0.1, unit_volume_m3=0.0005, shelf_life_hours=24.0
)
WORKTOP = sku()


def _at(hour: int, minute: int = 0, day: int = 5) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def _order(external_id: str, **overrides: object) -> Order:
    fields: dict[str, object] = {
        "channel": "web",
        "external_id": external_id,
        "brand": "KIT",
        "outcode": "E8",
        "created_at": _at(6, 30),
        "window": DeliveryWindow(start=_at(10), end=_at(12)),
        "lines": (OrderLine(line_no=1, sku="BAR", quantity=3),),
    }
    fields.update(overrides)
    return Order.model_validate(fields)


ORDERS = (
    _order("W1"),
    _order(
        "K1",
        channel="install",
        outcode="N1",
        fulfilment=FulfilmentKind.INSTALL,
        window=DeliveryWindow(start=_at(8), end=_at(17)),
        lines=(OrderLine(line_no=1, sku="WORKTOP-OAK", quantity=4),),
    ),
    _order("P1", fulfilment=FulfilmentKind.PICKUP),
    _order("X1", status=OrderStatus.CANCELLED),
    _order("T1", window=DeliveryWindow(start=_at(10, day=6), end=_at(12, day=6))),
    _order("O1", site="ELSEWHERE"),
)


def _build(**kwargs: object) -> RoutingProblem:
    options = {
        "zones": ZONES,
        "calendar": calendar(),
        "ready_times": {("install", "K1"): _at(7)},
    }
    options.update(kwargs)
    return RoutingProblem.from_orders(site(), ORDERS, (BAR, WORKTOP), vehicle_types(), DAY, **options)  # type: ignore[arg-type]


def test_only_this_sites_deliveries_and_installs_on_the_day_are_routed() -> None:
    """Pickups, cancelled orders, other days and other sites' orders are not routed."""
    problem = _build()
    assert [d.code for d in problem.deliveries] == ["web/W1", "install/K1"]
    assert problem.horizon_start == _at(0)
    depot = problem.depots[0]
    assert (depot.open_minutes, depot.last_departure_minutes) == (360.0, 840.0)  # DAY calendar 06:00-14:00


def test_loads_freshness_and_ready_times_come_from_skus_and_the_scheduler() -> None:
    """Mass and volume from SKUs; freshness from the shortest shelf life; ready from the scheduler."""
    web, install = _build().deliveries
    assert (web.load_kg, web.load_m3) == pytest.approx((0.3, 0.0015))
    assert web.freshness_minutes == 24 * 60
    assert web.ready_minutes == 8 * 60 + 30  # just in time: 90 min before the 10:00 window
    assert install.load_kg == pytest.approx(72.0) and install.freshness_minutes is None
    assert install.ready_minutes == 7 * 60  # from ready_times
    assert install.allowed_vehicle_types == ("RIGID-75",)  # the only two-person crew
    assert (web.order_channel, web.order_external_id) == ("web", "W1")


def test_fleet_counts_and_carbon_price_set_the_vehicle_types() -> None:
    """A fleet mapping limits the types; a carbon price looks up each type's WTW factor per km."""
    options = OrderRoutingOptions(carbon_price_pence_per_tonne=8_000)
    problem = _build(fleet={"DVAN-35": 2, "RIGID-75": 1}, options=options)
    counts = {v.code: v.count for v in problem.vehicle_types}
    assert counts == {"ECARGO-BIKE": 0, "EVAN-35": 0, "DVAN-35": 2, "RIGID-75": 1, "REEFER-VAN": 0}
    dvan = problem.vehicle_type("DVAN-35")
    assert dvan.kg_co2e_per_km == pytest.approx(0.27878 + 0.06706)  # 5_303_3095_4_1 + 28_906_3095_4_1
    assert problem.carbon_price_pence_per_tonne == 8_000


def test_the_built_problem_solves_with_the_install_on_the_rigid() -> None:
    """Both orders are delivered; the kitchen install goes on the two-person 7.5 t rigid."""
    result = solve(_build(), SolveLimits(seconds=30, max_iterations=200), seed=1)
    assert result.is_feasible() and not result.unserved
    by_delivery = {s.delivery: r.vehicle_type for r in result.routes for s in r.stops}
    assert by_delivery["install/K1"] == "RIGID-75"
    _, stops = result.routes[0].to_domain(DAY)
    assert stops[0].order_channel in ("web", "install")


def test_unknown_skus_and_zones_are_input_errors_naming_the_order() -> None:
    """Every bad order line and unknown outcode is listed in one error."""
    bad = (_order("B1", lines=(OrderLine(line_no=1, sku="NOPE", quantity=1),)), _order("B2", outcode="SW1A"))
    with pytest.raises(InvalidInputError) as err:
        RoutingProblem.from_orders(site(), bad, (BAR,), vehicle_types(), DAY, zones={"E8": ZONES["E8"]})
    assert len(err.value.issues) == 2
    assert "web/B1" in str(err.value.issues[0]) and "NOPE" in str(err.value.issues[0])
    assert "SW1A" in str(err.value.issues[1])
