"""Distance matrices for routing: great-circle × circuity on the map, or DIMACS Euclidean on a plane.

Both are vectorised with numpy. Road distance in Great Britain is about 1.4 times the straight-line
distance (Ballou, Rahardja and Sakai 2002; Cole 1968), so the map metric multiplies the haversine
distance by a circuity setting. ISO 14083:2023 §5.4.4 calls the same idea a *distance adjustment
factor*. Matrices are computed once per distinct set of points and cached, so re-planning a site's day
(another seed, a carbon price, the central-versus-local comparison) does not recompute them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from microfactory.domain.geo import EARTH_RADIUS_KM

FloatMatrix = npt.NDArray[np.float64]
IntMatrix = npt.NDArray[np.int64]

_CACHE_SIZE = 64


def great_circle_matrix_km(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> FloatMatrix:
    """Pairwise haversine distances in km between points given as latitude/longitude arrays (degrees).

    Uses the IUGG mean Earth radius, as :func:`microfactory.domain.great_circle_km` does, so the two
    agree to floating-point precision.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    if lat.shape != lon.shape or lat.ndim != 1:
        raise ValueError("lat_deg and lon_deg must be one-dimensional arrays of the same length")
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    out: FloatMatrix = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return out


def euclidean_matrix(x: npt.ArrayLike, y: npt.ArrayLike) -> FloatMatrix:
    """Pairwise Euclidean distances between plane points (computed as VRPLIB readers do)."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("x and y must be one-dimensional arrays of the same length")
    coords = np.stack([xs, ys], axis=1)
    diff = coords[:, None, :] - coords[None, :, :]
    out: FloatMatrix = np.sqrt((diff**2).sum(axis=-1))
    return out


def dimacs_ticks(distances: FloatMatrix) -> IntMatrix:
    """Distances in tenths, truncated: the DIMACS 2021 VRPTW convention (``pyvrp.read(round_func="dimacs")``).

    A distance of 12.3456 becomes 123 (that is, 12.3). Truncation, not rounding, is what the published
    best-known values assume.
    """
    out: IntMatrix = (10 * distances).astype(np.int64)
    return out


@lru_cache(maxsize=_CACHE_SIZE)
def _road_km_unique(points: tuple[tuple[float, float], ...], circuity: float) -> FloatMatrix:
    lat = [p[0] for p in points]
    lon = [p[1] for p in points]
    matrix = great_circle_matrix_km(lat, lon) * circuity
    matrix.setflags(write=False)
    return matrix


@lru_cache(maxsize=_CACHE_SIZE)
def _plane_unique(points: tuple[tuple[float, float], ...]) -> FloatMatrix:
    matrix = euclidean_matrix([p[0] for p in points], [p[1] for p in points])
    matrix.setflags(write=False)
    return matrix


def _expand(
    points: Sequence[tuple[float, float]],
) -> tuple[tuple[tuple[float, float], ...], npt.NDArray[np.intp]]:
    """Distinct points (in first-seen order) and, for each input point, its index among them."""
    index: dict[tuple[float, float], int] = {}
    inverse = np.empty(len(points), dtype=np.intp)
    for i, p in enumerate(points):
        inverse[i] = index.setdefault(p, len(index))
    return tuple(index), inverse


def road_distance_matrix_km(points: Sequence[tuple[float, float]], circuity: float) -> FloatMatrix:
    """Road-distance estimate in km between (lat, lon) points: great-circle × ``circuity``.

    Many deliveries share a postcode-district centroid, so the matrix is computed on distinct points and
    expanded; the distinct-point matrix is cached (least recently used, 64 entries) per point set and
    circuity. The returned array is a fresh copy the caller may modify.

    Raises:
        ValueError: ``circuity`` is below 1 (a road cannot be shorter than the straight line).
    """
    if circuity < 1.0:
        raise ValueError(f"circuity must be ≥ 1, got {circuity}")
    unique, inverse = _expand(points)
    base = _road_km_unique(unique, float(circuity))
    out: FloatMatrix = base[np.ix_(inverse, inverse)]
    return out


def plane_distance_matrix(points: Sequence[tuple[float, float]]) -> FloatMatrix:
    """Euclidean distances between (x, y) plane points, cached per distinct point set like the road matrix."""
    unique, inverse = _expand(points)
    base = _plane_unique(unique)
    out: FloatMatrix = base[np.ix_(inverse, inverse)]
    return out


def clear_distance_cache() -> None:
    """Forget every cached matrix (for long-running processes that plan many different networks)."""
    _road_km_unique.cache_clear()
    _plane_unique.cache_clear()
