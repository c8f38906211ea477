"""Central versus local: the same deliveries from a plant via a hub, or from a microfactory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microfactory.domain import GeoPoint
from microfactory.emissions import Boundary
from microfactory.fulfilment import (
    Delivery,
    RoutingDepot,
    RoutingProblem,
    RoutingVehicleType,
    SolveLimits,
    TrunkHaul,
    compare_central_local,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
MICRO = RoutingDepot(code="KIT-LON", location=GeoPoint(lat=51.5889, lon=-0.0604), open_minutes=360.0)
HUB = RoutingDepot(code="HUB-LON", location=GeoPoint(lat=51.5330, lon=-0.2640), open_minutes=360.0)
PLANT = RoutingDepot(code="KIT-CENTRAL", location=GeoPoint(lat=52.5410, lon=-1.3730), open_minutes=240.0)
LIMITS = SolveLimits(seconds=30, max_iterations=200)


def _van(code: str, depot: str) -> RoutingVehicleType:
    return RoutingVehicleType(
        code=code,
        depot=depot,
        count=3,
        capacity_kg=1_100.0,
        capacity_m3=10.0,
        speed_kmh=28.0,
        shift_minutes=540.0,
        fixed_cost_pence=19_500,
        cost_pence_per_km=12.0,
        emission_factor_key="8_303_3101_4_1",
    )


def _local() -> RoutingProblem:
    drops = tuple(
        Delivery(
            code=f"o{i}",
            location=GeoPoint(lat=51.50 + 0.02 * i, lon=-0.12 + 0.01 * i),
            load_kg=80.0,
            load_m3=0.4,
            window_open_minutes=600.0,
            window_close_minutes=960.0,
            service_minutes=10.0,
            ready_minutes=420.0,
            unserved_penalty_pence=100_000,
        )
        for i in range(5)
    )
    return RoutingProblem(
        horizon_start=T0, depots=(MICRO,), deliveries=drops, vehicle_types=(_van("EVAN", "KIT-LON"),)
    )


def test_central_route_adds_trunk_km_lead_time_and_emissions() -> None:
    """Via the plant and hub the goods travel further, later and with more CO2e than from the micro-site."""
    trunk = TrunkHaul(departures_minutes=(420.0, 720.0))
    cmp = compare_central_local(
        _local(), plant=PLANT, hub=HUB, hub_fleet=(_van("HUB-EVAN", "HUB-LON"),), trunk=trunk, limits=LIMITS
    )
    central, local = cmp.central, cmp.local
    assert central.trunk_trips == 1 and local.trunk_trips == 0
    assert central.trunk_km > 200  # two ways of ~150 km straight line × 1.4 circuity
    assert central.km > local.km
    assert central.emissions.kg_co2e > local.emissions.kg_co2e > 0
    assert central.mean_lead_minutes > local.mean_lead_minutes
    assert central.on_time_share == local.on_time_share == 1.0
    assert cmp.boundary is Boundary.WTW and cmp.factor_set_id == "desnz-2025"
    # The trunk's row (articulated HGV, laden-interpolated) is cited with the last-mile rows.
    assert any(r.startswith("5_304_") for r in central.emissions.row_ids)
    rows = cmp.rows()
    assert [r["scenario"] for r in rows] == ["central", "local"]
    assert rows[0]["vehicles_used"] == len(central.routing.routes) + 1


def test_missing_the_trunk_means_missing_the_window() -> None:
    """Ready after the only (04:00) trunk: the goods wait a day at the plant and every window is missed."""
    cmp = compare_central_local(
        _local(), plant=PLANT, hub=HUB, hub_fleet=(_van("HUB-EVAN", "HUB-LON"),), limits=LIMITS
    )
    assert cmp.central.on_time_share == 0.0
    assert {u.binding_constraint for u in cmp.central.routing.unserved} == {"ready_after_window"}
    assert cmp.local.on_time_share == pytest.approx(1.0)
