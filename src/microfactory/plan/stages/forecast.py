"""Stage ``forecast``: weekly demand forecasts per SKU family × postcode area, coherent up to GB.

Per brand, the stage reads the stored weekly demand (the ``demand_history`` stage's output) of the full
weeks before ``as_of`` (weeks start on Monday, Europe/London), builds dense zero-filled weekly series
at the bottom level **SKU family × postcode area** and forecasts them with the forecasting engine's
per-series automatic selection (rolling-origin backtest; mean-type candidates, plus trend models
when the brand's total trends: :func:`trend_check`), reconciled over the grouped hierarchy
family → total and area → GB total with MinTrace (``mint_shrink``); when the shrunk covariance is
singular (ill-conditioned) it falls back to BottomUp and says so. Brands are fanned out over the
runner; each brand's forecast is written in its own transaction as one plan run (scope: the brand),
replacing an earlier run for the same horizon.

Why postcode areas: outcodes are far too sparse for 104 weeks of demo demand (the kitchen brand's
median family × outcode series has 1–2 weeks with any demand), while areas (the outcode's letters,
``M``, ``EC``) keep enough signal for the intermittent-demand models. Areas with fewer than
:data:`MIN_ACTIVE_WEEKS` weeks with demand are pooled into one ``OTHER`` area, so the bottom level is
not mostly empty series. Readers that need outcodes (network design, hub stocking) split an area's
forecast by its outcodes' recent share (:func:`microfactory.store.forecast_repository.zone_forecasts`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.demand import week_start_london
from microfactory.demand.forecast.contract import (
    DEMAND_CLASS,
    DS,
    MEAN,
    MODEL,
    UNIQUE_ID,
    ForecastConfig,
    ForecastResult,
    HierarchySpec,
    Y,
)
from microfactory.demand.forecast.models import MEAN_MODELS
from microfactory.domain import PlanHorizon, Problem, ProblemKind, Severity, WeeklyDemand
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.report.forecast import forecast_section
from microfactory.store import load_weekly_demand, transaction
from microfactory.store.forecast_repository import (
    FORECAST_STAGE,
    LEVEL_AREA,
    LEVEL_BOTTOM,
    LEVEL_FAMILY,
    LEVEL_TOTAL,
    OTHER_AREA,
    TOTAL_ID,
    SeriesKey,
    postcode_area,
    save_forecast_run,
)

STAGE = FORECAST_STAGE
HORIZON_WEEKS = 8
MIN_ACTIVE_WEEKS = 13
"""An area needs demand in at least this many history weeks to be a bottom-level area of its own."""
RECONCILIATION = "MinTrace-mint_shrink"
FALLBACK_RECONCILIATION = "BottomUp"
FAMILY = "sku_family"
AREA = "area"
LEVELS: tuple[tuple[str, ...], ...] = ((FAMILY,), (AREA,), (FAMILY, AREA))
"""Hierarchy levels below the total, top first (the engine adds the total)."""
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
FALLBACK_PREFIX = "fallback:"
"""Model label prefix the engine gives a series too short to be selected by backtest."""
PROBLEMS_SHOWN = 50
"""At most this many series problems per brand (the count of all is a KPI)."""
LONDON = ZoneInfo("Europe/London")
PLANNING_MODELS: tuple[str, ...] = MEAN_MODELS
"""Candidates of the stage: methods that forecast the mean (or the demand rate), none the median.

The plan adds forecasts up (zones into areas and sites, families into capacity), so each series'
point forecast must be unbiased for the mean. The engine's default pool is tuned for MASE, which
rewards medians: on intermittent series the median is zero, and on the demo's kitchen brand at full
scale the family × area forecasts then summed to about half of the total's own forecast (658 against
1,897 units/week) and MinTrace pulled the total down to 976. With this pool they sum to within
a few per cent of it (1,835), at a higher MASE (1.07 against 0.76) that the report shows.
"""
PLANNING_FALLBACK = "WindowAverage(13)"
"""Model of a series too short to be selected by backtest (a mean, like the candidates)."""
PLANNING_TOP_K = 1
"""Plain per-series selection: on the full demo the median of the top 5 (the engine's default) stayed
among the flat means on a growing brand and scored worse than the best single model on both brands."""
PLANNING_INNER_WINDOWS = 8
"""Backtest windows each selection ranks the candidates on (the engine's default is 4): twice the
evidence makes per-series selection stable enough to beat the best single model."""
TREND_MODELS: tuple[str, ...] = ("Trend(26)", "AutoETS(1)", "AutoTheta(52)")
"""Trend-capable candidates, offered to a brand only when its total's demand trends (:func:`trend_check`).

The means of :data:`PLANNING_MODELS` forecast flat, so a growing brand is under-forecast (the demo's
food brand by a scaled bias of −1.28). A least-squares line over the last 26 weeks is cheap; AutoETS
(non-seasonal search, damped trend included) and AutoTheta cost seconds per hundred series and are
only offered to brands with at most :data:`MAX_EXPENSIVE_SERIES` series."""
CHEAP_TREND_MODELS: tuple[str, ...] = ("Trend(26)",)
"""Trend candidates of a trending brand with more than :data:`MAX_EXPENSIVE_SERIES` series."""
MAX_EXPENSIVE_SERIES = 300
"""Most hierarchy series a brand may have to be offered AutoETS/AutoTheta (runtime bound: the kitchen
brand's 803 series took 151 s instead of 30 s with AutoTheta)."""
TREND_GAIN = 0.10
"""A brand trends when the best trend model's backtest MASE on its total is at least this share below
the best of the brand's other candidates."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrandHistory:
    """One brand's bottom-level weekly series, dense and zero-filled, and how they were built."""

    brand: str
    frame: pd.DataFrame
    """``sku_family, area, ds, y``: one row per bottom series and week (``ds`` tz-naive Mondays)."""
    history_start: date
    history_end: date
    """Monday after the last history week: the first forecast week."""
    pooled_areas: tuple[str, ...]
    """Postcode areas pooled into :data:`OTHER_AREA`."""

    @property
    def weeks(self) -> int:
        """Number of history weeks."""
        return (self.history_end - self.history_start).days // 7


def brand_history(
    weekly: Sequence[WeeklyDemand],
    brand: str,
    as_of: datetime,
    *,
    min_active_weeks: int = MIN_ACTIVE_WEEKS,
) -> BrandHistory | None:
    """``brand``'s bottom-level series from stored weekly demand: full weeks before ``as_of`` only.

    Weeks start on Monday (Europe/London); the week containing ``as_of`` is left out unless ``as_of``
    is its Monday midnight (then it is the first forecast week). Series run from the brand's first week
    with demand to the last full week, zero-filled; areas with demand in fewer than
    ``min_active_weeks`` weeks are pooled into :data:`OTHER_AREA`. ``None`` when the brand has no
    demand before ``as_of``.
    """
    end = week_start_london(as_of)
    rows = [w for w in weekly if w.brand == brand and w.week_start < end]
    if not rows:
        return None
    raw = pd.DataFrame(
        {
            FAMILY: [w.sku_family for w in rows],
            AREA: [postcode_area(w.outcode) for w in rows],
            DS: pd.to_datetime([w.week_start for w in rows]),
            Y: [float(w.units) for w in rows],
        }
    )
    active = raw[raw[Y] > 0].groupby(AREA)[DS].nunique()
    pooled = sorted(a for a in raw[AREA].unique() if active.get(a, 0) < min_active_weeks)
    raw.loc[raw[AREA].isin(pooled), AREA] = OTHER_AREA
    summed = raw.groupby([FAMILY, AREA, DS], as_index=False)[Y].sum()
    start = min(w.week_start for w in rows)
    weeks = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="W-MON", inclusive="left")
    pairs = pd.DataFrame(summed[[FAMILY, AREA]].drop_duplicates()).sort_values([FAMILY, AREA])
    grid = pairs.merge(pd.DataFrame({DS: weeks}), how="cross")
    frame = grid.merge(summed, on=[FAMILY, AREA, DS], how="left").fillna({Y: 0.0})
    frame = frame.sort_values([FAMILY, AREA, DS], kind="stable").reset_index(drop=True)
    return BrandHistory(brand, frame, start, end, tuple(pooled))


def series_keys(history: pd.DataFrame, unique_ids: Sequence[str]) -> dict[str, SeriesKey]:
    """Level, family and area of every forecast series of a bottom ``history`` (``sku_family, area``).

    Node ids join level values by ``/`` as hierarchicalforecast's ``aggregate`` does: ``family/area``,
    ``family``, ``area``, either as they are or below the total's id (``total/family/area``); the
    total is the one remaining id. Raises ``ValueError`` for ids that fit neither (the engine named
    its levels differently).
    """
    ids = list(dict.fromkeys(unique_ids))
    total = next((t for t in ids if all(u == t or u.startswith(f"{t}/") for u in ids)), None)
    prefix = f"{total}/" if total is not None and len(ids) > 1 else ""
    pairs = history[[FAMILY, AREA]].drop_duplicates()
    known: dict[str, SeriesKey] = {}
    for family, area in zip(pairs[FAMILY], pairs[AREA], strict=True):
        known[f"{prefix}{family}/{area}"] = SeriesKey(LEVEL_BOTTOM, str(family), str(area))
    for family in pairs[FAMILY].unique():
        known.setdefault(f"{prefix}{family}", SeriesKey(LEVEL_FAMILY, str(family)))
    for area in pairs[AREA].unique():
        known.setdefault(f"{prefix}{area}", SeriesKey(LEVEL_AREA, None, str(area)))
    out = {uid: known[uid] for uid in ids if uid in known}
    rest = [uid for uid in ids if uid not in out]
    if len(rest) > 1 or (rest and prefix and rest[0] != total):
        raise ValueError(f"forecast series not in the hierarchy: {', '.join(sorted(rest)[:5])}")
    out.update({uid: SeriesKey(LEVEL_TOTAL) for uid in rest})
    return out


def short_ids(keys: Mapping[str, SeriesKey]) -> dict[str, str]:
    """Readable series ids: ``total``, ``family``, ``area``, ``family/area`` (no ``total/`` prefix).

    These are the ids stored and shown (``forecast show --series KIT-DOORS/M``). When two series
    would get the same short id (a family named like an area), the engine's ids are kept as they are.
    """
    short: dict[str, str] = {}
    for uid, key in keys.items():
        if key.level == LEVEL_TOTAL:
            short[uid] = TOTAL_ID
        elif key.level == LEVEL_BOTTOM:
            short[uid] = f"{key.sku_family}/{key.area}"
        else:
            short[uid] = str(key.sku_family if key.level == LEVEL_FAMILY else key.area)
    if len(set(short.values())) < len(short):
        return {uid: uid for uid in keys}
    return short


def _renamed(result: ForecastResult, ids: Mapping[str, str]) -> ForecastResult:
    """``result`` with its series ids replaced by ``ids``."""
    return replace(
        result,
        forecasts=result.forecasts.assign(**{UNIQUE_ID: result.forecasts[UNIQUE_ID].astype(str).map(ids)}),
        selection=result.selection.assign(**{UNIQUE_ID: result.selection[UNIQUE_ID].astype(str).map(ids)}),
    )


@dataclass(frozen=True)
class TrendCheck:
    """Whether a brand is offered trend candidates, and the evidence: backtest MASE on its total."""

    offered: tuple[str, ...]
    """Trend models added to the brand's candidates (empty: none)."""
    trend_mase: float | None
    """Best trend model's MASE on the brand total's backtest (``None``: not scored)."""
    flat_mase: float | None
    """Best of the brand's other candidates on the same backtest."""


@dataclass(frozen=True)
class BrandForecastTask:
    """One unit of fan-out: a brand's bottom series and how to forecast them (picklable)."""

    brand: str
    history: pd.DataFrame
    config: ForecastConfig
    method: str = RECONCILIATION
    trend_models: tuple[str, ...] = TREND_MODELS
    """Trend candidates offered if the brand's total trends (:func:`trend_check`); empty: never."""


@dataclass(frozen=True)
class BrandForecast:
    """A brand's reconciled forecast, the reconciliation actually used and why it changed, if it did."""

    brand: str
    result: ForecastResult
    reconciliation: str
    fallback_reason: str | None
    seconds: float
    trend: TrendCheck = TrendCheck((), None, None)


def forecast_brand(task: BrandForecastTask) -> BrandForecast:
    """Forecast one brand's hierarchy (top-level so worker processes can import it).

    First decides whether the brand gets trend candidates (:func:`trend_check` on its total), then
    tries ``task.method`` (MinTrace ``mint_shrink``); if reconciliation fails, typically because the
    shrunk covariance of the in-sample errors is singular, it runs again with BottomUp and records why.
    """
    from microfactory.demand.forecast import forecast_hierarchy  # the engine: imported when run

    started = time.perf_counter()
    history = task.history[[FAMILY, AREA, DS, Y]]
    trend = trend_check(history, task.config, task.trend_models)
    config = task.config
    if trend.offered:
        config = replace(config, models=(*(config.models or ()), *trend.offered))
    try:
        result = forecast_hierarchy(history, HierarchySpec(LEVELS, task.method), config)
        method, reason = task.method, None
    except Exception as exc:  # hierarchicalforecast raises a bare Exception when ill-conditioned
        if task.method == FALLBACK_RECONCILIATION:
            raise
        result = forecast_hierarchy(history, HierarchySpec(LEVELS, FALLBACK_RECONCILIATION), config)
        method, reason = FALLBACK_RECONCILIATION, f"{type(exc).__name__}: {exc}"
    return BrandForecast(task.brand, result, method, reason, time.perf_counter() - started, trend)


def _best_single(scores: pd.DataFrame) -> tuple[str | None, float | None, float | None]:
    """(best single model, its MASE, auto's MASE) from the scores frame."""
    valid = scores[np.isfinite(scores["mase"].astype(float))]
    auto = valid.loc[valid[MODEL] == "auto", "mase"]
    singles = valid[valid[MODEL] != "auto"].sort_values(["mase", MODEL])
    best = (str(singles[MODEL].iloc[0]), float(singles["mase"].iloc[0])) if len(singles) else (None, None)
    return best[0], best[1], float(auto.iloc[0]) if len(auto) else None


def forecast_kpis(
    history: BrandHistory,
    done: BrandForecast,
    keys: Mapping[str, SeriesKey],
    fell_back: int,
) -> dict[str, float | int | str]:
    """The stage's KPIs of one brand (flat, JSON-safe).

    Series counts, backtest MASE of the automatic selection against the best single model, the share
    of each demand class, the reconciliation used, forecast and recent history units per week, the
    trend models offered and the total's evidence for them, how many series fell back and the
    engine's seconds.
    """
    result = done.result
    levels = pd.Series([k.level for k in keys.values()])
    bottom = int((levels == LEVEL_BOTTOM).sum())
    out: dict[str, float | int | str] = {
        "series": len(keys),
        "bottom_series": bottom,
        "areas": int(levels.eq(LEVEL_AREA).sum()),
        "pooled_areas": len(history.pooled_areas),
        "history_weeks": history.weeks,
        "horizon_weeks": int(result.config.horizon),
        "first_week": history.history_end.isoformat(),
        "reconciliation": done.reconciliation,
        "engine_version": result.version,
    }
    best_model, best_mase, auto_mase = _best_single(result.scores)
    if auto_mase is not None:
        out["auto_mase"] = round(auto_mase, 4)
    auto_bias = result.scores.loc[result.scores[MODEL] == "auto", "bias"] if "bias" in result.scores else None
    if auto_bias is not None and len(auto_bias) and np.isfinite(float(auto_bias.iloc[0])):
        out["auto_bias"] = round(float(auto_bias.iloc[0]), 4)
    if best_model is not None and best_mase is not None:
        out["best_single_model"] = best_model
        out["best_single_mase"] = round(best_mase, 4)
        if auto_mase is not None and best_mase > 0:
            out["improvement_pct"] = round(100.0 * (best_mase - auto_mase) / best_mase, 1)
    classes = (
        result.selection[DEMAND_CLASS].astype(str) if len(result.selection) else pd.Series([], dtype=str)
    )
    for name in DEMAND_CLASSES:
        out[f"share_{name}"] = round(float((classes == name).mean()), 3) if len(classes) else 0.0
    totals = result.forecasts[result.forecasts[UNIQUE_ID].map(lambda u: keys[u].level) == LEVEL_TOTAL]
    out["forecast_units_per_week"] = round(float(totals[MEAN].sum()) / max(1, result.config.horizon), 1)
    recent = history.frame[history.frame[DS] >= pd.Timestamp(history.history_end - timedelta(weeks=13))]
    out["history_units_per_week_13w"] = round(float(recent[Y].sum()) / 13.0, 1)
    out["trend_models"] = ", ".join(done.trend.offered) or "none"
    if done.trend.trend_mase is not None:
        out["total_trend_mase"] = round(done.trend.trend_mase, 4)
    if done.trend.flat_mase is not None:
        out["total_flat_mase"] = round(done.trend.flat_mase, 4)
    out["series_fell_back"] = fell_back
    mase = pd.to_numeric(result.selection.get("backtest_mase", pd.Series(dtype=float)), errors="coerce")
    out["series_unscored"] = int((~np.isfinite(mase.to_numpy(dtype=float))).sum())
    out["seconds"] = round(done.seconds, 2)
    return out


def forecast_problems(
    brand: str, done: BrandForecast, keys: Mapping[str, SeriesKey]
) -> tuple[list[Problem], int]:
    """Problems of one brand's forecast and how many series fell back.

    A series falls back when the engine could not select its model by backtest (too short for any
    scored window; model ``fallback:<model>``), so its model was chosen without evidence; at most
    :data:`PROBLEMS_SHOWN` are listed. Reconciliation falling back to BottomUp is one warning.
    """
    problems: list[Problem] = []
    if done.fallback_reason is not None:
        problems.append(
            Problem(
                stage=STAGE,
                kind=ProblemKind.DATA,
                subject_kind="brand",
                subject=brand,
                reason=f"{RECONCILIATION} reconciliation failed ({done.fallback_reason[:300]}); "
                f"used {done.reconciliation}",
                severity=Severity.WARNING,
                binding_constraint="reconciliation",
            )
        )
    selection = done.result.selection
    if not len(selection):
        return problems, 0
    fell = selection[selection[MODEL].astype(str).str.startswith(FALLBACK_PREFIX)]
    for uid, model, demand_class in list(
        zip(fell[UNIQUE_ID].astype(str), fell[MODEL].astype(str), fell[DEMAND_CLASS].astype(str), strict=True)
    )[:PROBLEMS_SHOWN]:
        key = keys.get(uid, SeriesKey(LEVEL_TOTAL))
        problems.append(
            Problem(
                stage=STAGE,
                kind=ProblemKind.DATA,
                subject_kind="series",
                subject=uid,
                reason=f"{key.level} series ({demand_class}) too short to select a model by backtest; "
                f"used {model.removeprefix(FALLBACK_PREFIX)}",
                severity=Severity.INFO,
                binding_constraint="backtest",
            )
        )
    return problems, len(fell)


def planning_config(seed: int, *, backtest_windows: int = 4) -> ForecastConfig:
    """The stage's engine configuration: :data:`PLANNING_MODELS`, a mean fallback, ``seed``.

    ``backtest_windows`` rolling origins score the selection (fewer for a quick run); each series
    gets the single best candidate (:data:`PLANNING_TOP_K`) ranked on :data:`PLANNING_INNER_WINDOWS`.
    """
    return ForecastConfig(
        models=PLANNING_MODELS,
        fallback_model=PLANNING_FALLBACK,
        seed=seed,
        backtest_windows=backtest_windows,
        top_k=PLANNING_TOP_K,
        inner_windows=PLANNING_INNER_WINDOWS,
    )


def brand_total(history: pd.DataFrame) -> pd.DataFrame:
    """The brand total's weekly series (``unique_id, ds, y``) from its bottom ``history``."""
    total = history.groupby(DS, as_index=False)[Y].sum()
    return pd.DataFrame(total.assign(**{UNIQUE_ID: TOTAL_ID})[[UNIQUE_ID, DS, Y]])


def hierarchy_size(history: pd.DataFrame) -> int:
    """Number of series of the brand's hierarchy: bottom pairs, families, areas and the total."""
    pairs = history[[FAMILY, AREA]].drop_duplicates()
    return len(pairs) + pairs[FAMILY].nunique() + pairs[AREA].nunique() + 1


def trend_check(
    history: pd.DataFrame,
    config: ForecastConfig,
    trend_models: Sequence[str] = TREND_MODELS,
    *,
    max_expensive_series: int = MAX_EXPENSIVE_SERIES,
    gain: float = TREND_GAIN,
) -> TrendCheck:
    """Which trend models to offer a brand: only where a trend helps, so runtime stays bounded.

    One backtest of the brand total (a single series: under a second even with AutoTheta) with the
    brand's candidates plus ``trend_models``; when the best trend model's MASE is at least ``gain``
    below the best other candidate's, the brand trends and gets the trend models: all of them if its
    hierarchy has at most ``max_expensive_series`` series, else only the cheap ones (no AutoETS or
    AutoTheta). A flat or noisy total (the demo's kitchen brand) keeps the plain pool.
    """
    from microfactory.demand.forecast import backtest  # the engine: imported when run

    flat = tuple(config.models or ())
    extra = tuple(m for m in trend_models if m not in flat)
    if not extra or not flat:
        return TrendCheck((), None, None)
    scores = backtest(brand_total(history), replace(config, models=(*flat, *extra), report_models=()))
    mase = dict(zip(scores[MODEL].astype(str), scores["mase"].astype(float), strict=True))

    def best(names: Sequence[str]) -> float | None:
        finite = [v for n in names if np.isfinite(v := mase.get(_canonical(n, config), np.nan))]
        return min(finite) if finite else None

    trend, other = best(extra), best(flat)
    if trend is None or other is None or trend > (1.0 - gain) * other:
        return TrendCheck((), trend, other)
    offered = extra
    if hierarchy_size(history) > max_expensive_series:
        offered = tuple(m for m in extra if not _expensive(m, config))
    return TrendCheck(offered, trend, other)


def _canonical(name: str, config: ForecastConfig) -> str:
    """The engine's label of model ``name`` (``AutoTheta`` → ``AutoTheta(52)``)."""
    from microfactory.demand.forecast.models import parse_model

    return parse_model(name, config.season_length).name


def _expensive(name: str, config: ForecastConfig) -> bool:
    """Whether model ``name`` is one of the engine's costly automatic searches (AutoETS, AutoTheta)."""
    from microfactory.demand.forecast.models import parse_model

    return parse_model(name, config.season_length).expensive


def forecast_horizon(history_end: date, weeks: int) -> PlanHorizon:
    """The forecast weeks ``[history_end, history_end + weeks)`` as London midnights in UTC."""
    start = datetime.combine(history_end, clock_time(0), tzinfo=LONDON)
    end = datetime.combine(history_end + timedelta(weeks=weeks), clock_time(0), tzinfo=LONDON)
    return PlanHorizon(start=start, end=end)


def run_forecast(
    ctx: StageContext,
    *,
    horizon_weeks: int = HORIZON_WEEKS,
    brands: Sequence[str] | None = None,
    config: ForecastConfig | None = None,
    trend_models: Sequence[str] = TREND_MODELS,
) -> list[StageReport]:
    """Forecast every brand's stored weekly demand (or only ``brands``) and store the forecasts.

    ``horizon_weeks`` weeks ahead from the first week after the history; the engine's candidates,
    seed and backtest design come from ``config`` (default: :func:`planning_config` with the
    settings' seed); a brand whose total trends is also offered ``trend_models`` (:func:`trend_check`).
    Brands without weekly demand before ``ctx.as_of`` are skipped. One plan run per brand, each in
    its own transaction.
    """
    started = time.perf_counter()
    base = config or planning_config(ctx.settings.seed)
    chosen = replace(base, horizon=horizon_weeks)
    ctx.progress.step("Reading weekly demand for forecasts", None)
    with ctx.sessions() as session:
        weekly = load_weekly_demand(session)
    names = sorted({w.brand for w in weekly}) if brands is None else list(brands)
    histories = [h for b in names if (h := brand_history(weekly, b, ctx.as_of)) is not None]
    tasks = [BrandForecastTask(h.brand, h.frame, chosen, trend_models=tuple(trend_models)) for h in histories]
    advance = ctx.progress.step("Forecasting per brand", len(tasks))
    results = ctx.runner.map(forecast_brand, tasks, progress=advance)
    ctx.progress.step("Writing forecasts", None)
    reports: list[StageReport] = []
    for history, done in zip(histories, results, strict=True):
        engine_keys = series_keys(
            history.frame, done.result.forecasts[UNIQUE_ID].astype(str).unique().tolist()
        )
        ids = short_ids(engine_keys)
        keys = {ids[uid]: key for uid, key in engine_keys.items()}
        done = replace(done, result=_renamed(done.result, ids))
        problems, fell_back = forecast_problems(history.brand, done, keys)
        kpis = forecast_kpis(history, done, keys, fell_back)
        horizon = forecast_horizon(history.history_end, horizon_weeks)
        with transaction(ctx.sessions) as session:
            run_id = save_forecast_run(
                session,
                brand=history.brand,
                result=done.result,
                keys=keys,
                horizon=horizon,
                history_start=history.history_start,
                history_end=history.history_end,
                reconciliation=done.reconciliation,
                kpis=kpis,
                problems=problems,
                parameters={
                    "bottom_level": "sku_family/area",
                    "min_active_weeks": MIN_ACTIVE_WEEKS,
                    "pooled_areas": list(history.pooled_areas),
                    "season_length": chosen.season_length,
                    "backtest_windows": chosen.backtest_windows,
                    "quantiles": list(chosen.quantiles),
                    "models": list(done.result.config.models or ()),
                    "trend_models": list(done.trend.offered),
                    "top_k": chosen.top_k,
                    "inner_windows": chosen.inner_windows,
                    "fallback_model": chosen.fallback_model,
                    "seed": chosen.seed,
                },
            )
        reports.append(
            StageReport(STAGE, history.brand, horizon, kpis, tuple(problems), done.seconds, run_id)
        )
    log.info("forecast stage: %d brands in %.1f s", len(reports), time.perf_counter() - started)
    return reports


def forecast_report_section(session: Session, settings: Settings) -> str:
    """The report's "Demand forecasts" section as HTML, or ``""`` when no forecast is stored."""
    return forecast_section(session)
