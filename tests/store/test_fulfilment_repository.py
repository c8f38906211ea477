"""Delivery emissions and delivery-day orders in the store: round trip, cascade, totals per site and week."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microfactory.domain import FulfilmentKind, OrderStatus, PlanHorizon
from microfactory.store import (
    OrderEmission,
    RouteEmission,
    delivery_day_counts,
    emissions_by_site,
    emissions_by_week,
    find_plan_run_id,
    load_emissions,
    load_window_orders,
    order_emissions,
    order_outcodes,
    save_emissions,
    save_plan_run,
    upsert_orders,
)
from microfactory.store.models import OrderEmissionRow, RouteEmissionRow
from tests.store.factories import T0, order

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
VAN_ROWS = ("5_303_3095_4_1", "28_906_3095_4_1")


def _horizon(day: date) -> PlanHorizon:
    start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
    return PlanHorizon(start=start, end=start + timedelta(days=1))


def _records(
    site: str, day: date, *, kg: float = 10.0, boundaries: tuple[str, ...] = ("wtw", "ttw")
) -> tuple[list[RouteEmission], list[OrderEmission]]:
    """One route of 40 km with two orders sharing its kg CO2e 1:3 by tonne-km, per boundary."""
    routes, orders = [], []
    for b in boundaries:
        total = kg if b == "wtw" else kg * 0.8
        routes.append(
            RouteEmission(
                site, f"{site}-R1", day, "DVAN", b, "per_km", 40.0, 4.0, total, "desnz-2025", 2025, VAN_ROWS
            )
        )
        for i, share in enumerate((0.25, 0.75)):
            orders.append(
                OrderEmission(
                    site, f"{site}-R1", day, "web", f"ORD-{i}", b, "per_km", 4.0 * share, total * share,
                    "desnz-2025", 2025, VAN_ROWS if b == "wtw" else VAN_ROWS[:1],
                )
            )  # fmt: skip
    return routes, orders


def _save(session: Session, site: str, day: date, *, kg: float = 10.0) -> int:
    run_id = save_plan_run(session, stage="routes", scope=site, horizon=_horizon(day), kpis={})
    routes, orders = _records(site, day, kg=kg)
    save_emissions(session, run_id, routes=routes, orders=orders)
    return run_id


def _count(session: Session, model: type[RouteEmissionRow] | type[OrderEmissionRow]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_emissions_round_trip_exactly(session: Session) -> None:
    """Routes and orders come back as saved, row ids in their order, sorted by route and boundary."""
    run_id = _save(session, "LON-MF", MONDAY)
    routes, orders = _records("LON-MF", MONDAY)
    loaded = load_emissions(session, run_id)
    assert loaded.routes == sorted(routes, key=lambda r: (r.route_code, r.boundary))
    assert loaded.orders == sorted(orders, key=lambda o: (o.route_code, o.order_external_id, o.boundary))
    wtw = load_emissions(session, run_id, boundary="wtw")
    assert [r.boundary for r in wtw.routes] == ["wtw"]
    assert wtw.routes[0].g_co2e_per_tonne_km == pytest.approx(2500.0)


def test_replanning_the_day_replaces_its_emissions(session: Session) -> None:
    """Saving the plan run for the same site and day again cascades its old emissions away."""
    _save(session, "LON-MF", MONDAY)
    before = (_count(session, RouteEmissionRow), _count(session, OrderEmissionRow))
    second = _save(session, "LON-MF", MONDAY, kg=12.0)
    assert (_count(session, RouteEmissionRow), _count(session, OrderEmissionRow)) == before == (2, 4)
    assert find_plan_run_id(session, stage="routes", scope="LON-MF", horizon=_horizon(MONDAY)) == second
    assert [t.kg_co2e for t in emissions_by_site(session)] == [pytest.approx(12.0)]


def test_a_route_and_boundary_cannot_repeat(session: Session) -> None:
    """Two records for the same route and boundary in one plan run are refused by the database."""
    run_id = save_plan_run(session, stage="routes", scope="LON-MF", horizon=_horizon(MONDAY), kpis={})
    routes, _ = _records("LON-MF", MONDAY, boundaries=("wtw",))
    with pytest.raises(IntegrityError):
        save_emissions(session, run_id, routes=[*routes, *routes])


def test_unknown_boundary_is_refused(session: Session) -> None:
    """Only ttw and wtw exist; anything else names the allowed values."""
    with pytest.raises(ValueError, match="ttw, wtw"):
        emissions_by_site(session, boundary="scope3")
    run_id = save_plan_run(session, stage="routes", scope="LON-MF", horizon=_horizon(MONDAY), kpis={})
    routes, _ = _records("LON-MF", MONDAY, boundaries=("wtw",))
    with pytest.raises(ValueError, match="boundary"):
        save_emissions(session, run_id, routes=[replace(routes[0], boundary="x")])


def test_totals_per_site_and_week(session: Session) -> None:
    """Sums per site in a week, per week over sites, and per site × week, with their provenance."""
    _save(session, "LON-MF", MONDAY, kg=10.0)
    _save(session, "LON-MF", MONDAY + timedelta(days=4), kg=5.0)
    _save(session, "MAN-MF", MONDAY + timedelta(days=6), kg=2.0)
    _save(session, "MAN-MF", MONDAY + timedelta(days=7), kg=7.0)  # the next week

    week = emissions_by_site(session, week_start=MONDAY + timedelta(days=2))
    assert [(t.site, t.routes, t.kg_co2e) for t in week] == [("LON-MF", 2, 15.0), ("MAN-MF", 1, 2.0)]
    assert week[0].distance_km == 80.0 and week[0].tonne_km == 8.0
    assert week[0].g_co2e_per_tonne_km == pytest.approx(1875.0)
    assert week[0].factor_sets == ("desnz-2025:2025",)
    assert week[0].factor_row_ids == tuple(sorted(VAN_ROWS))
    assert week[0].week_start is None

    weeks = emissions_by_week(session)
    assert [(t.site, t.week_start, t.kg_co2e) for t in weeks] == [
        (None, MONDAY, 17.0),
        (None, MONDAY + timedelta(days=7), 7.0),
    ]
    per_site = emissions_by_week(session, per_site=True, boundary="ttw")
    assert [(t.site, t.week_start) for t in per_site] == [
        ("LON-MF", MONDAY),
        ("MAN-MF", MONDAY),
        ("MAN-MF", MONDAY + timedelta(days=7)),
    ]
    assert per_site[0].kg_co2e == pytest.approx(12.0)
    assert [t.site for t in emissions_by_week(session, site="MAN-MF", per_site=True)] == ["MAN-MF"] * 2


def test_order_emissions_of_a_week(session: Session) -> None:
    """Per-order shares of the week, sorted by site, day and order; they add up to the route totals."""
    _save(session, "MAN-MF", MONDAY + timedelta(days=1), kg=4.0)
    _save(session, "LON-MF", MONDAY, kg=10.0)
    _save(session, "LON-MF", MONDAY - timedelta(days=1), kg=3.0)  # the week before
    found = order_emissions(session, week_start=MONDAY)
    assert [(o.site, o.order_external_id) for o in found] == [
        ("LON-MF", "ORD-0"),
        ("LON-MF", "ORD-1"),
        ("MAN-MF", "ORD-0"),
        ("MAN-MF", "ORD-1"),
    ]
    assert sum(o.kg_co2e for o in found) == pytest.approx(14.0)
    ttw = order_emissions(session, week_start=MONDAY, boundary="ttw")
    assert ttw[0].factor_row_ids == (VAN_ROWS[0],)
    assert order_emissions(session, week_start=MONDAY, site="MAN-MF")[0].kg_co2e == pytest.approx(1.0)


def test_delivery_day_orders_counts_and_outcodes(session: Session) -> None:
    """Routed orders per site and local day; the day's orders with lines; outcodes by order key."""
    routed = [
        order(1).model_copy(update={"site": "LON-MF", "fulfilment": FulfilmentKind.DELIVERY}),
        order(2, outcode="E2").model_copy(update={"site": "LON-MF", "fulfilment": FulfilmentKind.INSTALL}),
        order(3).model_copy(update={"site": None}),  # not allocated yet: the brand's
        order(4).model_copy(update={"site": "LON-MF", "fulfilment": FulfilmentKind.PICKUP}),
        order(5, status=OrderStatus.CANCELLED).model_copy(update={"site": "LON-MF"}),
        order(6, brand="OTHER").model_copy(update={"site": None}),
    ]
    upsert_orders(session, routed)
    day_start = (T0 + timedelta(days=3)).replace(hour=0)
    counts = delivery_day_counts(session, start=day_start, end=day_start + timedelta(days=1))
    assert counts == {"LON-MF": {date(2026, 11, 26): 2}}
    found = load_window_orders(
        session, start=day_start, end=day_start + timedelta(days=1), site="LON-MF", brand="KIT"
    )
    assert [o.external_id for o in found] == ["ORD-00001", "ORD-00002", "ORD-00003"]
    assert found[0] == routed[0]
    only_site = load_window_orders(session, start=day_start, end=day_start + timedelta(days=1), site="LON-MF")
    assert len(only_site) == 2
    assert order_outcodes(session, [("web", "ORD-00002"), ("web", "ORD-00001"), ("web", "NOPE")]) == {
        ("web", "ORD-00001"): "E1",
        ("web", "ORD-00002"): "E2",
    }
