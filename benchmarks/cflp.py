"""CFLP benchmark: OR-Library capacitated warehouse location, solved through the network-design model.

Each file is read by :func:`microfactory.network.parse_orlib_cflp` into a
:class:`~microfactory.network.FacilityLocationProblem` (every warehouse–customer pair allowed, one
capacity dimension, multi-source) and solved by :func:`microfactory.network.solve_flp`: the same solver
path as network design (strong formulation on HiGHS via OR-Tools MathOpt; above 60,000 pairs the
Lagrangian site fixing of ``network.reduce`` first).

``capa``/``capb``/``capc`` (100 × 1,000) print the word ``capacity`` instead of a number; each is then
solved for Beasley's capacities (capa 8000/10000/12000/14000, capb 5000/6000/7000/8000, capc
5000/5750/6500/7250, or ``--capacities``) as instances ``capa-8000`` etc., looked up under those names in
the reference CSV. Those files are not on the benchmark machine; pass them with ``--instances``.

With ``--synthetic``, three seeded 100 × 1,000 stand-ins of the same size and cost scale are solved
too (``reference`` = proven bound, ``gap_pct`` = MIP gap).

Then rows for the UK demo network design (kitchen brand, ``build_demo`` + ``summarise_demand_history``,
no database), named ``uk-demo-z{zones}-c{candidates}[-n1|-floor]``; for them ``reference`` is the proven
lower bound of the MIP and ``gap_pct`` the MIP gap. ``-floor`` gives every one of the 2,865 outcodes
demand (the history plus a floor of ``--floor-share`` of the brand's demand spread by delivery points), to
test the full zone count.

Run from the repository root::

    .venv/bin/python -m benchmarks.cflp [--instances PATH] [--reference CSV] [--seconds 60] [--workers 2]

Output (../shared/bench/README.md): a CSV table ``instance,reference,result,gap_pct,seconds`` (plus
``zones, candidates, pairs, status``), then ``mean_gap_pct=… max_gap_pct=… instances=… seconds=…`` and
the OR-Library and UK figures separately.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

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
from benchmarks.network_demo import DemoDemand, demo_demand, demo_problem
from microfactory.network import (
    DemandZone,
    NetworkProblem,
    OrlibInstance,
    Redundancy,
    SolveLimits,
    parse_orlib_cflp,
    solve,
    solve_flp,
)
from microfactory.network.prepare import prepare

COLUMNS = (*TABLE_COLUMNS, "zones", "candidates", "pairs", "status")
BEASLEY_CAPACITIES = {
    "capa": (8000.0, 10000.0, 12000.0, 14000.0),
    "capb": (5000.0, 6000.0, 7000.0, 8000.0),
    "capc": (5000.0, 5750.0, 6500.0, 7250.0),
}
"""Capacities Beasley (1988) solves the 1,000-customer sets with (their files print ``capacity``)."""


def _variants(path: Path, capacities: tuple[float, ...] | None) -> list[tuple[str, float | None]]:
    """(instance name, capacity override) pairs for one file."""
    text_head = path.read_text(encoding="utf-8", errors="replace")[:4000].split()
    needs = any(token.lower() == "capacity" for token in text_head[2:6])
    if not needs and capacities is None:
        return [(path.stem.lower(), None)]
    caps = capacities or BEASLEY_CAPACITIES.get(path.stem.lower().rstrip("1234"))
    if caps is None:
        raise SystemExit(f"error: {path}: capacities are printed as 'capacity'; pass --capacities")
    return [(f"{path.stem.lower()}-{c:g}", c) for c in caps]


def run_orlib(args: argparse.Namespace, writer: TableWriter) -> list[dict[str, object]]:
    """Solve every OR-Library instance and write its row."""
    files = instance_files(args.instances, ".txt")
    reference = read_reference(args.reference, "optimal_cost")
    capacities = tuple(float(c) for c in args.capacities.split(",")) if args.capacities else None
    rows = []
    for path in files:
        for name, capacity in _variants(path, capacities):
            started = time.perf_counter()
            instance = parse_orlib_cflp(path.read_text(encoding="utf-8"), capacity=capacity, source=path.name)
            flp = instance.to_flp()
            sol = solve_flp(flp, seconds=args.seconds, workers=args.workers, relative_gap=args.gap)
            seconds = time.perf_counter() - started
            ref = reference.get(name)
            row: dict[str, object] = {
                "instance": name,
                "reference": ref,
                "result": sol.objective,
                "gap_pct": gap_pct(sol.objective, ref) if ref is not None else _pct(sol.gap),
                "seconds": round(seconds, 3),
                "zones": flp.num_customers,
                "candidates": flp.num_sites,
                "pairs": len(flp.pair_site),
                "status": f"{sol.status.value} mip_gap={_pct(sol.gap)}% {sol.method}",
            }
            writer.row(row)
            log(f"{name}: {sol.status.value} {sol.objective} in {seconds:.2f} s ({sol.method})")
            rows.append(row)
    return rows


def synthetic_instances(seed: int = 1) -> list[tuple[str, OrlibInstance]]:
    """Seeded stand-ins for capa/capb/capc (not on this machine): 100 warehouses × 1,000 customers.

    Points uniform in the unit square, demand 5–99, fixed cost 1.35–2.25 M, allocation cost = demand ×
    850 × distance (the cost scale of the published files); capacities 5,000, 8,000 and 14,000.
    """
    out = []
    for capacity in (5000.0, 8000.0, 14000.0):
        rng = np.random.default_rng([seed, int(capacity)])
        sites, customers = rng.random((100, 2)), rng.random((1000, 2))
        demand = rng.integers(5, 100, 1000).astype(np.float64)
        distance = np.sqrt(((sites[:, None, :] - customers[None, :, :]) ** 2).sum(axis=-1))
        out.append(
            (
                f"synthetic-100x1000-{capacity:g}",
                OrlibInstance(
                    capacity=np.full(100, capacity),
                    fixed_cost=rng.uniform(1.35e6, 2.25e6, 100),
                    demand=demand,
                    cost=demand[None, :] * distance * 850.0,
                ),
            )
        )
    return out


def run_synthetic(args: argparse.Namespace, writer: TableWriter) -> list[dict[str, object]]:
    """Solve the synthetic 1,000-customer stand-ins; ``reference`` is the proven bound."""
    rows = []
    for name, instance in synthetic_instances():
        started = time.perf_counter()
        flp = instance.to_flp()
        sol = solve_flp(flp, seconds=args.seconds, workers=args.workers, relative_gap=args.large_gap)
        row: dict[str, object] = {
            "instance": name,
            "reference": sol.bound,
            "result": sol.objective,
            "gap_pct": _pct(sol.gap),
            "seconds": round(time.perf_counter() - started, 3),
            "zones": flp.num_customers,
            "candidates": flp.num_sites,
            "pairs": len(flp.pair_site),
            "status": f"{sol.status.value} {sol.method}",
        }
        writer.row(row)
        log(f"{name}: {sol.status.value} {sol.objective} bound {sol.bound} ({sol.method})")
        rows.append(row)
    return rows


def _pct(gap: float | None) -> float | None:
    return None if gap is None else round(100.0 * gap, 4)


def with_floor(problem: NetworkProblem, data: DemoDemand, share: float) -> NetworkProblem:
    """Every master zone gets demand: history plus ``share`` of the brand's units, by delivery points."""
    totals = {f: sum(z.units_per_week.get(f, 0.0) for z in problem.zones) for f in problem.families}
    points = np.array([z.delivery_points for z in data.master.zones], dtype=np.float64)
    weights = points / points.sum()
    history = {z.outcode: z for z in problem.zones}
    zones = []
    for zone, w in zip(data.master.zones, weights, strict=True):
        units = {f: share * totals[f] * float(w) for f in problem.families}
        if zone.outcode in history:
            for f, u in history[zone.outcode].units_per_week.items():
                units[f] += u
        zones.append(DemandZone(outcode=zone.outcode, centroid=zone.centroid, units_per_week=units))
    return problem.replace(zones=tuple(zones))


def run_uk(args: argparse.Namespace, writer: TableWriter) -> list[dict[str, object]]:
    """Design the UK demo network at scale and write one row per variant."""
    data = demo_demand()
    log(f"UK demo built and summarised in {data.seconds:.1f} s")
    base = demo_problem(data, weeks=104, hours=args.uk_hours, candidates=args.uk_candidates)
    variants = [("", base), ("-n1", base.replace(redundancy=Redundancy.N_1))]
    if args.floor_share > 0:
        variants.append(("-floor", with_floor(base, data, args.floor_share)))
    rows = []
    for suffix, problem in variants:
        started = time.perf_counter()
        result = solve(
            problem, SolveLimits(seconds=args.seconds, workers=args.workers, relative_gap=args.uk_gap)
        )
        seconds = time.perf_counter() - started
        pairs = prepare(problem).flp
        name = f"uk-demo-z{len(problem.zones)}-c{len(problem.sites)}{suffix}"
        row: dict[str, object] = {
            "instance": name,
            "reference": result.bound_pence,
            "result": result.objective_pence,
            "gap_pct": _pct(result.gap),
            "seconds": round(seconds, 3),
            "zones": len(problem.zones),
            "candidates": len(problem.sites),
            "pairs": len(pairs.pair_site) if pairs is not None else 0,
            "status": f"{result.status.value} open={len(result.open_sites())} {result.method}",
        }
        writer.row(row)
        log(f"{name}: {result.kpis()}")
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    """Parse options, run the OR-Library instances and the UK demo, print the table and summary."""
    p = parser(
        __doc__.splitlines()[0] if __doc__ else "cflp",
        default_instances=SHARED_BENCH / "cflp" / "orlib",
        default_reference=SHARED_BENCH / "cflp" / "reference.csv",
        seconds=60.0,
        workers=2,
    )
    p.add_argument("--gap", type=float, default=1e-6, help="relative MIP gap to stop at (OR-Library)")
    p.add_argument("--capacities", default="", help="comma-separated capacities for capa/capb/capc files")
    p.add_argument("--uk-candidates", type=int, default=300, help="candidate sites in the UK demo rows")
    p.add_argument("--uk-hours", type=float, default=8.0, help="maximum delivery hours in the UK demo rows")
    p.add_argument("--uk-gap", type=float, default=1e-3, help="relative MIP gap to stop at (UK demo)")
    p.add_argument(
        "--floor-share", type=float, default=0.05, help="floor demand share for the 2,865-zone row"
    )
    p.add_argument("--no-uk", action="store_true", help="skip the UK demo rows")
    p.add_argument("--synthetic", action="store_true", help="also solve seeded 100 × 1,000 stand-ins")
    p.add_argument("--large-gap", type=float, default=1e-4, help="relative MIP gap for the stand-ins")
    args = p.parse_args(argv)
    started = time.perf_counter()
    writer = TableWriter(COLUMNS)
    orlib = run_orlib(args, writer)
    orlib_seconds = sum(float(str(r["seconds"])) for r in orlib)
    uk = [] if args.no_uk else run_uk(args, writer)
    synthetic = run_synthetic(args, writer) if args.synthetic else []
    gaps = [float(str(r["gap_pct"])) for r in orlib + uk + synthetic if r["gap_pct"] is not None]
    uk_gaps = [float(str(r["gap_pct"])) for r in uk if r["gap_pct"] is not None]
    summary_line(
        [
            ("mean_gap_pct", round(float(np.mean(gaps)), 4) if gaps else None),
            ("max_gap_pct", round(max(gaps), 4) if gaps else None),
            ("instances", len(orlib) + len(uk) + len(synthetic)),
            ("seconds", round(time.perf_counter() - started, 1)),
            ("orlib_instances", len(orlib)),
            ("orlib_seconds", round(orlib_seconds, 2)),
            ("orlib_max_gap_pct", round(max((float(str(r["gap_pct"])) for r in orlib), default=0.0), 5)),
            ("uk_max_gap_pct", round(max(uk_gaps), 4) if uk_gaps else None),
            ("uk_seconds", round(sum(float(str(r["seconds"])) for r in uk), 1)),
            *(
                [("synthetic_max_gap_pct", max(float(str(r["gap_pct"])) for r in synthetic))]
                if synthetic
                else []
            ),
        ]
    )


if __name__ == "__main__":
    main()
