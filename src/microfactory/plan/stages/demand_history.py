"""Stage ``demand_history``: order history → weekly demand per brand × family × zone.

Reads every order line from the store, fans the brands out over the runner, and writes one plan run
per brand (weekly demand rows and KPIs) in a single transaction. Re-running it for the same horizon
replaces its previous output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from microfactory.demand import DemandHistory, summarise_demand_history
from microfactory.domain import PlanHorizon
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.store import order_lines_frame, save_plan_run, transaction

STAGE = "demand_history"
HISTORY_WEEKS = 104


@dataclass(frozen=True)
class BrandHistoryTask:
    """One unit of fan-out: a brand's order lines and the horizon to summarise."""

    brand: str
    lines: pd.DataFrame
    horizon: PlanHorizon


def summarise_brand(task: BrandHistoryTask) -> DemandHistory:
    """Run the demand-history engine for one brand (top-level so worker processes can import it)."""
    return summarise_demand_history(task.lines, task.horizon, source=f"order lines of {task.brand}")


def run_demand_history(ctx: StageContext, *, weeks: int = HISTORY_WEEKS) -> list[StageReport]:
    """Summarise the last ``weeks`` weeks of orders before ``ctx.as_of`` for every brand."""
    started = time.perf_counter()
    horizon = PlanHorizon(start=ctx.as_of - timedelta(weeks=weeks), end=ctx.as_of)
    ctx.progress.step("Reading order history", None)
    with ctx.sessions() as session:
        lines = order_lines_frame(session, created_from=horizon.start, created_to=horizon.end)
    brands = sorted(lines["brand"].unique().tolist()) if len(lines) else []
    tasks = [BrandHistoryTask(b, lines[lines["brand"] == b].reset_index(drop=True), horizon) for b in brands]
    advance = ctx.progress.step("Weekly demand per brand", len(tasks))
    results = ctx.runner.map(summarise_brand, tasks, progress=advance)
    ctx.progress.step("Writing weekly demand", None)
    reports: list[StageReport] = []
    with transaction(ctx.sessions) as session:
        for task, result in zip(tasks, results, strict=True):
            kpis = result.kpis()
            run_id = save_plan_run(
                session,
                stage=STAGE,
                scope=task.brand,
                horizon=horizon,
                kpis=kpis,
                weekly_demand=result.weekly,
            )
            reports.append(StageReport(STAGE, task.brand, horizon, kpis, (), 0.0, run_id))
    seconds = time.perf_counter() - started
    return [
        StageReport(r.stage, r.scope, r.horizon, r.kpis, r.problems, seconds, r.plan_run_id) for r in reports
    ]
