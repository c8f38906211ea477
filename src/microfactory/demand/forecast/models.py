"""The candidate models: statsforecast models and two robust local ones, addressed by name.

Names are ``Base`` or ``Base(n)``: ``WindowAverage(8)`` (mean of the last 8 periods), ``SeasonalNaive(52)``,
``AutoETS(52)`` / ``AutoETS(1)`` (seasonal / non-seasonal search), ``AutoTheta(52)``, ``Median(13)`` (median
of the last 13 periods), ``Trend(26)`` (least-squares line through the last 26 periods, extrapolated),
``Zero``. A bare seasonal name takes the configured season length.

Every model produces, for each series, an ``h``-step point forecast from the training values before a
cut-off; models with native prediction intervals (Naive, SeasonalNaive, HistoricAverage, AutoETS,
AutoTheta) also give quantiles from their own levels. Intermittent-demand models (Croston, TSB, ADIDA,
IMAPA) have none; their quantiles come from backtest residuals (see :mod:`.engine`).
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

_NAME = re.compile(r"^\s*([A-Za-z]+)\s*(?:\(\s*(\d+)\s*\))?\s*$")

STATSFORECAST_BASES = (
    "Naive",
    "SeasonalNaive",
    "HistoricAverage",
    "WindowAverage",
    "AutoETS",
    "AutoTheta",
    "CrostonOptimized",
    "CrostonSBA",
    "CrostonClassic",
    "TSB",
    "ADIDA",
    "IMAPA",
    "SES",
)
LOCAL_BASES = ("Zero", "Median", "Trend")
NATIVE_INTERVALS = frozenset({"Naive", "SeasonalNaive", "HistoricAverage", "AutoETS", "AutoTheta"})
EXPENSIVE = frozenset({"AutoETS", "AutoTheta"})
MEAN_MODELS: tuple[str, ...] = (
    "WindowAverage(8)",
    "WindowAverage(13)",
    "WindowAverage(26)",
    "SES",
    "HistoricAverage",
    "TSB",
    "IMAPA",
    "ADIDA",
    "CrostonSBA",
)
"""Methods that forecast the mean (or the demand rate), none the median: for plans that add forecasts up
or read their upper tail (capacity, network, stocking). The default pool is tuned for MASE, i.e. medians,
which sit below the mean of lumpy demand."""
_SEASONAL = frozenset({"SeasonalNaive", "AutoETS", "AutoTheta"})
_NEEDS_N = frozenset({"WindowAverage", "Median", "Trend"})


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model name."""

    name: str
    """Canonical name, e.g. ``WindowAverage(8)``; the column and score label."""
    base: str
    parameter: int | None

    @property
    def native_intervals(self) -> bool:
        """Whether the model gives its own prediction intervals."""
        return self.base in NATIVE_INTERVALS

    @property
    def uses_native_quantiles(self) -> bool:
        """Whether its quantiles come from its own levels: only for the expensive models, which are
        scored on the outer origins alone and so lack the earlier residuals conformal quantiles need
        (statsforecast's levels for Naive and the like also cost about 4 ms per series and origin)."""
        return self.native_intervals and self.expensive

    @property
    def expensive(self) -> bool:
        """Whether fitting is costly (automatic ETS/Theta search); scored on the outer windows only."""
        return self.base in EXPENSIVE

    @property
    def local(self) -> bool:
        """Whether the model is computed here with numpy rather than by statsforecast."""
        return self.base in LOCAL_BASES


def parse_model(name: str, season_length: int) -> ModelSpec:
    """Parse ``Base`` or ``Base(n)`` into a :class:`ModelSpec`; ``ValueError`` for unknown names."""
    match = _NAME.match(name)
    bases = {b.lower(): b for b in (*STATSFORECAST_BASES, *LOCAL_BASES)}
    if match is None or match.group(1).lower() not in bases:
        known = ", ".join((*STATSFORECAST_BASES, *LOCAL_BASES))
        raise ValueError(f"unknown forecast model {name!r} (known: {known})")
    base = bases[match.group(1).lower()]
    parameter = int(match.group(2)) if match.group(2) else None
    if parameter is None and base in _SEASONAL:
        parameter = season_length
    if parameter is None and base in _NEEDS_N:
        raise ValueError(f"model {name!r} needs a window length, e.g. {base}(8)")
    if parameter is not None and parameter < 1:
        raise ValueError(f"model {name!r}: the window or season length must be at least 1")
    if parameter is not None and base not in _SEASONAL | _NEEDS_N:
        raise ValueError(f"model {name!r} takes no parameter")
    label = base if parameter is None else f"{base}({parameter})"
    return ModelSpec(name=label, base=base, parameter=parameter)


def _statsforecast_model(spec: ModelSpec) -> Any:
    from statsforecast import models as sfm

    n = spec.parameter or 1
    factories: dict[str, Callable[[], Any]] = {
        "Naive": lambda: sfm.Naive(alias=spec.name),
        "SeasonalNaive": lambda: sfm.SeasonalNaive(season_length=n, alias=spec.name),
        "HistoricAverage": lambda: sfm.HistoricAverage(alias=spec.name),
        "WindowAverage": lambda: sfm.WindowAverage(window_size=n, alias=spec.name),
        "AutoETS": lambda: sfm.AutoETS(season_length=n, alias=spec.name),
        "AutoTheta": lambda: sfm.AutoTheta(season_length=n, alias=spec.name),
        "CrostonOptimized": lambda: sfm.CrostonOptimized(alias=spec.name),
        "CrostonSBA": lambda: sfm.CrostonSBA(alias=spec.name),
        "CrostonClassic": lambda: sfm.CrostonClassic(alias=spec.name),
        "TSB": lambda: sfm.TSB(alpha_d=0.1, alpha_p=0.1, alias=spec.name),
        "ADIDA": lambda: sfm.ADIDA(alias=spec.name),
        "IMAPA": lambda: sfm.IMAPA(alias=spec.name),
        "SES": lambda: sfm.SimpleExponentialSmoothingOptimized(alias=spec.name),
    }
    return factories[spec.base]()


def _last_values(train: FloatArray) -> FloatArray:
    """The last non-NaN value of each row (0 for an empty row)."""
    filled = pd.DataFrame(train).ffill(axis=1).to_numpy(dtype=np.float64)
    last = filled[:, -1] if filled.shape[1] else np.zeros(train.shape[0])
    return np.asarray(np.nan_to_num(last, nan=0.0), dtype=np.float64)


def _local_forecast(spec: ModelSpec, train: FloatArray, horizon: int) -> FloatArray:
    n_series = train.shape[0]
    if spec.base == "Zero":
        return np.zeros((n_series, horizon))
    window = train[:, -(spec.parameter or 1) :]
    if spec.base == "Trend":
        return linear_trend_forecast(window, horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmedian(window, axis=1) if window.shape[1] else np.full(n_series, np.nan)
    return np.repeat(np.nan_to_num(level, nan=0.0)[:, None], horizon, axis=1)


def linear_trend_forecast(window: FloatArray, horizon: int) -> FloatArray:
    """Least-squares line through each row of ``window`` (right-aligned, NaN-padded), extrapolated.

    A cheap, vectorised trend model for growing or shrinking demand (the means and intermittent
    methods forecast flat): the forecast ``k`` periods after the last value is the fitted line there.
    A row with one value forecasts that value; an empty row 0. Negative values are clipped by the
    caller.
    """
    n_series, width = window.shape
    if width == 0:
        return np.zeros((n_series, horizon))
    observed = ~np.isnan(window)
    count = observed.sum(axis=1)
    values = np.where(observed, window, 0.0)
    t = np.broadcast_to(np.arange(width, dtype=np.float64), window.shape)
    safe = np.maximum(count, 1)
    t_mean = np.where(observed, t, 0.0).sum(axis=1) / safe
    y_mean = values.sum(axis=1) / safe
    t_dev = np.where(observed, t - t_mean[:, None], 0.0)
    sxx = (t_dev**2).sum(axis=1)
    sxy = (t_dev * (values - y_mean[:, None])).sum(axis=1)
    slope = np.divide(sxy, sxx, out=np.zeros(n_series), where=sxx > 0)
    ahead = np.arange(width, width + horizon, dtype=np.float64)
    out = y_mean[:, None] + slope[:, None] * (ahead[None, :] - t_mean[:, None])
    return np.asarray(np.where(count[:, None] > 0, out, 0.0), dtype=np.float64)


def _level_for(q: float) -> tuple[int, str] | None:
    """The statsforecast interval (level, side) whose bound is the ``q`` quantile; None for the median."""
    if abs(q - 0.5) < 1e-12:
        return None
    if q > 0.5:
        return round(100 * (2 * q - 1)), "hi"
    return round(100 * (1 - 2 * q)), "lo"


def window_forecasts(
    specs: Sequence[ModelSpec],
    train: FloatArray,
    horizon: int,
    *,
    quantiles: Sequence[float] = (),
    n_jobs: int = 1,
    min_train: int = 2,
    on_model: Callable[[str], None] | None = None,
) -> tuple[dict[str, FloatArray], dict[str, dict[float, FloatArray]], dict[str, float]]:
    """Point forecasts ``(series, horizon)`` of every model from one training matrix, plus native quantiles.

    ``train`` is right-aligned (NaN before each series' start). Rows with fewer than ``min_train``
    values get NaN. A statsforecast model that fails on a series falls back to Naive; a model that
    returns NaN (e.g. SeasonalNaive on less than a season) is filled with the last value. Native
    quantiles are returned for the models that have intervals, keyed by quantile level, and the
    seconds each model took; ``on_model(name)`` is called as each model finishes (for progress bars).
    """
    n_series = train.shape[0]
    counts = (~np.isnan(train)).sum(axis=1)
    usable = counts >= min_train
    points: dict[str, FloatArray] = {}
    native: dict[str, dict[float, FloatArray]] = {}
    last = _last_values(train)
    seconds: dict[str, float] = {}
    for spec in specs:
        if spec.local:
            started = time.perf_counter()
            out = _local_forecast(spec, train, horizon)
            out[~usable] = np.nan
            points[spec.name] = out
            seconds[spec.name] = time.perf_counter() - started
            if on_model is not None:
                on_model(spec.name)
    sf_specs = [s for s in specs if not s.local]
    if sf_specs:
        import statsforecast.models  # noqa: F401  imported before timing: the import takes seconds
    if sf_specs and usable.any():
        rows = np.flatnonzero(usable)
        long = _to_long(train[rows], rows)
        levels = sorted({lv[0] for q in quantiles if (lv := _level_for(q)) is not None and 0 < lv[0] < 100})
        # One call per model, so each is timed; models without intervals are run without levels
        # (asked for levels they fail, and the fallback model would replace them).
        for spec in sf_specs:
            started = time.perf_counter()
            native_levels = levels if spec.uses_native_quantiles else []
            frame = _run_statsforecast([spec], long, horizon, native_levels, n_jobs)
            seconds[spec.name] = time.perf_counter() - started
            ids = frame["unique_id"].to_numpy(dtype=np.int64)
            step = np.asarray(frame.groupby("unique_id").cumcount(), dtype=np.int64)
            out = np.full((n_series, horizon), np.nan)
            out[ids, step] = frame[spec.name].to_numpy(dtype=np.float64)
            fill = np.isnan(out) & usable[:, None]
            out[fill] = np.broadcast_to(last[:, None], out.shape)[fill]
            points[spec.name] = out
            if spec.uses_native_quantiles and quantiles:
                by_q: dict[float, FloatArray] = {}
                for q in quantiles:
                    lv = _level_for(q)
                    column = spec.name if lv is None else f"{spec.name}-{lv[1]}-{lv[0]}"
                    qa = np.full((n_series, horizon), np.nan)
                    if column in frame:
                        qa[ids, step] = frame[column].to_numpy(dtype=np.float64)
                    missing = np.isnan(qa) & usable[:, None]
                    qa[missing] = out[missing]
                    by_q[q] = qa
                native[spec.name] = by_q
            if on_model is not None:
                on_model(spec.name)
    else:
        for spec in sf_specs:
            points[spec.name] = np.full((n_series, horizon), np.nan)
            if on_model is not None:
                on_model(spec.name)
    return points, native, seconds


def _to_long(train: FloatArray, rows: npt.NDArray[np.int64]) -> pd.DataFrame:
    """The training rows as a long frame with integer ids (the row numbers) and integer time stamps."""
    n_series, width = train.shape
    mask = ~np.isnan(train)
    ids = np.repeat(rows, width).reshape(n_series, width)[mask]
    ds = np.tile(np.arange(width, dtype=np.int64), n_series).reshape(n_series, width)[mask]
    return pd.DataFrame({"unique_id": ids, "ds": ds, "y": train[mask]})


def _run_statsforecast(
    specs: Sequence[ModelSpec], long: pd.DataFrame, horizon: int, levels: list[int], n_jobs: int
) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    sf = StatsForecast(
        models=[_statsforecast_model(s) for s in specs],
        freq=1,
        n_jobs=n_jobs,
        fallback_model=Naive(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            frame = sf.forecast(df=long, h=horizon, level=levels or None)
    return frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
