"""``microfactory zones``: demand heat-zones.

``zones heatmap`` reads the stored orders (one brand or all), aggregates them to GB outcodes or H3
cells (:mod:`microfactory.demand.heatzones`), writes ``heatzones.geojson``, ``heatzones.html`` and
``heatzones.png`` to ``--out`` (each atomically) and prints the top zones. Orders whose outcode is not
a shipped GB outcode are left out with a warning on stderr. Errors are one line with exit code 2.
"""

from __future__ import annotations

import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.errors import MicrofactoryError

zones_app = typer.Typer(help="Demand heat-zones (GB outcodes and H3 cells).", no_args_is_help=True)

out = Console()
err = Console(stderr=True)


class ByChoice(StrEnum):
    """``--by`` values."""

    OUTCODE = "outcode"
    H3 = "h3"


class RankChoice(StrEnum):
    """``--rank`` values."""

    DENSITY = "density"
    ORDERS = "orders"
    GROWTH = "growth"


FILES = ("heatzones.geojson", "heatzones.html", "heatzones.png")


class NoOrdersError(MicrofactoryError):
    """There are no live orders to map (for the brand, when one is given)."""

    def __init__(self, brand: str | None) -> None:
        scope = f" of brand {brand!r}" if brand else ""
        super().__init__(f"no live orders{scope} in the database: import orders or run `microfactory demo`")


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CLI_HEADERS = ("#", "zone", "orders/wk", "km²", "orders/km²/wk", "growth 13w", "yoy", "repeat")


def _zone_row(z: Any, rank: int) -> list[Any]:
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:+.0f}%"

    return [
        rank,
        z.zone,
        round(z.orders_per_week, 1),
        round(z.shape.area_km2, 1),
        f"{z.density_orders_per_km2_week:.3g}",
        pct(z.growth_13w_pct),
        pct(z.growth_yoy_pct),
        "–" if z.repeat_share is None else f"{100 * z.repeat_share:.0f}%",
    ]


def _zone_json(z: Any, rank: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "zone": z.zone,
        "orders": z.orders,
        "units": z.units,
        "orders_per_week": round(z.orders_per_week, 3),
        "units_per_week": round(z.units_per_week, 3),
        "area_km2": round(z.shape.area_km2, 4),
        "density_orders_per_km2_week": round(z.density_orders_per_km2_week, 5),
        "growth_13w_pct": None if z.growth_13w_pct is None else round(z.growth_13w_pct, 2),
        "growth_yoy_pct": None if z.growth_yoy_pct is None else round(z.growth_yoy_pct, 2),
        "repeat_share": None if z.repeat_share is None else round(z.repeat_share, 4),
        "outcodes": list(z.outcodes),
    }


@zones_app.command("heatmap")
def zones_heatmap(
    by: Annotated[ByChoice, typer.Option("--by", help="Zone kind.")] = ByChoice.OUTCODE,
    resolution: Annotated[
        int | None,
        typer.Option(
            "--resolution",
            min=0,
            max=15,
            help="H3 resolution with --by h3 (default MICROFACTORY_H3_RESOLUTION, 6).",
        ),
    ] = None,
    brand: Annotated[str | None, typer.Option("--brand", help="One brand's orders (default: all).")] = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=520, help="Weeks in the window.")] = 13,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="End of the window, YYYY-MM-DD (the Monday on or before it)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the three files.")] = Path("."),
    top: Annotated[int, typer.Option("--top", min=1, max=1000, help="Zones to print.")] = 10,
    rank: Annotated[
        RankChoice, typer.Option("--rank", help="Rank the printed zones by.")
    ] = RankChoice.DENSITY,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Aggregate orders to heat-zones, write GeoJSON, HTML and PNG maps, and print the top zones."""
    from microfactory.demand.heatzones import (
        RankBy,
        ZoneLevel,
        gb_outcode_map,
        heat_zones,
        heat_zones_geojson,
    )
    from microfactory.report.heatmap import heatmap_page, heatmap_png
    from microfactory.store.zone_frames import zone_order_lines_frame

    level = ZoneLevel(by.value)
    rank_by = RankBy(rank.value)
    end = common.parse_day(as_of, "--as-of") if as_of else None
    config = common.settings(h3_resolution=resolution)
    with common.session(config=config) as session:
        lines = zone_order_lines_frame(session, brand=brand)
    if lines.empty or lines["cancelled"].all():
        raise NoOrdersError(brand)
    result = heat_zones(
        lines,
        gb_outcode_map(),
        level=level,
        h3_resolution=config.h3_resolution,
        weeks=weeks,
        end=end,
        skip_unknown_outcodes=True,
        source="stored orders",
    )
    if result.unlocated_orders:
        shown = ", ".join(result.unknown_outcodes[:8])
        more = len(result.unknown_outcodes) - 8
        err.print(
            f"warning: {result.unlocated_orders:,} order(s) in the window have outcodes that are not GB "
            f"outcodes and are left out: {shown}{f' (+{more} more)' if more > 0 else ''}",
            highlight=False,
        )
    title = f"Demand heat-zones — {brand or 'all brands'}"
    paths = [out_dir / name for name in FILES]
    geojson = json.dumps(heat_zones_geojson(result), allow_nan=False, separators=(",", ":"))
    write_atomic(paths[0], geojson.encode("utf-8"))
    write_atomic(paths[1], heatmap_page(result, title=title, k=top, by=rank_by).encode("utf-8"))
    write_atomic(paths[2], heatmap_png(result, title=title))

    if as_json:
        print_json(
            out,
            {
                "brand": brand,
                "kpis": result.kpis(),
                "files": {p.suffix.lstrip("."): str(p) for p in paths},
                "top": [_zone_json(z, i) for i, z in enumerate(result.top(top, rank_by), start=1)],
            },
        )
        return
    out.print(kpi_table(title, result.kpis()))
    rows = [_zone_row(z, i) for i, z in enumerate(result.top(top, rank_by), start=1)]
    out.print(table(f"Top {len(rows)} zones by {rank_by.value}", CLI_HEADERS, rows))
    for path in paths:
        out.print(f"wrote {path}", highlight=False)
