"""Scaled metrics on a tiny series checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from microfactory.demand.forecast.metrics import (
    mase,
    naive_scales,
    pinball,
    rmsse,
    scaled_bias,
    scaled_pinball,
)

TRAIN = np.array([[np.nan, 1.0, 3.0, 2.0]])  # naive errors 2 and 1: scale 1.5, squared scale 2.5
ACTUAL = np.array([[2.0, 4.0]])
FORECAST = np.array([[3.0, 3.0]])


def test_naive_scales_ignore_padding() -> None:
    scale, scale_sq = naive_scales(TRAIN)
    assert scale[0] == pytest.approx(1.5)
    assert scale_sq[0] == pytest.approx(2.5)


def test_constant_training_has_no_scale() -> None:
    scale, scale_sq = naive_scales(np.array([[3.0, 3.0, 3.0]]))
    assert np.isnan(scale[0]) and np.isnan(scale_sq[0])


def test_metric_values() -> None:
    scale, scale_sq = naive_scales(TRAIN)
    assert mase(ACTUAL, FORECAST, scale)[0] == pytest.approx(1.0 / 1.5)
    assert rmsse(ACTUAL, FORECAST, scale_sq)[0] == pytest.approx(np.sqrt(1.0 / 2.5))
    assert scaled_bias(ACTUAL, FORECAST, scale)[0] == pytest.approx(0.0)
    assert scaled_bias(ACTUAL, FORECAST + 1.5, scale)[0] == pytest.approx(1.0)


def test_pinball_is_asymmetric() -> None:
    # y=2 under a forecast of 3: (1 - 0.9) * 1; y=4 over it: 0.9 * 1.
    assert pinball(ACTUAL, FORECAST, 0.9)[0] == pytest.approx([0.1, 0.9])
    scale, _ = naive_scales(TRAIN)
    assert scaled_pinball(ACTUAL, FORECAST, 0.9, scale)[0] == pytest.approx(0.5 / 1.5)
