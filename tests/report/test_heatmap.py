"""Heat-zone renderers: offline HTML with map, legend and top zones; PNG; the colour scale."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from microfactory.demand.heatzones import (
    HeatZoneResult,
    StaticOutcodes,
    ZoneLevel,
    ZoneShape,
    gb_outcode_map,
    heat_zones,
)
from microfactory.report.heatmap import (
    PALETTE,
    ZOOM_HALF_KM,
    colour_scale,
    heatmap_block,
    heatmap_page,
    heatmap_png,
    heatmap_svg,
    top_zones_table,
    zoom_bounds,
)

END = date(2026, 11, 23)


def _result(level: ZoneLevel = ZoneLevel.OUTCODE) -> HeatZoneResult:
    outcodes = ["EC1A", "M4", "M4", "IV27", "SW1A", "PO30"]
    lines = pd.DataFrame(
        {
            "brand": "FOOD",
            "sku_family": "MEALS",
            "outcode": outcodes,
            "channel": "web",
            "external_id": [f"o{i}" for i in range(len(outcodes))],
            "customer": ["C1", "C1", None, None, "C<script>", None],
            "created_at": pd.Timestamp("2026-11-17T10:00Z"),
            "quantity": 1,
            "cancelled": False,
        }
    )
    return heat_zones(lines, gb_outcode_map(), level=level, weeks=2, end=END)


def test_colour_scale_quantiles_and_legend() -> None:
    """Five quantile classes, darkest for the densest; equal values collapse to the hottest class."""
    scale = colour_scale([0.1, 0.2, 0.3, 0.4, 0.5, 10.0])
    assert len(scale.breaks) == 5 and list(scale.breaks) == sorted(scale.breaks)
    assert scale.colour(10.0) == PALETTE[-1] and scale.colour(0.1) == PALETTE[0]
    assert len(scale.labels()) == 5 and scale.labels()[0].startswith("0 – ")
    flat = colour_scale([2.0, 2.0, 2.0])
    assert flat.colours == (PALETTE[-1],) and flat.colour(2.0) == PALETTE[-1]
    assert colour_scale([]).colours == (PALETTE[-1],)


@pytest.mark.parametrize("level", [ZoneLevel.OUTCODE, ZoneLevel.H3])
def test_page_is_self_contained(level: ZoneLevel) -> None:
    """The HTML page has its map, legend and top-zones table, and no external reference or script."""
    html = heatmap_page(_result(level), title="Heat <zones>", k=3)
    assert html.startswith("<!DOCTYPE html>")
    lowered = html.lower()
    assert "http://" not in lowered and "https://" not in lowered and "//" not in html.replace("<!--", "")
    assert "<script" not in lowered and not re.search(r"\bsrc\s*=", lowered) and "@import" not in lowered
    assert "<svg" in html and "orders / km² / week" in html and "Top 3 zones" in html
    assert "Heat &lt;zones&gt;" in html
    assert html.count("<tr>") == 1 + 3  # header + 3 zones


def test_svg_fills_zones_with_the_scale() -> None:
    """Each zone is a filled path with a tooltip; the hottest zone gets the darkest colour."""
    result = _result()
    svg = heatmap_svg(result, caption="c")
    assert svg.count("<title>") == len(result.zones)
    hottest = result.zones[0]
    style = 'stroke="#7a4a1a" stroke-width="0.15" stroke-opacity="0.6"'
    assert f'fill="{PALETTE[-1]}" {style}><title>{hottest.zone}:' in svg


def test_zoom_frames_the_densest_zone() -> None:
    """The zoom is a 40 km square on the densest zone, drawn without a legend and with its scale."""
    result = _result()
    bounds = zoom_bounds(result)
    assert bounds is not None
    centre = result.zones[0].shape
    assert (bounds[0] + bounds[2]) / 2 == pytest.approx(centre.centre_lon)
    assert (bounds[3] - bounds[1]) * 111.2 == pytest.approx(2 * ZOOM_HALF_KM)
    svg = heatmap_svg(result, width=300, bounds=bounds)
    assert "km across" in svg and "orders / km² / week" not in svg
    assert len(svg) < len(heatmap_svg(result, width=300))  # only the coast inside the frame is drawn


def test_h3_table_lists_the_outcodes_of_each_cell() -> None:
    """Only the H3 table has the outcodes column."""
    assert "<th>outcodes</th>" in top_zones_table(_result(ZoneLevel.H3))
    assert "<th>outcodes</th>" not in top_zones_table(_result())


def test_block_names_window_and_level() -> None:
    """The report block says which zones, which weeks, how many orders."""
    block = heatmap_block(_result(ZoneLevel.H3), heading="FOOD")
    assert "H3 cells, resolution 6" in block and "2026-11-09 to 2026-11-16" in block
    assert "6 orders" in block


def test_png_is_written() -> None:
    """The PNG is a real PNG image of reasonable size, drawn offline with Agg."""
    data = heatmap_png(_result(), title="t")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_zone_without_land_is_drawn_as_a_point() -> None:
    """A zone whose cell has no land (an islet missing from the outline) is a circle, not a path."""
    outcodes = StaticOutcodes({"TR22": ZoneShape("TR22", -6.35, 49.95, 0.0)})
    lines = pd.DataFrame(
        {
            "brand": ["FOOD"],
            "sku_family": ["MEALS"],
            "outcode": ["TR22"],
            "channel": ["web"],
            "external_id": ["x"],
            "created_at": [pd.Timestamp("2026-11-17T10:00Z")],
            "quantity": [1],
            "cancelled": [False],
        }
    )
    result = heat_zones(lines, outcodes, weeks=1, end=END)
    assert "<circle" in heatmap_svg(result)
    assert heatmap_png(result)[:4] == b"\x89PNG"
