"""Network design on the seeded UK demo, with no database: build_demo → weekly demand → problem → scenarios.

Prints the side-by-side comparison of the centralised baseline (the Hinckley plant alone), the local
network (microfactories allowed) and the N-1 redundant network for the kitchen brand, then a summary.

Run from the repository root::

    .venv/bin/python -m benchmarks.network_demo [--seconds 60] [--workers 2] [--candidates 0]

Output: a CSV table (one row per scenario, columns of ``microfactory.network.COMPARE_COLUMNS``), then
``scenarios=… local_vs_central_cost_pct=… local_vs_central_km_pct=… seconds=…``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from benchmarks.common import TableWriter, log, summary_line
from microfactory.demand import order_lines_from_orders, summarise_demand_history
from microfactory.demo import build_demo
from microfactory.domain import MasterData, PlanHorizon, WeeklyDemand
from microfactory.network import (
    COMPARE_COLUMNS,
    NetworkProblem,
    SolveLimits,
    centralised,
    compare,
    generate_candidates,
    local,
    parse_scenario,
    run_scenario,
)

BRAND = "KITCHEN"
TEMPLATE_SITE = "KIT-BHM"
"""A candidate microfactory whose costs and capacity the generated candidates copy."""
RIGID_KG_CO2E_PER_KM = 0.49548
"""DESNZ 2025, Delivery vehicles, HGV rigid 3.5–7.5 t, average laden, diesel, per km (row 5_304_3112_4_1)."""


@dataclass(frozen=True)
class DemoDemand:
    """The demo's master data and weekly demand history."""

    master: MasterData
    weekly: tuple[WeeklyDemand, ...]
    seconds: float


def demo_demand(seed: int = 1, scale: float = 1.0) -> DemoDemand:
    """Build the demo and summarise its order lines into weekly demand (the demand-history engine)."""
    started = time.perf_counter()
    demo = build_demo(seed=seed, scale=scale)
    family = {s.code: s.family for s in demo.master.skus}
    lines = order_lines_from_orders(demo.orders, family)
    history = summarise_demand_history(lines, PlanHorizon(start=demo.history_start, end=demo.history_end))
    return DemoDemand(demo.master, history.weekly, time.perf_counter() - started)


def demo_problem(
    data: DemoDemand, *, weeks: int = 104, hours: float = 8.0, candidates: int = 0, seed: int = 1
) -> NetworkProblem:
    """The kitchen brand's problem: demand averaged over ``weeks``, ``hours`` of reach by 7.5 t rigid.

    With ``candidates`` > 7, seeded extra candidate microfactories (copies of Birmingham's costs and
    capacity at big-town outcodes) bring the candidate count up to ``candidates``.
    """
    problem = NetworkProblem.from_master(
        data.master,
        data.weekly,
        brand=BRAND,
        weeks=weeks,
        max_delivery_hours=hours,
        vehicle_type="RIGID-75",
        kg_co2e_per_vehicle_km=RIGID_KG_CO2E_PER_KM,
    )
    extra = candidates - len(problem.sites)
    if extra > 0:
        taken = {s.outcode for s in data.master.sites}
        generated = generate_candidates(
            data.master.zones, problem.site(TEMPLATE_SITE), count=extra, seed=seed, exclude_outcodes=taken
        )
        problem = problem.replace(sites=problem.sites + generated)
    return problem


def main(argv: list[str] | None = None) -> None:
    """Run the three scenarios on the demo and print the comparison."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--seconds", type=float, default=60.0, help="time limit per scenario")
    p.add_argument("--workers", type=int, default=2, help="solver threads")
    p.add_argument("--candidates", type=int, default=0, help="total candidate sites (extra ones generated)")
    p.add_argument("--hours", type=float, default=8.0, help="maximum delivery hours")
    p.add_argument("--weeks", type=int, default=13, help="weeks of history to average demand over")
    args = p.parse_args(argv)
    started = time.perf_counter()
    data = demo_demand()
    log(f"demo built and summarised in {data.seconds:.1f} s")
    problem = demo_problem(data, weeks=args.weeks, hours=args.hours, candidates=args.candidates)
    limits = SolveLimits(seconds=args.seconds, workers=args.workers)
    results = [run_scenario(problem, s, limits) for s in (centralised(), local(), parse_scenario("n-1"))]
    writer = TableWriter(COMPARE_COLUMNS)
    rows = compare(results)
    for row in rows:
        writer.row(row)
    central, micro = rows[0], rows[1]
    summary_line(
        [
            ("scenarios", len(rows)),
            ("local_vs_central_cost_pct", _pct(micro["weekly_cost_pence"], central["weekly_cost_pence"])),
            ("local_vs_central_km_pct", _pct(micro["mean_km"], central["mean_km"])),
            ("seconds", round(time.perf_counter() - started, 1)),
        ]
    )


def _pct(value: object, base: object) -> float:
    v, b = float(str(value)), float(str(base))
    return round(100.0 * (v - b) / b, 2) if b else 0.0


if __name__ == "__main__":
    main()
