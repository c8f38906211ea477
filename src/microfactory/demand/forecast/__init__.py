"""Demand forecasting: per-series automatic model selection by rolling-origin backtest, quantiles,
demand classification and hierarchical reconciliation (statsforecast + hierarchicalforecast).

Public API (see :mod:`microfactory.demand.forecast.contract` for the types and frame columns)::

    forecast_auto(history, config) -> ForecastResult
    forecast_hierarchy(bottom_history, spec, config) -> ForecastResult   # coherent at every level
"""

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

__all__ = [
    "DEMAND_CLASS",
    "DS",
    "MEAN",
    "MODEL",
    "UNIQUE_ID",
    "ForecastConfig",
    "ForecastResult",
    "HierarchySpec",
    "Y",
    "quantile_column",
]
