"""Stage ``second_life``: a quarter of second-life activity per kitchen site, stored with its KPIs.

For every active site of a kitchen brand, the stage generates the seeded quarter (the
:data:`QUARTER_DAYS` days before ``as_of``) of showroom demo rotation, customer returns, production
surplus panels and transit damage (:func:`microfactory.demo.second_life.second_life_quarter`), run
through the real state machine and grading checklists, and stores every item with its append-only
history in one transaction. Items already stored (same keys: same sites and window) are skipped, so a
re-run adds nothing. It then stores the cohort KPIs as one plan run per site and one for all sites
(stage ``second_life``, horizon = the quarter; a re-run replaces them); the stage reports carry the
headline KPIs (:data:`HEADLINE_KPIS`).

:func:`second_life_report_section` renders the report section from what is stored.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy.orm import Session

from microfactory.circular import kpi_trends, load_material_factors, second_life_kpis
from microfactory.config import Settings
from microfactory.demo.second_life import QUARTER_DAYS, second_life_quarter
from microfactory.domain import PlanHorizon, Sector, SiteStatus
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.report.second_life import second_life_section
from microfactory.store import load_master_data, save_plan_run, transaction
from microfactory.store.circular_repository import SECOND_LIFE_STAGE, load_states, store_histories

STAGE = SECOND_LIFE_STAGE
ALL_SITES = "all"
HEADLINE_KPIS = (
    "intake_count",
    "reclamation_rate_count",
    "reclamation_rate_mass",
    "reclamation_rate_value",
    "recycling_rate_count",
    "landfill_rate_count",
    "open_count",
    "cycle_days_median",
    "cost_per_item_pence",
    "kg_co2e_avoided",
    "items_stored",
)
"""The KPIs a stage report shows (the plan run stores them all)."""


def kitchen_sites(session: Session) -> list[str]:
    """Codes of the active sites of kitchen brands (the ones with showrooms and nesting routers), sorted."""
    master = load_master_data(session)
    kitchen = {b.code for b in master.brands if b.sector is Sector.KITCHEN}
    return sorted(s.code for s in master.sites if s.brand in kitchen and s.status is SiteStatus.ACTIVE)


def run_second_life(ctx: StageContext) -> list[StageReport]:
    """Generate and store the quarter's second-life activity per kitchen site, then its KPIs per site.

    Idempotent: the same ``as_of`` and seed store nothing new on a re-run and replace the KPI runs.
    """
    started = time.perf_counter()
    horizon = PlanHorizon(start=ctx.as_of - timedelta(days=QUARTER_DAYS), end=ctx.as_of)
    factors = load_material_factors()
    reports = []
    with transaction(ctx.sessions) as session:
        sites = kitchen_sites(session)
        if not sites:
            return []
        histories = second_life_quarter(sites, start=horizon.start, end=horizon.end, seed=ctx.settings.seed)
        stored = store_histories(session, [(h.state, h.events) for h in histories])
        states = [s for s in load_states(session) if horizon.start <= s.item.received_at < horizon.end]
        rows = {r.site: r.kpis for r in kpi_trends(states, factors, by_month=False)}
        rows[ALL_SITES] = second_life_kpis(states, factors)
        for scope in [*sites, ALL_SITES]:
            kpis = rows.get(scope) or second_life_kpis([], factors)
            values = {**kpis.as_dict(), "items_stored": stored if scope == ALL_SITES else 0}
            run_id = save_plan_run(session, stage=STAGE, scope=scope, horizon=horizon, kpis=values)
            headline = {k: values[k] for k in HEADLINE_KPIS if k in values}
            reports.append(StageReport(STAGE, scope, horizon, headline, plan_run_id=run_id))
    seconds = time.perf_counter() - started
    return [
        StageReport(r.stage, r.scope, r.horizon, r.kpis, seconds=seconds, plan_run_id=r.plan_run_id)
        for r in reports
    ]


def second_life_report_section(session: Session, settings: Settings) -> str:
    """The report's section for this stage as HTML, or ``""`` when there is nothing to show."""
    states = load_states(session)
    if not states:
        return ""
    return second_life_section(states, load_material_factors())
