"""Independent re-check of planned routes against the routing problem.

The solver's own feasibility verdict is not taken on trust: every route is replayed from the problem's
data (distances, speeds, windows, ready times, freshness, capacities, range, shift, depot hours, fleet
size) and each broken rule is named. Tolerances cover only the integer rounding of the model
(one second per leg, one metre per leg).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from microfactory.fulfilment.routing_model import distance_ticks, resolution_for, travel_minutes
from microfactory.fulfilment.routing_problem import RoutingProblem
from microfactory.fulfilment.routing_result import PlannedRoute

TIME_TOLERANCE_MINUTES = 0.02
LOAD_TOLERANCE = 1e-6


def _or_inf(value: float | None) -> float:
    return float("inf") if value is None else value


def _from(value: float | None) -> float:
    return -float("inf") if value is None else value


def check_routes(
    problem: RoutingProblem,
    routes: Sequence[PlannedRoute],
    unserved: Iterable[str] | None = None,
) -> tuple[str, ...]:
    """Broken constraints of ``routes`` as readable lines (empty when all hold).

    When ``unserved`` (delivery codes) is given, also checks that every delivery is either served
    exactly once or listed as unserved.
    """
    res = resolution_for(problem)
    km = distance_ticks(problem, res) / res.distance_ticks_per_km
    n_dep = len(problem.depots)
    index = {d.code: n_dep + j for j, d in enumerate(problem.deliveries)}
    depot_index = {d.code: i for i, d in enumerate(problem.depots)}
    types = {v.code: v for v in problem.vehicle_types}
    out: list[str] = []
    served: Counter[str] = Counter()
    used: Counter[str] = Counter()
    tol = TIME_TOLERANCE_MINUTES
    for r in routes:
        name = r.route_code
        v = types.get(r.vehicle_type)
        if v is None or r.depot not in depot_index:
            out.append(f"{name}: unknown vehicle type {r.vehicle_type!r} or depot {r.depot!r}")
            continue
        used[v.code] += 1
        if v.depot != r.depot:
            out.append(f"{name}: {v.code} is based at {v.depot}, not {r.depot}")
        depot = problem.depot(r.depot)
        here = depot_index[r.depot]
        t_prev = r.start_minutes
        dist = 0.0
        mass = volume = 0.0
        ready = -1e18
        if r.start_minutes < max(depot.open_minutes, _from(v.available_from_minutes)) - tol:
            out.append(f"{name}: leaves at {r.start_minutes:.1f} before the depot or vehicle is available")
        for s in r.stops:
            j = index.get(s.delivery)
            if j is None:
                out.append(f"{name}: unknown delivery {s.delivery!r}")
                continue
            d = problem.deliveries[j - n_dep]
            served[d.code] += 1
            leg = float(km[here, j])
            dist += leg
            mass += d.load_kg
            volume += d.load_m3
            ready = max(ready, d.ready_minutes)
            if d.allowed_vehicle_types is not None and v.code not in d.allowed_vehicle_types:
                out.append(f"{name}: {d.code} may not travel on {v.code}")
            if d.allowed_depots is not None and r.depot not in d.allowed_depots:
                out.append(f"{name}: {d.code} may not leave from {r.depot}")
            if s.arrival_minutes < t_prev + float(travel_minutes(leg, v.speed_kmh)) - tol:
                out.append(f"{name}: arrives at {d.code} faster than {v.speed_kmh:g} km/h allows")
            if s.start_minutes < max(s.arrival_minutes, d.window_open_minutes) - tol:
                out.append(f"{name}: {d.code} served before arrival or before its window opens")
            if s.start_minutes > d.window_close_minutes + tol:
                out.append(f"{name}: {d.code} served at {s.start_minutes:.1f}, after its window closes")
            fresh = d.freshness_minutes
            if fresh is not None and s.start_minutes - d.ready_minutes > fresh + tol:
                out.append(
                    f"{name}: {d.code} delivered {s.start_minutes - d.ready_minutes:.0f} min after "
                    f"ready, over its freshness limit of {fresh:g} min"
                )
            if s.departure_minutes < s.start_minutes + d.service_minutes - tol:
                out.append(f"{name}: {d.code} left before its service time is over")
            t_prev = s.departure_minutes
            here = j
        back = float(km[here, depot_index[r.depot]])
        dist += back
        if r.stops and r.end_minutes < t_prev + float(travel_minutes(back, v.speed_kmh)) - tol:
            out.append(f"{name}: returns to the depot faster than {v.speed_kmh:g} km/h allows")
        if r.stops and r.start_minutes < ready - tol:
            out.append(f"{name}: leaves at {r.start_minutes:.1f} before its goods are ready at {ready:.1f}")
        return_by = min(_or_inf(depot.return_by_minutes), _or_inf(v.available_until_minutes))
        if r.end_minutes > return_by + tol:
            out.append(f"{name}: returns at {r.end_minutes:.1f}, after the depot or vehicle closes")
        if depot.last_departure_minutes is not None and r.start_minutes > depot.last_departure_minutes + tol:
            out.append(f"{name}: leaves at {r.start_minutes:.1f}, after the last departure")
        if v.shift_minutes is not None and r.end_minutes - r.start_minutes > v.shift_minutes + tol:
            out.append(
                f"{name}: takes {r.end_minutes - r.start_minutes:.0f} min, over the shift of "
                f"{v.shift_minutes:g} min"
            )
        if abs(dist - r.distance_km) > 1e-6 * max(1.0, dist):
            out.append(f"{name}: reports {r.distance_km:.3f} km but its legs add up to {dist:.3f} km")
        if v.range_km is not None and dist > v.range_km + 1e-6:
            out.append(f"{name}: drives {dist:.1f} km, over the {v.code} range of {v.range_km:g} km")
        if mass > v.capacity_kg * (1 + LOAD_TOLERANCE):
            out.append(f"{name}: carries {mass:.1f} kg, over the {v.code} capacity of {v.capacity_kg:g} kg")
        if v.capacity_m3 is not None and volume > v.capacity_m3 * (1 + LOAD_TOLERANCE):
            out.append(f"{name}: carries {volume:.2f} m³, over the {v.code} capacity of {v.capacity_m3:g} m³")
    for code, n in used.items():
        if n > types[code].count:
            out.append(f"fleet: {n} routes use {code} but only {types[code].count} are available")
    for code, n in served.items():
        if n > 1:
            out.append(f"{code}: served {n} times")
    if unserved is not None:
        missing = {d.code for d in problem.deliveries} - set(served) - set(unserved)
        out.extend(f"{code}: neither served nor reported unserved" for code in sorted(missing))
    return tuple(out)
