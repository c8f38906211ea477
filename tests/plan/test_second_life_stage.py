"""Stage ``second_life`` on a small demo: a quarter stored per kitchen site, KPIs, idempotent, report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import load_settings
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.second_life import (
    ALL_SITES,
    STAGE,
    kitchen_sites,
    run_second_life,
    second_life_report_section,
)
from microfactory.store import latest_plan_runs
from microfactory.store.circular_repository import load_states
from microfactory.store.models import PlanRunRow
from microfactory.store.models.circular import SecondLifeEventRow, SecondLifeItemRow
from tests.demo_db import demo_database


@dataclass
class Ran:
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]


@pytest.fixture(scope="module")
def ran(module_database_url: str) -> Iterator[Ran]:
    """A small demo network (seed 7, scale 0.05; master data only) with the stage run once."""
    with demo_database(module_database_url, orders=False) as demo:
        yield Ran(demo.sessions, demo.ctx, run_second_life(demo.ctx))


def _counts(session: Session) -> tuple[int, int, int]:
    items = session.scalar(select(func.count()).select_from(SecondLifeItemRow)) or 0
    events = session.scalar(select(func.count()).select_from(SecondLifeEventRow)) or 0
    runs = session.scalar(select(func.count()).select_from(PlanRunRow).where(PlanRunRow.stage == STAGE)) or 0
    return items, events, runs


def test_a_quarter_per_active_kitchen_site(ran: Ran) -> None:
    """Every active kitchen site gets items from all four sources within the quarter before as_of."""
    with ran.sessions() as session:
        sites = kitchen_sites(session)
        states = load_states(session)
    assert sites and {s.item.site for s in states} == set(sites)
    assert all(not s.startswith("FOOD") for s in sites)
    horizon = ran.reports[0].horizon
    assert (horizon.end - horizon.start).days == 91 and horizon.end == ran.ctx.as_of
    assert all(horizon.start <= s.item.received_at < horizon.end for s in states)
    assert {s.item.source.value for s in states} == {
        "showroom_demo",
        "customer_return",
        "production_surplus",
        "transit_damage",
    }


def test_kpis_stored_per_site_and_for_all(ran: Ran) -> None:
    """One report (and plan run) per site and one for all sites; rates in [0, 1]; site counts add up."""
    by_scope = {r.scope: r.kpis for r in ran.reports}
    with ran.sessions() as session:
        sites = kitchen_sites(session)
    assert list(by_scope) == [*sites, ALL_SITES]
    total = by_scope[ALL_SITES]
    assert sum(int(by_scope[s]["intake_count"]) for s in sites) == total["intake_count"]
    assert total["items_stored"] == total["intake_count"]
    for kpis in by_scope.values():
        for key in ("reclamation_rate_count", "reclamation_rate_mass", "reclamation_rate_value"):
            assert 0.0 <= float(kpis[key]) <= 1.0
        assert float(kpis["kg_co2e_avoided"]) > 0
        assert all(r.plan_run_id is not None for r in ran.reports)
    with ran.sessions() as session:
        stored = {r.scope: r.kpis for r in latest_plan_runs(session, stage=STAGE)}
    assert set(stored) == set(by_scope)
    assert float(stored[ALL_SITES]["reclaimed_mass_kg"]) > 0 and "grade_scrap_count" in stored[ALL_SITES]


def test_rerun_is_idempotent(ran: Ran) -> None:
    """Running again stores no new item or event and keeps one plan run per scope."""
    with ran.sessions() as session:
        before = _counts(session)
    again = run_second_life(ran.ctx)
    with ran.sessions() as session:
        assert _counts(session) == before
    assert before[2] == len(ran.reports)
    assert {r.scope: r.kpis["intake_count"] for r in again} == {
        r.scope: r.kpis["intake_count"] for r in ran.reports
    }
    assert next(r for r in again if r.scope == ALL_SITES).kpis["items_stored"] == 0


def test_report_section_shows_rates_definitions_and_co2e_source(ran: Ran) -> None:
    """Rates by count, mass and value with definitions, CO2e with its source; inline SVG, nothing external."""
    with ran.sessions() as session:
        html = second_life_report_section(session, ran.ctx.settings)
    assert html.startswith('<section id="second-life">') and html.endswith("</section>")
    for text in (
        "reclamation rate, count",
        "reclamation rate, mass",
        "reclamation rate, value",
        "Definitions",
        "recycling rate",
        "landfill rate",
        "kg CO2e avoided",
        "DESNZ 2025",
        "Material use",
        "unverified",
        "<svg",
    ):
        assert text in html, text
    assert "<script" not in html and not re.search(r"(src|href)=\"(https?:)?//", html)


def test_empty_database_has_no_section(session: Session) -> None:
    """Nothing stored: the report has no second-life section."""
    assert second_life_report_section(session, load_settings()) == ""


def test_stage_runs_last_in_the_pipeline() -> None:
    """Second life runs after scheduling (production surplus follows production)."""
    from microfactory.plan.pipeline import STAGES

    assert list(STAGES)[-1] == STAGE
