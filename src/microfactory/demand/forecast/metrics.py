"""Scaled forecast accuracy metrics: MASE, RMSSE, scaled bias and scaled pinball loss.

Every metric is scaled by the in-sample one-step naive error of the training data at that origin
(Hyndman & Koehler 2006), so series of very different volumes can be averaged:

* MASE  = mean |y - f| / mean |y_t - y_{t-1}|  (training part);
* RMSSE = sqrt(mean (y - f)² / mean (y_t - y_{t-1})²);
* bias  = mean (f - y) / mean |y_t - y_{t-1}|   (positive: over-forecast);
* SPL_q = mean pinball_q(y, f_q) / mean |y_t - y_{t-1}|, pinball_q = q·(y - f) if y ≥ f else (1 - q)·(f - y).

Arrays are ``(series, horizon)``; the scale arrays are per series. A series whose scale is zero (a
constant training history) has no defined scaled error and gets NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def naive_scales(train: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per row of ``train`` (NaN-padded at the start): mean absolute and mean squared one-step naive error."""
    diffs = np.diff(train, axis=1)
    valid = ~np.isnan(diffs)
    count = valid.sum(axis=1)
    absolute = np.where(valid, np.abs(diffs), 0.0).sum(axis=1)
    squared = np.where(valid, diffs**2, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.where(count > 0, absolute / np.maximum(count, 1), np.nan)
        mse = np.where(count > 0, squared / np.maximum(count, 1), np.nan)
    mae = np.where(mae > 0, mae, np.nan)
    mse = np.where(mse > 0, mse, np.nan)
    return mae.astype(np.float64), mse.astype(np.float64)


def mase(actual: FloatArray, forecast: FloatArray, scale: FloatArray) -> FloatArray:
    """Mean absolute scaled error per series (row)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.asarray(np.mean(np.abs(actual - forecast), axis=-1) / scale, dtype=np.float64)


def rmsse(actual: FloatArray, forecast: FloatArray, scale_sq: FloatArray) -> FloatArray:
    """Root mean squared scaled error per series (``scale_sq``: mean squared naive error)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.asarray(np.sqrt(np.mean((actual - forecast) ** 2, axis=-1) / scale_sq), dtype=np.float64)


def scaled_bias(actual: FloatArray, forecast: FloatArray, scale: FloatArray) -> FloatArray:
    """Mean error (forecast minus actual) per series over the scale: positive means over-forecasting."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.asarray(np.mean(forecast - actual, axis=-1) / scale, dtype=np.float64)


def pinball(actual: FloatArray, quantile_forecast: FloatArray, q: float) -> FloatArray:
    """Elementwise pinball (quantile) loss of a ``q`` quantile forecast."""
    diff = actual - quantile_forecast
    return np.asarray(np.maximum(q * diff, (q - 1.0) * diff), dtype=np.float64)


def scaled_pinball(
    actual: FloatArray, quantile_forecast: FloatArray, q: float, scale: FloatArray
) -> FloatArray:
    """Scaled pinball loss per series: mean pinball loss at ``q`` over the scale."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.asarray(np.mean(pinball(actual, quantile_forecast, q), axis=-1) / scale, dtype=np.float64)
