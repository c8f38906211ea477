"""Heat-zones as a GeoJSON FeatureCollection (RFC 7946: WGS84 lon/lat, counter-clockwise outer rings)."""

from __future__ import annotations

from typing import Any

from microfactory.demand.heatzones.model import HeatZoneResult, ZoneHeat


def heat_zones_geojson(result: HeatZoneResult) -> dict[str, Any]:
    """A FeatureCollection with one feature per zone, densest first, metrics as properties.

    Outcodes are their Voronoi land cells (a MultiPolygon; a Point at the centroid when the cell has
    no land in the shipped outline); H3 cells are their hexagons. The window and level are foreign
    members of the collection (``window_start``, ``week_starts``...), allowed by RFC 7946 §6.1.
    Every number is finite, so ``json.dumps(..., allow_nan=False)`` succeeds.
    """
    return {
        "type": "FeatureCollection",
        "level": result.level.value,
        "h3_resolution": result.h3_resolution,
        "weeks": result.weeks,
        "window_start": result.window_start.isoformat(),
        "window_end": result.window_end.isoformat(),
        "week_starts": [w.isoformat() for w in result.week_starts],
        "unlocated_orders": result.unlocated_orders,
        "features": [_feature(z, rank) for rank, z in enumerate(result.zones, start=1)],
    }


def _feature(z: ZoneHeat, rank: int) -> dict[str, Any]:
    shape = z.shape
    geometry: dict[str, Any]
    if shape.rings:
        geometry = {
            "type": "MultiPolygon",
            "coordinates": [[[list(p) for p in ring]] for ring in shape.rings],
        }
    else:
        geometry = {"type": "Point", "coordinates": [round(shape.centre_lon, 5), round(shape.centre_lat, 5)]}
    return {
        "type": "Feature",
        "id": z.zone,
        "geometry": geometry,
        "properties": {
            "zone": z.zone,
            "rank": rank,
            "orders": z.orders,
            "units": z.units,
            "orders_per_week": round(z.orders_per_week, 3),
            "units_per_week": round(z.units_per_week, 3),
            "area_km2": round(shape.area_km2, 4),
            "density_orders_per_km2_week": round(z.density_orders_per_km2_week, 5),
            "growth_13w_pct": _maybe(z.growth_13w_pct),
            "growth_yoy_pct": _maybe(z.growth_yoy_pct),
            "identified_orders": z.identified_orders,
            "repeat_orders": z.repeat_orders,
            "repeat_share": _maybe(z.repeat_share, 4),
            "delivery_points": shape.delivery_points,
            "outcodes": list(z.outcodes),
            "weekly_orders": list(z.weekly_orders),
            "weekly_units": list(z.weekly_units),
            "centre": [round(shape.centre_lon, 5), round(shape.centre_lat, 5)],
        },
    }


def _maybe(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
