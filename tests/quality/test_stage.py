"""The quality stage on a small demo network: lots from replayed runs, a hold released with a deviation,
a recall, re-runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain.quality import AuditAction, LotStatus
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.quality import (
    EXECUTED_STAGE,
    STAGE,
    quality_report_section,
    replay_weeks,
    run_quality,
)
from microfactory.report.html import QualitySection
from microfactory.store import audit_entries, get_lot, latest_plan_runs, recall
from microfactory.store.models import LotAllocationRow, LotRow, PlanRunRow, ProductionRunRow, QaAuditRow
from microfactory.store.models.quality import LotRunRow
from tests.demo_db import demo_database


@dataclass
class Ran:
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]


@pytest.fixture(scope="module")
def ran(module_database_url: str) -> Iterator[Ran]:
    """A small demo network (scale 0.05) stored and its quality stage run once."""
    with demo_database(module_database_url, seed=3) as demo:
        yield Ran(demo.sessions, demo.ctx, run_quality(demo.ctx))


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (LotRow, QaAuditRow, LotAllocationRow, LotRunRow, PlanRunRow)
        )


def test_every_product_lot_comes_from_one_executed_run(ran: Ran) -> None:
    """Product lots are the confirmed runs of the replayed weeks: same site, SKU and quantity, made at the
    run's end, which is before ``as_of``; the replayed weeks are stored as executed plan runs."""
    with ran.sessions() as session:
        pairs = session.execute(
            select(LotRow, LotRunRow)
            .outerjoin(LotRunRow, LotRunRow.lot_id == LotRow.id)
            .where(LotRow.kind == "product")
        ).all()
        executed = session.scalars(select(PlanRunRow).where(PlanRunRow.stage == EXECUTED_STAGE)).all()
        planned = {
            (r.site, r.run_code): r
            for r in session.scalars(
                select(ProductionRunRow).where(ProductionRunRow.plan_run_id.in_([p.id for p in executed]))
            )
        }
    assert pairs and all(run is not None for _, run in pairs)
    for lot, run in pairs:
        assert (lot.site, lot.sku, lot.quantity, lot.run_code) == (
            run.site,
            run.sku,
            run.quantity,
            run.run_code,
        )
        assert lot.produced_at == run.ends_at <= ran.ctx.as_of
        assert run.plan_run_id in {p.id for p in executed} and (run.site, run.run_code) in planned
    starts = set(replay_weeks(ran.ctx.as_of, 28))
    assert {p.horizon_start for p in executed} <= starts
    assert {p.scope.split("/")[0] for p in executed} >= {"FOOD-LON", "FOOD-MAN", "KIT-LON", "KIT-MAN"}


def test_one_report_per_brand_with_quality_kpis(ran: Ran) -> None:
    """Scopes are the brands; KPIs count lots, checks, pass rate, holds, releases and deviations."""
    assert {r.scope for r in ran.reports} == {"FOOD", "KITCHEN"}
    food = next(r for r in ran.reports if r.scope == "FOOD")
    for key in ("lots", "checks", "pass_rate_pct", "held", "released", "deviations", "drift_flags"):
        assert key in food.kpis
    assert int(food.kpis["lots"]) > 0 and float(food.kpis["pass_rate_pct"]) > 95.0


def test_story_lot_was_held_then_released_with_a_deviation(ran: Ran) -> None:
    """The deliberate critical failure: hold (automatic), deviation with approver, release."""
    kpis = {k: v for r in ran.reports for k, v in r.kpis.items()}
    lot = str(kpis["held_then_released_lot"])
    with ran.sessions() as session:
        assert get_lot(session, lot).status == LotStatus.RELEASED
        trail = audit_entries(session, lot=lot)
    actions = [e.action for e in trail]
    assert (
        actions.index(AuditAction.HOLD)
        < actions.index(AuditAction.DEVIATION)
        < actions.index(AuditAction.RELEASE)
    )
    dev = next(e for e in trail if e.action == AuditAction.DEVIATION)
    assert dev.detail["corrective_action"] and dev.detail["approved_by"] != dev.detail["raised_by"]
    assert next(e for e in trail if e.action == AuditAction.HOLD).actor.startswith("system")
    with ran.sessions() as session:
        assert session.scalar(select(LotRunRow.run_code).join(LotRow).where(LotRow.code == lot))


def test_recall_example_reaches_customers(ran: Ran) -> None:
    """The recall example names orders and customers that the stage's KPIs count."""
    kpis = {k: v for r in ran.reports for k, v in r.kpis.items()}
    with ran.sessions() as session:
        trace = recall(session, str(kpis["recall_example_lot"]))
    assert len(trace.orders) == int(kpis["recall_example_orders"]) > 0
    assert len(trace.recipients) == int(kpis["recall_example_customers"]) > 0
    with ran.sessions() as session:
        from_runs = set(session.scalars(select(LotRow.code).join(LotRunRow)))
    assert {d.lot for d in trace.deliveries} <= from_runs


def test_released_lots_are_allocated_and_held_lots_are_not(ran: Ran) -> None:
    """No held or pending lot gives units; a held lot's undelivered units are a problem record."""
    with ran.sessions() as session:
        bad = session.scalar(
            select(func.count())
            .select_from(LotAllocationRow)
            .join(LotRow, LotRow.id == LotAllocationRow.lot_id)
            .where(LotRow.status != "released")
        )
        held = session.scalars(select(LotRow.code).where(LotRow.status == "held")).all()
    assert bad == 0
    problems = [p.subject for r in ran.reports for p in r.problems]
    assert set(problems) <= set(held)


def test_running_again_duplicates_nothing(ran: Ran) -> None:
    """A second run replays nothing, records nothing new and keeps one plan run per brand."""
    before = _counts(ran.sessions)
    again = run_quality(ran.ctx)
    assert _counts(ran.sessions) == before
    assert [r.kpis for r in again] == [r.kpis for r in ran.reports]
    with ran.sessions() as session:
        assert len(latest_plan_runs(session, stage=STAGE)) == 2


def test_report_section(ran: Ran) -> None:
    """The report's Quality section lists the hold, its deviation, the recall example and drift flags."""
    with ran.sessions() as session:
        section = quality_report_section(session)
    assert isinstance(section, QualitySection)
    kpis = {k: v for r in ran.reports for k, v in r.kpis.items()}
    assert any(h["lot"] == kpis["held_then_released_lot"] for h in section.holds)
    assert any(d["lot"] == kpis["held_then_released_lot"] for d in section.deviations)
    assert section.recall_lot == kpis["recall_example_lot"] and section.recall
    assert section.kpis["lots"] == sum(int(r.kpis["lots"]) for r in ran.reports)
