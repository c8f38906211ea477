"""SVG drawings served by the API: the network map (sites, zones, coverage and backup links) and
route maps. They reuse the report's GB map (:func:`microfactory.report.svg.gb_map_svg`, drawn from the
shipped Natural Earth outline) and add links as lines in the same projection, so no tile or remote
asset is ever needed. Gantt charts come straight from :func:`microfactory.report.schedule.gantt_svg`."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from microfactory.report.svg import MAP_BOUNDS, MapPoint, gb_map_svg, map_size
from microfactory.store.network_repository import NetworkScenarioRecord

MAP_WIDTH = 560.0
SITE_COLOUR = "#1f4e79"
ZONE_COLOUR = "#e07b39"
BACKUP_COLOUR = "#9b59b6"
ROUTE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


@dataclass(frozen=True)
class Link:
    """A line between two points (lon, lat) on the map."""

    a: tuple[float, float]
    b: tuple[float, float]
    colour: str
    dashed: bool = False
    title: str = ""


def project(lon: float, lat: float, width: float) -> tuple[float, float]:
    """Map coordinates of (lon, lat) on a map ``width`` wide (the projection of ``gb_map_svg``)."""
    lon_min, lat_min, lon_max, lat_max = MAP_BOUNDS
    w, h = map_size(width)
    return (lon - lon_min) / (lon_max - lon_min) * w, (lat_max - lat) / (lat_max - lat_min) * h


def map_with_links(
    points: Sequence[MapPoint], links: Sequence[Link], *, width: float = MAP_WIDTH, caption: str = ""
) -> str:
    """The GB map with ``points``, and ``links`` drawn under them; ``id="map"`` for the dashboard."""
    base = gb_map_svg(points, width=width, caption=caption)
    lines = []
    for link in links:
        x1, y1 = project(link.a[0], link.a[1], width)
        x2, y2 = project(link.b[0], link.b[1], width)
        dash = ' stroke-dasharray="3,2"' if link.dashed else ""
        title = f"<title>{escape(link.title)}</title>" if link.title else ""
        lines.append(
            f'<line class="link" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{link.colour}" stroke-width="0.7" stroke-opacity="0.6"{dash}>{title}</line>'
        )
    # Insert the links right after the outline path, so sites and zones are drawn over them.
    head, sep, rest = base.partition("/>")
    return head + sep + "".join(lines) + rest


def network_map_svg(
    record: NetworkScenarioRecord | None,
    sites: Mapping[str, tuple[float, float, str]],
    zones: Mapping[str, tuple[float, float]],
    *,
    show_backup: bool = True,
) -> str:
    """Sites (squares), served zones (circles sized by weekly units) and primary/backup links.

    ``sites``: code -> (lon, lat, kind); ``zones``: outcode -> (lon, lat). Without a scenario, the
    sites alone.
    """
    points: list[MapPoint] = []
    links: list[Link] = []
    open_sites = {s.site for s in record.sites} if record is not None else set(sites)
    if record is not None:
        biggest = max((z.units_per_week for z in record.zones), default=1.0) or 1.0
        for z in record.zones:
            where = zones.get(z.outcode)
            if where is None:
                continue
            radius = 1.5 + 5.0 * (z.units_per_week / biggest) ** 0.5
            served = z.primary_site or "unserved"
            points.append(
                MapPoint(
                    where[0],
                    where[1],
                    radius,
                    ZONE_COLOUR if z.primary_site else "#999999",
                    f"{z.outcode}: {z.units_per_week:.1f} units/week from {served}"
                    + (f", backup {z.backup_site}" if z.backup_site else ""),
                )
            )
            for site, colour, dashed in (
                (z.primary_site, SITE_COLOUR, False),
                (z.backup_site, BACKUP_COLOUR, True),
            ):
                if site is None or site not in sites or (dashed and not show_backup):
                    continue
                lon, lat, _ = sites[site]
                links.append(Link((lon, lat), where, colour, dashed, f"{site} → {z.outcode}"))
    for code, (lon, lat, kind) in sorted(sites.items()):
        is_open = code in open_sites
        points.append(
            MapPoint(
                lon,
                lat,
                4.5,
                SITE_COLOUR if is_open else "#bbbbbb",
                f"{code} ({kind}{'' if is_open else ', closed'})",
                label=code if is_open else None,
                shape="square",
            )
        )
    caption = f"Network {record.brand}/{record.name}" if record is not None else "Sites"
    return map_with_links(points, links, caption=caption)


@dataclass(frozen=True)
class RouteTrace:
    """One route drawn on the map: its site and its stops' positions in visiting order."""

    code: str
    site: tuple[float, float]
    stops: Sequence[tuple[float, float, str]]


MAX_ZOOM_WIDTH = 20_000.0
"""Widest full-GB drawing a zoomed map is cut from (bounds the SVG's size)."""


def routes_map_svg(routes: Sequence[RouteTrace], *, caption: str = "Delivery routes") -> str:
    """Each route as a coloured polyline site → stops → site, stops as dots, zoomed onto the routes.

    The GB map is drawn wide enough that the routes' area fills about :data:`MAP_WIDTH` pixels, and
    the SVG's viewBox is cut to that area (SVG clips the rest), so local routes are legible.
    """
    every = [r.site for r in routes] + [(lon, lat) for r in routes for lon, lat, _ in r.stops]
    if not every:
        return map_with_links([], [], caption=caption)
    lon_lo, lon_hi = min(p[0] for p in every), max(p[0] for p in every)
    lat_lo, lat_hi = min(p[1] for p in every), max(p[1] for p in every)
    pad_lon, pad_lat = max(0.15 * (lon_hi - lon_lo), 0.03), max(0.15 * (lat_hi - lat_lo), 0.02)
    lon_lo, lon_hi, lat_lo, lat_hi = lon_lo - pad_lon, lon_hi + pad_lon, lat_lo - pad_lat, lat_hi + pad_lat
    full_span = MAP_BOUNDS[2] - MAP_BOUNDS[0]
    width = min(max(MAP_WIDTH * full_span / (lon_hi - lon_lo), MAP_WIDTH), MAX_ZOOM_WIDTH)
    points: list[MapPoint] = []
    links: list[Link] = []
    for i, route in enumerate(routes):
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        path = [route.site, *((lon, lat) for lon, lat, _ in route.stops), route.site]
        links += [Link(a, b, colour, False, route.code) for a, b in itertools.pairwise(path)]
        points += [
            MapPoint(lon, lat, 3.0, colour, f"{route.code}: {label}") for lon, lat, label in route.stops
        ]
    sites = {r.site for r in routes}
    points += [MapPoint(lon, lat, 5.0, SITE_COLOUR, "site", shape="square") for lon, lat in sorted(sites)]
    drawn = map_with_links(points, links, width=width, caption=caption)
    x0, y0 = project(lon_lo, lat_hi, width)
    x1, y1 = project(lon_hi, lat_lo, width)
    return _cut(drawn, x0, y0, x1 - x0, y1 - y0)


def _cut(svg: str, x: float, y: float, w: float, h: float) -> str:
    """``svg`` with its root viewBox set to the given area, shown about :data:`MAP_WIDTH` wide."""
    shown_w = MAP_WIDTH
    shown_h = MAP_WIDTH * h / w
    root_end = svg.index(">")
    root = re.sub(r'viewBox="[^"]*"', f'viewBox="{x:.1f} {y:.1f} {w:.1f} {h:.1f}"', svg[:root_end], count=1)
    root = re.sub(r'width="[^"]*"', f'width="{shown_w:.0f}"', root, count=1)
    root = re.sub(r'height="[^"]*"', f'height="{shown_h:.0f}"', root, count=1)
    return root + svg[root_end:]
