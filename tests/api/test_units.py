"""Small pieces of the API: password hashing, pagination, the SVG projection."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.api.pagination import PageParams, page_of
from microfactory.api.svg import project
from microfactory.report.svg import MAP_BOUNDS, map_size
from microfactory.store.api_repository import hash_password, verify_password


def test_password_hash_round_trip_and_salt() -> None:
    """The right password verifies, a wrong one does not, and two hashes of one password differ."""
    stored = hash_password("s3cret-pass")
    assert stored.startswith("scrypt$")
    assert verify_password("s3cret-pass", stored)
    assert not verify_password("s3cret-pasS", stored)
    assert hash_password("s3cret-pass") != stored
    assert not verify_password("x", "not-a-hash")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(), max_size=60), st.integers(1, 25))
def test_pages_cover_the_list_exactly_once(items: list[int], limit: int) -> None:
    """Walking limit/offset pages gives back every item once, in order, with the same total."""
    seen: list[int] = []
    offset = 0
    while True:
        page = page_of(items, PageParams(limit=limit, offset=offset))
        assert page.total == len(items) and len(page.items) <= limit
        if not page.items:
            break
        seen += page.items
        offset += limit
    assert seen == items


def test_projection_matches_the_map_frame() -> None:
    """The frame's corners land on the map's corners (same projection as the report's GB map)."""
    lon_min, lat_min, lon_max, lat_max = MAP_BOUNDS
    width, height = map_size(500.0)
    assert project(lon_min, lat_max, 500.0) == (0.0, 0.0)
    x, y = project(lon_max, lat_min, 500.0)
    assert abs(x - width) < 1e-9 and abs(y - height) < 1e-9


def test_route_map_is_zoomed_onto_its_routes() -> None:
    """A local route's map is cut to the area of its stops, shown about as wide as the GB map."""
    from microfactory.api.svg import MAP_WIDTH, RouteTrace, routes_map_svg

    route = RouteTrace("R1", (-0.12, 51.50), [(-0.10, 51.52, "stop 1"), (-0.14, 51.49, "stop 2")])
    svg = routes_map_svg([route])
    view_box = [float(v) for v in svg.split('viewBox="')[1].split('"')[0].split()]
    assert view_box[0] > 0 and view_box[1] > 0
    assert f'width="{MAP_WIDTH:.0f}"' in svg[: svg.index(">")]
    assert svg.count("<line") == 3 and "stop 2" in svg
