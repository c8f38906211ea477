"""Demand forecasting: per-series automatic model selection by rolling-origin backtest, quantiles,
demand classification and hierarchical reconciliation (statsforecast + hierarchicalforecast).

Public API (see :mod:`microfactory.demand.forecast.contract` for the types and frame columns)::

    forecast_auto(history, config) -> ForecastResult
    forecast_hierarchy(bottom_history, spec, config) -> ForecastResult   # coherent at every level
    backtest(history, config) -> scores frame (model, mase, rmsse, bias, spl90, series, pairs, seconds)

All functions are pure and work per series, so a caller may split the history into chunks of whole
series (:func:`chunk_series`) and fan them out (``runner.map(forecast_chunk, [(chunk, config), ...])``
over :class:`microfactory.plan.runner.Runner`), then join the results with :func:`merge_results`.
"""

from microfactory.demand.forecast.classify import adi_cv2, classify, demand_class
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
    quantile_column,
)
from microfactory.demand.forecast.engine import (
    AUTO,
    DEFAULT_POOL,
    backtest,
    chunk_series,
    conformal_quantiles,
    forecast_auto,
    forecast_chunk,
    merge_results,
    merge_scores,
)
from microfactory.demand.forecast.hierarchy import forecast_hierarchy

__all__ = [
    "AUTO",
    "DEFAULT_POOL",
    "DEMAND_CLASS",
    "DS",
    "MEAN",
    "MODEL",
    "UNIQUE_ID",
    "ForecastConfig",
    "ForecastResult",
    "HierarchySpec",
    "Y",
    "adi_cv2",
    "backtest",
    "chunk_series",
    "classify",
    "conformal_quantiles",
    "demand_class",
    "forecast_auto",
    "forecast_chunk",
    "forecast_hierarchy",
    "merge_results",
    "merge_scores",
    "quantile_column",
]
