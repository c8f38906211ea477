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
from microfactory.fulfilment.routing_compare import ScenarioTotals, sum_comparisons

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


def _day_totals(
    deliveries: int, served: int, km: tuple[float, float], kg: float, on_time: float, lead: float
) -> ScenarioTotals:
    return ScenarioTotals(
        name="central",
        deliveries=deliveries,
        served=served,
        trunk_km=km[0],
        last_mile_km=km[1],
        kg_co2e=kg,
        on_time_share=on_time,
        mean_lead_minutes=lead,
        trunk_trips=1,
        vehicles_used=2,
        row_ids=("a",),
    )


def test_two_days_add_up_by_hand() -> None:
    """km and kg add; on-time share weighs by deliveries, lead time by served deliveries."""
    # Day 1: 4 deliveries, all served, 3 on time, mean lead 600 min; 300 + 50 km, 200 kg.
    # Day 2: 2 deliveries, 1 served (on time), lead 900 min; 300 + 20 km, 150 kg.
    week = _day_totals(4, 4, (300.0, 50.0), 200.0, 0.75, 600.0) + _day_totals(
        2, 1, (300.0, 20.0), 150.0, 0.5, 900.0
    )
    assert week.km == pytest.approx(670.0)
    assert week.trunk_km == pytest.approx(600.0) and week.last_mile_km == pytest.approx(70.0)
    assert week.kg_co2e == pytest.approx(350.0)
    assert week.on_time_share == pytest.approx(4 / 6)  # (3 + 1) on time of 6
    assert week.mean_lead_minutes == pytest.approx((4 * 600 + 1 * 900) / 5)  # 660 over 5 served
    assert (week.deliveries, week.served, week.unserved, week.parts) == (6, 5, 1, 2)
    assert (week.trunk_trips, week.vehicles_used, week.row_ids) == (2, 4, ("a",))
    row = week.row()
    assert row["km"] == 670.0 and row["on_time_share"] == 0.6667 and row["mean_lead_minutes"] == 660.0
    empty = _day_totals(0, 0, (0.0, 0.0), 0.0, 1.0, 0.0)
    assert (empty + empty).on_time_share == 1.0 and (empty + empty).mean_lead_minutes == 0.0
    with pytest.raises(ValueError, match="cannot add"):
        _ = week + ScenarioTotals(**{**week.__dict__, "name": "local"})


def test_sum_comparisons_matches_the_days() -> None:
    """Summing two solved days gives the sums and weighted means of their own figures."""
    hub_fleet = (_van("HUB-EVAN", "HUB-LON"),)
    trunk = TrunkHaul(departures_minutes=(420.0, 720.0))
    days = [
        compare_central_local(
            _local(), plant=PLANT, hub=HUB, hub_fleet=hub_fleet, trunk=trunk, limits=LIMITS
        ),
        compare_central_local(_local(), plant=PLANT, hub=HUB, hub_fleet=hub_fleet, limits=LIMITS),
    ]
    week = sum_comparisons(days)
    assert week.parts == 2 and week.boundary is Boundary.WTW and week.factor_year == 2025
    for name in ("central", "local"):
        total = getattr(week, name)
        outcomes = [getattr(d, name) for d in days]
        assert total.km == pytest.approx(sum(o.km for o in outcomes))
        assert total.kg_co2e == pytest.approx(sum(o.emissions.kg_co2e for o in outcomes))
        assert total.deliveries == 10
        assert total.on_time_share == pytest.approx(sum(o.on_time_share for o in outcomes) / 2)
    # Day 2 misses the trunk: nothing central is on time, so the week is half on time.
    assert week.central.on_time_share == pytest.approx(0.5)
    assert week.local.on_time_share == pytest.approx(1.0)
    served = [len(d.central.routing.stops()) for d in days]
    lead = sum(n * d.central.mean_lead_minutes for n, d in zip(served, days, strict=True)) / sum(served)
    assert week.central.mean_lead_minutes == pytest.approx(lead)
    assert [r["scenario"] for r in week.rows()] == ["central", "local"]
    with pytest.raises(ValueError, match="no comparisons"):
        sum_comparisons([])
