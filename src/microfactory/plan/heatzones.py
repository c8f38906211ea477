"""Demand heat-zones for the demo report: one map and top-zones table per brand.

Reads every brand's stored orders, aggregates them to GB outcodes over the last
:data:`REPORT_WEEKS` weeks (:mod:`microfactory.demand.heatzones`) and lays out the result with
:mod:`microfactory.report.heatmap`. Orders with outcodes that are not GB outcodes are left out and
counted in the caption.
"""

from __future__ import annotations

from html import escape

from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.demand.heatzones import ZoneLevel, gb_outcode_map, heat_zones
from microfactory.report.heatmap import METHOD_NOTE, TOP_ZONES, heatmap_block
from microfactory.store.zone_frames import brands_with_orders, zone_order_lines_frame

REPORT_WEEKS = 13
"""Window of the report's heat-zones: the last quarter."""


def heatzones_report_section(session: Session, settings: Settings) -> str:
    """The report's heat-zone section as HTML, or ``""`` when there are no orders.

    One block per brand with live orders: the GB map of outcode delivery density (orders per km² per
    week) and the top zones with growth and repeat share. ``settings.h3_resolution`` is named in the
    note for the H3 view, which the CLI (``microfactory zones heatmap --by h3``) draws.
    """
    blocks: list[str] = []
    for brand in brands_with_orders(session):
        lines = zone_order_lines_frame(session, brand=brand)
        result = heat_zones(
            lines,
            gb_outcode_map(),
            level=ZoneLevel.OUTCODE,
            h3_resolution=settings.h3_resolution,
            weeks=REPORT_WEEKS,
            skip_unknown_outcodes=True,
            source=f"stored orders of {brand}",
        )
        if result.zones:
            blocks.append(heatmap_block(result, heading=f"{brand}: delivery density by outcode", k=TOP_ZONES))
    if not blocks:
        return ""
    note = (
        f"{METHOD_NOTE} For H3 cells (resolution {settings.h3_resolution}) run "
        "microfactory zones heatmap --by h3."
    )
    return (
        '<section id="heat-zones"><h2>Demand heat-zones</h2>'
        + "".join(blocks)
        + f'<p class="muted">{escape(note)}</p></section>'
    )
