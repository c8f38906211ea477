"""Emission reports: order lines add up to routes, routes to sites and weeks; tables keep provenance."""

from __future__ import annotations

from datetime import date

import pytest

from microfactory.emissions import (
    Boundary,
    Shipment,
    Trip,
    emissions_report,
    load_desnz_2025,
    trips_emissions,
    trips_from_routes,
    week_start,
)

DVAN = "5_303_3095_4_1"
EVAN = "8_303_3101_4_1"
FRI, NEXT_MON = date(2026, 11, 20), date(2026, 11, 23)


def _trips() -> tuple[Trip, ...]:
    return (
        Trip("A-1", "A", FRI, DVAN, 30.0, (Shipment("o1", 100.0, 10.0), Shipment("o2", 50.0, 20.0))),
        Trip("A-2", "A", NEXT_MON, EVAN, 20.0, (Shipment("o3", 80.0, 8.0),)),
        Trip("B-1", "B", FRI, DVAN, 10.0, (Shipment("o4", 10.0, 4.0),)),
    )


def test_levels_add_up() -> None:
    """Orders sum to routes, routes to sites and to weeks; the grand total is the same at each level."""
    report = emissions_report(trips_emissions(_trips(), load_desnz_2025(), Boundary.WTW))
    total = report.total()
    assert total is not None
    for lines in (report.by_order, report.by_site, report.by_week, report.by_site_week):
        assert sum(line.kg_co2e for line in lines) == pytest.approx(total.kg_co2e)
        assert sum(line.tonne_km for line in lines) == pytest.approx(total.tonne_km)
    assert [line.key for line in report.by_site] == ["A", "B"]
    assert [line.week_start for line in report.by_week] == [date(2026, 11, 16), date(2026, 11, 23)]
    # Route A-1 (WTW diesel, 30 km × 0.34584 = 10.3752 kg) over 2 tkm: 5,187.6 g/tkm.
    a1 = report.by_route[0]
    assert a1.kg_co2e == pytest.approx(10.3752)
    assert a1.g_co2e_per_tonne_km == pytest.approx(5187.6)


def test_table_keeps_boundary_set_year_and_rows() -> None:
    """Each table row names the factor set, year, boundary and the DESNZ rows behind it."""
    report = emissions_report(trips_emissions(_trips(), load_desnz_2025(), Boundary.TTW))
    frame = report.to_frame("site_week")
    assert list(frame["key"]) == ["A/2026-11-16", "A/2026-11-23", "B/2026-11-16"]
    assert set(frame["boundary"]) == {"ttw"} and set(frame["factor_set_id"]) == {"desnz-2025"}
    assert set(frame["year"]) == {2025}
    assert frame.loc[0, "row_ids"] == "5_303_3095_4_1"
    with pytest.raises(ValueError, match="unknown level"):
        report.to_frame("month")


def test_week_starts_on_monday() -> None:
    """Friday belongs to the week starting the Monday before; Monday starts its own week."""
    assert week_start(FRI) == date(2026, 11, 16)
    assert week_start(NEXT_MON) == NEXT_MON


def test_trips_from_planned_routes_use_distance_on_the_vehicle() -> None:
    """A routing result becomes trips: each order's tonne-km uses its km from the depot on that route."""
    from datetime import UTC, datetime

    from microfactory.domain import GeoPoint
    from microfactory.fulfilment import (
        Delivery,
        RoutingDepot,
        RoutingProblem,
        RoutingVehicleType,
        SolveLimits,
        solve,
    )

    depot = GeoPoint(lat=51.54, lon=-0.07)
    problem = RoutingProblem(
        horizon_start=datetime(2026, 11, 20, tzinfo=UTC),
        depots=(RoutingDepot(code="A", location=depot),),
        deliveries=tuple(
            Delivery(code=f"o{i}", location=GeoPoint(lat=51.54 + 0.01 * i, lon=-0.07), load_kg=50.0)
            for i in (1, 2)
        ),
        vehicle_types=(
            RoutingVehicleType(code="VAN", depot="A", count=1, capacity_kg=500.0, speed_kmh=30.0),
        ),
    )
    result = solve(problem, SolveLimits(seconds=10, max_iterations=100), seed=1)
    (trip,) = trips_from_routes(result.routes, FRI, {"VAN": DVAN})
    km = {s.order: s.distance_km for s in trip.shipments}
    assert km["o2"] > km["o1"] > 0  # the farther drop rides the whole way out
    assert trip.distance_km == pytest.approx(result.distance_km())
    with pytest.raises(KeyError, match="VAN"):
        trips_from_routes(result.routes, FRI, {})
