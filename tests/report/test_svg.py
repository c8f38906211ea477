"""SVG drawings: the map projects GB places to sensible positions; charts cope with no data."""

from __future__ import annotations

from datetime import date

from microfactory.report.svg import MapPoint, Series, _project, gb_map_svg, line_chart_svg, map_size


def test_london_is_south_east_of_glasgow_on_the_map() -> None:
    """North is up and east is right: London sits right of and below Glasgow."""
    width, height = map_size(500)
    lx, ly = _project(-0.1276, 51.5072, width, height)
    gx, gy = _project(-4.2518, 55.8642, width, height)
    assert lx > gx
    assert ly > gy
    assert 0 < lx < width and 0 < gy < height


def test_map_contains_outline_and_labelled_points() -> None:
    """The map draws the UK outline path, circles, site squares and escaped labels."""
    svg = gb_map_svg(
        [
            MapPoint(lon=-2.24, lat=53.48, radius=3, colour="#f00", title="M1 <zone>"),
            MapPoint(-1.9, 52.48, 4, "#333", "BHM site", label="B&M", shape="square"),
        ]
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<path d="M' in svg
    assert "<circle" in svg and "<rect" in svg
    assert "M1 &lt;zone&gt;" in svg and "B&amp;M" in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_chart_without_points_says_so() -> None:
    """An empty chart renders a short note instead of an empty drawing."""
    assert "No data" in line_chart_svg([Series("x", "#000", [])])


def test_chart_draws_one_polyline_per_series() -> None:
    """Each series becomes one polyline with as many points as it has values."""
    svg = line_chart_svg(
        [
            Series("a", "#000", [(date(2026, 1, 5), 1.0), (date(2026, 1, 12), 3.0)]),
            Series("b", "#111", [(date(2026, 1, 5), 2.0)]),
        ]
    )
    assert svg.count("<polyline") == 2
