"""Stage ``schedule`` on a small demo network in a real database: runs, operations, problems, re-run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.demo import DemoNetwork
from microfactory.domain import SiteKind, SiteStatus
from microfactory.plan.pipeline import STAGES
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.schedule import OVERFLOW_DAYS, STAGE, run_schedule
from microfactory.report.schedule import schedule_section
from microfactory.store import latest_plan_runs, load_plan_output
from microfactory.store.models import OperationAssignmentRow, PlanRunRow, ProductionRunRow
from tests.demo_db import demo_database

SECONDS = 1.0
"""A tiny limit: the schedule is checked for validity, not quality."""


@dataclass
class Scheduled:
    network: DemoNetwork
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]


@pytest.fixture(scope="module")
def scheduled(module_database_url: str) -> Iterator[Scheduled]:
    """A small demo network (seed 7, scale 0.05) stored once, with the stage run once on it."""
    with demo_database(module_database_url, workers=1) as demo:
        reports = run_schedule(demo.ctx, seconds=SECONDS)
        yield Scheduled(demo.network, demo.sessions, demo.ctx, reports)


def test_stage_is_registered_after_routes() -> None:
    """The pipeline runs ``schedule`` right after ``routes``."""
    names = list(STAGES)
    assert names.index(STAGE) == names.index("routes") + 1


def test_every_active_microfactory_gets_a_stored_week(scheduled: Scheduled) -> None:
    """One report per active microfactory with work; its plan run holds runs and operations."""
    active = {
        s.code
        for s in scheduled.network.master.sites
        if s.kind is SiteKind.MICROFACTORY and s.status is SiteStatus.ACTIVE
    }
    scopes = {r.scope for r in scheduled.reports}
    assert scopes and scopes <= active
    with scheduled.sessions() as session:
        for report in scheduled.reports:
            assert report.plan_run_id is not None
            output = load_plan_output(session, report.plan_run_id)
            assert output.production_runs and output.operations
            assert report.kpis["runs"] == len(output.production_runs)
            assert report.kpis["operations"] == len(output.operations)
            assert "replay" in str(report.kpis["work_rule"])
            assert len(output.problems) == len(report.problems)
            for problem in output.problems:
                assert problem.kind.value in {"late", "unserved"} and problem.binding_constraint


def test_operations_lie_in_the_window_on_site_machines_without_overlap(scheduled: Scheduled) -> None:
    """Every stored operation lies in the stored horizon (week + overflow), uses a machine of the site,
    and no two operations on one machine overlap (changeover gaps included)."""
    master = scheduled.network.master
    with scheduled.sessions() as session:
        for report in scheduled.reports:
            assert report.plan_run_id is not None
            output = load_plan_output(session, report.plan_run_id)
            horizon = output.run.horizon
            assert horizon.end - horizon.start == timedelta(days=7 + OVERFLOW_DAYS)
            resources = {r.code: r.count for r in master.resources if r.site == report.scope}
            machines = {f"{code}-{i}" for code, n in resources.items() for i in range(1, n + 1)}
            by_machine: dict[str, list[tuple[datetime, datetime, float]]] = {}
            for op in output.operations:
                assert horizon.start <= op.start <= op.end <= horizon.end
                assert op.resource in machines, op.resource
                by_machine.setdefault(op.resource, []).append((op.start, op.end, op.changeover_minutes))
            for ops in by_machine.values():
                for (_, end, _), (start, _, changeover) in pairwise(sorted(ops)):
                    assert end + timedelta(minutes=changeover) <= start


def test_rerun_replaces_the_week(scheduled: Scheduled) -> None:
    """Running the stage again leaves one plan run per site and the same number of records."""

    def counts() -> tuple[int, int, int]:
        with scheduled.sessions() as session:
            return tuple(  # type: ignore[return-value]
                int(session.scalar(select(func.count()).select_from(t)) or 0)
                for t in (PlanRunRow, ProductionRunRow, OperationAssignmentRow)
            )

    before = counts()
    again = run_schedule(scheduled.ctx, seconds=SECONDS)
    assert counts()[0] == before[0]
    assert counts()[1:] == (
        sum(int(r.kpis["runs"]) for r in again),
        sum(int(r.kpis["operations"]) for r in again),
    )


def test_report_section_has_a_gantt_per_site(scheduled: Scheduled) -> None:
    """The report section draws one inline SVG per site, no scripts."""
    with scheduled.sessions() as session:
        runs = latest_plan_runs(session, stage=STAGE)
        outputs = [load_plan_output(session, r.id) for r in runs]
    html = schedule_section(outputs)
    assert "Production schedule" in html
    assert html.count("<svg") == len(outputs)
    assert "<script" not in html
    assert schedule_section([]) == ""
