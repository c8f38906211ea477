"""The planning job on a stored network: run the pipeline's stages, then write the HTML report.

``microfactory plan`` runs it on whatever the database holds (imported orders, master data); the demo
job runs it after storing the demo network. Each stage writes its output in its own transaction, so a
failing stage leaves the earlier stages' plans stored and its own untouched; the report is written
atomically (readers see the old or the new file, never half of one).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import Settings
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
    latest_network_scenarios,
    load_master_data,
    load_plan_output,
    order_counts,
    weekly_order_counts,
    zone_units,
)

REPORT_NAME = "report.html"


@dataclass(frozen=True)
class PlanJobResult:
    """What a planning job did: each stage's report, where the HTML report is, how it fanned out."""

    stages: Sequence[StageReport]
    report_path: Path
    runner: str
    seconds: float


def run_plan_job(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    database: str,
    as_of: datetime,
    out_dir: Path,
    stages: Sequence[str] | None = None,
    title: str = "microfactory — network plan",
    facts: Mapping[str, str] | None = None,
    progress: ProgressSink | None = None,
) -> PlanJobResult:
    """Plan the stored network as at ``as_of`` (aware) with the named stages (all by default) and report.

    ``database`` is the URL shown in the report (password hidden). Fan-out follows the settings (local
    processes, or Dask when a scheduler is configured).
    """
    started = time.perf_counter()
    sink = progress or SilentProgress()
    with make_runner(workers=settings.workers, dask_scheduler=settings.dask_scheduler) as runner:
        ctx = StageContext(sessions=sessions, runner=runner, settings=settings, as_of=as_of, progress=sink)
        reports = run_pipeline(ctx, stages)
        runner_text = runner.description
    sink.step("Writing report", None)
    report_path = out_dir / REPORT_NAME
    with sessions() as session:
        sections = [StageSection(s.stage, s.scope, s.horizon, s.kpis, s.problems, s.seconds) for s in reports]
        data = ReportData(
            title=title,
            generated_at=datetime.now(UTC),
            database=database,
            master=load_master_data(session),
            order_counts=order_counts(session),
            weekly_orders=weekly_order_counts(session),
            zone_units=zone_units(session),
            stages=sections,
            facts={**(facts or {}), "fan-out": runner_text},
            quality=quality_report_section(session),
            extra_sections=[
                deliveries_section(sections),
                network_section(latest_network_scenarios(session)),
                schedule_section(stored_schedules(session, reports)),
                heatzones_report_section(session, settings),
                forecast_report_section(session, settings),
                inventory_report_section(session, settings),
                second_life_report_section(session, settings),
            ],
        )
    write_text_atomic(report_path, render_report(data))
    return PlanJobResult(
        stages=reports,
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
