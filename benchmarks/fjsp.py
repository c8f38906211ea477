"""FJSP benchmark: Brandimarte (or any ``.fjs``) instances solved through the project's scheduler.

Each file is parsed by :func:`microfactory.production.parse_fjs` into a :class:`ScheduleProblem` (one
run per job, one always-open machine per FJSP machine, time units as minutes) and solved by
:func:`microfactory.production.schedule` with the makespan objective, a per-instance time limit and
``--workers`` threads: the same engine path as a real site. Every schedule is verified by the
independent checker (:func:`microfactory.production.check_schedule`) before its makespan is reported.

A last row schedules one demo microfactory week (confirmed orders of one kitchen microfactory from
``build_demo`` delivered from two days after the horizon start for a week, its master data, no
database) with the default weighted objective and reports jobs, operations, late orders, changeover
hours and utilisation.

Run from the repository root::

    .venv/bin/python -m benchmarks.fjsp [--instances PATH] [--reference CSV] [--seconds 30] [--workers 2]

Output (../shared/bench/README.md): a CSV table, then ``mean_gap_pct=… max_gap_pct=… instances=…
seconds=…``. Columns after the contract's five are extra; the demo row leaves the gap columns empty.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

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
from microfactory.production import (
    Objective,
    ScheduleProblem,
    ScheduleSettings,
    SolveLimits,
    check_schedule,
    demands_from_orders,
    parse_fjs,
    schedule,
)

COLUMNS = (
    *TABLE_COLUMNS,
    "jobs",
    "operations",
    "late_orders",
    "changeover_hours",
    "utilisation_pct",
    "verified",
)


def run_instance(path: Path, seconds: float, workers: int, seed: int) -> dict[str, object]:
    """Parse and solve one ``.fjs`` file for makespan; the row (without reference and gap)."""
    problem = parse_fjs(path.read_text(encoding="utf-8"), name=path.stem)
    began = time.perf_counter()
    result = schedule(
        problem,
        limits=SolveLimits(seconds=seconds, workers=workers),
        seed=seed,
        settings=ScheduleSettings(objective=Objective.MAKESPAN),
    )
    elapsed = time.perf_counter() - began
    violations = check_schedule(result.problem, result.solution)
    if violations or not result.is_feasible():
        log(f"{path.stem}: NOT VERIFIED: {violations[:3]}")
    log(f"{path.stem}: makespan {result.makespan()} (bound {result.lower_bound}) {dict(result.stats)}")
    return {
        "instance": path.stem,
        "result": result.makespan() if not violations else None,
        "seconds": elapsed,
        "jobs": len(problem.runs),
        "operations": problem.operation_count,
        "verified": not violations and result.is_feasible(),
    }


def demo_week(
    scale: float, seed: int, site: str, seconds: float, workers: int, lead_days: int
) -> dict[str, object]:
    """Schedule the week after ``as_of`` at one demo microfactory.

    The work is the site's confirmed orders delivered from ``lead_days`` after the horizon start for
    seven days: what this week's production must make (earlier deliveries were last week's work).
    """
    from microfactory.demo import build_demo

    network = build_demo(seed=seed, scale=scale)
    start = network.history_end
    first = start + timedelta(days=lead_days)
    orders = [
        o
        for o in network.orders
        if o.site == site
        and o.status.value == "confirmed"
        and first <= o.window.start < first + timedelta(days=7)
    ]
    demands = [d for d in demands_from_orders(orders) if d.due >= start]
    problem = ScheduleProblem.from_site(network.master, site, demands, start=start, days=7)
    began = time.perf_counter()
    result = schedule(problem, limits=SolveLimits(seconds=seconds, workers=workers), seed=seed)
    elapsed = time.perf_counter() - began
    kpis = result.kpis()
    violations = check_schedule(result.problem, result.solution)
    causes = sorted({(p.binding_constraint or "").split(" ")[0] for p in result.late_problems()})
    log(f"demo {site}: {len(orders)} orders, {kpis}, causes {causes}, violations {violations[:3]}")
    return {
        "instance": f"demo:{site}:week-{start.date().isoformat()}",
        "seconds": elapsed,
        "jobs": kpis.runs,
        "operations": kpis.operations,
        "late_orders": kpis.late_orders,
        "changeover_hours": kpis.changeover_hours,
        "utilisation_pct": round(100 * kpis.overall_utilisation, 1),
        "verified": not violations and result.is_feasible(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns a process exit code (1 when a schedule fails verification)."""
    p = parser(
        __doc__.splitlines()[0] if __doc__ else "FJSP benchmark",
        default_instances=SHARED_BENCH / "fjsp" / "brandimarte",
        default_reference=SHARED_BENCH / "fjsp" / "reference.csv",
        seconds=30.0,
        workers=2,
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--demo-scale", type=float, default=1.0, help="build_demo scale for the demo-week row")
    p.add_argument("--demo-site", default="KIT-LON")
    p.add_argument(
        "--demo-lead-days", type=int, default=2, help="days from the horizon start to the first delivery"
    )
    p.add_argument("--no-demo", action="store_true", help="skip the demo-week row")
    args = p.parse_args(argv)
    files = instance_files(args.instances, ".fjs")
    reference = read_reference(args.reference, "best_known_makespan")
    table = TableWriter(COLUMNS)
    gaps: list[float] = []
    verified = True
    began = time.perf_counter()
    for path in files:
        row = run_instance(path, args.seconds, args.workers, args.seed)
        ref = reference.get(path.stem.lower())
        result = row["result"]
        gap = gap_pct(float(result), ref) if isinstance(result, int) else None
        if gap is not None:
            gaps.append(gap)
        verified = verified and bool(row["verified"])
        table.row({**row, "reference": ref, "gap_pct": gap})
    total_seconds = time.perf_counter() - began
    if not args.no_demo:
        demo = demo_week(
            args.demo_scale, args.seed, args.demo_site, args.seconds, args.workers, args.demo_lead_days
        )
        verified = verified and bool(demo["verified"])
        table.row(demo)
    summary_line(
        [
            ("mean_gap_pct", sum(gaps) / len(gaps) if gaps else None),
            ("max_gap_pct", max(gaps) if gaps else None),
            ("instances", len(files)),
            ("seconds", total_seconds),
        ]
    )
    return 0 if verified else 1


if __name__ == "__main__":
    raise SystemExit(main())
