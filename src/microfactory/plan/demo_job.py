"""The main job on the demo network: build it, store it, run every stage, write the report.

This is what ``microfactory demo`` (and ``make demo``) runs. Master data and orders are written in
one transaction, so a failure leaves the database as it was; re-running with the same seed changes
nothing but the plan runs' timestamps (orders upsert by natural key, stages replace their output).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.demo import DemoNetwork, build_demo
from microfactory.plan.heatzones import heatzones_report_section
from microfactory.plan.pipeline import run_pipeline
from microfactory.plan.progress import ProgressSink, SilentProgress
from microfactory.plan.runner import make_runner
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.forecast import forecast_report_section
from microfactory.plan.stages.inventory import inventory_report_section
from microfactory.plan.stages.quality import quality_report_section
from microfactory.plan.stages.schedule import STAGE as SCHEDULE_STAGE
from microfactory.plan.stages.second_life import second_life_report_section
from microfactory.report import ReportData, StageSection, render_report
from microfactory.report.fulfilment import deliveries_section
from microfactory.report.network import network_section
from microfactory.report.schedule import schedule_section
from microfactory.store import (
    PlanOutput,
    create_engine_for,
    latest_network_scenarios,
    load_master_data,
    load_plan_output,
    make_session_factory,
    order_counts,
    save_master_data,
    transaction,
    upgrade,
    upsert_orders,
    weekly_order_counts,
    zone_units,
)

ORDER_BATCH = 10_000


@dataclass(frozen=True)
class DemoJobResult:
    """What the demo job did: the network it stored, each stage's report, where the report is."""

    network: DemoNetwork
    orders_inserted: int
    orders_updated: int
    stages: Sequence[StageReport]
    report_path: Path
    runner: str
    seconds: float


def run_demo_job(
    settings: Settings,
    *,
    seed: int,
    scale: float,
    out_dir: Path,
    as_of: datetime | None = None,
    progress: ProgressSink | None = None,
) -> DemoJobResult:
    """Build the seeded UK demo network into the configured database and plan it end to end."""
    started = time.perf_counter()
    sink = progress or SilentProgress()
    # Build first: bad parameters are refused before the database is touched.
    sink.step("Building the UK demo network", None)
    network = build_demo(seed=seed, scale=scale, as_of=as_of)
    engine = create_engine_for(settings.database_url)
    try:
        sink.step("Preparing database", None)
        upgrade(settings.database_url)
        sessions = make_session_factory(engine)
        inserted = updated = 0
        advance = sink.step("Storing master data and orders", len(network.orders))
        with transaction(sessions) as session:
            save_master_data(session, network.master)
            for i in range(0, len(network.orders), ORDER_BATCH):
                counts = upsert_orders(session, network.orders[i : i + ORDER_BATCH])
                inserted += counts.inserted
                updated += counts.updated
                advance(min(i + ORDER_BATCH, len(network.orders)), len(network.orders))
        with make_runner(workers=settings.workers, dask_scheduler=settings.dask_scheduler) as runner:
            ctx = StageContext(
                sessions=sessions,
                runner=runner,
                settings=settings,
                as_of=network.history_end,
                progress=sink,
            )
            stages = run_pipeline(ctx)
            runner_text = runner.description
        sink.step("Writing report", None)
        report_path = out_dir / "report.html"
        with sessions() as session:
            sections = [
                StageSection(s.stage, s.scope, s.horizon, s.kpis, s.problems, s.seconds) for s in stages
            ]
            data = ReportData(
                title="microfactory — UK demo network plan",
                generated_at=datetime.now(UTC),
                database=engine.url.render_as_string(hide_password=True),
                master=load_master_data(session),
                order_counts=order_counts(session),
                weekly_orders=weekly_order_counts(session),
                zone_units=zone_units(session),
                stages=sections,
                facts={"seed": str(seed), "scale": f"{scale:g}", "fan-out": runner_text},
                quality=quality_report_section(session),
                extra_sections=[
                    deliveries_section(sections),
                    network_section(latest_network_scenarios(session)),
                    schedule_section(stored_schedules(session, stages)),
                    heatzones_report_section(session, settings),
                    forecast_report_section(session, settings),
                    inventory_report_section(session, settings),
                    second_life_report_section(session, settings),
                ],
            )
        write_text_atomic(report_path, render_report(data))
    finally:
        engine.dispose()
    return DemoJobResult(
        network=network,
        orders_inserted=inserted,
        orders_updated=updated,
        stages=stages,
        report_path=report_path,
        runner=runner_text,
        seconds=time.perf_counter() - started,
    )


def stored_schedules(session: Session, stages: Sequence[StageReport]) -> list[PlanOutput]:
    """The ``schedule`` runs this job stored (runs, operations, problems), by site code, for the report."""
    ours = sorted((s for s in stages if s.stage == SCHEDULE_STAGE), key=lambda s: s.scope)
    return [load_plan_output(session, s.plan_run_id) for s in ours if s.plan_run_id is not None]


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a report is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
