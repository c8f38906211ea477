"""VRPTW benchmark: Solomon (or any VRPLIB VRPTW) instances solved through the project's routing model.

Each instance is parsed with ``vrplib`` (parsing only), mapped to a plane :class:`RoutingProblem`
(DIMACS convention: Euclidean distances truncated to one decimal, durations = distances, one capacity
dimension, the file's fleet or 25 vehicles, objective = total distance, fleet not minimised) and solved by
:func:`microfactory.fulfilment.solve` with a per-instance time limit on one thread. Every result is then
verified independently: the routes are rebuilt on ``pyvrp.read(path, round_func="dimacs")`` data and must
be feasible with exactly the reported distance.

A last row plans one demo day (one site, one local day of ``build_demo`` orders, no database) and
reports its stops, vehicles, km and kg CO2e (well-to-wheel, DESNZ 2025).

Run from the repository root::

    .venv/bin/python -m benchmarks.vrptw [--instances PATH] [--reference CSV] [--seconds 10]

Output (../shared/bench/README.md): a CSV table, then ``mean_gap_pct=… max_gap_pct=… instances=…
seconds=…``. Columns after the contract's five (stops, vehicles, km, kg_co2e, verified) are extra.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import vrplib  # type: ignore[import-untyped]
from pyvrp import Route, Solution, read

from benchmarks.common import (
    SHARED_BENCH,
    TABLE_COLUMNS,
    TableWriter,
    gap_pct,
    instance_files,
    log,
    parser,
    read_reference,
    summary_line,
)
from microfactory.fulfilment import RoutingProblem, RoutingResult, SolveLimits, solve
from microfactory.fulfilment.routing_plane import problem_from_vrplib

COLUMNS = (
    *TABLE_COLUMNS,
    "stops",
    "vehicles",
    "km",
    "kg_co2e",
    "verified",
)
DEMO_FLEET = {"ECARGO-BIKE": 8, "EVAN-35": 4, "REEFER-VAN": 2}
"""The food kitchen's fleet for the demo day."""


@dataclass(frozen=True)
class InstanceOutcome:
    """One instance's result and its independent check."""

    name: str
    distance: float | None
    vehicles: int
    stops: int
    seconds: float
    verified: bool
    note: str


def verify_on_pyvrp(path: Path, result: RoutingResult) -> tuple[bool, str]:
    """Rebuild the routes on PyVRP's own DIMACS reading of the file: feasible and the same distance?"""
    data = read(path, round_func="dimacs")
    routes = [Route(data, [int(s.delivery) - 1 for s in r.stops], 0) for r in result.routes]
    solution = Solution(data, routes)
    reported = round(result.distance_km() * 10)
    if not solution.is_complete():
        return False, "not every client is visited"
    if not solution.is_feasible():
        return False, "infeasible on pyvrp.read data"
    if solution.distance() != reported:
        return False, f"distance {solution.distance() / 10} on pyvrp.read data, reported {reported / 10}"
    return True, ""


def run_instance(path: Path, seconds: float, seed: int) -> InstanceOutcome:
    """Solve one VRPLIB file through the routing model and verify the result."""
    problem = problem_from_vrplib(vrplib.read_instance(str(path)))
    start = time.perf_counter()
    result = solve(problem, SolveLimits(seconds=seconds), seed=seed)
    elapsed = time.perf_counter() - start
    ok, note = verify_on_pyvrp(path, result)
    if result.unserved or not result.is_feasible():
        ok, note = False, f"{len(result.unserved)} unserved; violations: {result.violations()[:2]}"
    distance = round(result.distance_km(), 1) if not result.unserved else None
    return InstanceOutcome(path.stem, distance, len(result.routes), len(result.stops()), elapsed, ok, note)


def demo_day(scale: float, seed: int, site_code: str, day: date, seconds: float) -> dict[str, object]:
    """Plan one site's deliveries on one day from the seeded demo network and report its emissions."""
    from microfactory.demo import build_demo
    from microfactory.emissions import (
        Boundary,
        emissions_report,
        load_desnz_2025,
        trips_emissions,
        trips_from_routes,
    )

    network = build_demo(seed=seed, scale=scale)
    master = network.master
    site = next(s for s in master.sites if s.code == site_code)
    calendar = next((c for c in master.calendars if c.code == site.calendar), None)
    problem = RoutingProblem.from_orders(
        site,
        network.orders,
        master.skus,
        master.vehicle_types,
        day,
        zones={z.outcode: z.centroid for z in master.zones},
        fleet=DEMO_FLEET if site_code.startswith("FOOD") else None,
        calendar=calendar,
    )
    start = time.perf_counter()
    result = solve(problem, SolveLimits(seconds=seconds), seed=seed)
    elapsed = time.perf_counter() - start
    keys = {v.code: v.emission_factor_key for v in master.vehicle_types}
    trips = trips_from_routes(result.routes, day, keys)
    report = emissions_report(trips_emissions(trips, load_desnz_2025(), Boundary.WTW))
    total = report.total()
    kpis = result.kpis()
    log(
        f"demo {site_code} {day}: {kpis} unserved reasons: "
        f"{sorted({u.binding_constraint for u in result.unserved})}"
    )
    return {
        "instance": f"demo:{site_code}:{day.isoformat()}",
        "seconds": elapsed,
        "stops": kpis["stops"],
        "vehicles": kpis["vehicles_used"],
        "km": round(result.distance_km(), 1),
        "kg_co2e": round(total.kg_co2e, 2) if total else 0.0,
        "verified": result.is_feasible(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns a process exit code."""
    p = parser(
        __doc__.splitlines()[0] if __doc__ else "VRPTW benchmark",
        default_instances=SHARED_BENCH / "vrptw" / "solomon",
        default_reference=SHARED_BENCH / "vrptw" / "reference.csv",
        seconds=10.0,
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--demo-scale", type=float, default=1.0, help="build_demo scale for the demo-day row")
    p.add_argument("--demo-site", default="FOOD-LON")
    p.add_argument("--demo-day", type=date.fromisoformat, default=date(2026, 11, 20))
    p.add_argument("--no-demo", action="store_true", help="skip the demo-day row")
    args = p.parse_args(argv)
    files = instance_files(args.instances, ".vrp")
    reference = read_reference(args.reference, "best_known_distance")
    table = TableWriter(COLUMNS)
    gaps: list[float] = []
    verified = 0
    began = time.perf_counter()
    for path in files:
        outcome = run_instance(path, args.seconds, args.seed)
        ref = reference.get(path.stem.lower())
        gap = gap_pct(outcome.distance, ref)
        if gap is not None:
            gaps.append(gap)
        verified += outcome.verified
        if not outcome.verified:
            log(f"{outcome.name}: NOT VERIFIED: {outcome.note}")
        table.row(
            {
                "instance": outcome.name,
                "reference": ref,
                "result": outcome.distance,
                "gap_pct": gap,
                "seconds": outcome.seconds,
                "stops": outcome.stops,
                "vehicles": outcome.vehicles,
                "km": outcome.distance,
                "verified": outcome.verified,
            }
        )
    total_seconds = time.perf_counter() - began
    demo: dict[str, object] = {}
    if not args.no_demo:
        demo = demo_day(args.demo_scale, args.seed, args.demo_site, args.demo_day, args.seconds)
        table.row(demo)
    summary_line(
        [
            ("mean_gap_pct", sum(gaps) / len(gaps) if gaps else None),
            ("max_gap_pct", max(gaps) if gaps else None),
            ("instances", len(files)),
            ("seconds", total_seconds),
            ("verified", verified),
            *((f"demo_{k}", demo[k]) for k in ("stops", "vehicles", "km", "kg_co2e", "seconds") if k in demo),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
