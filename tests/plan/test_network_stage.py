"""Stage ``network`` on a small demo network in a real database: scenarios stored, replaced, N-1 backups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.demand.forecast import ForecastConfig, ForecastResult
from microfactory.plan.pipeline import STAGES
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.forecast import brand_history, forecast_horizon
from microfactory.plan.stages.network import SCENARIOS, STAGE, design_brands, run_network
from microfactory.report.network import network_section
from microfactory.store import latest_network_scenarios, load_master_data, load_weekly_demand, transaction
from microfactory.store.forecast_repository import LEVEL_BOTTOM, SeriesKey, save_forecast_run
from microfactory.store.models import NetworkScenarioRow, PlanRunRow
from tests.demo_db import demo_database

SECONDS = 10.0


@dataclass
class Designed:
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]


@pytest.fixture(scope="module")
def designed(module_database_url: str) -> Iterator[Designed]:
    """A small demo network (seed 7, scale 0.05) with demand history, and the stage run once on it."""
    with demo_database(module_database_url, stages=["demand_history"]) as demo:
        yield Designed(demo.sessions, demo.ctx, run_network(demo.ctx, seconds=SECONDS))


def test_stage_is_registered_after_demand_history() -> None:
    """The pipeline runs network design after demand history and forecasts (it needs weekly demand)."""
    names = list(STAGES)
    assert names.index("demand_history") < names.index("forecast") < names.index(STAGE)


def test_only_the_kitchen_brand_is_designed(designed: Designed) -> None:
    """The kitchen brand has a central plant and candidates; the food brand (no plant) is skipped."""
    with designed.sessions() as session:
        assert design_brands(load_master_data(session)) == ["KITCHEN"]
    assert [r.scope for r in designed.reports] == [f"KITCHEN/{s}" for s in SCENARIOS]


def test_scenarios_stored_with_kpis(designed: Designed) -> None:
    """Each scenario is stored with its KPIs; centralised opens the plant alone and loses all if it fails."""
    with designed.sessions() as session:
        stored = {r.name: r for r in latest_network_scenarios(session, brand="KITCHEN")}
    assert set(stored) == set(SCENARIOS)
    central = stored["centralised"]
    assert [s.kind for s in central.sites] == ["central_plant"]
    assert central.kpis["lost_if_largest_fails_units"] == central.kpis["demand_units_per_week"]
    local = stored["local"]
    assert int(local.kpis["sites_open"]) > 1
    assert float(local.kpis["mean_km"]) < float(central.kpis["mean_km"])
    for record in stored.values():
        for key in (
            "weekly_cost_pence",
            "p95_km",
            "p95_hours",
            "transport_kg_co2e_per_week",
            "share_within_24h",
        ):
            assert key in record.kpis
        assert record.gap is not None and record.gap <= 0.005
        assert isinstance(record.kpis["weekly_cost_pence"], int)


def test_n1_has_a_backup_for_every_covered_zone(designed: Designed) -> None:
    """In the N-1 design every served zone has a backup site, or a problem saying why it cannot."""
    with designed.sessions() as session:
        n1 = next(r for r in latest_network_scenarios(session) if r.name == "n-1")
    explained = {p.subject for p in n1.problems}
    served = [z for z in n1.zones if z.primary_site is not None]
    assert served
    for zone in served:
        assert zone.backup_site is not None or zone.outcode in explained, zone
        assert zone.backup_site != zone.primary_site
    assert all(s.lost_if_down_units_per_week is not None for s in n1.sites)


def test_rerun_replaces(designed: Designed) -> None:
    """Running the stage again leaves one scenario (and one plan run) per name."""
    run_network(designed.ctx, seconds=SECONDS)
    with designed.sessions() as session:
        assert session.scalar(select(func.count()).select_from(NetworkScenarioRow)) == len(SCENARIOS)
        runs = session.scalar(select(func.count()).select_from(PlanRunRow).where(PlanRunRow.stage == STAGE))
        assert runs == len(SCENARIOS)


def test_report_section(designed: Designed) -> None:
    """The report section compares the scenarios and lists open sites with demand at risk."""
    with designed.sessions() as session:
        html = network_section(latest_network_scenarios(session))
    assert "Network design" in html
    for name in SCENARIOS:
        assert f"Open sites — {name}" in html
    assert "at risk" in html
    assert network_section([]) == ""


def test_history_is_the_demand_source_without_a_forecast(designed: Designed) -> None:
    """Without a stored forecast the design uses the history window and says so in its KPIs."""
    for report in designed.reports:
        assert report.kpis["demand_source"] == "history"
        assert report.kpis["demand_note"] == "no stored forecast"


def _stored_forecast(designed: Designed, factor: float) -> tuple[int, float]:
    """Store a KITCHEN forecast (bottom series only): ``factor`` × each series' last-13-week mean.

    Returns the plan run id and the forecast's total units per week.
    """
    with designed.sessions() as session:
        weekly = load_weekly_demand(session, brand="KITCHEN")
    history = brand_history(weekly, "KITCHEN", designed.ctx.as_of)
    assert history is not None
    recent = history.frame[history.frame["ds"] >= pd.Timestamp(history.history_end - timedelta(weeks=13))]
    means = recent.groupby(["sku_family", "area"], as_index=False)["y"].sum()
    means["y"] = means["y"] / 13 * factor
    rows: list[dict[str, object]] = []
    keys: dict[str, SeriesKey] = {}
    for family, area, mean in zip(means["sku_family"], means["area"], means["y"], strict=True):
        uid = f"{family}/{area}"
        keys[uid] = SeriesKey(LEVEL_BOTTOM, str(family), str(area))
        for week in range(4):
            day = pd.Timestamp(history.history_end + timedelta(weeks=week))
            rows.append(
                {"unique_id": uid, "ds": day, "model": "WindowAverage", "mean": mean}
                | {q: mean * k for q, k in (("q50", 1.0), ("q80", 1.3), ("q90", 1.5), ("q95", 1.7))}
            )
    result = ForecastResult(
        pd.DataFrame(rows),
        pd.DataFrame({"unique_id": list(keys), "demand_class": "lumpy", "model": "WindowAverage"}),
        pd.DataFrame({"model": ["auto"], "mase": [0.9], "series": [len(keys)]}),
        "hand-made",
        ForecastConfig(horizon=4),
    )
    with transaction(designed.sessions) as session:
        run_id = save_forecast_run(
            session,
            brand="KITCHEN",
            result=result,
            keys=keys,
            horizon=forecast_horizon(history.history_end, 4),
            history_start=history.history_start,
            history_end=history.history_end,
            reconciliation="none",
            kpis={},
        )
    return run_id, float(means["y"].sum())


def test_forecast_feeds_the_design(designed: Designed) -> None:
    """With a forecast made as at the same week, every scenario designs for the forecast's mean units."""
    run_id, forecast_units = _stored_forecast(designed, factor=2.0)
    history_units = float(designed.reports[0].kpis["demand_units_per_week"])
    reports = run_network(designed.ctx, seconds=SECONDS)
    assert [r.scope for r in reports] == [f"KITCHEN/{s}" for s in SCENARIOS]
    for report in reports:
        assert report.kpis["demand_source"] == "forecast"
        assert report.kpis["forecast_plan_run_id"] == run_id and report.kpis["forecast_weeks"] == 4
        assert float(report.kpis["demand_units_per_week"]) == pytest.approx(forecast_units, rel=1e-3)
    assert forecast_units == pytest.approx(2.0 * history_units, rel=1e-3)
