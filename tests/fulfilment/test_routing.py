"""Routing engine: a brute-forced tiny VRPTW, one test per unservable reason, and property tests."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microfactory.domain import GeoPoint, ProblemKind
from microfactory.fulfilment import (
    Delivery,
    PlanePoint,
    RoutingDepot,
    RoutingProblem,
    RoutingResult,
    RoutingVehicleType,
    SolveLimits,
    plane_problem,
    solve,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
HACKNEY = GeoPoint(lat=51.5437, lon=-0.0661)
QUICK = SolveLimits(seconds=30, max_iterations=300)
"""Iteration-limited so results do not depend on machine speed (the time limit is a backstop)."""


def _van(**overrides: object) -> RoutingVehicleType:
    fields: dict[str, object] = {
        "code": "VAN",
        "depot": "D",
        "count": 2,
        "capacity_kg": 100.0,
        "capacity_m3": 1.0,
        "speed_kmh": 30.0,
        "cost_pence_per_km": 10.0,
    }
    fields.update(overrides)
    return RoutingVehicleType.model_validate(fields)


def _drop(code: str, dlat: float = 0.01, **overrides: object) -> Delivery:
    fields: dict[str, object] = {
        "code": code,
        "location": GeoPoint(lat=HACKNEY.lat + dlat, lon=HACKNEY.lon),
        "load_kg": 10.0,
        "load_m3": 0.1,
        "window_open_minutes": 480.0,
        "window_close_minutes": 720.0,
        "service_minutes": 5.0,
        "ready_minutes": 420.0,
        "unserved_penalty_pence": 100_000,
    }
    fields.update(overrides)
    return Delivery.model_validate(fields)


def _problem(deliveries: list[Delivery], vehicles: list[RoutingVehicleType] | None = None) -> RoutingProblem:
    return RoutingProblem(
        horizon_start=T0,
        depots=(RoutingDepot(code="D", location=HACKNEY, open_minutes=360.0),),
        deliveries=tuple(deliveries),
        vehicle_types=tuple(vehicles or [_van()]),
    )


# --- a tiny VRPTW with a brute-forced optimum ---------------------------------------------------------

# Six customers on a plane around a depot at (0, 0); capacity 10 so no vehicle takes more than three
# of the 3-unit loads, and the window of customer 5 (due by time 25) forces it early on its route.
TINY_COORDS = [(0, 0), (10, 0), (10, 5), (0, 12), (-7, 7), (-9, -3), (3, -11)]
TINY_DEMAND = [0, 3, 3, 3, 3, 3, 3]
TINY_WINDOWS = [(0, 200), (0, 200), (0, 200), (0, 200), (0, 200), (0, 25), (0, 200)]
TINY_SERVICE = [0, 2, 2, 2, 2, 2, 2]


def _dimacs(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Euclidean distance in tenths, truncated (DIMACS)."""
    return int(10 * math.hypot(a[0] - b[0], a[1] - b[1]))


def _route_ok(route: tuple[int, ...]) -> bool:
    if sum(TINY_DEMAND[c] for c in route) > 10:
        return False
    t, here = 0.0, 0
    for c in route:
        t += _dimacs(TINY_COORDS[here], TINY_COORDS[c]) / 10
        t = max(t, TINY_WINDOWS[c][0])
        if t > TINY_WINDOWS[c][1]:
            return False
        t += TINY_SERVICE[c]
        here = c
    return t + _dimacs(TINY_COORDS[here], TINY_COORDS[0]) / 10 <= TINY_WINDOWS[0][1]


def _route_ticks(route: tuple[int, ...]) -> int:
    stops = [0, *route, 0]
    return sum(_dimacs(TINY_COORDS[a], TINY_COORDS[b]) for a, b in itertools.pairwise(stops))


def _brute_force_optimum(vehicles: int) -> int:
    """Every order of the six customers cut into at most ``vehicles`` routes: the best feasible total."""
    best = math.inf
    customers = range(1, len(TINY_COORDS))
    for perm in itertools.permutations(customers):
        for cuts in range(vehicles):
            for where in itertools.combinations(range(1, len(perm)), cuts):
                bounds = [0, *where, len(perm)]
                routes = [perm[a:b] for a, b in itertools.pairwise(bounds)]
                if all(_route_ok(r) for r in routes):
                    best = min(best, sum(_route_ticks(r) for r in routes))
    return int(best)


def test_tiny_vrptw_reaches_the_brute_force_optimum() -> None:
    """The routing model finds the proven optimum of a six-customer VRPTW (distance in DIMACS tenths)."""
    optimum = _brute_force_optimum(vehicles=3)
    problem = plane_problem(TINY_COORDS, TINY_DEMAND, TINY_WINDOWS, TINY_SERVICE, capacity=10, vehicles=3)
    result = solve(problem, SolveLimits(seconds=30, max_iterations=2000), seed=1)
    assert result.is_feasible()
    assert round(result.distance_km() * 10) == optimum


def test_plane_distances_are_truncated_to_one_decimal() -> None:
    """A 3-4-5 triangle leg stays 5.0; a leg of sqrt(2) = 1.414… counts as 1.4 (DIMACS truncation)."""
    problem = plane_problem(
        [(0, 0), (3, 4), (1, 1)], [0, 1, 1], [(0, 100)] * 3, [0, 0, 0], capacity=10, vehicles=2
    )
    result = solve(problem, QUICK, seed=1)
    legs = sorted(r.distance_km for r in result.routes)
    # One route 0→(1,1)→(3,4)→0: 1.4 + 3.6 (sqrt(13)=3.605…) + 5.0 = 10.0; the alternative of two
    # routes costs 2.8 + 10.0 = 12.8; serving both on one route is cheaper.
    assert legs == [pytest.approx(10.0)]


# --- one test per reason a delivery cannot be served -----------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "vehicle", "binding"),
    [
        (_drop("late-ready", ready_minutes=800.0), {}, "ready_after_window"),
        (_drop("heavy", load_kg=150.0), {}, "capacity_kg"),
        (_drop("bulky", load_m3=2.5), {}, "capacity_m3"),
        (_drop("far", dlat=0.5), {"range_km": 40.0}, "range"),
        (_drop("long", dlat=0.3, service_minutes=30.0), {"shift_minutes": 60.0}, "shift"),
        (_drop("stale", ready_minutes=300.0, freshness_minutes=60.0), {}, "freshness"),
        (_drop("slow", dlat=0.3, window_close_minutes=470.0, window_open_minutes=400.0), {}, "time_window"),
        (_drop("install", allowed_vehicle_types=()), {}, "compatibility"),
    ],
)
def test_unservable_delivery_is_reported_with_its_binding_constraint(
    delivery: Delivery, vehicle: dict[str, object], binding: str
) -> None:
    """The smallest case that breaks each constraint: the delivery is unserved and says why."""
    ok = _drop("ok", dlat=0.005)
    result = solve(_problem([ok, delivery], [_van(**vehicle)]), QUICK, seed=1)
    assert [u.delivery for u in result.unserved] == [delivery.code]
    assert result.unserved[0].binding_constraint == binding
    assert result.unserved[0].reason
    problem = result.problems()[0]
    assert problem.subject == delivery.code and problem.binding_constraint == binding
    assert problem.kind is ProblemKind.INFEASIBLE
    assert [s.delivery for s in result.stops()] == ["ok"]
    assert result.is_feasible()


def test_too_small_fleet_leaves_deliveries_unserved_for_lack_of_fleet() -> None:
    """Eleven 10 kg drops, one 100 kg van: ten fit, the eleventh is reported as a fleet shortage."""
    drops = [_drop(f"d{i}", dlat=0.002 * i) for i in range(11)]
    result = solve(_problem(drops, [_van(count=1)]), QUICK, seed=1)
    assert len(result.stops()) == 10
    assert [u.binding_constraint for u in result.unserved] == ["fleet"]
    assert result.unserved[0].to_problem().kind is ProblemKind.UNSERVED


def test_required_delivery_that_cannot_fit_makes_the_plan_infeasible() -> None:
    """A required drop that no vehicle can carry is still reported, and the plan is not feasible."""
    heavy = _drop("heavy", load_kg=500.0, unserved_penalty_pence=None)
    result = solve(_problem([heavy, _drop("ok")]), QUICK, seed=1)
    assert not result.is_feasible()
    assert result.explain("heavy").startswith("heavy: not served (capacity_kg)")


def test_freshness_tightens_the_latest_delivery_time() -> None:
    """Ready 07:00 with 45 min freshness: delivered by 07:45 although the window runs to 12:00."""
    drop = _drop("fresh", ready_minutes=420.0, window_open_minutes=420.0, freshness_minutes=45.0)
    result = solve(_problem([drop]), QUICK, seed=1)
    stop = result.stops()[0]
    assert stop.start_minutes <= 465.0 + 1e-6
    assert stop.lead_minutes <= 45.0 + 1e-6


def test_carbon_price_moves_work_to_the_cleaner_vehicle() -> None:
    """Diesel is cheaper per km, but at £5,000/t CO2e the electric van wins the route."""
    diesel = _van(code="DIESEL", count=1, cost_pence_per_km=10.0, kg_co2e_per_km=0.35)
    electric = _van(code="EV", count=1, cost_pence_per_km=12.0, kg_co2e_per_km=0.1)
    drops = [_drop("a", dlat=0.02), _drop("b", dlat=0.03)]
    cheap = solve(_problem(drops, [diesel, electric]), QUICK, seed=1)
    priced_problem = _problem(drops, [diesel, electric]).replace(carbon_price_pence_per_tonne=500_000)
    priced = solve(priced_problem, QUICK, seed=1)
    assert {r.vehicle_type for r in cheap.routes} == {"DIESEL"}
    assert {r.vehicle_type for r in priced.routes} == {"EV"}
    # The route cost includes the carbon price: 10 p/km vs 12 + 500 p/kg × 0.1 kg/km = 62 p/km.
    route = priced.routes[0]
    assert route.cost_pence == round(route.distance_km * (12.0 + 500.0 * 0.1))


def test_several_depots_respect_allowed_depots() -> None:
    """Each delivery made at one site leaves from that site, though the other depot is nearer."""
    north = RoutingDepot(code="N", location=GeoPoint(lat=51.60, lon=-0.07), open_minutes=360.0)
    south = RoutingDepot(code="S", location=GeoPoint(lat=51.48, lon=-0.07), open_minutes=360.0)
    drops = (
        _drop("made-north", dlat=51.49 - HACKNEY.lat, allowed_depots=("N",)),
        _drop("made-south", dlat=51.59 - HACKNEY.lat, allowed_depots=("S",)),
    )
    problem = RoutingProblem(
        horizon_start=T0,
        depots=(north, south),
        deliveries=drops,
        vehicle_types=(_van(code="VN", depot="N"), _van(code="VS", depot="S")),
    )
    result = solve(problem, QUICK, seed=1)
    assert result.is_feasible()
    depot_of = {s.delivery: r.depot for r in result.routes for s in r.stops}
    assert depot_of == {"made-north": "N", "made-south": "S"}


def test_routes_become_plan_records_with_utc_times() -> None:
    """Routes and stops convert to DeliveryRoute and RouteStop records with aware UTC datetimes."""
    drop = _drop("x", order_channel="web", order_external_id="W-1")
    result = solve(_problem([drop]), QUICK, seed=1)
    route, stops = result.routes[0].to_domain(T0.date())
    assert route.site == "D" and route.vehicle_type == "VAN"
    assert stops[0].order_external_id == "W-1"
    assert stops[0].arrival.tzinfo is UTC
    assert stops[0].departure >= T0.replace(hour=8, minute=5)


def test_empty_problem_and_no_vehicles_still_give_a_result() -> None:
    """No deliveries: an empty feasible plan; no vehicles: every delivery unserved with a reason."""
    assert solve(_problem([]), QUICK, seed=1).kpis()["stops"] == 0
    result = solve(_problem([_drop("a")], [_van(count=0)]), QUICK, seed=1)
    assert [u.binding_constraint for u in result.unserved] == ["compatibility"]


def test_kpis_report_on_time_share_and_lead_time() -> None:
    """KPIs count stops, vehicles and km, and measure lead time from ready to delivery."""
    drops = [_drop("a"), _drop("b", dlat=0.02), _drop("late", ready_minutes=800.0)]
    kpis = solve(_problem(drops), QUICK, seed=1).kpis()
    assert kpis["deliveries"] == 3 and kpis["stops"] == 2 and kpis["unserved"] == 1
    assert kpis["on_time_share"] == pytest.approx(2 / 3)
    assert kpis["mean_lead_minutes"] >= 60.0  # ready 07:00, windows open 08:00
    assert kpis["distance_km"] > 0


def test_problem_validation_names_the_bad_reference() -> None:
    """A vehicle at an unknown depot and a mix of map and plane points are refused."""
    with pytest.raises(ValueError, match="unknown depot"):
        _problem([_drop("a")], [_van(depot="X")])
    with pytest.raises(ValueError, match="mix map points"):
        _problem([_drop("a", location=PlanePoint(x=0, y=0))])


# --- properties on random small cases ------------------------------------------------------------


@st.composite
def small_problems(draw: st.DrawFn) -> RoutingProblem:
    """1–2 depots, 1–3 vehicle types, 1–7 deliveries near Hackney with random constraints."""
    offsets = st.floats(-0.06, 0.06, allow_nan=False)
    depots = [
        RoutingDepot(
            code=f"D{i}",
            location=GeoPoint(lat=HACKNEY.lat + draw(offsets), lon=HACKNEY.lon + draw(offsets)),
            open_minutes=draw(st.sampled_from([300.0, 360.0])),
            last_departure_minutes=draw(st.sampled_from([None, 1000.0])),
            return_by_minutes=draw(st.sampled_from([None, 1200.0])),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    vehicles = [
        RoutingVehicleType(
            code=f"V{i}",
            depot=draw(st.sampled_from([d.code for d in depots])),
            count=draw(st.integers(1, 3)),
            capacity_kg=draw(st.floats(20, 200)),
            capacity_m3=draw(st.one_of(st.none(), st.floats(0.2, 2.0))),
            speed_kmh=draw(st.sampled_from([12.0, 25.0, 40.0])),
            range_km=draw(st.one_of(st.none(), st.floats(5, 60))),
            shift_minutes=draw(st.one_of(st.none(), st.floats(60, 600))),
            fixed_cost_pence=draw(st.integers(0, 20_000)),
            cost_pence_per_km=draw(st.floats(0, 60)),
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    deliveries = []
    for j in range(draw(st.integers(1, 7))):
        opens = draw(st.floats(360, 900))
        deliveries.append(
            Delivery(
                code=f"o{j}",
                location=GeoPoint(lat=HACKNEY.lat + draw(offsets), lon=HACKNEY.lon + draw(offsets)),
                load_kg=draw(st.floats(0, 90)),
                load_m3=draw(st.floats(0, 0.6)),
                window_open_minutes=opens,
                window_close_minutes=opens + draw(st.floats(20, 300)),
                service_minutes=draw(st.floats(0, 15)),
                ready_minutes=draw(st.floats(240, 900)),
                freshness_minutes=draw(st.one_of(st.none(), st.floats(20, 400))),
                allowed_depots=draw(st.one_of(st.none(), st.just((depots[0].code,)))),
                unserved_penalty_pence=100_000,
            )
        )
    return RoutingProblem(
        horizon_start=T0,
        depots=tuple(depots),
        deliveries=tuple(deliveries),
        vehicle_types=tuple(vehicles),
        circuity=draw(st.sampled_from([1.0, 1.3, 1.4])),
    )


def _independent_violations(result: RoutingResult) -> list[str]:
    """Re-derive every rule from the problem, without the engine's own checker."""
    p = result.problem
    deliveries = {d.code: d for d in p.deliveries}
    out = []
    for r in result.routes:
        v = p.vehicle_type(r.vehicle_type)
        depot = p.depot(r.depot)
        stops = [deliveries[s.delivery] for s in r.stops]
        if sum(d.load_kg for d in stops) > v.capacity_kg + 1e-6:
            out.append("kg")
        if v.capacity_m3 is not None and sum(d.load_m3 for d in stops) > v.capacity_m3 + 1e-6:
            out.append("m3")
        if v.range_km is not None and r.distance_km > v.range_km + 1e-6:
            out.append("range")
        if v.shift_minutes is not None and r.duration_minutes > v.shift_minutes + 0.02:
            out.append("shift")
        earliest = max(depot.open_minutes, *(d.ready_minutes for d in stops))
        if r.start_minutes < earliest - 0.02:
            out.append("release")
        for s, d in zip(r.stops, stops, strict=True):
            if not d.window_open_minutes - 0.02 <= s.start_minutes <= d.window_close_minutes + 0.02:
                out.append("window")
            fresh = d.freshness_minutes
            if fresh is not None and s.start_minutes - d.ready_minutes > fresh + 0.02:
                out.append("freshness")
            if d.allowed_depots is not None and r.depot not in d.allowed_depots:
                out.append("depot")
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(), st.integers(0, 3))
def test_random_plans_keep_every_constraint(problem: RoutingProblem, seed: int) -> None:
    """Windows, loads (kg and m³), range, shift, ready times and freshness hold on every route."""
    result = solve(problem, SolveLimits(seconds=30, max_iterations=150), seed=seed)
    assert result.violations() == ()
    assert _independent_violations(result) == []
    assert result.is_feasible()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_every_delivery_is_served_once_or_unserved_with_a_reason(problem: RoutingProblem) -> None:
    """Nothing is dropped silently: served exactly once, or listed with a binding constraint and reason."""
    result = solve(problem, SolveLimits(seconds=30, max_iterations=150), seed=1)
    served = [s.delivery for s in result.stops()]
    unserved = [u.delivery for u in result.unserved]
    assert sorted(served + unserved) == sorted(d.code for d in problem.deliveries)
    assert len(set(served)) == len(served)
    assert all(u.reason and u.binding_constraint for u in result.unserved)


def test_distance_matrix_agrees_with_pyvrp_dimacs_reading() -> None:
    """The plane metric equals ``pyvrp.read(..., round_func="dimacs")`` on a Solomon file, entry by entry."""
    from pathlib import Path

    from microfactory.fulfilment.routing_model import compile_model

    path = Path(__file__).resolve().parents[3] / "shared" / "bench" / "vrptw" / "solomon" / "R101.vrp"
    if not path.exists():
        pytest.skip("shared Solomon instances not available")
    import vrplib  # type: ignore[import-untyped]
    from pyvrp import read

    from microfactory.fulfilment import problem_from_vrplib

    ours = compile_model(problem_from_vrplib(vrplib.read_instance(str(path)))).data
    assert ours is not None
    theirs = read(path, round_func="dimacs")
    assert np.array_equal(ours.distance_matrix(0), theirs.distance_matrix(0))
    assert np.array_equal(ours.duration_matrix(0), theirs.duration_matrix(0))
    assert [c.tw_late for c in ours.clients()] == [c.tw_late for c in theirs.clients()]
    assert [c.service_duration for c in ours.clients()] == [c.service_duration for c in theirs.clients()]


def test_repair_drops_deliveries_until_an_infeasible_route_is_feasible() -> None:
    """If the time limit ends before a feasible plan, overloaded or late stops are dropped and reported."""
    from pyvrp import Route, Solution

    from microfactory.fulfilment.routing import _repair
    from microfactory.fulfilment.routing_model import compile_model

    drops = [_drop(f"d{i}", dlat=0.002 * i, load_kg=30.0) for i in range(6)]  # 180 kg on a 100 kg van
    compiled = compile_model(_problem(drops, [_van(count=1)]))
    assert compiled.data is not None
    overloaded = Solution(compiled.data, [Route(compiled.data, list(range(6)), 0)])
    assert not overloaded.is_feasible()
    repaired, dropped = _repair(compiled.data, overloaded)
    assert repaired.is_feasible()
    assert len(dropped) == 3  # 3 × 30 kg = 90 kg fit
