"""Demand heat-zones: orders aggregated to outcodes or H3 cells (KPIs, top zones, and an SVG map).

Computed on request from the stored orders with the heat-zone engine
(:func:`microfactory.demand.heatzones.heat_zones`), exactly as ``microfactory zones heatmap`` does.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from microfactory.api.deps import Caller, DbSession, Reader
from microfactory.api.problems import NOT_FOUND
from microfactory.errors import NotFoundError

router = APIRouter(tags=["demand"])
SVG = "image/svg+xml"


class HeatZoneOut(BaseModel):
    """One heat-zone: demand, density, growth and repeat share."""

    rank: int
    zone: str
    orders: int
    units: int
    orders_per_week: float
    units_per_week: float
    area_km2: float
    density_orders_per_km2_week: float
    growth_13w_pct: float | None
    growth_yoy_pct: float | None
    repeat_share: float | None
    outcodes: list[str]


class HeatZonesOut(BaseModel):
    """KPIs of the window and its top zones."""

    brand: str | None
    kpis: dict[str, Any]
    top: list[HeatZoneOut]


BrandQuery = Annotated[str | None, Query(max_length=80)]
WeeksQuery = Annotated[int, Query(ge=1, le=520, description="Weeks in the window.")]
AsOfQuery = Annotated[
    date | None,
    Query(
        ge=date(2000, 1, 1),
        le=date(2100, 12, 31),
        description="End of the window (the Monday on or before it).",
    ),
]
LevelQuery = Annotated[str, Query(pattern="^(outcode|h3)$")]


def _result(
    caller: Caller, session: DbSession, brand: str | None, weeks: int, as_of: date | None, level: str
) -> Any:
    from microfactory.demand.heatzones import ZoneLevel, gb_outcode_map, heat_zones
    from microfactory.store.zone_frames import zone_order_lines_frame

    lines = zone_order_lines_frame(session, brand=brand)
    if lines.empty or lines["cancelled"].all():
        raise NotFoundError("orders of brand", brand or "any")
    settings = caller.request.app.state.settings
    return heat_zones(
        lines,
        gb_outcode_map(),
        level=ZoneLevel(level),
        h3_resolution=settings.h3_resolution,
        weeks=weeks,
        end=as_of,
        skip_unknown_outcodes=True,
        source="stored orders",
    )


@router.get("/heat-zones", response_model=HeatZonesOut, responses=NOT_FOUND, summary="Demand heat-zones")
def get_heat_zones(
    caller: Reader,
    session: DbSession,
    brand: BrandQuery = None,
    weeks: WeeksQuery = 13,
    as_of: AsOfQuery = None,
    level: LevelQuery = "outcode",
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    rank: Annotated[str, Query(pattern="^(density|orders|growth)$")] = "density",
) -> HeatZonesOut:
    """The window's KPIs and its top zones by density, orders or growth."""
    from microfactory.demand.heatzones import RankBy

    result = _result(caller, session, brand, weeks, as_of, level)
    zones = [
        HeatZoneOut(
            rank=i,
            zone=z.zone,
            orders=z.orders,
            units=z.units,
            orders_per_week=round(z.orders_per_week, 3),
            units_per_week=round(z.units_per_week, 3),
            area_km2=round(z.shape.area_km2, 4),
            density_orders_per_km2_week=round(z.density_orders_per_km2_week, 5),
            growth_13w_pct=None if z.growth_13w_pct is None else round(z.growth_13w_pct, 2),
            growth_yoy_pct=None if z.growth_yoy_pct is None else round(z.growth_yoy_pct, 2),
            repeat_share=None if z.repeat_share is None else round(z.repeat_share, 4),
            outcodes=list(z.outcodes),
        )
        for i, z in enumerate(result.top(top, RankBy(rank)), start=1)
    ]
    return HeatZonesOut(brand=brand, kpis=dict(result.kpis()), top=zones)


@router.get(
    "/heat-zones/map.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {"schema": {"type": "string"}}}, "description": "SVG"}, **NOT_FOUND},
    summary="Heat-zone map (SVG)",
)
def get_heat_zone_map(
    caller: Reader,
    session: DbSession,
    brand: BrandQuery = None,
    weeks: WeeksQuery = 13,
    as_of: AsOfQuery = None,
    level: LevelQuery = "outcode",
) -> Response:
    """Every zone filled by order density on the GB outline."""
    from microfactory.report.heatmap import heatmap_svg

    result = _result(caller, session, brand, weeks, as_of, level)
    svg = heatmap_svg(result, width=560.0, caption=f"Demand heat-zones — {brand or 'all brands'}")
    if 'xmlns="' not in svg[:200]:  # the report inlines it in HTML; a standalone file needs the namespace
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return Response(svg, media_type=SVG)
