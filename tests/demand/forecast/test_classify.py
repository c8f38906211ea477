"""Syntetos–Boylan classification on hand-checked series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.demand.forecast.classify import adi_cv2, classify, classify_rows, demand_class


def test_smooth_series_has_adi_one_and_cv2_zero() -> None:
    assert adi_cv2([4, 4, 4, 4]) == (1.0, 0.0)
    assert classify([4, 4, 4, 4])[0] == "smooth"


def test_intermittent_constant_sizes() -> None:
    # 6 periods, 2 with demand: ADI 3; sizes 5 and 5: CV² 0.
    assert classify([0, 0, 5, 0, 0, 5]) == ("intermittent", 3.0, 0.0)


def test_lumpy_series() -> None:
    # 6 periods, 2 demands (1 and 9): ADI 3; mean 5, population std 4: CV² = 0.64.
    cls, adi, cv2 = classify([0, 1, 0, 0, 9, 0])
    assert (cls, adi) == ("lumpy", 3.0)
    assert cv2 == pytest.approx(0.64)


def test_erratic_series() -> None:
    # Every period has demand (ADI 1); sizes 1 and 9 alternate: CV² 0.64.
    assert classify([1, 9, 1, 9])[0] == "erratic"


def test_cut_offs_are_inclusive_of_the_lower_class() -> None:
    assert demand_class(1.32, 0.49) == "smooth"
    assert demand_class(1.33, 0.49) == "intermittent"
    assert demand_class(1.32, 0.50) == "erratic"


def test_no_demand_and_nan_padding() -> None:
    adi, cv2 = adi_cv2([0, 0, 0])
    assert math.isinf(adi) and math.isnan(cv2)
    assert classify([0, 0])[0] == "no_demand"
    assert classify([float("nan"), 2, 2])[1] == 1.0


def test_rows_classify_like_single_series() -> None:
    nan = float("nan")
    rows: list[list[float]] = [
        [nan, 4, 4, 4, 4, 4],
        [0, 0, 5, 0, 0, 5],
        [0, 1, 0, 0, 9, 0],
        [nan, nan, 1, 9, 1, 9],
        [nan, 0, 0, 0, 0, 0],
    ]
    expected = [classify(r)[0] for r in rows]
    assert expected == ["smooth", "intermittent", "lumpy", "erratic", "no_demand"]
    assert classify_rows(np.array(rows, dtype=float)).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.just(0.0), st.floats(0.5, 500)), min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    )
)
def test_rows_match_the_scalar_rule(series: list[list[float]]) -> None:
    width = max(len(s) for s in series)
    matrix = np.full((len(series), width), np.nan)
    for i, values in enumerate(series):
        matrix[i, width - len(values) :] = values
    assert classify_rows(matrix).tolist() == [classify(values)[0] for values in series]
