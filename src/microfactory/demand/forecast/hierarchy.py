"""Coherent forecasts for a hierarchy (e.g. zone → region → GB, SKU → family → total).

1. The bottom series are summed to every level with ``hierarchicalforecast.utils.aggregate`` (a
   ``total`` level is always added on top).
2. Every node gets its own automatic forecast (:func:`.engine.forecast_auto`).
3. The means are reconciled with ``HierarchicalReconciliation``: ``BottomUp`` or ``MinTrace``
   (``ols``, ``wls_struct``, ``mint_shrink``; non-negative). MinT's error covariance is estimated from
   the chosen rule's out-of-sample forecasts on the last backtest windows (not in-sample fits, which
   most of the candidates do not have). Reconciled means sum exactly (to float precision) up the tree.
4. Each node's quantiles are its own conformal quantiles moved by its reconciliation adjustment
   (reconciled minus base mean), clipped at zero and kept non-decreasing. Quantiles of sums are not
   sums of quantiles, so only the means are coherent.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from microfactory.demand.forecast.contract import (
    DS,
    MEAN,
    UNIQUE_ID,
    ForecastConfig,
    ForecastResult,
    HierarchySpec,
    Y,
    quantile_column,
)
from microfactory.demand.forecast.engine import Progress, _auto

TOTAL = "total"
"""Name of the top node (and of the column added for it)."""
METHODS = ("BottomUp", "MinTrace-ols", "MinTrace-wls_struct", "MinTrace-mint_shrink")


def _reconciler(method: str) -> Any:
    from hierarchicalforecast.methods import BottomUp, MinTrace

    if method == "BottomUp":
        return BottomUp()
    if method.startswith("MinTrace-") and method in METHODS:
        return MinTrace(method=method.removeprefix("MinTrace-"), nonnegative=True)
    raise ValueError(f"unknown reconciliation method {method!r} (known: {', '.join(METHODS)})")


def aggregate_levels(
    bottom_history: pd.DataFrame, spec: HierarchySpec
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray[Any, Any]]]:
    """``(Y_df, S_df, tags)`` of every node: ``hierarchicalforecast.utils.aggregate`` with a total on top.

    ``bottom_history`` has the level columns, ``ds`` and ``y``; node ids are the level values joined
    by ``/`` below ``total`` (``total/North/N1``).
    """
    from hierarchicalforecast.utils import aggregate

    columns = list(dict.fromkeys(c for level in spec.levels for c in level))
    missing = [c for c in (*columns, DS, Y) if c not in bottom_history.columns]
    if missing:
        raise ValueError(f"bottom history lacks column(s) {', '.join(missing)}")
    if TOTAL in columns:
        raise ValueError(f"a level column may not be called {TOTAL!r}")
    frame = bottom_history[[*columns, DS, Y]].copy()
    frame[TOTAL] = TOTAL
    for column in columns:
        frame[column] = frame[column].astype(str)
    frame[DS] = pd.to_datetime(frame[DS])
    levels = [[TOTAL], *([TOTAL, *level] for level in spec.levels)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y_df, s_df, tags = aggregate(frame, levels)
    return y_df.reset_index(drop=True), s_df, tags


def forecast_hierarchy(
    bottom_history: pd.DataFrame,
    spec: HierarchySpec,
    config: ForecastConfig,
    progress: Progress | None = None,
) -> ForecastResult:
    """Automatic forecasts of every node of the hierarchy, reconciled by ``spec.method``: coherent means.

    ``forecasts`` has one series per node (``unique_id`` = node id, see :func:`aggregate_levels`);
    ``selection`` and ``scores`` are the nodes' base (pre-reconciliation) choices and backtest.
    """
    reconciler = _reconciler(spec.method)
    y_df, s_df, tags = aggregate_levels(bottom_history, spec)
    run = _auto(y_df, config, progress)
    base = run.result.forecasts
    y_hat = base[[UNIQUE_ID, DS, MEAN]]
    from hierarchicalforecast.core import HierarchicalReconciliation

    fitted = _balanced(run.fitted) if spec.method != "BottomUp" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reconciled = HierarchicalReconciliation(reconcilers=[reconciler]).reconcile(
            Y_hat_df=y_hat, S_df=s_df, tags=tags, Y_df=fitted
        )
    new_columns = [c for c in reconciled.columns if c not in (UNIQUE_ID, DS, MEAN)]
    if len(new_columns) != 1:
        raise RuntimeError(f"unexpected reconciliation output columns {new_columns}")
    merged = base.merge(
        reconciled[[UNIQUE_ID, DS, new_columns[0]]].rename(columns={new_columns[0]: "_reconciled"}),
        on=[UNIQUE_ID, DS],
        how="left",
        validate="one_to_one",
    )
    adjustment = merged["_reconciled"].to_numpy(dtype=np.float64) - merged[MEAN].to_numpy(dtype=np.float64)
    out = merged.drop(columns="_reconciled")
    out[MEAN] = merged["_reconciled"].to_numpy(dtype=np.float64)
    running: np.ndarray[Any, np.dtype[np.float64]] | None = None
    for q in sorted(config.quantiles):
        column = quantile_column(q)
        value = np.clip(out[column].to_numpy(dtype=np.float64) + adjustment, 0.0, None)
        running = value if running is None else np.maximum(running, value)
        out[column] = running
    return dataclasses.replace(
        run.result, forecasts=out, version=f"{run.result.version} reconciled {spec.method}"
    )


def _balanced(fitted: pd.DataFrame) -> pd.DataFrame:
    """The fitted frame on the same periods for every node (missing: residual zero), as MinT needs."""
    y = fitted.pivot(index=UNIQUE_ID, columns=DS, values=Y)
    mean = fitted.pivot(index=UNIQUE_ID, columns=DS, values=MEAN)
    y = y.fillna(0.0)
    mean = mean.fillna(y)
    long = pd.DataFrame({Y: y.stack(), MEAN: mean.stack()})
    return long.reset_index()
