"""Distance matrices: vectorised great-circle × circuity and DIMACS plane distances, cached."""

from __future__ import annotations

import numpy as np
import pytest

from microfactory.domain import GeoPoint, great_circle_km
from microfactory.fulfilment import road_distance_matrix_km
from microfactory.fulfilment.distances import dimacs_ticks, euclidean_matrix, plane_distance_matrix

POINTS = [(51.5074, -0.1278), (53.4808, -2.2426), (51.5074, -0.1278), (55.8642, -4.2518)]


def test_matrix_matches_the_scalar_haversine_times_circuity() -> None:
    """Every entry equals domain great_circle_km × circuity; repeated points are zero apart."""
    m = road_distance_matrix_km(POINTS, 1.4)
    for i, a in enumerate(POINTS):
        for j, b in enumerate(POINTS):
            expected = great_circle_km(GeoPoint(lat=a[0], lon=a[1]), GeoPoint(lat=b[0], lon=b[1])) * 1.4
            assert m[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert m[0, 2] == 0.0
    assert 250 < m[0, 1] / 1.4 < 270  # London–Manchester about 262 km straight


def test_cached_matrices_are_not_shared_with_callers() -> None:
    """The cache returns fresh copies: changing one result does not change the next."""
    first = road_distance_matrix_km(POINTS, 1.3)
    first[0, 1] = -1.0
    assert road_distance_matrix_km(POINTS, 1.3)[0, 1] > 0


def test_circuity_below_one_is_refused() -> None:
    """A road cannot be shorter than the straight line."""
    with pytest.raises(ValueError, match="circuity"):
        road_distance_matrix_km(POINTS, 0.9)


def test_dimacs_truncates_to_tenths() -> None:
    """sqrt(2) → 14 tenths, 5 → 50, sqrt(8) = 2.828… → 28 (truncated, not rounded up to 2.9)."""
    d = euclidean_matrix([0, 1, 3, 2], [0, 1, 4, 2])
    ticks = dimacs_ticks(d)
    assert ticks[0, 1] == 14 and ticks[0, 2] == 50 and ticks[0, 3] == 28
    assert np.array_equal(plane_distance_matrix([(0, 0), (1, 1), (3, 4), (2, 2)]), d)
