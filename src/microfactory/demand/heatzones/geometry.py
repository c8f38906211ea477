"""Plane geometry for heat-zones: an equal-area projection, polygon areas, clipping and Voronoi cells.

Outcode boundaries are not published with the package (Royal Mail's are licensed), so an outcode's
area is estimated as its **Voronoi cell**: the land nearer to its centroid than to any other GB
outcode centroid, clipped to the shipped Natural Earth outline of Great Britain. Distances and areas
are measured in a Lambert azimuthal equal-area (LAEA) projection of the sphere centred on Great
Britain, so areas are exact for the sphere of the authalic radius (within about 0.5 % of the WGS84
ellipsoid over Great Britain; the same sphere H3 uses for ``cell_area``).

Everything here is pure (arrays in, arrays out); reading the shipped files lives in
:mod:`microfactory.demand.heatzones.shipped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import Voronoi

FloatArray = npt.NDArray[np.float64]

AUTHALIC_RADIUS_KM = 6371.007180918475
"""Radius of the sphere with the WGS84 ellipsoid's area (the sphere H3 measures cells on)."""
LAEA_CENTRE = (54.5, -3.0)
"""Latitude, longitude of the projection centre: the middle of Great Britain."""
_FAR_KM = 5000.0
"""Distance of the four guard points that make every real Voronoi cell finite."""


def to_plane_km(lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
    """Project WGS84 degrees to LAEA kilometres (``n × 2`` array of x east, y north).

    Lambert azimuthal equal-area on the sphere (Snyder 1987, *Map Projections — A Working Manual*,
    eqs. 24-2 to 24-4): area is preserved everywhere, so polygon areas in km² are true areas.
    """
    lat0, lon0 = np.radians(LAEA_CENTRE[0]), np.radians(LAEA_CENTRE[1])
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    dlmb = np.radians(np.asarray(lon, dtype=np.float64)) - lon0
    cos_c = np.sin(lat0) * np.sin(phi) + np.cos(lat0) * np.cos(phi) * np.cos(dlmb)
    k = np.sqrt(2.0 / (1.0 + cos_c))
    x = AUTHALIC_RADIUS_KM * k * np.cos(phi) * np.sin(dlmb)
    y = AUTHALIC_RADIUS_KM * k * (np.cos(lat0) * np.sin(phi) - np.sin(lat0) * np.cos(phi) * np.cos(dlmb))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def to_lonlat(xy: FloatArray) -> FloatArray:
    """Inverse of :func:`to_plane_km`: LAEA kilometres back to ``n × 2`` (lon, lat) degrees."""
    lat0, lon0 = np.radians(LAEA_CENTRE[0]), np.radians(LAEA_CENTRE[1])
    x, y = xy[:, 0], xy[:, 1]
    rho = np.hypot(x, y)
    c = 2.0 * np.arcsin(np.clip(rho / (2.0 * AUTHALIC_RADIUS_KM), -1.0, 1.0))
    safe_rho = np.where(rho == 0.0, 1.0, rho)
    phi = np.arcsin(np.cos(c) * np.sin(lat0) + y * np.sin(c) * np.cos(lat0) / safe_rho)
    lmb = lon0 + np.arctan2(x * np.sin(c), rho * np.cos(lat0) * np.cos(c) - y * np.sin(lat0) * np.sin(c))
    phi = np.where(rho == 0.0, lat0, phi)
    return np.column_stack([np.degrees(lmb), np.degrees(phi)])


def signed_area(ring: FloatArray) -> float:
    """Shoelace area of a ring (``n × 2``, closed or not): positive when counter-clockwise."""
    if len(ring) < 3:
        return 0.0
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def clip_to_convex(ring: FloatArray, convex: FloatArray) -> FloatArray:
    """The part of ``ring`` inside the convex polygon ``convex`` (Sutherland–Hodgman 1974).

    ``ring`` may be concave (a coastline); ``convex`` must be convex and counter-clockwise. When the
    inside part of a concave ring falls apart, the pieces come back joined by zero-width edges along
    the clip boundary, which add no area. Each clip edge is one vectorised pass over the vertices.
    Returns an ``m × 2`` array (``m`` may be 0), not closed.
    """
    out = ring[:-1] if len(ring) > 1 and np.array_equal(ring[0], ring[-1]) else ring
    n_edges = len(convex)
    for i in range(n_edges):
        if len(out) == 0:
            break
        a = convex[i]
        b = convex[(i + 1) % n_edges]
        # Inside is the left of a→b (the clipper is counter-clockwise).
        side = (b[0] - a[0]) * (out[:, 1] - a[1]) - (b[1] - a[1]) * (out[:, 0] - a[0])
        inside = side >= 0.0
        if inside.all():
            continue
        if not inside.any():
            return np.empty((0, 2))
        prev = np.roll(out, 1, axis=0)
        prev_side = np.roll(side, 1)
        prev_inside = np.roll(inside, 1)
        crossing = inside != prev_inside
        denom = np.where(crossing, prev_side - side, 1.0)
        t = np.where(crossing, prev_side / denom, 0.0)
        cut = prev + t[:, None] * (out - prev)
        points = np.stack([cut, out], axis=1)  # slot 0: the crossing, slot 1: the vertex itself
        keep = np.stack([crossing, inside], axis=1)
        out = points[keep]
    return out


def convex_hull_ccw(points: FloatArray) -> FloatArray:
    """Vertices of a convex polygon sorted counter-clockwise around their mean."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    return points[np.argsort(angles)]


@dataclass(frozen=True)
class Land:
    """Land polygons in the plane: exterior rings (counter-clockwise) with their bounding boxes."""

    rings: tuple[FloatArray, ...]
    boxes: FloatArray
    """``n × 4``: x_min, y_min, x_max, y_max of each ring."""

    @classmethod
    def from_rings(cls, rings: Sequence[FloatArray]) -> Land:
        """Build from rings in any orientation (they are made counter-clockwise)."""
        ccw = tuple(r if signed_area(r) > 0 else r[::-1].copy() for r in rings if len(r) >= 3)
        boxes = np.array(
            [[r[:, 0].min(), r[:, 1].min(), r[:, 0].max(), r[:, 1].max()] for r in ccw], dtype=np.float64
        ).reshape(-1, 4)
        return cls(rings=ccw, boxes=boxes)

    @property
    def area_km2(self) -> float:
        """Total land area in km²."""
        return float(sum(signed_area(r) for r in self.rings))


@dataclass(frozen=True)
class ZoneCell:
    """One zone's estimated territory: its Voronoi cell clipped to land, in LAEA km."""

    parts: tuple[FloatArray, ...]
    """Counter-clockwise rings (not closed), one per piece of land the cell covers."""
    area_km2: float


class VoronoiLand:
    """Voronoi cells of sites (``n × 2`` km) clipped to land; cells are clipped when first asked for.

    Sites at the same place share their cell equally (each gets the whole shape and an equal share of
    its area), so over all sites the areas add up to exactly the land area. Four guard points far
    outside make every real cell finite. A cell depends only on the sites and the land, never on which
    other cells were asked for.

    Raises:
        ValueError: no sites, or a site is not finite.
    """

    def __init__(self, sites: FloatArray, land: Land) -> None:
        if len(sites) == 0:
            raise ValueError("no sites to build Voronoi cells from")
        if not np.isfinite(sites).all():
            raise ValueError("site coordinates must be finite")
        unique, inverse, counts = np.unique(sites, axis=0, return_inverse=True, return_counts=True)
        self._inverse = inverse.reshape(-1)
        self._counts = counts
        self._land = land
        centre = unique.mean(axis=0)
        guards = centre + _FAR_KM * np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
        self._diagram = Voronoi(np.vstack([unique, guards]))
        self._cells: dict[int, ZoneCell] = {}

    def __len__(self) -> int:
        return len(self._inverse)

    def cell(self, index: int) -> ZoneCell:
        """The clipped cell of site ``index``; raises ``IndexError`` when out of range."""
        if not 0 <= index < len(self._inverse):
            raise IndexError(f"site index {index} out of range 0..{len(self._inverse) - 1}")
        k = int(self._inverse[index])
        if k not in self._cells:
            region = self._diagram.regions[self._diagram.point_region[k]]
            parts = _clip_land(convex_hull_ccw(self._diagram.vertices[region]), self._land)
            area = sum(signed_area(p) for p in parts) / float(self._counts[k])
            self._cells[k] = ZoneCell(parts=parts, area_km2=area)
        return self._cells[k]


def voronoi_cells(sites: FloatArray, land: Land) -> tuple[ZoneCell, ...]:
    """Every site's Voronoi cell clipped to ``land``, in the order of ``sites`` (see :class:`VoronoiLand`)."""
    tessellation = VoronoiLand(sites, land)
    return tuple(tessellation.cell(i) for i in range(len(tessellation)))


def _clip_land(polygon: FloatArray, land: Land) -> tuple[FloatArray, ...]:
    x_min, y_min = polygon.min(axis=0)
    x_max, y_max = polygon.max(axis=0)
    b = land.boxes
    near = (b[:, 0] <= x_max) & (b[:, 2] >= x_min) & (b[:, 1] <= y_max) & (b[:, 3] >= y_min)
    parts: list[FloatArray] = []
    for i in np.flatnonzero(near):
        piece = clip_to_convex(land.rings[i], polygon)
        if len(piece) >= 3 and signed_area(piece) > 1e-9:
            parts.append(piece)
    return tuple(parts)


def points_in_ring(points: FloatArray, ring: FloatArray) -> npt.NDArray[np.bool_]:
    """Which ``points`` lie inside ``ring`` (even–odd rule; both in the same plane)."""
    x1, y1 = ring[:, 0][None, :], ring[:, 1][None, :]
    x2, y2 = np.roll(ring[:, 0], -1)[None, :], np.roll(ring[:, 1], -1)[None, :]
    dy = np.where(y2 == y1, 1.0, y2 - y1)
    result = np.zeros(len(points), dtype=np.bool_)
    for start in range(0, len(points), 256):  # chunks keep the point × edge matrix small
        chunk = points[start : start + 256]
        x, y = chunk[:, 0][:, None], chunk[:, 1][:, None]
        straddles = (y1 > y) != (y2 > y)
        x_cross = x1 + (y - y1) * (x2 - x1) / dy
        result[start : start + 256] = ((straddles & (x < x_cross)).sum(axis=1) % 2) == 1
    return result
