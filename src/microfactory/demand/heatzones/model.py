"""Typed inputs and results of the heat-zone engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

import pandas as pd

Ring = tuple[tuple[float, float], ...]
"""A closed ring of (lon, lat) degrees, counter-clockwise (the GeoJSON right-hand rule)."""


class ZoneLevel(StrEnum):
    """What a heat-zone is: a GB postcode district or an H3 cell."""

    OUTCODE = "outcode"
    H3 = "h3"


class RankBy(StrEnum):
    """How the top zones are ranked."""

    DENSITY = "density"
    ORDERS = "orders"
    GROWTH = "growth"


@dataclass(frozen=True)
class ZoneShape:
    """Where a zone is and how big: its centre, land area and outline (lon/lat rings)."""

    zone: str
    centre_lon: float
    centre_lat: float
    area_km2: float
    """Land area of the outcode's Voronoi cell, or the H3 cell's area (land and sea)."""
    rings: tuple[Ring, ...] = ()
    """Outline pieces; empty when the zone has no land in the shipped outline (drawn as a point)."""
    delivery_points: int | None = None
    """Live postcodes in the district (outcodes only)."""


class OutcodeGeometry(Protocol):
    """Where outcodes are: the engine asks for centres of every outcode and shapes of hot ones."""

    def __contains__(self, outcode: object) -> bool:
        """Whether the outcode is known."""
        ...

    def centre(self, outcode: str) -> tuple[float, float]:
        """(lon, lat) of the outcode's centroid; ``KeyError`` when unknown."""
        ...

    def shape(self, outcode: str) -> ZoneShape:
        """The outcode's shape with its land area; ``KeyError`` when unknown."""
        ...


@dataclass(frozen=True)
class StaticOutcodes:
    """:class:`OutcodeGeometry` from given shapes (tests, or areas from a licensed boundary set)."""

    shapes: Mapping[str, ZoneShape]

    def __contains__(self, outcode: object) -> bool:
        return outcode in self.shapes

    def centre(self, outcode: str) -> tuple[float, float]:
        """(lon, lat) of the shape's centre."""
        shape = self.shapes[outcode]
        return (shape.centre_lon, shape.centre_lat)

    def shape(self, outcode: str) -> ZoneShape:
        """The given shape."""
        return self.shapes[outcode]


@dataclass(frozen=True)
class ZoneHeat:
    """Demand figures of one zone over the analysis window (see ``docs/heat-zones.md``)."""

    shape: ZoneShape
    orders: int
    units: int
    weekly_orders: tuple[int, ...]
    """Orders in each week of the window, oldest first."""
    weekly_units: tuple[int, ...]
    orders_per_week: float
    units_per_week: float
    density_orders_per_km2_week: float
    """Orders per week over ``max(area_km2, MIN_AREA_KM2)``."""
    growth_13w_pct: float | None
    """Orders in the last 13 weeks against the 13 weeks before, in %; ``None`` when not measurable."""
    growth_yoy_pct: float | None
    """Orders in the last 13 weeks against the same 13 weeks a year (52 weeks) earlier, in %."""
    identified_orders: int
    """Orders in the window whose customer is known."""
    repeat_orders: int
    """Identified orders whose customer had an earlier order of the same brand."""
    repeat_share: float | None
    """``repeat_orders / identified_orders``; ``None`` when no order names its customer."""
    outcodes: tuple[str, ...] = ()
    """Outcodes whose orders fall in the zone (for H3 cells; the outcode itself otherwise)."""

    @property
    def zone(self) -> str:
        """The zone's key: an outcode or an H3 cell index."""
        return self.shape.zone


@dataclass(frozen=True)
class HeatZoneResult:
    """Heat-zones of one set of orders: per-zone figures, the weekly table and the window used."""

    level: ZoneLevel
    h3_resolution: int | None
    weeks: int
    window_start: datetime
    window_end: datetime
    """Aware UTC; ``[window_start, window_end)`` spans ``weeks`` Monday-based Europe/London weeks."""
    week_starts: tuple[date, ...]
    zones: tuple[ZoneHeat, ...]
    """Zones with at least one live order in the window, densest first."""
    weekly: pd.DataFrame = field(repr=False)
    """Long table ``zone, week_start, orders, units`` for every zone and week of the window."""
    unlocated_orders: int = 0
    """Live orders in the window left out because their outcode is not a shipped GB outcode."""
    unknown_outcodes: tuple[str, ...] = ()

    @property
    def orders(self) -> int:
        """Live orders in the window over every zone."""
        return sum(z.orders for z in self.zones)

    @property
    def units(self) -> int:
        """Units in the window over every zone."""
        return sum(z.units for z in self.zones)

    def top(self, k: int, by: RankBy = RankBy.DENSITY) -> Sequence[ZoneHeat]:
        """The ``k`` hottest zones: by density (default), orders per week, or 13-week growth.

        Ties are broken by orders, then the zone key, so the order is reproducible. Zones whose
        growth is not measurable come last when ranking by growth.
        """

        def key(z: ZoneHeat) -> tuple[float, float, str]:
            if by is RankBy.ORDERS:
                primary = float(z.orders)
            elif by is RankBy.GROWTH:
                primary = z.growth_13w_pct if z.growth_13w_pct is not None else float("-inf")
            else:
                primary = z.density_orders_per_km2_week
            return (-primary, -float(z.orders), z.zone)

        return sorted(self.zones, key=key)[: max(0, k)]

    def kpis(self) -> dict[str, float | int | str]:
        """Flat summary for the CLI and reports."""
        identified = sum(z.identified_orders for z in self.zones)
        repeat = sum(z.repeat_orders for z in self.zones)
        out: dict[str, float | int | str] = {
            "level": self.level.value if self.h3_resolution is None else f"h3 r{self.h3_resolution}",
            "weeks": self.weeks,
            "window": f"{self.week_starts[0].isoformat()} – {self.week_starts[-1].isoformat()}"
            if self.week_starts
            else "",
            "zones_with_orders": len(self.zones),
            "orders": self.orders,
            "units": self.units,
            "orders_per_week": round(self.orders / self.weeks, 1) if self.weeks else 0.0,
        }
        if identified:
            out["repeat_share"] = round(repeat / identified, 3)
        if self.unlocated_orders:
            out["unlocated_orders"] = self.unlocated_orders
        return out
