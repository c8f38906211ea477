"""The forecasting engine's contract: its configuration, its results and their frame columns.

Frames are long pandas frames in the Nixtla convention: ``unique_id`` (str), ``ds`` (the period's start,
a tz-naive date: weeks start on Monday, Europe/London), ``y`` (float units). Later stages (stocking,
capacity, network design) read the stored forecasts through these column names, so change them only
together with their readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

UNIQUE_ID = "unique_id"
DS = "ds"
Y = "y"
MEAN = "mean"
"""Column of the point forecast (the selected model's mean) in :attr:`ForecastResult.forecasts`."""
MODEL = "model"
DEMAND_CLASS = "demand_class"


def quantile_column(level: float) -> str:
    """Column name of a quantile forecast: ``q50`` for 0.5, ``q90`` for 0.9, ``q975`` for 0.975."""
    text = f"{level * 100:.1f}".rstrip("0").rstrip(".").replace(".", "")
    return f"q{text}"


@dataclass(frozen=True)
class ForecastConfig:
    """What to forecast and how to choose: horizon, seasonality, quantiles and the backtest design."""

    horizon: int = 8
    """Periods ahead."""
    season_length: int = 52
    freq: str = "W-MON"
    quantiles: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)
    backtest_windows: int = 4
    backtest_step: int | None = None
    """Periods between rolling origins; ``None`` means ``horizon``."""
    models: tuple[str, ...] | None = None
    """Candidate model names (as in :attr:`ForecastResult.scores`); ``None`` means the default set."""
    n_jobs: int = 1
    seed: int = 1
    inner_windows: int = 4
    """Backtest windows before an origin on which the candidates are ranked for it (nested selection)."""
    top_k: int = 5
    """Candidates combined (per-period median) per series; 1 is plain selection of the best."""
    class_weight: float = 0.75
    """Weight of the demand class mean score against the series own score in selection (0: per series)."""
    fallback_model: str = "Median(13)"
    """Model for series too short for any scored inner window (recorded as ``fallback:<model>``)."""
    report_models: tuple[str, ...] = ()
    """Extra models scored in the backtest for comparison but never selected (e.g. ``AutoETS``)."""


@dataclass(frozen=True)
class ForecastResult:
    """The automatic forecast for every series, how each was chosen and how every candidate scored."""

    forecasts: pd.DataFrame
    """``unique_id, ds, model, mean`` and one :func:`quantile_column` per configured quantile;
    non-negative; quantiles non-decreasing in level."""
    selection: pd.DataFrame
    """One row per series: ``unique_id, demand_class`` (smooth/erratic/intermittent/lumpy), ``adi``,
    ``cv2``, ``model`` (the selected model or combination), ``backtest_mase``."""
    scores: pd.DataFrame
    """One row per candidate model plus one for ``auto``: ``model, mase, rmsse, bias, spl90, series``."""
    version: str
    """Engine version string stored with the forecasts (e.g. ``"auto-1 statsforecast 2.1.1"``)."""
    config: ForecastConfig = field(default_factory=ForecastConfig)


@dataclass(frozen=True)
class HierarchySpec:
    """Aggregation levels for reconciliation, top first, as in ``hierarchicalforecast.utils.aggregate``.

    E.g. ``[["region"], ["region", "zone"]]`` with bottom-level columns ``region`` and ``zone``; a total
    level is always added on top.
    """

    levels: Sequence[Sequence[str]]
    method: str = "MinTrace-mint_shrink"
    """``BottomUp``, ``MinTrace-ols``, ``MinTrace-wls_struct`` or ``MinTrace-mint_shrink``."""
