"""Outcode shapes from the shipped data: GB outcode centroids and the Natural Earth UK outline.

The outline is the United Kingdom; Northern Ireland is left out because the shipped outcode file is
Great Britain only (no ``BT`` districts): a land polygon larger than
:data:`UNCLAIMED_LAND_LIMIT_KM2` that holds no GB outcode centroid is not Great Britain. Small
islands without a centroid stay and join the nearest outcode's cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

import numpy as np

from microfactory.data import data_file
from microfactory.data.outcodes import load_gb_zones
from microfactory.demand.heatzones.geometry import (
    FloatArray,
    Land,
    VoronoiLand,
    points_in_ring,
    signed_area,
    to_lonlat,
    to_plane_km,
)
from microfactory.demand.heatzones.model import Ring, ZoneShape
from microfactory.domain import Zone

OUTLINE_FILE = "uk_outline_10m.geojson"
UNCLAIMED_LAND_LIMIT_KM2 = 1000.0
"""Land polygons at least this big with no GB outcode centroid are dropped (Northern Ireland)."""


def outline_rings_lonlat(geojson: dict[str, object]) -> list[FloatArray]:
    """Exterior rings (``n × 2`` lon, lat) of every polygon in a (Multi)Polygon GeoJSON document.

    Accepts a FeatureCollection, a Feature or a bare geometry. Interior rings (lakes) are ignored:
    the shipped 1:10m outline has none.
    """
    if geojson.get("type") == "FeatureCollection":
        features = geojson["features"]
        assert isinstance(features, list)
        geometries = [f.get("geometry", f) for f in features]
    else:
        geometries = [geojson.get("geometry", geojson)]
    rings: list[FloatArray] = []
    for geometry in geometries:
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings.extend(np.asarray(polygon[0], dtype=np.float64)[:, :2] for polygon in polygons)
    return rings


def great_britain_land(rings_lonlat: Iterable[FloatArray], sites_km: FloatArray) -> Land:
    """The land rings (projected to km) that belong to Great Britain, given the outcode sites in km."""
    kept: list[FloatArray] = []
    for ring in rings_lonlat:
        xy = to_plane_km(ring[:, 0], ring[:, 1])
        if abs(signed_area(xy)) >= UNCLAIMED_LAND_LIMIT_KM2 and not points_in_ring(sites_km, xy).any():
            continue
        kept.append(xy)
    return Land.from_rings(kept)


class OutcodeMap:
    """Every shipped GB outcode with a lazily computed Voronoi-cell shape (see ``docs/heat-zones.md``)."""

    def __init__(self, zones: tuple[Zone, ...], rings_lonlat: Iterable[FloatArray]) -> None:
        self.zones = {z.outcode: z for z in zones}
        self._index = {z.outcode: i for i, z in enumerate(zones)}
        sites = to_plane_km([z.centroid.lon for z in zones], [z.centroid.lat for z in zones])
        self.land = great_britain_land(rings_lonlat, sites)
        self._voronoi = VoronoiLand(sites, self.land)
        self._shapes: dict[str, ZoneShape] = {}

    def __contains__(self, outcode: object) -> bool:
        return outcode in self._index

    def centre(self, outcode: str) -> tuple[float, float]:
        """(lon, lat) of the outcode's centroid; ``KeyError`` when unknown."""
        centroid = self.zones[outcode].centroid
        return (centroid.lon, centroid.lat)

    def shape(self, outcode: str) -> ZoneShape:
        """The outcode's centroid, Voronoi land area (km²) and outline; ``KeyError`` when unknown."""
        if outcode not in self._shapes:
            zone = self.zones[outcode]
            cell = self._voronoi.cell(self._index[outcode])
            self._shapes[outcode] = ZoneShape(
                zone=outcode,
                centre_lon=zone.centroid.lon,
                centre_lat=zone.centroid.lat,
                area_km2=cell.area_km2,
                rings=tuple(r for r in (_lonlat_ring(part) for part in cell.parts) if len(r) >= 4),
                delivery_points=zone.delivery_points,
            )
        return self._shapes[outcode]

    def shapes(self, outcodes: Iterable[str]) -> dict[str, ZoneShape]:
        """Shapes of the known outcodes among ``outcodes`` (unknown ones are left out)."""
        return {o: self.shape(o) for o in sorted(set(outcodes)) if o in self._index}


def _lonlat_ring(part: FloatArray) -> Ring:
    lonlat = to_lonlat(part)
    points = [(round(float(x), 5), round(float(y), 5)) for x, y in lonlat]
    deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if deduped[0] != deduped[-1]:
        deduped.append(deduped[0])
    return tuple(deduped)


@cache
def gb_outcode_map() -> OutcodeMap:
    """The shipped GB outcodes and outline, built once per process (cells are clipped on demand)."""
    geojson = json.loads(data_file(OUTLINE_FILE).read_text(encoding="utf-8"))
    return OutcodeMap(load_gb_zones(), outline_rings_lonlat(geojson))
