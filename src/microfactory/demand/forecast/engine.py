"""Per-series automatic forecasting by nested rolling-origin backtest, with conformal quantiles.

How a series' forecast is chosen (the same rule in :func:`backtest` and :func:`forecast_auto`):

1. Rolling origins ("windows") are cut ``step`` periods apart, counted back from each series' end,
   exactly like ``StatsForecast.cross_validation`` with refitting: at each origin every candidate is
   fitted on the data before it and forecasts ``horizon`` periods.
2. At an origin, each candidate's score is its mean MASE over the ``inner_windows`` origins *before*
   it (their evaluation periods end at or before the origin: nothing after the origin is seen).
3. The ``top_k`` best candidates are combined by their per-period median (``top_k = 1`` is plain
   selection). A series with no scored inner window (too short) gets the fallback model, recorded.
4. Quantiles are conformal: the combination's residuals on those inner windows, pooled over the
   horizon, give per-series empirical residual quantiles added to the point forecast, then clipped at
   zero and made non-decreasing. Single models with native intervals use their own levels instead.

:func:`backtest` scores every candidate and ``auto`` on the last ``backtest_windows`` origins (the
selection at each of them is nested, as above). :func:`forecast_auto` does the same and then selects
once more at the end of the data for the real forecast.

Fan-out: every step is per series (selection, quantiles, metrics), so splitting ``history`` into
chunks of whole series, running the functions on each chunk (they are pure, module-level and take
only picklable arguments, e.g. over :class:`microfactory.plan.runner.Runner`) and joining the results
with :func:`merge_results` gives the same forecasts and scores as one call on everything.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from microfactory.demand.forecast.classify import classify, classify_rows
from microfactory.demand.forecast.contract import (
    DEMAND_CLASS,
    DS,
    MEAN,
    MODEL,
    UNIQUE_ID,
    ForecastConfig,
    ForecastResult,
    Y,
    quantile_column,
)
from microfactory.demand.forecast.metrics import (
    mase,
    naive_scales,
    rmsse,
    scaled_bias,
    scaled_pinball,
)
from microfactory.demand.forecast.models import ModelSpec, parse_model, window_forecasts
from microfactory.demand.forecast.panel import Panel, build_panel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]

AUTO = "auto"
DEFAULT_POOL: tuple[str, ...] = (
    "Zero",
    "Median(4)",
    "Median(8)",
    "Median(13)",
    "Median(26)",
    "Median(52)",
    "WindowAverage(8)",
    "IMAPA",
    "TSB",
    "ADIDA",
)
"""Default candidates: robust medians (MASE rewards forecasts near the median of lumpy demand), zero,
the best plain average and the intermittent-demand methods."""
FALLBACK_MODEL = "Median(13)"
SCORE_QUANTILE = 0.9
"""The quantile of the scaled pinball loss reported as ``spl90``."""
MIN_TRAIN = 2
"""Fewest training periods for a series to be forecast at an origin (one naive difference)."""
SCORE_COLUMNS = ("model", "mase", "rmsse", "bias", "spl90", "series", "pairs", "seconds")


def _version() -> str:
    import statsforecast

    return f"auto-1 statsforecast {statsforecast.__version__}"


@dataclass
class _Windows:
    """Everything measured on the rolling origins of one panel."""

    cutoffs: list[int]
    outer: list[int]
    """Indices into ``cutoffs`` of the scored (outer) origins."""
    points: dict[str, FloatArray]
    """Model -> ``(window, series, horizon)`` point forecasts (NaN where not computed/usable)."""
    native: dict[str, dict[float, FloatArray]]
    actual: FloatArray
    scale: FloatArray
    scale_sq: FloatArray
    final: dict[str, FloatArray]
    """Model -> ``(series, horizon)`` forecasts from all the data (only in :func:`forecast_auto`)."""
    seconds: dict[str, float]
    """Model -> seconds spent forecasting it on the backtest origins."""


def _specs(names: Sequence[str], config: ForecastConfig) -> list[ModelSpec]:
    seen: dict[str, ModelSpec] = {}
    for name in names:
        spec = parse_model(name, config.season_length)
        seen.setdefault(spec.name, spec)
    return list(seen.values())


def _candidates(config: ForecastConfig) -> list[ModelSpec]:
    return _specs(config.models if config.models is not None else DEFAULT_POOL, config)


def _cutoffs(periods: int, config: ForecastConfig) -> tuple[list[int], list[int]]:
    step = config.backtest_step or config.horizon
    total = config.backtest_windows + config.inner_windows
    cuts = [periods - config.horizon - step * (total - 1 - j) for j in range(total)]
    cuts = [c for c in cuts if c >= MIN_TRAIN]
    outer_n = min(config.backtest_windows, len(cuts))
    return cuts, list(range(len(cuts) - outer_n, len(cuts)))


def _validate(config: ForecastConfig) -> None:
    if config.horizon < 1:
        raise ValueError("horizon must be at least 1")
    if config.backtest_windows < 1 or config.inner_windows < 1:
        raise ValueError("backtest_windows and inner_windows must be at least 1")
    if config.backtest_step is not None and config.backtest_step < 1:
        raise ValueError("backtest_step must be at least 1")
    if config.top_k < 1:
        raise ValueError("top_k must be at least 1")
    if not 0.0 <= config.class_weight <= 1.0:
        raise ValueError("class_weight must lie between 0 and 1")
    if any(not 0.0 < q < 1.0 for q in config.quantiles):
        raise ValueError("quantiles must lie strictly between 0 and 1")


def _measure(panel: Panel, config: ForecastConfig, *, final: bool, progress: Progress | None) -> _Windows:
    """Forecast every model at every origin (expensive report-only models at the outer origins only).

    The origins are stacked as pseudo-series (series ``i`` at origin ``w`` is row ``w * N + i`` of one
    training matrix), so each model is fitted in one statsforecast call over all origins: one process
    pool start-up per model instead of one per origin.
    """
    candidates = _candidates(config)
    fallback = _specs([config.fallback_model], config)
    report = [s for s in _specs(config.report_models, config) if s.name not in {c.name for c in candidates}]
    everywhere = _specs(
        [s.name for s in (*candidates, *fallback, *report) if not (s in report and s.expensive)], config
    )
    outer_only = [s for s in report if s.expensive]
    cutoffs, outer = _cutoffs(panel.periods, config)
    h, n_series, n_windows = config.horizon, len(panel.unique_ids), len(cutoffs)
    levels = sorted({*config.quantiles, SCORE_QUANTILE})
    actual = np.full((n_windows, n_series, h), np.nan)
    scale = np.full((n_windows, n_series), np.nan)
    scale_sq = np.full((n_windows, n_series), np.nan)
    for w, cut in enumerate(cutoffs):
        actual[w] = panel.values[:, cut : cut + h]
        scale[w], scale_sq[w] = naive_scales(panel.values[:, :cut])
    final_specs = [*candidates, *[s for s in fallback if s.name not in {c.name for c in candidates}]]
    total_steps = len(everywhere) * (n_windows > 0) + len(outer_only) * (len(outer) > 0)
    total_steps += len(final_specs) if final else 0
    done = 0

    def tick(_name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total_steps)

    points: dict[str, FloatArray] = {}
    native: dict[str, dict[float, FloatArray]] = {}
    seconds: dict[str, float] = {}
    for specs, windows in ((everywhere, list(range(n_windows))), (outer_only, outer)):
        if not specs or not windows:
            continue
        stacked = _stack(panel.values, [cutoffs[w] for w in windows])
        got, nat, took = _forecast_batches(specs, stacked, h, levels, config.n_jobs, tick)
        seconds.update(took)
        for name, value in got.items():
            points[name] = _unstack(value, windows, n_windows, n_series)
        for name, by_q in nat.items():
            native[name] = {q: _unstack(v, windows, n_windows, n_series) for q, v in by_q.items()}
    final_points: dict[str, FloatArray] = {}
    if final:
        # The real forecast needs no naive scale: a series with one period still gets one.
        final_points, _, _ = _forecast_batches(
            final_specs, panel.values, h, (), config.n_jobs, tick, min_train=1
        )
    unobserved = np.isnan(actual).any(axis=2)
    for value in points.values():
        value[unobserved] = np.nan
    return _Windows(cutoffs, outer, points, native, actual, scale, scale_sq, final_points, seconds)


def _stack(values: FloatArray, cuts: Sequence[int]) -> FloatArray:
    """Training matrices of several origins on top of each other, right-aligned (NaN-padded left)."""
    n_series = values.shape[0]
    width = max(cuts)
    out = np.full((len(cuts) * n_series, width), np.nan)
    for k, cut in enumerate(cuts):
        out[k * n_series : (k + 1) * n_series, width - cut :] = values[:, :cut]
    return out


def _unstack(value: FloatArray, windows: Sequence[int], n_windows: int, n_series: int) -> FloatArray:
    """``(len(windows) * N, h)`` stacked forecasts back to ``(n_windows, N, h)`` (NaN elsewhere)."""
    out = np.full((n_windows, n_series, value.shape[1]), np.nan)
    out[list(windows)] = value.reshape(len(windows), n_series, value.shape[1])
    return out


def _forecast_batches(
    specs: Sequence[ModelSpec],
    train: FloatArray,
    h: int,
    levels: Sequence[float],
    n_jobs: int,
    on_model: Callable[[str], None] | None = None,
    min_train: int = MIN_TRAIN,
) -> tuple[dict[str, FloatArray], dict[str, dict[float, FloatArray]], dict[str, float]]:
    """Cheap models in-process; expensive ones on ``n_jobs`` processes (process start-up costs seconds)."""
    cheap = [s for s in specs if not s.expensive]
    costly = [s for s in specs if s.expensive]
    points, native, seconds = window_forecasts(
        cheap, train, h, quantiles=levels, n_jobs=1, min_train=min_train, on_model=on_model
    )
    if costly:
        more, more_native, more_seconds = window_forecasts(
            costly, train, h, quantiles=levels, n_jobs=n_jobs, min_train=min_train, on_model=on_model
        )
        points.update(more)
        native.update(more_native)
        seconds.update(more_seconds)
    for value in points.values():
        np.clip(value, 0.0, None, out=value)
    return points, native, seconds


def _inner(w: int, config: ForecastConfig) -> list[int]:
    return list(range(max(0, w - config.inner_windows), w))


def _window_mase(win: _Windows, name: str, w: int) -> FloatArray:
    """Per series MASE of a model at window ``w``; scale-less series are ranked on raw MAE."""
    err = np.mean(np.abs(win.actual[w] - win.points[name][w]), axis=1)
    scale = np.where(np.isnan(win.scale[w]), 1.0, win.scale[w])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.asarray(err / scale, dtype=np.float64)


@dataclass(frozen=True)
class _Choice:
    members: IntArray
    """``(top_k, series)`` indices into the candidate list; -1 where a member is missing."""
    fallback: npt.NDArray[np.bool_]


def _choose(
    win: _Windows,
    candidates: Sequence[str],
    inner: Sequence[int],
    config: ForecastConfig,
    history: FloatArray,
) -> _Choice:
    """The ``top_k`` candidates with the lowest score over the ``inner`` windows, per series.

    A series' score of a candidate blends its own mean MASE on the inner windows with the mean of
    its demand class (classified on ``history``, the data before the origin), each divided by its
    mean over the candidates so the two are on one scale: ``(1 - w) * own + w * class`` with
    ``w = config.class_weight``. Short, noisy histories rank models poorly on their own; the class
    borrows strength from similar series.
    """
    n_series = win.actual.shape[1]
    top_k = config.top_k
    if not inner:
        return _Choice(np.full((top_k, n_series), -1, dtype=np.int64), np.ones(n_series, dtype=bool))
    scores = np.stack([np.stack([_window_mase(win, name, w) for w in inner]) for name in candidates])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        own = np.nanmean(scores, axis=1)
        finite = np.isfinite(own)
        blended = _normalised(own)
        if config.class_weight > 0:
            classes = classify_rows(history)
            prior = np.full_like(own, np.nan)
            for label in np.unique(classes):
                members = (classes == label) & finite.any(axis=0)
                if members.any():
                    prior[:, members] = np.nanmean(own[:, members], axis=1)[:, None]
            prior = np.where(np.isnan(prior), blended, _normalised(prior))
            blended = (1.0 - config.class_weight) * blended + config.class_weight * prior
    order = np.argsort(np.where(finite, blended, np.inf), axis=0, kind="stable")[:top_k]
    ranked_finite = np.take_along_axis(finite, order, axis=0)
    members_idx = np.where(ranked_finite, order, -1).astype(np.int64)
    return _Choice(members_idx, ~finite.any(axis=0))


def _normalised(scores: FloatArray) -> FloatArray:
    """Each column divided by its mean over the finite entries (1 where that mean is 0 or missing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(np.where(np.isfinite(scores), scores, np.nan), axis=0)
    mean = np.where(np.isfinite(mean) & (mean > 0), mean, 1.0)
    return np.asarray(scores / mean[None, :], dtype=np.float64)


def _combine(stack: FloatArray, choice: _Choice, fallback: FloatArray) -> FloatArray:
    """Median of the chosen members of ``stack`` ``(candidate, series, horizon)``; fallback elsewhere."""
    picked = np.take_along_axis(stack, np.maximum(choice.members, 0)[:, :, None], axis=0)
    picked = np.where((choice.members >= 0)[:, :, None], picked, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        combined = np.nanmedian(picked, axis=0)
    out = np.where(choice.fallback[:, None] | np.isnan(combined), fallback, combined)
    return np.asarray(out, dtype=np.float64)


def conformal_quantiles(
    point: FloatArray, residuals: FloatArray, levels: Sequence[float], history: FloatArray
) -> dict[float, FloatArray]:
    """Quantile forecasts: the point plus each series' empirical residual quantiles, non-negative, monotone.

    ``point`` is ``(series, horizon)``, ``residuals`` ``(series, n)`` (actual minus forecast on backtest
    windows; NaN where missing). A series without residuals uses its history's spread around its median
    instead. Quantiles are clipped at zero and made non-decreasing in level.
    """
    levels = sorted(levels)
    res_q = row_quantiles(residuals, levels) if residuals.shape[1] else None
    recent = history[:, -52:]
    hist_q = row_quantiles(recent, levels) - row_quantiles(recent, [0.5])
    hist_q = np.nan_to_num(hist_q, nan=0.0)
    shift = hist_q if res_q is None else np.where(np.isnan(res_q), hist_q, res_q)
    out: dict[float, FloatArray] = {}
    running = np.zeros_like(point)
    for i, q in enumerate(levels):
        value = np.clip(np.nan_to_num(point, nan=0.0) + shift[i][:, None], 0.0, None)
        running = value if i == 0 else np.maximum(running, value)
        out[q] = running.copy()
    return out


def row_quantiles(values: FloatArray, levels: Sequence[float]) -> FloatArray:
    """``(levels, rows)`` linear-interpolation quantiles of each row ignoring NaN (NaN for an empty row).

    The same as ``np.nanquantile(values, levels, axis=1)`` but vectorised (numpy's loops over rows).
    """
    ordered = np.sort(values, axis=1)  # NaN sorts last
    count = (~np.isnan(values)).sum(axis=1)
    out = np.full((len(levels), values.shape[0]), np.nan)
    has = count > 0
    if not has.any():
        return out
    rows = np.flatnonzero(has)
    for i, q in enumerate(levels):
        position = q * (count[rows] - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, count[rows] - 1)
        frac = position - low
        out[i, rows] = ordered[rows, low] * (1 - frac) + ordered[rows, high] * frac
    return out


def _monotone(by_q: dict[float, FloatArray]) -> dict[float, FloatArray]:
    out: dict[float, FloatArray] = {}
    running: FloatArray | None = None
    for q in sorted(by_q):
        value = np.clip(np.nan_to_num(by_q[q], nan=0.0), 0.0, None)
        running = value if running is None else np.maximum(running, value)
        out[q] = running
    return out


def _residuals(win: _Windows, forecasts: Sequence[FloatArray], windows: Sequence[int]) -> FloatArray:
    """``(series, windows * horizon)`` actual minus forecast on the given windows."""
    n_series = win.actual.shape[1]
    if not windows:
        return np.empty((n_series, 0))
    parts = [win.actual[w] - f for w, f in zip(windows, forecasts, strict=True)]
    return np.concatenate(parts, axis=1)


def _score_rows(
    win: _Windows, w: int, point: FloatArray, q90: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    actual = win.actual[w]
    return (
        mase(actual, point, win.scale[w]),
        rmsse(actual, point, win.scale_sq[w]),
        scaled_bias(actual, point, win.scale[w]),
        scaled_pinball(actual, q90, SCORE_QUANTILE, win.scale[w]),
    )


@dataclass
class _Evaluation:
    scores: pd.DataFrame
    auto_mase_by_series: FloatArray


def _evaluate(win: _Windows, panel: Panel, config: ForecastConfig) -> _Evaluation:
    candidates = [s.name for s in _candidates(config)]
    fallback = parse_model(config.fallback_model, config.season_length).name
    levels = sorted({*config.quantiles, SCORE_QUANTILE})
    reported = {*candidates, *(s.name for s in _specs(config.report_models, config))}
    n_series = len(panel.unique_ids)
    per_model: dict[str, list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]]] = {}
    started = time.perf_counter()
    stacked = {w: np.stack([win.points[c][w] for c in candidates]) for w in range(len(win.cutoffs))}
    for w in win.outer:
        inner = _inner(w, config)
        history = panel.values[:, : win.cutoffs[w]]
        for name, point_all in win.points.items():
            if name not in reported:
                continue
            point = point_all[w]
            if np.isnan(point).all():
                continue
            if name in win.native:
                q90 = _monotone({q: win.native[name][q][w] for q in levels})[SCORE_QUANTILE]
            else:
                res = _residuals(win, [point_all[i] for i in inner], inner)
                q90 = conformal_quantiles(point, res, levels, history)[SCORE_QUANTILE]
            per_model.setdefault(name, []).append(_score_rows(win, w, point, q90))
        choice = _choose(win, candidates, inner, config, history)
        auto = _combine(stacked[w], choice, win.points[fallback][w])
        past = [_combine(stacked[i], choice, win.points[fallback][i]) for i in inner]
        res = _residuals(win, past, inner)
        q90 = conformal_quantiles(auto, res, levels, history)[SCORE_QUANTILE]
        per_model.setdefault(AUTO, []).append(_score_rows(win, w, auto, q90))
    selecting = time.perf_counter() - started
    seconds = dict(win.seconds)
    seconds[AUTO] = sum(win.seconds.get(c, 0.0) for c in {*candidates, fallback}) + selecting
    rows = []
    for name in [*win.points, AUTO]:
        if name not in per_model:
            continue
        parts = per_model[name]
        metric = [np.concatenate([p[i] for p in parts]) for i in range(4)]
        ok = np.isfinite(metric[0])
        by_series = np.stack([p[0] for p in parts])
        rows.append(
            {
                "model": name,
                "mase": float(np.mean(metric[0][ok])) if ok.any() else float("nan"),
                "rmsse": _nanmean(metric[1][ok]),
                "bias": _nanmean(metric[2][ok]),
                "spl90": _nanmean(metric[3][ok]),
                "series": int(np.isfinite(by_series).any(axis=0).sum()),
                "pairs": int(ok.sum()),
                "seconds": round(seconds.get(name, 0.0), 3),
            }
        )
    auto_parts = per_model.get(AUTO, [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        auto_by_series = (
            np.nanmean(np.stack([p[0] for p in auto_parts]), axis=0)
            if auto_parts
            else np.full(n_series, np.nan)
        )
    return _Evaluation(pd.DataFrame(rows, columns=list(SCORE_COLUMNS)), auto_by_series)


def _nanmean(values: FloatArray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def backtest(history: pd.DataFrame, config: ForecastConfig, progress: Progress | None = None) -> pd.DataFrame:
    """Scores of every candidate (and ``config.report_models``) and of ``auto`` on the outer origins.

    Columns ``model, mase, rmsse, bias, spl90, series, pairs``: metric means over every scored (series,
    origin) pair (see :mod:`.metrics`), ``series`` scored at least once, ``pairs`` scored in all. The
    ``auto`` row is nested: its choice at each origin uses only the windows before that origin.
    """
    _validate(config)
    panel = build_panel(history, config.freq)
    win = _measure(panel, config, final=False, progress=progress)
    return _evaluate(win, panel, config).scores


def forecast_auto(
    history: pd.DataFrame, config: ForecastConfig, progress: Progress | None = None
) -> ForecastResult:
    """Forecast every series with its automatically chosen model (or median combination) and quantiles.

    The choice for the real forecast uses the last ``inner_windows`` origins; the ``scores`` (and each
    series' ``backtest_mase``) are the nested backtest of the same rule on the last ``backtest_windows``
    origins, so they estimate the accuracy of what is delivered.
    """
    return _auto(history, config, progress).result


@dataclass(frozen=True)
class AutoRun:
    """:func:`forecast_auto`'s result plus the chosen rule's forecasts on the last backtest windows
    (the out-of-sample "fitted" values reconciliation estimates its error covariance from)."""

    result: ForecastResult
    fitted: pd.DataFrame
    """``unique_id, ds, y, mean`` on the last ``inner_windows`` windows (first forecast of each period)."""


def _auto(history: pd.DataFrame, config: ForecastConfig, progress: Progress | None) -> AutoRun:
    _validate(config)
    panel = build_panel(history, config.freq)
    win = _measure(panel, config, final=True, progress=progress)
    evaluation = _evaluate(win, panel, config)
    candidates = [s.name for s in _candidates(config)]
    fallback = parse_model(config.fallback_model, config.season_length).name
    last_windows = list(range(max(0, len(win.cutoffs) - config.inner_windows), len(win.cutoffs)))
    choice = _choose(win, candidates, last_windows, config, panel.values)
    final_stack = np.stack([win.final[c] for c in candidates])
    point = _combine(final_stack, choice, win.final[fallback])
    past = [
        _combine(np.stack([win.points[c][i] for c in candidates]), choice, win.points[fallback][i])
        for i in last_windows
    ]
    quantiles = conformal_quantiles(
        point, _residuals(win, past, last_windows), config.quantiles, panel.values
    )
    labels = _labels(choice, candidates, fallback)
    result = ForecastResult(
        forecasts=_forecast_frame(panel, config, point, quantiles, labels),
        selection=_selection_frame(panel, labels, evaluation.auto_mase_by_series),
        scores=evaluation.scores,
        version=_version(),
        config=config,
    )
    return AutoRun(result, _fitted_frame(panel, win, past, last_windows, config.horizon))


def _fitted_frame(
    panel: Panel, win: _Windows, past: Sequence[FloatArray], windows: Sequence[int], h: int
) -> pd.DataFrame:
    offset = pd.tseries.frequencies.to_offset(panel.freq)
    last = pd.DatetimeIndex(panel.last_ds)
    parts = []
    for w, forecast in zip(windows, past, strict=True):
        cut = win.cutoffs[w]
        for step in range(h):
            back = panel.periods - 1 - (cut + step)
            parts.append(
                pd.DataFrame(
                    {
                        UNIQUE_ID: panel.unique_ids,
                        DS: last - back * offset,
                        Y: win.actual[w][:, step],
                        MEAN: forecast[:, step],
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=[UNIQUE_ID, DS, Y, MEAN])
    frame = pd.concat(parts, ignore_index=True).dropna(subset=[Y])
    return frame.drop_duplicates([UNIQUE_ID, DS], keep="first").reset_index(drop=True)


def _labels(choice: _Choice, candidates: Sequence[str], fallback: str) -> list[str]:
    out = []
    for i in range(choice.members.shape[1]):
        if choice.fallback[i]:
            out.append(f"fallback:{fallback}")
            continue
        members = [candidates[m] for m in sorted(int(m) for m in choice.members[:, i] if m >= 0)]
        out.append(members[0] if len(members) == 1 else "median(" + ", ".join(members) + ")")
    return out


def _forecast_frame(
    panel: Panel,
    config: ForecastConfig,
    point: FloatArray,
    quantiles: dict[float, FloatArray],
    labels: Sequence[str],
) -> pd.DataFrame:
    h = config.horizon
    n_series = len(panel.unique_ids)
    ds = np.concatenate([idx.to_numpy() for idx in panel.future_ds(h)]) if n_series else np.array([])
    frame = pd.DataFrame(
        {
            UNIQUE_ID: np.repeat(np.array(panel.unique_ids, dtype=object), h),
            DS: ds,
            MODEL: np.repeat(np.array(labels, dtype=object), h),
            MEAN: np.clip(np.nan_to_num(point, nan=0.0), 0.0, None).reshape(-1),
        }
    )
    for q in config.quantiles:
        frame[quantile_column(q)] = quantiles[q].reshape(-1)
    return frame


def _selection_frame(panel: Panel, labels: Sequence[str], auto_mase: FloatArray) -> pd.DataFrame:
    rows = []
    for i, uid in enumerate(panel.unique_ids):
        cls, adi, cv2 = classify(panel.values[i])
        rows.append(
            {
                UNIQUE_ID: uid,
                DEMAND_CLASS: cls,
                "adi": adi,
                "cv2": cv2,
                MODEL: labels[i],
                "backtest_mase": float(auto_mase[i]),
            }
        )
    return pd.DataFrame(rows, columns=[UNIQUE_ID, DEMAND_CLASS, "adi", "cv2", MODEL, "backtest_mase"])


def merge_results(results: Sequence[ForecastResult]) -> ForecastResult:
    """Join the results of chunks of whole series (fan-out) into one; scores are re-weighted by ``pairs``."""
    if not results:
        raise ValueError("no results to merge")
    scores = pd.concat([r.scores for r in results], ignore_index=True)
    return dataclasses.replace(
        results[0],
        forecasts=pd.concat([r.forecasts for r in results], ignore_index=True),
        selection=pd.concat([r.selection for r in results], ignore_index=True),
        scores=merge_scores(scores),
    )


def merge_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Combine score rows of the same model from several chunks (means weighted by scored pairs)."""
    rows = []
    for model, group in scores.groupby("model", sort=False):
        weight = group["pairs"].to_numpy(dtype=np.float64)
        row: dict[str, object] = {"model": model}
        for column in ("mase", "rmsse", "bias", "spl90"):
            values = group[column].to_numpy(dtype=np.float64)
            ok = np.isfinite(values) & (weight > 0)
            row[column] = float(np.average(values[ok], weights=weight[ok])) if ok.any() else float("nan")
        row["series"] = int(group["series"].sum())
        row["pairs"] = int(group["pairs"].sum())
        row["seconds"] = float(group["seconds"].sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def chunk_series(history: pd.DataFrame, chunks: int) -> list[pd.DataFrame]:
    """Split a long frame into at most ``chunks`` frames of whole series (sorted ids, round-robin).

    Every step of the engine is per series, so running :func:`forecast_auto` on each chunk and joining
    with :func:`merge_results` gives the same forecasts as one call on everything.
    """
    if chunks < 1:
        raise ValueError("chunks must be at least 1")
    ids = sorted(history[UNIQUE_ID].astype(str).unique())
    groups = [set(ids[i::chunks]) for i in range(min(chunks, len(ids)))]
    key = history[UNIQUE_ID].astype(str)
    return [history[key.isin(group)].reset_index(drop=True) for group in groups]


def forecast_chunk(task: tuple[pd.DataFrame, ForecastConfig]) -> ForecastResult:
    """:func:`forecast_auto` on one ``(history chunk, config)`` item: a top-level, picklable task for
    :meth:`microfactory.plan.runner.Runner.map` (local processes or Dask)."""
    history, config = task
    return forecast_auto(history, config)
