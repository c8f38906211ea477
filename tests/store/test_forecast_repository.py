"""Forecast runs: save/load round trip in the contract's layout, replacement, latest run, zone split."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microfactory.demand.forecast import ForecastConfig, ForecastResult
from microfactory.domain import PlanHorizon, Problem, ProblemKind, Severity, WeeklyDemand
from microfactory.store import save_plan_run
from microfactory.store.forecast_repository import (
    FORECAST_COLUMNS,
    LEVEL_AREA,
    LEVEL_BOTTOM,
    LEVEL_FAMILY,
    LEVEL_TOTAL,
    OTHER_AREA,
    SITE_COLUMNS,
    SeriesKey,
    forecast_runs,
    forecast_weekly_units,
    latest_forecast_run,
    load_forecast_values,
    load_forecasts,
    load_scores,
    load_selection,
    postcode_area,
    save_forecast_run,
    site_forecasts,
    zone_forecasts,
)
from microfactory.store.models import PlanRunRow
from microfactory.store.models.forecast import ForecastRunRow, ForecastValueRow

FIRST = date(2026, 11, 23)
HORIZON = PlanHorizon(
    start=datetime(2026, 11, 23, tzinfo=UTC), end=datetime(2026, 11, 23, tzinfo=UTC) + timedelta(weeks=2)
)
KEYS = {
    "total": SeriesKey(LEVEL_TOTAL),
    "BARS": SeriesKey(LEVEL_FAMILY, "BARS"),
    "M": SeriesKey(LEVEL_AREA, None, "M"),
    "OTHER": SeriesKey(LEVEL_AREA, None, OTHER_AREA),
    "BARS/M": SeriesKey(LEVEL_BOTTOM, "BARS", "M"),
    "BARS/OTHER": SeriesKey(LEVEL_BOTTOM, "BARS", OTHER_AREA),
}
BOTTOM_MEANS = {"BARS/M": 30.0, "BARS/OTHER": 10.0}


def _result(scale: float = 1.0, version: str = "auto-1 test") -> ForecastResult:
    """A coherent hand-made forecast: two bottom series, their area, family and total sums, two weeks."""
    means = dict(BOTTOM_MEANS)
    means["M"], means["OTHER"] = means["BARS/M"], means["BARS/OTHER"]
    means["BARS"] = means["total"] = sum(BOTTOM_MEANS.values())
    rows = []
    for uid, mean in means.items():
        for week in range(2):
            m = scale * mean * (1 + week)
            rows.append(
                {
                    "unique_id": uid,
                    "ds": pd.Timestamp(FIRST + timedelta(weeks=week)),
                    "model": "TSB" if "/" in uid else "AutoETS",
                    "mean": m,
                    "q50": m,
                    "q80": 1.2 * m,
                    "q90": 1.4 * m,
                    "q95": math.nan if uid == "OTHER" else 1.5 * m,
                }
            )
    selection = pd.DataFrame(
        {
            "unique_id": list(means),
            "demand_class": ["smooth", "smooth", "smooth", "lumpy", "smooth", "intermittent"],
            "adi": [1.0, 1.0, 1.0, 2.5, 1.0, 1.8],
            "cv2": [0.1, 0.1, 0.2, 0.7, 0.2, 0.3],
            "model": ["AutoETS"] * 4 + ["TSB", "CrostonOptimized"],
            "backtest_mase": [0.5, 0.6, 0.7, math.nan, 0.8, 0.9],
        }
    )
    scores = pd.DataFrame(
        {
            "model": ["auto", "TSB", "Naive"],
            "mase": [0.55, 0.62, math.nan],
            "rmsse": [0.6, 0.7, 1.0],
            "bias": [0.01, -0.02, 0.0],
            "spl90": [0.3, 0.35, 0.5],
            "series": [6, 6, 6],
        }
    )
    return ForecastResult(pd.DataFrame(rows), selection, scores, version, ForecastConfig(horizon=2))


def _save(session: Session, result: ForecastResult, horizon: PlanHorizon = HORIZON) -> int:
    return save_forecast_run(
        session,
        brand="FOOD",
        result=result,
        keys=KEYS,
        horizon=horizon,
        history_start=date(2024, 11, 25),
        history_end=horizon.start.date(),
        reconciliation="MinTrace-mint_shrink",
        kpis={"series": 6, "auto_mase": 0.55},
        problems=(
            Problem(
                stage="forecast",
                kind=ProblemKind.DATA,
                subject_kind="series",
                subject="OTHER",
                reason="too short to backtest",
                severity=Severity.INFO,
            ),
        ),
        parameters={"horizon_weeks": 2},
    )


def test_round_trip(session: Session) -> None:
    """Values come back in the contract's layout; NaN quantiles as NaN; run, selection, scores read."""
    run_id = _save(session, _result())
    frame = load_forecasts(session, "FOOD")
    assert list(frame.columns) == list(FORECAST_COLUMNS)
    assert len(frame) == 12
    assert frame["unique_id"].tolist() == sorted(frame["unique_id"].tolist())
    row = frame[(frame["unique_id"] == "BARS/M") & (frame["ds"] == pd.Timestamp(FIRST))].iloc[0]
    assert (row["model"], row["mean"], row["q80"], row["q95"]) == ("TSB", 30.0, 36.0, 45.0)
    assert math.isnan(frame.loc[frame["unique_id"] == "OTHER", "q95"].iloc[0])
    assert frame["ds"].dt.tz is None and set(frame["ds"].dt.weekday) == {0}

    run = latest_forecast_run(session, "FOOD")
    assert run is not None and run.plan_run_id == run_id
    assert (run.version, run.reconciliation, run.horizon_weeks) == ("auto-1 test", "MinTrace-mint_shrink", 2)
    assert run.history_end == FIRST and run.kpis["auto_mase"] == 0.55
    assert run.created_at.tzinfo is not None
    assert [r.brand for r in forecast_runs(session)] == ["FOOD"]

    selection = load_selection(session, "FOOD")
    assert len(selection) == 6
    other = selection[selection["unique_id"] == "OTHER"]
    assert other["demand_class"].tolist() == ["lumpy"] and other["backtest_mase"].isna().all()
    assert selection.set_index("unique_id").loc["BARS/OTHER", "area"] == OTHER_AREA
    scores = load_scores(session, "FOOD")
    assert scores["model"].tolist() == ["auto", "TSB", "Naive"]
    assert math.isnan(scores["mase"].iloc[2]) and scores["series"].tolist() == [6, 6, 6]


def test_filters_by_level_and_series(session: Session) -> None:
    """``level`` and ``series`` pick rows without parsing keys; values carry family and area."""
    _save(session, _result())
    assert set(load_forecasts(session, "FOOD", level=LEVEL_BOTTOM)["unique_id"]) == set(BOTTOM_MEANS)
    assert set(load_forecasts(session, "FOOD", series="total")["unique_id"]) == {"total"}
    both = load_forecasts(session, "FOOD", level=LEVEL_AREA, series=["M", "total"])
    assert set(both["unique_id"]) == {"M"}
    values = load_forecast_values(session, "FOOD", LEVEL_FAMILY)
    assert set(values["sku_family"]) == {"BARS"} and values["area"].isna().all()


def test_unknown_brand_is_empty(session: Session) -> None:
    """A brand without forecasts gives empty frames with the right columns and no run."""
    assert latest_forecast_run(session, "NONE") is None
    frame = load_forecasts(session, "NONE")
    assert frame.empty and list(frame.columns) == list(FORECAST_COLUMNS)
    assert load_selection(session, "NONE").empty and load_scores(session, "NONE").empty
    assert zone_forecasts(session, "NONE").empty and forecast_weekly_units(session, "NONE") == {}


def test_resave_replaces_and_latest_wins(session: Session) -> None:
    """Saving the same horizon replaces the run and its rows; a later horizon becomes the latest."""
    _save(session, _result())
    second = _save(session, _result(scale=2.0, version="auto-2"))
    runs = session.scalar(select(func.count()).select_from(PlanRunRow).where(PlanRunRow.stage == "forecast"))
    assert runs == 1
    assert session.scalar(select(func.count()).select_from(ForecastRunRow)) == 1
    assert session.scalar(select(func.count()).select_from(ForecastValueRow)) == 12
    assert load_forecasts(session, "FOOD", series="total")["mean"].tolist() == [80.0, 160.0]

    later = PlanHorizon(start=HORIZON.start + timedelta(weeks=1), end=HORIZON.end + timedelta(weeks=1))
    third = _save(session, _result(scale=3.0, version="auto-3"), later)
    run = latest_forecast_run(session, "FOOD")
    assert run is not None and run.plan_run_id == third != second and run.version == "auto-3"
    assert load_forecasts(session, "FOOD", series="total", plan_run_id=second)["mean"].iloc[0] == 80.0


def test_bad_input_is_refused(session: Session) -> None:
    """A series without a hierarchy key, a missing quantile column or a NaN mean raise ValueError."""
    result = _result()
    with pytest.raises(ValueError, match="'BARS/M' has no hierarchy key"):
        save_forecast_run(
            session,
            brand="FOOD",
            result=result,
            keys={k: v for k, v in KEYS.items() if k != "BARS/M"},
            horizon=HORIZON,
            history_start=FIRST,
            history_end=FIRST,
            reconciliation="BottomUp",
            kpis={},
        )
    no_q95 = ForecastResult(result.forecasts.drop(columns="q95"), result.selection, result.scores, "v")
    with pytest.raises(ValueError, match="missing columns q95"):
        _save(session, no_q95)
    nan_mean = result.forecasts.assign(mean=math.nan)
    with pytest.raises(ValueError, match="not a finite number"):
        _save(session, ForecastResult(nan_mean, result.selection, result.scores, "v"))


def _history(session: Session) -> None:
    """Stored weekly demand: M1 3x M2 in the last 13 weeks; AB1 and CD1 pooled as OTHER (old only)."""
    rows = [
        WeeklyDemand(
            brand="FOOD",
            sku_family="BARS",
            outcode="M1",
            week_start=FIRST - timedelta(weeks=1),
            orders=3,
            units=30,
        ),
        WeeklyDemand(
            brand="FOOD",
            sku_family="BARS",
            outcode="M2",
            week_start=FIRST - timedelta(weeks=2),
            orders=1,
            units=10,
        ),
        WeeklyDemand(
            brand="FOOD",
            sku_family="BARS",
            outcode="M2",
            week_start=FIRST - timedelta(weeks=40),
            orders=9,
            units=900,
        ),
        WeeklyDemand(
            brand="FOOD",
            sku_family="BARS",
            outcode="AB1",
            week_start=FIRST - timedelta(weeks=30),
            orders=1,
            units=1,
        ),
        WeeklyDemand(
            brand="FOOD",
            sku_family="BARS",
            outcode="CD1",
            week_start=FIRST - timedelta(weeks=31),
            orders=3,
            units=3,
        ),
        # After the forecast's history: never used for shares.
        WeeklyDemand(brand="FOOD", sku_family="BARS", outcode="M3", week_start=FIRST, orders=1, units=99),
    ]
    save_plan_run(
        session,
        stage="demand_history",
        scope="FOOD",
        horizon=PlanHorizon(start=HORIZON.start - timedelta(weeks=104), end=HORIZON.start),
        kpis={},
        weekly_demand=rows,
    )


def test_zone_forecasts_split_areas_by_recent_share(session: Session) -> None:
    """Area forecasts go to outcodes by recent share (older history when recent is empty); sums kept."""
    _save(session, _result())
    _history(session)
    areas = zone_forecasts(session, "FOOD", zone="area", weeks=1)
    assert areas[["zone", "mean"]].values.tolist() == [["M", 30.0], ["OTHER", 10.0]]
    outcodes = zone_forecasts(session, "FOOD", weeks=1)
    got = dict(zip(outcodes["zone"], outcodes["mean"], strict=True))
    assert got == pytest.approx({"M1": 22.5, "M2": 7.5, "AB1": 2.5, "CD1": 7.5})
    assert outcodes["q80"].sum() == pytest.approx(1.2 * 40.0)
    assert set(outcodes["brand"]) == {"FOOD"} and set(outcodes["sku_family"]) == {"BARS"}

    units = forecast_weekly_units(session, "FOOD")  # two weeks: 1x and 2x the first week's mean
    assert units == pytest.approx(
        {("M1", "BARS"): 33.75, ("M2", "BARS"): 11.25, ("AB1", "BARS"): 3.75, ("CD1", "BARS"): 11.25}
    )
    with pytest.raises(ValueError, match="zone must be"):
        zone_forecasts(session, "FOOD", zone="site")

    sites = site_forecasts(outcodes, {"M1": "HUB-M", "M2": "HUB-M", "AB1": "HUB-N"})  # CD1: no site
    assert list(sites.columns) == list(SITE_COLUMNS)
    assert sites[["site", "mean", "q80"]].values.tolist() == [["HUB-M", 30.0, 36.0], ["HUB-N", 2.5, 3.0]]


@pytest.mark.parametrize(("outcode", "area"), [("M14", "M"), ("EC1A", "EC"), ("sw1a", "SW"), ("B1", "B")])
def test_postcode_area(outcode: str, area: str) -> None:
    """The area is the outcode's leading letters."""
    assert postcode_area(outcode) == area


def test_postcode_area_refuses_digits_first() -> None:
    """An outcode starting with a digit has no area."""
    with pytest.raises(ValueError, match="postcode area"):
        postcode_area("1AB")
