"""Heat-zone renderers: an inline-SVG map of Great Britain, a top-zones table, a whole HTML page and a PNG.

All drawn from shipped geometry (the Natural Earth outline and the zones' own polygons) in the report's
GB map projection (:mod:`microfactory.report.svg`), so the files open offline: no tiles, no CDN, no
script. Zones are filled on a graduated colour scale of delivery density (ColorBrewer YlOrRd, quantile
classes), with a legend.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

import numpy as np

from microfactory.demand.heatzones import HeatZoneResult, RankBy, ZoneHeat, ZoneLevel
from microfactory.demand.heatzones.geometry import clip_to_convex
from microfactory.report.html import _CSS, _num, _table
from microfactory.report.svg import _COS_LAT, MAP_BOUNDS, _outline_path, _outline_rings, _project, map_size

Point = tuple[float, float]
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
"""ColorBrewer YlOrRd, 5 classes (Brewer & Harrower, colorbrewer2.org): light = cool, dark = hot."""
TOP_ZONES = 10
ATTRIBUTION = (
    "Zones: Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal "
    "Mail copyright and database right; Contains National Statistics data © Crown copyright and "
    "database right (OGL v3). Map outline: Natural Earth (public domain). H3 © Uber (Apache-2.0)."
)


@dataclass(frozen=True)
class ColourScale:
    """Quantile classes of density: ``breaks[i]`` is the upper bound of class ``i`` (last is the max)."""

    breaks: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, value: float) -> str:
        """The fill colour of a density value."""
        for bound, colour in zip(self.breaks, self.colours, strict=True):
            if value <= bound:
                return colour
        return self.colours[-1]

    def labels(self) -> list[str]:
        """Legend labels, one per class: ``lower – upper`` orders/km²/week."""
        lows = [0.0, *self.breaks[:-1]]
        return [f"{_short(lo)} – {_short(hi)}" for lo, hi in zip(lows, self.breaks, strict=True)]


def colour_scale(values: Sequence[float], palette: Sequence[str] = PALETTE) -> ColourScale:
    """Quantile classes of ``values`` (equal counts of zones per colour), merged where breaks coincide.

    Quantiles rather than equal intervals because density is heavily skewed (a few central-city
    districts are tens of times denser than the rest); equal intervals would paint almost every zone
    the palest colour.
    """
    if not values:
        return ColourScale(breaks=(1.0,), colours=(palette[-1],))
    qs = np.quantile(np.asarray(values, dtype=np.float64), np.linspace(0, 1, len(palette) + 1)[1:])
    breaks: list[float] = []
    for q in qs:
        if not breaks or q > breaks[-1]:
            breaks.append(float(q))
    # Spread the kept classes over the palette so a single class is the hottest colour, not the palest.
    idx = np.round(np.linspace(len(palette) - len(breaks), len(palette) - 1, len(breaks))).astype(int)
    return ColourScale(breaks=tuple(breaks), colours=tuple(palette[i] for i in idx))


def _short(value: float) -> str:
    if value == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.0f}\u00a0%"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}\u00a0%"


def zone_title(z: ZoneHeat) -> str:
    """One-line description of a zone for tooltips."""
    return (
        f"{z.zone}: {z.orders_per_week:.1f} orders/week, {z.density_orders_per_km2_week:.3g} "
        f"orders/km²/week, area {z.shape.area_km2:.1f} km², growth 13w {_pct(z.growth_13w_pct)}, "
        f"repeat {_share(z.repeat_share)}"
    )


Bounds = tuple[float, float, float, float]
"""lon_min, lat_min, lon_max, lat_max of a map frame."""
ZOOM_HALF_KM = 20.0
"""Half the side of the zoomed map around the hottest zone: a city and its suburbs."""


def zoom_bounds(result: HeatZoneResult, half_km: float = ZOOM_HALF_KM) -> Bounds | None:
    """A square frame ``2 × half_km`` wide centred on the densest zone, or ``None`` without zones."""
    if not result.zones:
        return None
    hottest = result.zones[0].shape
    dlat = half_km / 111.2
    dlon = half_km / (111.2 * math.cos(math.radians(hottest.centre_lat)))
    return (
        hottest.centre_lon - dlon,
        hottest.centre_lat - dlat,
        hottest.centre_lon + dlon,
        hottest.centre_lat + dlat,
    )


def _projector(bounds: Bounds | None, width: float, height: float) -> Callable[[float, float], Point]:
    """The report's GB projection (:func:`microfactory.report.svg._project`), or the same
    equirectangular projection on another frame."""
    if bounds is None:
        return lambda lon, lat: _project(lon, lat, width, height)
    lon_min, lat_min, lon_max, lat_max = bounds

    def project(lon: float, lat: float) -> Point:
        return (
            (lon - lon_min) / (lon_max - lon_min) * width,
            (lat_max - lat) / (lat_max - lat_min) * height,
        )

    return project


def _clipped_outline(bounds: Bounds) -> list[list[Point]]:
    """The UK outline cut to a frame (so a zoomed map carries only the coast it shows)."""
    lon_min, lat_min, lon_max, lat_max = bounds
    frame = np.array([[lon_min, lat_min], [lon_max, lat_min], [lon_max, lat_max], [lon_min, lat_max]])
    rings: list[list[Point]] = []
    for ring in _outline_rings():
        piece = clip_to_convex(np.asarray(ring, dtype=np.float64), frame)
        if len(piece) >= 3:
            rings.append([(float(x), float(y)) for x, y in piece])
    return rings


def _frame_size(bounds: Bounds, width: float) -> tuple[float, float]:
    lon_min, lat_min, lon_max, lat_max = bounds
    mid = math.cos(math.radians((lat_min + lat_max) / 2))
    return width, width * (lat_max - lat_min) / ((lon_max - lon_min) * mid)


def heatmap_svg(
    result: HeatZoneResult, *, width: float = 520.0, caption: str = "", bounds: Bounds | None = None
) -> str:
    """Inline SVG (no namespace URL, no script) of the GB outline with every zone filled by density.

    Without ``bounds`` it is the whole of Great Britain in the report's map projection; with them, the
    same projection on that frame (a zoom), where zones outside the frame are simply cut off.
    """
    width, height = map_size(width) if bounds is None else _frame_size(bounds, width)
    project = _projector(bounds, width, height)
    scale = colour_scale([z.density_orders_per_km2_week for z in result.zones])
    outline = (
        _outline_path(width, height) if bounds is None else _rings_path(_clipped_outline(bounds), project)
    )
    out = [
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{escape(caption or "Demand heat-zones")}">',
        f'<path d="{outline}" fill="#eef2ee" stroke="#8a9a8a" stroke-width="0.6"/>',
    ]
    # Faint zones first so the hot ones are drawn on top.
    for z in reversed(result.zones):
        colour = scale.colour(z.density_orders_per_km2_week)
        title = f"<title>{escape(zone_title(z))}</title>"
        path = _rings_path(z.shape.rings, project)
        if path:
            out.append(
                f'<path d="{path}" fill="{colour}" stroke="#7a4a1a" stroke-width="0.15" '
                f'stroke-opacity="0.6">{title}</path>'
            )
        else:
            x, y = project(z.shape.centre_lon, z.shape.centre_lat)
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6" fill="{colour}" stroke="#7a4a1a" '
                f'stroke-width="0.3">{title}</circle>'
            )
    if bounds is None:
        out.append(_legend_svg(scale, width, height))
    else:
        across = f"{2 * ZOOM_HALF_KM:.0f} km across"
        out.append(f'<text x="6" y="{height - 6:.0f}" font-size="9" fill="#444">{across}</text>')
    out.append("</svg>")
    return "".join(out)


def _rings_path(rings: Sequence[Sequence[Point]], project: Callable[[float, float], Point]) -> str:
    parts: list[str] = []
    for ring in rings:
        points: list[str] = []
        last: Point | None = None
        for lon, lat in ring:
            x, y = project(lon, lat)
            if last is not None and abs(x - last[0]) + abs(y - last[1]) < 0.3:
                continue
            points.append(f"{x:.1f},{y:.1f}")
            last = (x, y)
        if len(points) >= 3:
            parts.append("M" + "L".join(points) + "Z")
        else:
            # Smaller than a pixel: keep it visible as a tiny square at its first point.
            x, y = project(ring[0][0], ring[0][1])
            parts.append(f"M{x - 0.4:.1f},{y - 0.4:.1f}h0.8v0.8h-0.8Z")
    return "".join(parts)


def _legend_svg(scale: ColourScale, width: float, height: float) -> str:
    # Over the North Sea, clear of Shetland and Orkney.
    x0 = width * 0.78
    y0 = height * 0.17
    rows = [
        f'<text x="{x0:.0f}" y="{y0:.0f}" font-size="9" font-weight="600" fill="#222">'
        "orders / km² / week</text>"
    ]
    for i, (colour, label) in enumerate(zip(reversed(scale.colours), reversed(scale.labels()), strict=True)):
        y = y0 + 6 + 13 * i
        rows.append(
            f'<rect x="{x0:.0f}" y="{y:.0f}" width="11" height="10" fill="{colour}" stroke="#7a4a1a" '
            f'stroke-width="0.3"/><text x="{x0 + 15:.0f}" y="{y + 8:.0f}" font-size="9" fill="#222">'
            f"{escape(label)}</text>"
        )
    return "<g>" + "".join(rows) + "</g>"


def top_zones_rows(result: HeatZoneResult, k: int, by: RankBy = RankBy.DENSITY) -> list[list[str]]:
    """The top-zones table's rows as HTML cell text (:data:`TOP_HEADERS`; the outcodes column for H3)."""
    rows = [
        [
            str(rank),
            escape(z.zone),
            _num(z.orders),
            f"{z.orders_per_week:,.1f}",
            f"{z.units_per_week:,.1f}",
            f"{z.shape.area_km2:,.1f}",
            f"{z.density_orders_per_km2_week:,.3f}",
            _pct(z.growth_13w_pct),
            _pct(z.growth_yoy_pct),
            _share(z.repeat_share),
            escape(_outcodes_text(z)),
        ]
        for rank, z in enumerate(result.top(k, by), start=1)
    ]
    return rows if result.level is ZoneLevel.H3 else [row[:-1] for row in rows]


TOP_HEADERS = (
    "#",
    "zone",
    "orders",
    "orders/wk",
    "units/wk",
    "area km²",
    "orders/km²/wk",
    "growth 13w",
    "growth yoy",
    "repeat",
    "outcodes",
)


def _outcodes_text(z: ZoneHeat) -> str:
    if len(z.outcodes) <= 1:
        return z.outcodes[0] if z.outcodes and z.outcodes[0] != z.zone else ""
    shown = ", ".join(z.outcodes[:4])
    return shown + (f" +{len(z.outcodes) - 4}" if len(z.outcodes) > 4 else "")


def top_zones_table(result: HeatZoneResult, k: int = TOP_ZONES, by: RankBy = RankBy.DENSITY) -> str:
    """An HTML table of the ``k`` hottest zones."""
    headers = TOP_HEADERS if result.level is ZoneLevel.H3 else TOP_HEADERS[:-1]
    return _table(headers, top_zones_rows(result, k, by), {0, 2, 3, 4, 5, 6, 7, 8, 9})


def level_text(result: HeatZoneResult) -> str:
    """How zones were formed, for captions: ``GB outcodes`` or ``H3 cells, resolution 6``."""
    if result.level is ZoneLevel.H3:
        return f"H3 cells, resolution {result.h3_resolution}"
    return "GB outcodes (Voronoi land areas)"


_RANK_TEXT = {
    RankBy.DENSITY: "delivery density",
    RankBy.ORDERS: "orders",
    RankBy.GROWTH: "13-week growth",
}


def heatmap_block(
    result: HeatZoneResult, *, heading: str, k: int = TOP_ZONES, by: RankBy = RankBy.DENSITY
) -> str:
    """Map beside its top-zones table and a one-line summary, as an HTML fragment (``<div>``)."""
    summary = (
        f"{level_text(result)} · {result.weeks} weeks "
        f"{result.week_starts[0].isoformat()} to {result.week_starts[-1].isoformat()} (weeks start "
        f"Monday, Europe/London) · {result.orders:,} orders in {len(result.zones):,} zones"
    )
    if result.unlocated_orders:
        summary += f" · {result.unlocated_orders:,} orders with unknown outcodes left out"
    zoom = zoom_bounds(result)
    zoom_html = ""
    if zoom is not None:
        hottest = result.zones[0].zone
        zoom_svg = heatmap_svg(result, width=320.0, caption=f"Around {hottest}", bounds=zoom)
        zoom_html = f"<h3>Around the densest zone, {escape(hottest)}</h3>{zoom_svg}"
    return (
        f'<div><h3>{escape(heading)}</h3><p class="muted">{escape(summary)}</p>'
        f'<div class="cols"><div>{heatmap_svg(result, caption=heading)}</div>'
        f'<div style="flex:1;min-width:380px;overflow-x:auto"><h3>Top {k} zones by {_RANK_TEXT[by]}</h3>'
        f"{top_zones_table(result, k, by)}{zoom_html}</div>"
        "</div></div>"
    )


METHOD_NOTE = (
    "Density is orders per week per km² of the zone. An order is located at its outcode's centroid "
    "(orders carry no finer location). Outcode areas are Voronoi cells of the outcode centroids clipped "
    "to the Natural Earth 1:10m outline of Great Britain; H3 areas are whole cells (land and sea). "
    "Growth compares the last 13 weeks with the 13 before (13w) and with the same weeks a year earlier "
    "(yoy). Repeat is the share of orders naming their customer whose customer had ordered before."
)


def heatmap_page(
    result: HeatZoneResult, *, title: str, k: int = TOP_ZONES, by: RankBy = RankBy.DENSITY
) -> str:
    """A whole self-contained HTML document: inline CSS and SVG, no script, no external reference."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>Generated {generated}</p></header><main><section>"
        + heatmap_block(result, heading=title, k=k, by=by)
        + f'<p class="muted">{escape(METHOD_NOTE)}</p></section></main>'
        f"<footer>{escape(ATTRIBUTION)}</footer></body></html>"
    )


def heatmap_png(result: HeatZoneResult, *, title: str = "", dpi: int = 120) -> bytes:
    """The same map as a PNG (matplotlib, Agg backend; no basemap download), as bytes.

    The whole of Great Britain with the legend, and an inset over the Atlantic (bottom left) zoomed
    on the densest zone, whose frame is outlined on the main map.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    scale = colour_scale([z.density_orders_per_km2_week for z in result.zones])
    width_in = 6.0
    _, height_px = map_size(width_in * 100)
    figure = Figure(figsize=(width_in, height_px / 100), dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.0, 0.0, 1.0, 0.96))
    _draw_png_map(ax, result, scale, MAP_BOUNDS, _COS_LAT)
    handles = [
        Patch(facecolor=c, edgecolor="#7a4a1a", label=label)
        for c, label in zip(reversed(scale.colours), reversed(scale.labels()), strict=True)
    ]
    ax.legend(handles=handles, title="orders / km² / week", loc="upper right", fontsize=7, title_fontsize=7)
    zoom = zoom_bounds(result)
    if zoom is not None:
        lon_min, lat_min, lon_max, lat_max = zoom
        ax.add_patch(
            Rectangle(
                (lon_min, lat_min), lon_max - lon_min, lat_max - lat_min, fill=False, edgecolor="#333", lw=0.6
            )
        )
        inset = figure.add_axes((0.01, 0.12, 0.28, 0.21))  # over the Irish Sea, clear of land
        _draw_png_map(inset, result, scale, zoom, math.cos(math.radians((lat_min + lat_max) / 2)))
        inset.set_axis_on()
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_title(f"around {result.zones[0].zone} ({2 * ZOOM_HALF_KM:.0f} km)", fontsize=7)
    figure.suptitle(title or f"Demand heat-zones — {level_text(result)}", fontsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _draw_png_map(
    ax: Any, result: HeatZoneResult, scale: ColourScale, bounds: Bounds, cos_lat: float
) -> None:
    from matplotlib.collections import PolyCollection

    lon_min, lat_min, lon_max, lat_max = bounds
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect(1.0 / cos_lat)
    ax.set_axis_off()
    ax.add_collection(
        PolyCollection(
            [list(r) for r in _outline_rings()], facecolors="#eef2ee", edgecolors="#8a9a8a", linewidths=0.4
        )
    )
    polygons: list[list[Point]] = []
    colours: list[str] = []
    points: list[tuple[float, float, str]] = []
    for z in reversed(result.zones):
        colour = scale.colour(z.density_orders_per_km2_week)
        if z.shape.rings:
            for ring in z.shape.rings:
                polygons.append(list(ring))
                colours.append(colour)
        else:
            points.append((z.shape.centre_lon, z.shape.centre_lat, colour))
    if polygons:
        ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="#7a4a1a", linewidths=0.1))
    if points:
        ax.scatter([p[0] for p in points], [p[1] for p in points], c=[p[2] for p in points], s=4)
