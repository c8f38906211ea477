"""Geometry of heat-zones: equal-area projection, clipping, Voronoi land cells, shipped outcode areas."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.demand.heatzones import gb_outcode_map
from microfactory.demand.heatzones.geometry import (
    Land,
    VoronoiLand,
    clip_to_convex,
    signed_area,
    to_lonlat,
    to_plane_km,
    voronoi_cells,
)

SQUARE = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])


def test_projection_round_trips() -> None:
    """LAEA forward then inverse gives the input back, including the projection centre."""
    lon = np.array([-3.0, -8.0, 1.7, -1.3])
    lat = np.array([54.5, 50.0, 60.8, 52.4])
    back = to_lonlat(to_plane_km(lon, lat))
    assert np.allclose(back[:, 0], lon, atol=1e-9) and np.allclose(back[:, 1], lat, atol=1e-9)


@pytest.mark.parametrize(("lat", "lon", "res"), [(51.5, -0.1, 6), (60.2, -1.2, 4), (50.1, -5.5, 7)])
def test_projected_area_of_an_h3_cell_matches_h3(lat: float, lon: float, res: int) -> None:
    """Equal-area projection: an H3 cell's projected area equals h3.cell_area (same sphere) to 0.01 %."""
    cell = h3.latlng_to_cell(lat, lon, res)
    boundary = np.array(h3.cell_to_boundary(cell))
    area = signed_area(to_plane_km(boundary[:, 1], boundary[:, 0]))
    assert area == pytest.approx(h3.cell_area(cell, unit="km^2"), rel=1e-4)


def test_signed_area_orientation() -> None:
    """Shoelace: counter-clockwise positive, clockwise negative, closed or open rings alike."""
    assert signed_area(SQUARE) == 4.0
    assert signed_area(SQUARE[::-1]) == -4.0
    assert signed_area(np.vstack([SQUARE, SQUARE[:1]])) == 4.0


def test_clip_square_by_square_and_concave_ring() -> None:
    """Sutherland–Hodgman: overlapping squares give their overlap; a U shape keeps both arms."""
    clipper = SQUARE + 1.0
    assert signed_area(clip_to_convex(SQUARE, clipper)) == pytest.approx(1.0)
    assert len(clip_to_convex(SQUARE, SQUARE + 5.0)) == 0
    # A U: 3 wide, 3 tall, with a 1 × 2 notch from the top; clip to the top band y ≥ 2.
    u = np.array([[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]], dtype=float)
    band = np.array([[-1, 2], [4, 2], [4, 4], [-1, 4]], dtype=float)
    assert signed_area(u) == pytest.approx(7.0)
    assert signed_area(clip_to_convex(u, band)) == pytest.approx(2.0)  # two 1 × 1 arm tops


def test_voronoi_two_sites_split_a_rectangle_in_half() -> None:
    """Two sites in a 4 × 2 rectangle: each gets its 2 × 2 half."""
    land = Land.from_rings([np.array([[0, 0], [4, 0], [4, 2], [0, 2]], dtype=float)])
    cells = voronoi_cells(np.array([[1.0, 1.0], [3.0, 1.0]]), land)
    assert [c.area_km2 for c in cells] == pytest.approx([4.0, 4.0])
    left = cells[0].parts[0]
    assert left[:, 0].max() == pytest.approx(2.0)


def test_voronoi_quadrants_islands_and_duplicates() -> None:
    """Four sites in a 4 × 4 square get 4 km² each; an island joins the nearest; twins share a cell."""
    mainland = np.array([[0, 0], [4, 0], [4, 4], [0, 4]], dtype=float)
    island = np.array([[10, 0], [11, 0], [11, 1], [10, 1]], dtype=float)  # 1 km², nearest to (3, 1)
    sites = np.array([[1, 1], [3, 1], [1, 3], [3, 3], [1, 1]], dtype=float)  # the last twins the first
    land = Land.from_rings([mainland, island[::-1]])  # orientation is normalised
    assert land.area_km2 == pytest.approx(17.0)
    cells = voronoi_cells(sites, land)
    assert [c.area_km2 for c in cells] == pytest.approx([2.0, 5.0, 4.0, 4.0, 2.0])
    assert len(cells[1].parts) == 2
    with pytest.raises(IndexError):
        VoronoiLand(sites, land).cell(5)
    with pytest.raises(ValueError, match="no sites"):
        VoronoiLand(np.empty((0, 2)), land)


def test_voronoi_is_exact_on_a_regular_lattice() -> None:
    """Sites on a 1 km grid filling a 3 × 3 km square each get exactly their 1 km² square."""
    land = Land.from_rings([np.array([[0, 0], [3, 0], [3, 3], [0, 3]], dtype=float)])
    sites = np.array([[x + 0.5, y + 0.5] for x in range(3) for y in range(3)])
    assert [c.area_km2 for c in voronoi_cells(sites, land)] == pytest.approx([1.0] * 9)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.1, 9.9, allow_nan=False), st.floats(0.1, 9.9, allow_nan=False)),
        min_size=1,
        max_size=30,
    )
)
def test_voronoi_areas_add_up_to_the_land(points: list[tuple[float, float]]) -> None:
    """Whatever the sites, their clipped cells cover the land exactly once."""
    land = Land.from_rings(
        [np.array([[0, 0], [10, 0], [10, 10], [5, 6], [0, 10]], dtype=float)]  # concave: a notch on top
    )
    cells = voronoi_cells(np.array(points, dtype=float), land)
    assert sum(c.area_km2 for c in cells) == pytest.approx(land.area_km2, rel=1e-9)
    assert all(c.area_km2 >= 0 for c in cells)


def _area(prefix: str, numbers: range) -> float:
    gb = gb_outcode_map()
    return sum(gb.shape(f"{prefix}{n}").area_km2 for n in numbers if f"{prefix}{n}" in gb)


def test_shipped_land_is_great_britain_without_northern_ireland() -> None:
    """GB land from the 1:10m outline: UK 242,495 km² less Northern Ireland 14,130 km² (ONS), ±2 %."""
    assert gb_outcode_map().land.area_km2 == pytest.approx(242_495 - 14_130, rel=0.02)


def test_shipped_outcode_areas_of_islands_match_their_official_areas() -> None:
    """Islands whose outcodes are all their own: Anglesey 714 km², Isle of Wight 380, Shetland 1,466."""
    assert _area("LL", range(58, 79)) == pytest.approx(714, rel=0.05)  # LL58–LL78
    assert _area("PO", range(30, 42)) == pytest.approx(380, rel=0.10)  # PO30–PO41
    assert _area("ZE", range(1, 4)) == pytest.approx(1466, rel=0.10)  # outline lacks small isles


def test_shipped_outcode_areas_are_plausible() -> None:
    """A City of London district is a fraction of a km², a Highland one is over 1,000 km²."""
    gb = gb_outcode_map()
    assert 0.05 < gb.shape("EC1A").area_km2 < 1.0
    assert gb.shape("IV27").area_km2 > 1000.0
    shape = gb.shape("M1")
    assert shape.delivery_points is not None and shape.delivery_points > 0
    assert all(r[0] == r[-1] and len(r) >= 4 for r in shape.rings)
    assert "ZZ99" not in gb
