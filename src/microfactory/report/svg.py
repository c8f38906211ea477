"""Inline SVG drawings for the self-contained report: a GB map and simple line charts.

Everything is drawn from shipped data (the Natural Earth UK outline) so the report opens offline,
with no tile server and no script.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from html import escape

from microfactory.data import data_file

MAP_BOUNDS = (-8.8, 49.8, 2.0, 61.0)
"""lon_min, lat_min, lon_max, lat_max of the map frame (Great Britain and Northern Ireland)."""
_COS_LAT = math.cos(math.radians(55.0))


@dataclass(frozen=True)
class MapPoint:
    """A circle on the map: a zone's demand or a site."""

    lon: float
    lat: float
    radius: float
    colour: str
    title: str
    label: str | None = None
    shape: str = "circle"


def _project(lon: float, lat: float, width: float, height: float) -> tuple[float, float]:
    lon_min, lat_min, lon_max, lat_max = MAP_BOUNDS
    x = (lon - lon_min) / (lon_max - lon_min) * width
    y = (lat_max - lat) / (lat_max - lat_min) * height
    return x, y


def map_size(width: float) -> tuple[float, float]:
    """Height of the map for a given width, keeping the local aspect ratio at 55°N."""
    lon_min, lat_min, lon_max, lat_max = MAP_BOUNDS
    return width, width * (lat_max - lat_min) / ((lon_max - lon_min) * _COS_LAT)


@cache
def _outline_rings() -> tuple[tuple[tuple[float, float], ...], ...]:
    geo = json.loads(data_file("uk_outline_10m.geojson").read_text(encoding="utf-8"))
    features = geo["features"] if geo.get("type") == "FeatureCollection" else [geo]
    rings: list[tuple[tuple[float, float], ...]] = []
    for feature in features:
        geometry = feature.get("geometry", feature)
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for ring in polygon:
                if len(ring) >= 8:  # drop specks of rock; they add bytes, not information
                    rings.append(tuple((float(x), float(y)) for x, y in ring))
    return tuple(rings)


def _outline_path(width: float, height: float) -> str:
    parts: list[str] = []
    for ring in _outline_rings():
        last: tuple[float, float] | None = None
        commands: list[str] = []
        for lon, lat in ring:
            x, y = _project(lon, lat, width, height)
            if last is not None and abs(x - last[0]) + abs(y - last[1]) < 0.8:
                continue
            commands.append(f"{x:.1f},{y:.1f}")
            last = (x, y)
        if len(commands) >= 3:
            parts.append("M" + "L".join(commands) + "Z")
    return "".join(parts)


def gb_map_svg(points: Iterable[MapPoint], *, width: float = 520.0, caption: str = "") -> str:
    """An SVG map of the UK outline with circles (zones) and squares (sites) on top."""
    width, height = map_size(width)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(caption)}">',
        f'<path d="{_outline_path(width, height)}" fill="#eef2ee" stroke="#8a9a8a" stroke-width="0.6"/>',
    ]
    labels: list[str] = []
    for p in points:
        x, y = _project(p.lon, p.lat, width, height)
        title = f"<title>{escape(p.title)}</title>"
        if p.shape == "square":
            r = p.radius
            out.append(
                f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" '
                f'fill="{p.colour}" stroke="#222" stroke-width="0.8">{title}</rect>'
            )
        else:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{p.radius:.2f}" fill="{p.colour}" '
                f'fill-opacity="0.55" stroke="none">{title}</circle>'
            )
        if p.label:
            labels.append(
                f'<text x="{x + p.radius + 2:.1f}" y="{y + 3:.1f}" font-size="9" '
                f'fill="#111">{escape(p.label)}</text>'
            )
    out.extend(labels)
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Series:
    """One line on a chart."""

    name: str
    colour: str
    points: Sequence[tuple[date, float]]


def line_chart_svg(
    series: Sequence[Series], *, width: float = 720.0, height: float = 220.0, y_label: str = ""
) -> str:
    """A small multi-series line chart over dates, with a y axis and a legend."""
    pad_left, pad_right, pad_top, pad_bottom = 48.0, 12.0, 12.0, 28.0
    all_points = [pt for s in series for pt in s.points]
    if not all_points:
        return '<p class="muted">No data.</p>'
    x0 = min(d for d, _ in all_points).toordinal()
    x1 = max(d for d, _ in all_points).toordinal()
    y_max = max(v for _, v in all_points) or 1.0
    span = max(1, x1 - x0)
    inner_w = width - pad_left - pad_right
    inner_h = height - pad_top - pad_bottom

    def sx(d: date) -> float:
        return pad_left + (d.toordinal() - x0) / span * inner_w

    def sy(v: float) -> float:
        return pad_top + inner_h - v / y_max * inner_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(y_label)}">'
    ]
    for frac in (0.0, 0.5, 1.0):
        y = sy(frac * y_max)
        out.append(
            f'<line x1="{pad_left}" x2="{width - pad_right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{pad_left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">'
            f"{frac * y_max:,.0f}</text>"
        )
    first, last = date.fromordinal(x0), date.fromordinal(x1)
    out.append(
        f'<text x="{pad_left}" y="{height - 8}" font-size="9">{first.isoformat()}</text>'
        f'<text x="{width - pad_right}" y="{height - 8}" font-size="9" text-anchor="end">'
        f"{last.isoformat()}</text>"
    )
    for i, s in enumerate(series):
        coords = " ".join(f"{sx(d):.1f},{sy(v):.1f}" for d, v in sorted(s.points))
        out.append(f'<polyline points="{coords}" fill="none" stroke="{s.colour}" stroke-width="1.4"/>')
        out.append(
            f'<text x="{pad_left + 8 + 160 * i}" y="{pad_top + 10}" font-size="10" '
            f'fill="{s.colour}">{escape(s.name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
