"""Demand heat-zones: orders aggregated to GB outcodes or H3 cells, with density, growth and repeat share.

``heat_zones(lines, gb_outcode_map(), level=...)`` is the engine; ``heat_zones_geojson`` turns its
result into a GeoJSON FeatureCollection. Definitions and the outcode-area method are in
``docs/heat-zones.md``.
"""

from microfactory.demand.heatzones.engine import MIN_AREA_KM2, h3_shape, heat_zones
from microfactory.demand.heatzones.geojson import heat_zones_geojson
from microfactory.demand.heatzones.model import (
    HeatZoneResult,
    OutcodeGeometry,
    RankBy,
    StaticOutcodes,
    ZoneHeat,
    ZoneLevel,
    ZoneShape,
)
from microfactory.demand.heatzones.shipped import OutcodeMap, gb_outcode_map

__all__ = [
    "MIN_AREA_KM2",
    "HeatZoneResult",
    "OutcodeGeometry",
    "OutcodeMap",
    "RankBy",
    "StaticOutcodes",
    "ZoneHeat",
    "ZoneLevel",
    "ZoneShape",
    "gb_outcode_map",
    "h3_shape",
    "heat_zones",
    "heat_zones_geojson",
]
