"""Stage ``forecast``: bottom series from stored weekly demand, and the stage on a small stored demo.

The unit tests check the history the engine gets (full weeks before ``as_of``, zero-filled, thin
areas pooled), the hierarchy keys, the horizon and the problems. The module fixture runs the real
engine (statsforecast + hierarchicalforecast) on a small demo (seed 7, scale 0.05) in a fresh
database with a short backtest, and the tests read what it stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.demand.forecast import ForecastResult
from microfactory.demand.forecast.models import linear_trend_forecast, parse_model
from microfactory.domain import WeeklyDemand
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.forecast import (
    RECONCILIATION,
    STAGE,
    BrandForecast,
    brand_history,
    brand_total,
    forecast_horizon,
    forecast_problems,
    forecast_report_section,
    hierarchy_size,
    planning_config,
    run_forecast,
    series_keys,
    short_ids,
    trend_check,
)
from microfactory.report.forecast import FanPoint, fan_chart_svg
from microfactory.store.forecast_repository import (
    LEVEL_AREA,
    LEVEL_BOTTOM,
    LEVEL_FAMILY,
    LEVEL_TOTAL,
    OTHER_AREA,
    SeriesKey,
    latest_forecast_run,
    load_forecast_values,
    load_forecasts,
    load_scores,
    load_selection,
)
from microfactory.store.models import PlanRunRow
from tests.demo_db import demo_database

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)  # Monday 00:00 in London (GMT)
MONDAY = date(2026, 11, 23)


def _week(brand: str, family: str, outcode: str, weeks_before: int, units: int) -> WeeklyDemand:
    return WeeklyDemand(
        brand=brand,
        sku_family=family,
        outcode=outcode,
        week_start=MONDAY - timedelta(weeks=weeks_before),
        orders=1,
        units=units,
    )


def test_brand_history_is_dense_and_pools_thin_areas() -> None:
    """Full weeks before as_of, zero-filled from the first week; an area with too few weeks is pooled."""
    weekly = [
        *(_week("B", "F1", f"M{1 + i % 2}", i + 1, 2) for i in range(6)),  # area M: 6 weeks with demand
        _week("B", "F1", "AB1", 3, 5),  # area AB: 1 week -> OTHER
        _week("B", "F2", "ZE2", 2, 7),  # area ZE: 1 week -> OTHER
        _week("B", "F1", "M1", 0, 99),  # the week of as_of: not history
        _week("OTHER-BRAND", "F1", "M1", 1, 50),
    ]
    history = brand_history(weekly, "B", AS_OF, min_active_weeks=3)
    assert history is not None
    assert (history.history_start, history.history_end, history.weeks) == (
        MONDAY - timedelta(weeks=6),
        MONDAY,
        6,
    )
    assert history.pooled_areas == ("AB", "ZE")
    frame = history.frame
    assert list(frame.columns) == ["sku_family", "area", "ds", "y"]
    assert sorted(set(zip(frame["sku_family"], frame["area"], strict=True))) == [
        ("F1", "M"),
        ("F1", OTHER_AREA),
        ("F2", OTHER_AREA),
    ]
    assert len(frame) == 3 * 6 and set(frame.groupby(["sku_family", "area"]).size()) == {6}
    assert frame["y"].sum() == 6 * 2 + 5 + 7
    assert frame["ds"].max() == pd.Timestamp(MONDAY - timedelta(weeks=1))
    assert set(frame["ds"].dt.weekday) == {0}
    assert brand_history(weekly, "NONE", AS_OF) is None


def test_brand_history_mid_week_as_of_leaves_the_partial_week_out() -> None:
    """An as_of on a Wednesday: that week is partial, so history ends on its Monday."""
    weekly = [_week("B", "F1", "M1", i, 1) for i in range(3)]
    history = brand_history(weekly, "B", AS_OF + timedelta(days=2, hours=10), min_active_weeks=1)
    assert history is not None and history.history_end == MONDAY
    assert history.frame["y"].sum() == 2


def test_series_keys_name_every_level() -> None:
    """Bottom ids are family/area, families and areas their code, the one other id is the total."""
    bottom = pd.DataFrame({"sku_family": ["F/1", "F/1", "F2"], "area": ["M", "OTHER", "M"]})
    ids = ["Total", "F/1", "F2", "M", "OTHER", "F/1/M", "F/1/OTHER", "F2/M"]
    keys = series_keys(bottom, ids)
    assert keys["Total"] == SeriesKey(LEVEL_TOTAL)
    assert keys["F/1"] == SeriesKey(LEVEL_FAMILY, "F/1")
    assert keys["OTHER"] == SeriesKey(LEVEL_AREA, None, "OTHER")
    assert keys["F/1/OTHER"] == SeriesKey(LEVEL_BOTTOM, "F/1", "OTHER")
    with pytest.raises(ValueError, match="not in the hierarchy"):
        series_keys(bottom, [*ids, "stray"])
    prefixed = series_keys(bottom, ["total", *(f"total/{u}" for u in ids[1:])])
    assert prefixed["total"] == SeriesKey(LEVEL_TOTAL)
    assert prefixed["total/F/1/M"] == SeriesKey(LEVEL_BOTTOM, "F/1", "M")
    assert prefixed["total/OTHER"] == SeriesKey(LEVEL_AREA, None, "OTHER")
    assert short_ids(prefixed) == {"total": "total", **{f"total/{u}": u for u in ids[1:]}}
    clash = {"total/M": SeriesKey(LEVEL_FAMILY, "M"), "total/m": SeriesKey(LEVEL_AREA, None, "M")}
    assert short_ids(clash) == {"total/M": "total/M", "total/m": "total/m"}


def test_forecast_horizon_is_london_weeks() -> None:
    """The horizon runs from London midnight of the first week, across the clock change."""
    horizon = forecast_horizon(date(2026, 3, 23), 2)
    assert horizon.start == datetime(2026, 3, 23, tzinfo=UTC)
    assert horizon.end == datetime(2026, 4, 5, 23, tzinfo=UTC)  # Monday 6 April 00:00 BST


def test_problems_for_fallbacks() -> None:
    """A reconciliation fallback is a warning; series without a backtest score are listed."""
    selection = pd.DataFrame(
        {
            "unique_id": ["total", "F1/M"],
            "demand_class": ["smooth", "lumpy"],
            "model": ["AutoETS", "fallback:Median(13)"],
            "backtest_mase": [0.5, math.nan],
        }
    )
    result = ForecastResult(pd.DataFrame(), selection, pd.DataFrame(), "v")
    done = BrandForecast("B", result, "BottomUp", "Exception: ill-conditioned", 0.1)
    keys = {"total": SeriesKey(LEVEL_TOTAL), "F1/M": SeriesKey(LEVEL_BOTTOM, "F1", "M")}
    problems, fell_back = forecast_problems("B", done, keys)
    assert fell_back == 1
    assert [(p.subject_kind, p.subject, p.severity.value) for p in problems] == [
        ("brand", "B", "warning"),
        ("series", "F1/M", "info"),
    ]
    assert "used Median(13)" in problems[1].reason and RECONCILIATION in problems[0].reason


def test_fan_chart_is_inline_svg() -> None:
    """History, band and mean are drawn; nothing external; empty input says so."""
    svg = fan_chart_svg(
        [(date(2026, 11, 9), 10.0), (date(2026, 11, 16), 12.0)],
        [FanPoint(date(2026, 11, 23), 11.0, 10.0, 15.0), FanPoint(date(2026, 11, 30), 11.0, 9.0, 16.0)],
        title="GB <total>",
    )
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "<polygon" in svg
    assert "GB &lt;total&gt;" in svg and "<script" not in svg
    assert "No data" in fan_chart_svg([], [], title="x")


def test_trend_model_extrapolates_the_least_squares_line() -> None:
    """``Trend(n)`` fits a line through the last n values (NaN-padded rows too) and extends it."""
    assert parse_model("trend(26)", 52).name == "Trend(26)"
    with pytest.raises(ValueError, match="window length"):
        parse_model("Trend", 52)
    window = np.array(
        [
            [np.nan, 1.0, 2.0, 3.0],  # slope 1: 4, 5
            [5.0, 5.0, 5.0, 5.0],  # flat
            [0.0, 2.0, 0.0, 2.0],  # t̄ 1.5, ȳ 1, slope 0.4: 1 + 0.4 * (4 - 1.5) = 2, then 2.4
            [np.nan, np.nan, np.nan, 4.0],  # one value: that value
            [np.nan] * 4,  # none: 0
        ]
    )
    expected = [[4.0, 5.0], [5.0, 5.0], [2.0, 2.4], [4.0, 4.0], [0.0, 0.0]]
    assert linear_trend_forecast(window, 2) == pytest.approx(np.array(expected))


def _bottom(slope: float, weeks: int = 80, seed: int = 1) -> pd.DataFrame:
    """2 families × 2 areas of weekly demand growing by ``slope`` units a week each, with seeded noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    parts = [
        pd.DataFrame(
            {
                "sku_family": family,
                "area": area,
                "ds": ds,
                "y": np.maximum(0.0, 20.0 + slope * np.arange(weeks) + rng.normal(0.0, 3.0, weeks)).round(),
            }
        )
        for family in ("F1", "F2")
        for area in ("M", "EC")
    ]
    return pd.concat(parts, ignore_index=True)


def test_hierarchy_size_and_total() -> None:
    """4 bottom pairs, 2 families, 2 areas and the total: 9 series; the total sums every pair."""
    frame = _bottom(0.0, weeks=5)
    assert hierarchy_size(frame) == 9
    total = brand_total(frame)
    assert list(total.columns) == ["unique_id", "ds", "y"] and len(total) == 5
    assert total["y"].sum() == frame["y"].sum() and set(total["unique_id"]) == {"total"}


def test_trend_check_offers_trend_models_only_to_a_trending_total() -> None:
    """A growing brand gets the trend models (only the cheap ones above the series bound); a flat one none."""
    config = planning_config(1, backtest_windows=2)
    models = ("Trend(26)", "AutoETS(1)")
    growing = trend_check(_bottom(1.0), config, models)
    assert growing.offered == models
    assert growing.trend_mase is not None and growing.flat_mase is not None
    assert growing.trend_mase <= 0.9 * growing.flat_mase
    bounded = trend_check(_bottom(1.0), config, models, max_expensive_series=8)
    assert bounded.offered == ("Trend(26)",)
    flat = trend_check(_bottom(0.0), config, models)
    assert flat.offered == () and flat.trend_mase is not None and flat.flat_mase is not None
    assert trend_check(_bottom(1.0), config, ()).offered == ()


@dataclass
class Forecasted:
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]


FAST = planning_config(3, backtest_windows=2)


@pytest.fixture(scope="module")
def forecasted(module_database_url: str) -> Iterator[Forecasted]:
    """A small demo (seed 7, scale 0.05) with demand history, and the forecast stage run once on it."""
    with demo_database(module_database_url, stages=["demand_history"]) as demo:
        yield Forecasted(demo.sessions, demo.ctx, run_forecast(demo.ctx, config=FAST))


def test_every_brand_forecast_and_stored(forecasted: Forecasted) -> None:
    """One report and one stored run per brand, 8 weeks from the Monday of as_of, with the KPIs."""
    assert [r.scope for r in forecasted.reports] == ["FOOD", "KITCHEN"]
    for report in forecasted.reports:
        assert report.stage == STAGE and report.plan_run_id is not None
        assert report.horizon.start == datetime(2026, 11, 23, tzinfo=UTC)
        assert report.horizon.end - report.horizon.start == timedelta(weeks=8)
        kpis = report.kpis
        for key in (
            "series",
            "auto_mase",
            "best_single_mase",
            "best_single_model",
            "seconds",
            "trend_models",
        ):
            assert key in kpis, key
        classes = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
        shares = [float(kpis[f"share_{c}"]) for c in classes]
        assert sum(shares) == pytest.approx(1.0, abs=0.01)
        assert kpis["reconciliation"] in ("MinTrace-mint_shrink", "BottomUp")
        with forecasted.sessions() as session:
            run = latest_forecast_run(session, report.scope)
            assert run is not None and run.plan_run_id == report.plan_run_id
            assert run.parameters["top_k"] == 1 and run.parameters["inner_windows"] == 8
            offered = list(run.parameters["trend_models"])
            assert kpis["trend_models"] == (", ".join(offered) or "none")
            assert set(offered) <= set(run.parameters["models"])
            assert run.version and run.horizon_weeks == 8 and run.history_end == MONDAY
            ids = set(load_forecasts(session, report.scope)["unique_id"])
            assert "total" in ids and not any(i.startswith("total/") for i in ids)


def test_forecasts_are_coherent_and_ordered(forecasted: Forecasted) -> None:
    """Every level sums to the total each week; quantiles are non-decreasing and non-negative."""
    with forecasted.sessions() as session:
        for brand in ("FOOD", "KITCHEN"):
            values = load_forecast_values(session, brand)
            assert set(values["level"]) == {LEVEL_TOTAL, LEVEL_FAMILY, LEVEL_AREA, LEVEL_BOTTOM}
            assert values["ds"].nunique() == 8 and set(values["ds"].dt.weekday) == {0}
            total = values[values["level"] == LEVEL_TOTAL].set_index("ds")["mean"]
            for level in (LEVEL_FAMILY, LEVEL_AREA, LEVEL_BOTTOM):
                sums = values[values["level"] == level].groupby("ds")["mean"].sum()
                assert sums.to_numpy() == pytest.approx(total.to_numpy(), rel=1e-4, abs=1e-3), level
            quantiles = values[["q50", "q80", "q90", "q95"]].to_numpy()
            assert (quantiles[:, 1:] >= quantiles[:, :-1] - 1e-6).all()
            assert (values[["mean", "q50"]].to_numpy() >= -1e-9).all()


def test_selection_and_scores_stored(forecasted: Forecasted) -> None:
    """Each series has a demand class and a model; scores hold auto and the single models."""
    with forecasted.sessions() as session:
        selection = load_selection(session, "KITCHEN")
        scores = load_scores(session, "KITCHEN")
        forecasts = load_forecasts(session, "KITCHEN")
    assert set(selection["unique_id"]) == set(forecasts["unique_id"])
    assert set(selection["demand_class"]) <= {"smooth", "erratic", "intermittent", "lumpy"}
    assert "auto" in set(scores["model"]) and len(scores) > 2


def test_rerun_replaces(forecasted: Forecasted) -> None:
    """Running the stage again for the same horizon leaves one run per brand."""
    run_forecast(forecasted.ctx, config=FAST, brands=["FOOD"])
    with forecasted.sessions() as session:
        runs = session.scalar(select(func.count()).select_from(PlanRunRow).where(PlanRunRow.stage == STAGE))
    assert runs == 2


def test_report_section(forecasted: Forecasted) -> None:
    """The section shows per brand the backtest comparison, demand classes and inline SVG charts."""
    with forecasted.sessions() as session:
        html = forecast_report_section(session, forecasted.ctx.settings)
    assert html.startswith('<section id="forecast">') and html.endswith("</section>")
    assert "FOOD" in html and "KITCHEN" in html and "Demand classes" in html
    assert "GB total" in html and html.count("<svg") >= 4
    assert html.count("on the GB total's backtest") == 2  # why trend models were (not) offered
    assert "<script" not in html and "https://" not in html


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["F1", "F2", "F/3"]),
            st.sampled_from(["M1", "M2", "AB1", "EC1A", "ZE2"]),
            st.integers(min_value=0, max_value=30),
            st.integers(min_value=0, max_value=40),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda t: (t[0], t[1], t[2]),
    ),
    st.integers(min_value=1, max_value=6),
)
def test_brand_history_keeps_every_unit_before_as_of(
    rows: list[tuple[str, str, int, int]], min_active_weeks: int
) -> None:
    """Whatever the rows: units before as_of are kept, every series spans the same weeks, ids map back."""
    weekly = [
        _week("B", family, outcode, weeks_before, units) for family, outcode, weeks_before, units in rows
    ]
    history = brand_history(weekly, "B", AS_OF, min_active_weeks=min_active_weeks)
    earlier = [w for w in weekly if w.week_start < MONDAY]
    if not earlier:
        assert history is None
        return
    assert history is not None
    frame = history.frame
    assert frame["y"].sum() == sum(w.units for w in earlier)
    assert frame.groupby(["sku_family", "area"])["ds"].nunique().eq(history.weeks).all()
    assert not frame.duplicated(["sku_family", "area", "ds"]).any()
    kept = set(frame["area"]) - {OTHER_AREA}
    assert kept.isdisjoint(history.pooled_areas)
    bottom = [f"total/{f}/{a}" for f, a in set(zip(frame["sku_family"], frame["area"], strict=True))]
    ids = ["total", *bottom, *(f"total/{f}" for f in set(frame["sku_family"]))]
    ids += [f"total/{a}" for a in set(frame["area"])]
    keys = series_keys(frame, ids)
    assert sum(k.level == LEVEL_BOTTOM for k in keys.values()) == len(bottom)
