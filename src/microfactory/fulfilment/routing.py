"""Time-window routing with a mixed fleet: ``solve(problem, limits, seed)`` → :class:`RoutingResult`.

The engine has PyVRP's shape (an immutable problem, a plain solve function with explicit limits and
seed, a typed result). It screens deliveries no vehicle can serve, builds a PyVRP model with
multi-dimensional loads (kg, m³), time windows, release times (ready times), per-type speed profiles,
range (max distance), shift length (max duration), fixed and per-km costs plus an optional carbon
price, and several depots; then solves with PyVRP's iterated local search and translates the best
solution back, re-checking every route independently.

Example::

    problem = RoutingProblem.from_orders(site, orders, skus, vehicle_types, day, zones=zones)
    result = solve(problem, SolveLimits(seconds=10), seed=1)
    result.is_feasible(); result.kpis(); result.explain("web/W-123")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyvrp import PenaltyParams, ProblemData, Route, Solution, SolveParams
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from microfactory.fulfilment.routing_checks import check_routes
from microfactory.fulfilment.routing_model import CompiledModel, compile_model
from microfactory.fulfilment.routing_problem import RoutingProblem
from microfactory.fulfilment.routing_result import (
    PlannedRoute,
    RoutingResult,
    ScheduledStop,
    UnservedDelivery,
)

FLEET_REASON = "not enough vehicles, capacity or time in the fleet to fit it in with the other deliveries"
SOLVER_REASON = "the solver found no feasible plan including it within the time limit (more seconds may help)"


@dataclass(frozen=True)
class SolveLimits:
    """Explicit limits for a solve: wall-clock seconds and, optionally, solver iterations.

    ``max_iterations`` makes a solve repeatable regardless of machine speed (tests use it). PyVRP's
    search is single-threaded, so ``workers`` is accepted for the common engine shape but not used.
    """

    seconds: float = 10.0
    max_iterations: int | None = None
    workers: int = 1

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"seconds must be > 0, got {self.seconds}")
        if self.max_iterations is not None and self.max_iterations < 1:
            raise ValueError(f"max_iterations must be ≥ 1, got {self.max_iterations}")
        if self.workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {self.workers}")

    def stop(self) -> StoppingCriterion:
        """PyVRP stopping criterion: whichever limit is reached first."""
        runtime = MaxRuntime(self.seconds)
        if self.max_iterations is None:
            return runtime
        return MultipleCriteria([runtime, MaxIterations(self.max_iterations)])


def solve(problem: RoutingProblem, limits: SolveLimits | None = None, seed: int = 1) -> RoutingResult:
    """Plan routes for ``problem`` within ``limits``; the same seed and iteration limit give the same plan.

    Deliveries that no vehicle can serve are reported in ``unserved`` with their binding constraint,
    as are optional deliveries the solver leaves out for lack of fleet. Never raises for an
    unsatisfiable problem: the result says what cannot be done.
    """
    lim = limits or SolveLimits()
    compiled = compile_model(problem)
    unserved = [_unserved(problem, e.delivery, e.binding_constraint, e.reason) for e in compiled.excluded]
    if compiled.data is None:
        if compiled.client_delivery:
            unserved += [
                _unserved(problem, j, "compatibility", "no vehicle is available")
                for j in compiled.client_delivery
            ]
        return _result(problem, (), unserved, True, 0.0, 0, seed)
    data = compiled.data
    scale = compiled.resolution.penalty_scale
    defaults = PenaltyParams()
    params = SolveParams(
        penalty=PenaltyParams(
            min_penalty=defaults.min_penalty * scale, max_penalty=defaults.max_penalty * scale
        )
    )
    outcome = pyvrp_solve(data, lim.stop(), seed=seed, collect_stats=False, display=False, params=params)
    best: Solution = outcome.best
    dropped: set[int] = set()
    if not best.is_feasible():
        best, dropped = _repair(data, best)
    routes = _routes(problem, compiled, best)
    served = {s.delivery for r in routes for s in r.stops}
    for client, j in enumerate(compiled.client_delivery):
        if client in dropped:
            unserved.append(_unserved(problem, j, "solver", SOLVER_REASON))
        elif problem.deliveries[j].code not in served:
            unserved.append(_unserved(problem, j, "fleet", FLEET_REASON))
    return _result(
        problem, routes, unserved, bool(best.is_feasible()), outcome.runtime, outcome.num_iterations, seed
    )


def _repair(data: ProblemData, solution: Solution) -> tuple[Solution, set[int]]:
    """Make an infeasible solution feasible by dropping, route by route, the client whose removal
    cuts the violation most (time warp + excess distance + excess load, in model units).

    PyVRP returns its best *feasible* solution when it found one; this only runs when the time limit
    ended before it did, so the plan is still usable and the dropped deliveries are reported.
    """
    kept: list[Route] = []
    dropped: set[int] = set()
    for route in solution.routes():
        vehicle = route.vehicle_type()
        visits = [a.idx for a in route.schedule() if a.is_client()]
        current = route
        while visits and not current.is_feasible():
            scores = []
            for i in range(len(visits)):
                trial = Route(data, visits[:i] + visits[i + 1 :], vehicle)
                scores.append(trial.time_warp() + trial.excess_distance() + sum(trial.excess_load()))
            worst = scores.index(min(scores))
            dropped.add(visits.pop(worst))
            current = Route(data, visits, vehicle)
        if visits:
            kept.append(current)
    return Solution(data, kept), dropped


def _result(
    problem: RoutingProblem,
    routes: Sequence[PlannedRoute],
    unserved: Sequence[UnservedDelivery],
    feasible: bool,
    runtime: float,
    iterations: int,
    seed: int,
) -> RoutingResult:
    order = {d.code: i for i, d in enumerate(problem.deliveries)}
    ordered = tuple(sorted(unserved, key=lambda u: order[u.delivery]))
    violations = check_routes(problem, routes, unserved=(u.delivery for u in ordered))
    return RoutingResult(
        problem=problem,
        routes=tuple(routes),
        unserved=ordered,
        solver_feasible=feasible,
        runtime_seconds=float(runtime),
        iterations=int(iterations),
        seed=seed,
        constraint_violations=violations,
    )


def _unserved(problem: RoutingProblem, j: int, binding: str, reason: str) -> UnservedDelivery:
    d = problem.deliveries[j]
    return UnservedDelivery(
        delivery=d.code,
        order_channel=d.order_channel,
        order_external_id=d.order_external_id,
        binding_constraint=binding,
        reason=reason,
    )


def _routes(problem: RoutingProblem, compiled: CompiledModel, solution: Solution) -> tuple[PlannedRoute, ...]:
    """Translate PyVRP routes back into problem terms (minutes, km, pence, datetimes)."""
    res = compiled.resolution
    tpm = res.time_ticks_per_minute
    n_dep = len(problem.depots)
    depot_index = {d.code: i for i, d in enumerate(problem.depots)}
    carbon_pence_per_kg = problem.carbon_price_pence_per_tonne / 1000.0
    counters: dict[str, int] = {}
    out: list[PlannedRoute] = []
    for route in solution.routes():
        v = problem.vehicle_types[compiled.vehicle_type[route.vehicle_type()]]
        here = depot_index[v.depot]
        travelled = 0.0
        stops: list[ScheduledStop] = []
        mass = volume = 0.0
        for activity in route.schedule():
            if not activity.is_client():
                continue
            j = compiled.client_delivery[activity.idx]
            d = problem.deliveries[j]
            travelled += float(compiled.distance_km[here, n_dep + j])
            here = n_dep + j
            arrival = (activity.start_time - activity.wait_duration) / tpm
            start = activity.start_time / tpm
            departure = activity.end_time / tpm
            mass += d.load_kg
            volume += d.load_m3
            stops.append(
                ScheduledStop(
                    sequence=len(stops) + 1,
                    delivery=d.code,
                    order_channel=d.order_channel,
                    order_external_id=d.order_external_id,
                    arrival_minutes=arrival,
                    start_minutes=start,
                    departure_minutes=departure,
                    arrival=problem.at(arrival),
                    departure=problem.at(departure),
                    km_from_depot=travelled,
                    load_kg=d.load_kg,
                    load_m3=d.load_m3,
                    ready_minutes=d.ready_minutes,
                    on_time=d.window_open_minutes - 1e-6 <= start <= d.window_close_minutes + 1e-6,
                )
            )
        distance_km = route.distance() / res.distance_ticks_per_km
        per_km = v.cost_pence_per_km + carbon_pence_per_kg * v.kg_co2e_per_km
        counters[v.code] = counters.get(v.code, 0) + 1
        start_minutes = route.start_time() / tpm
        end_minutes = route.end_time() / tpm
        out.append(
            PlannedRoute(
                route_code=f"{v.depot}-{v.code}-{counters[v.code]:02d}",
                vehicle_type=v.code,
                depot=v.depot,
                start_minutes=start_minutes,
                end_minutes=end_minutes,
                start=problem.at(start_minutes),
                end=problem.at(end_minutes),
                distance_km=distance_km,
                load_kg=mass,
                load_m3=volume,
                cost_pence=v.fixed_cost_pence + round(distance_km * per_km),
                stops=tuple(stops),
            )
        )
    return tuple(out)
