"""Stage ``routes`` on a small demo network in a real database: routes, problems, emissions, comparison."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.demo import DemoNetwork
from microfactory.domain import FulfilmentKind, OrderStatus
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.routes import (
    COMPARE_SCOPE_PREFIX,
    LOOKBACK_DAYS,
    STAGE,
    WEEK_DAYS,
    RoutesOptions,
    _compare_tasks,
    compare_site_day,
    day_horizon,
    run_routes,
    week_days,
    week_horizon,
)
from microfactory.report import StageSection
from microfactory.report.fulfilment import deliveries_section
from microfactory.store import (
    get_plan_run,
    load_emissions,
    load_master_data,
    load_plan_output,
)
from microfactory.store.models import (
    DeliveryRouteRow,
    OrderEmissionRow,
    PlanRunRow,
    ProblemRow,
    RouteEmissionRow,
    RouteStopRow,
)
from tests.demo_db import demo_database

LONDON = ZoneInfo("Europe/London")
ITERATIONS = 300
"""Small and fixed: quick, and the same plan on every run and machine."""
TABLES = (PlanRunRow, DeliveryRouteRow, RouteStopRow, ProblemRow, RouteEmissionRow, OrderEmissionRow)


@dataclass
class Routed:
    network: DemoNetwork
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]

    def sites(self) -> list[StageReport]:
        return [r for r in self.reports if not r.scope.startswith(COMPARE_SCOPE_PREFIX)]


@pytest.fixture(scope="module")
def routed(module_database_url: str) -> Iterator[Routed]:
    """A small demo network (seed 7, scale 0.05) stored once, with the stage run once on it."""
    with demo_database(module_database_url) as demo:
        reports = run_routes(demo.ctx, seconds=5, iterations=ITERATIONS)
        yield Routed(demo.network, demo.sessions, demo.ctx, reports)


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            t.__tablename__: int(session.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES
        }


def _expected_orders(network: DemoNetwork, site: str, day: date) -> set[str]:
    return {
        f"{o.channel}/{o.external_id}"
        for o in network.orders
        if o.site == site
        and o.status is not OrderStatus.CANCELLED
        and o.fulfilment in (FulfilmentKind.DELIVERY, FulfilmentKind.INSTALL)
        and o.window.start.astimezone(LONDON).date() == day
    }


def test_every_active_site_with_deliveries_gets_a_stored_day_of_routes(routed: Routed) -> None:
    """Each site report has a plan run with routes and stops; its day is the busiest recent day."""
    sites = routed.sites()
    assert {r.scope for r in sites} >= {"FOOD-LON", "FOOD-MAN", "KIT-LON"}
    for report in sites:
        assert report.stage == STAGE and report.plan_run_id is not None
        day = date.fromisoformat(str(report.kpis["day"]))
        assert report.horizon == day_horizon(day)
        as_of_day = routed.network.history_end.astimezone(LONDON).date()
        assert as_of_day - timedelta(days=LOOKBACK_DAYS) <= day < as_of_day
        with routed.sessions() as session:
            output = load_plan_output(session, report.plan_run_id)
        assert len(output.routes) == report.kpis["vehicles_used"]
        assert len(output.stops) == report.kpis["stops"]
        assert all(r.site == report.scope and r.day == day for r in output.routes)
        assert report.kpis["emission_factor_set"] == "desnz-2025:2025"


def test_every_order_is_routed_or_a_problem_with_a_reason(routed: Routed) -> None:
    """The day's delivery and install orders are exactly the stops plus the problems, never both."""
    for report in routed.sites():
        assert report.plan_run_id is not None
        day = date.fromisoformat(str(report.kpis["day"]))
        with routed.sessions() as session:
            output = load_plan_output(session, report.plan_run_id)
        stopped = {f"{s.order_channel}/{s.order_external_id}" for s in output.stops}
        unserved = {p.subject for p in output.problems if p.subject_kind == "order"}
        assert all(p.reason and p.binding_constraint for p in output.problems)
        assert not stopped & unserved
        assert stopped | unserved == _expected_orders(routed.network, report.scope, day)
        assert report.kpis["deliveries"] == len(stopped) + len(unserved)


def test_order_emissions_add_up_to_their_route(routed: Routed) -> None:
    """For both boundaries, each route's order shares sum to the route total (1e-9 relative)."""
    checked = 0
    for report in routed.sites():
        assert report.plan_run_id is not None
        with routed.sessions() as session:
            records = load_emissions(session, report.plan_run_id)
        for route in records.routes:
            shares = [
                o.kg_co2e
                for o in records.orders
                if o.route_code == route.route_code and o.boundary == route.boundary
            ]
            assert shares
            assert sum(shares) == pytest.approx(route.kg_co2e, rel=1e-9, abs=1e-12)
            assert route.factor_set_id == "desnz-2025" and route.factor_row_ids
            checked += 1
        wtw = {r.route_code: r.kg_co2e for r in records.routes if r.boundary == "wtw"}
        ttw = {r.route_code: r.kg_co2e for r in records.routes if r.boundary == "ttw"}
        assert wtw.keys() == ttw.keys()
        assert all(wtw[k] >= ttw[k] for k in wtw)
        assert sum(wtw.values()) == pytest.approx(float(report.kpis["kg_co2e_wtw"]), abs=1e-3)
    assert checked > 0


def test_central_versus_local_is_stored_for_the_week_per_kitchen_microfactory_and_brand(
    routed: Routed,
) -> None:
    """A week run per kitchen microfactory and for the brand: km, CO2e, on time, lead of both scenarios."""
    comparisons = [r for r in routed.reports if r.scope.startswith(COMPARE_SCOPE_PREFIX)]
    week = week_days(as_of=routed.network.history_end)
    assert len(week) == WEEK_DAYS
    assert week[-1] == routed.network.history_end.astimezone(LONDON).date() - timedelta(days=1)
    suffix = f"/week-{week[0].isoformat()}"
    scopes = [r.scope for r in comparisons]
    assert COMPARE_SCOPE_PREFIX + "KIT-LON" + suffix in scopes
    assert scopes[-1] == COMPARE_SCOPE_PREFIX + "KITCHEN" + suffix
    assert all(r.horizon == week_horizon(week[0]) and r.plan_run_id is not None for r in comparisons)
    for report in comparisons:
        kpis = report.kpis
        for scenario in ("central", "local"):
            for key in ("km", "kg_co2e", "on_time_share", "mean_lead_minutes", "deliveries"):
                assert f"{scenario}_{key}" in kpis
        assert kpis["plant"] == "KIT-CENTRAL" and kpis["boundary"] == "wtw"
        assert kpis["week_start"] == week[0].isoformat() and kpis["week_end"] == week[-1].isoformat()
        assert 1 <= int(kpis["site_days"]) <= WEEK_DAYS * len(str(kpis["sites"]).split(";"))
        assert kpis["deliveries"] == kpis["central_deliveries"] == kpis["local_deliveries"]
        assert float(kpis["central_trunk_km"]) > 0 and kpis["local_trunk_km"] == 0
        assert float(kpis["central_kg_co2e"]) > float(kpis["local_kg_co2e"])
        assert 0.0 <= float(kpis["central_on_time_share"]) <= 1.0
        assert report.stage == STAGE
        assert report.plan_run_id is not None
        with routed.sessions() as session:
            assert get_plan_run(session, report.plan_run_id).kpis == kpis
    # The brand total adds up its sites' weeks.
    *sites, brand = comparisons
    assert brand.kpis["level"] == "brand" and all(r.kpis["level"] == "site" for r in sites)
    for key in ("site_days", "deliveries"):
        assert brand.kpis[key] == sum(int(r.kpis[key]) for r in sites)
    for key in ("central_km", "local_km", "central_kg_co2e", "local_kg_co2e"):
        assert float(brand.kpis[key]) == pytest.approx(sum(float(r.kpis[key]) for r in sites), abs=0.01)


def test_a_weeks_km_is_the_sum_of_its_days(routed: Routed) -> None:
    """Each site-day compared again on its own: the stored week's km and CO2e are the days' sums."""
    week = week_days(as_of=routed.network.history_end)
    options = RoutesOptions(
        seconds=min(5, routed.ctx.settings.solver_seconds),
        iterations=ITERATIONS,
        seed=routed.ctx.settings.seed,
        circuity=routed.ctx.settings.circuity,
    )
    with routed.sessions() as session:
        tasks = _compare_tasks(session, load_master_data(session), options, week, ["KIT-LON"])
    assert tasks and all(t.site.code == "KIT-LON" and t.day in week for t in tasks)
    days = [d for d in (compare_site_day(t) for t in tasks) if d is not None]
    stored = next(r for r in routed.reports if r.scope.startswith(COMPARE_SCOPE_PREFIX + "KIT-LON/"))
    assert stored.kpis["site_days"] == len(days)
    for scenario in ("central", "local"):
        outcomes = [getattr(d.comparison, scenario) for d in days]
        assert float(stored.kpis[f"{scenario}_km"]) == pytest.approx(sum(o.km for o in outcomes), abs=0.05)
        assert float(stored.kpis[f"{scenario}_kg_co2e"]) == pytest.approx(
            sum(o.emissions.kg_co2e for o in outcomes), abs=5e-4
        )
        deliveries = [len(o.routing.problem.deliveries) for o in outcomes]
        assert stored.kpis[f"{scenario}_deliveries"] == sum(deliveries)
        on_time = sum(n * o.on_time_share for n, o in zip(deliveries, outcomes, strict=True))
        assert float(stored.kpis[f"{scenario}_on_time_share"]) == pytest.approx(
            on_time / sum(deliveries), abs=1e-4
        )


def test_running_again_replaces_and_gives_the_same_plan(routed: Routed) -> None:
    """A second run for the same as_of leaves every count as it was and repeats the KPIs."""
    before = _counts(routed.sessions)
    again = run_routes(routed.ctx, seconds=5, iterations=ITERATIONS)
    assert _counts(routed.sessions) == before
    strip = ("solver_seconds",)
    assert [{k: v for k, v in r.kpis.items() if k not in strip} for r in again] == [
        {k: v for k, v in r.kpis.items() if k not in strip} for r in routed.reports
    ]


def test_an_explicit_day_plans_that_day(routed: Routed) -> None:
    """``day`` plans every active site with deliveries on it, and says the day was given."""
    site = routed.sites()[0]
    day = date.fromisoformat(str(site.kpis["day"]))
    reports = run_routes(routed.ctx, day=day, seconds=5, iterations=ITERATIONS)
    mine = [r for r in reports if r.scope == site.scope]
    assert mine and mine[0].kpis["day_rule"] == "given"
    routes = [r for r in reports if not r.scope.startswith(COMPARE_SCOPE_PREFIX)]
    weeks = [r for r in reports if r.scope.startswith(COMPARE_SCOPE_PREFIX)]
    assert all(r.horizon == day_horizon(day) for r in routes)
    # The comparison week ends on the given day.
    assert weeks and all(r.kpis["week_end"] == day.isoformat() for r in weeks)
    assert all(r.horizon.end == day_horizon(day).end for r in weeks)


def test_limits_come_from_the_options() -> None:
    """Without an iteration limit the budget grows with the deliveries; seconds always cap it."""
    assert RoutesOptions(seconds=3).limits(10).max_iterations == 2_000
    assert RoutesOptions(seconds=3, iterations=50).limits(10).max_iterations == 50
    assert RoutesOptions(seconds=3, auto_iterations=False).limits(10).max_iterations is None
    assert RoutesOptions(seconds=3).limits(10).seconds == 3


def test_report_section_shows_sites_comparison_and_factor_source(routed: Routed) -> None:
    """The Deliveries and emissions section names each site, both scenarios and the DESNZ rows."""
    sections = [
        StageSection(r.stage, r.scope, r.horizon, r.kpis, r.problems, r.seconds) for r in routed.reports
    ]
    html = deliveries_section(sections)
    assert "Deliveries and emissions" in html
    for report in routed.sites():
        assert report.scope in html
    assert "central" in html and "local" in html and "KIT-CENTRAL" in html
    assert "one week" in html and "KITCHEN (all sites)" in html and "KIT-LON" in html
    assert "desnz-2025" in html and "Open Government Licence" in html
    assert str(routed.sites()[0].kpis["emission_factor_rows_wtw"]).split(";")[0] in html
    assert "http" not in html and "<script" not in html
    assert deliveries_section([replace(sections[0], stage="demand_history")]) == ""
