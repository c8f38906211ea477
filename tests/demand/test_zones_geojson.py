"""GeoJSON output of heat-zones: a valid RFC 7946 FeatureCollection for outcodes and for H3 cells."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

import h3
import pandas as pd
import pytest

from microfactory.demand.heatzones import ZoneLevel, gb_outcode_map, heat_zones, heat_zones_geojson

END = date(2026, 11, 23)


def _lines() -> pd.DataFrame:
    outcodes = ["EC1A", "M4", "M4", "IV27", "PO30", "LL65"]
    return pd.DataFrame(
        {
            "brand": "KITCHEN",
            "sku_family": "DOORS",
            "outcode": outcodes,
            "channel": "web",
            "external_id": [f"k{i}" for i in range(len(outcodes))],
            "customer": ["C1", "C1", None, "C2", None, None],
            "created_at": pd.to_datetime(
                ["2026-11-02T10:00Z", "2026-11-03T10:00Z", "2026-11-10T10:00Z"] + ["2026-11-17T10:00Z"] * 3,
                utc=True,
            ),
            "quantity": [1, 2, 3, 4, 5, 6],
            "cancelled": False,
        }
    )


def _ring_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


def _check_geojson(doc: dict[str, Any]) -> None:
    """RFC 7946: closed rings of ≥ 4 positions, outer rings counter-clockwise, WGS84 ranges, no NaN."""
    json.dumps(doc, allow_nan=False)
    assert doc["type"] == "FeatureCollection"
    for feature in doc["features"]:
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        assert geometry["type"] in ("MultiPolygon", "Point")
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            continue
        for polygon in geometry["coordinates"]:
            outer = polygon[0]
            assert len(outer) >= 4 and outer[0] == outer[-1]
            assert _ring_area(outer) > 0, "outer rings must be counter-clockwise"
            assert all(-10 < lon < 3 and 49 < lat < 62 for lon, lat in outer)


def test_outcode_features_are_voronoi_polygons_with_metrics() -> None:
    """Outcodes come out as MultiPolygons carrying the metrics, densest first."""
    result = heat_zones(_lines(), gb_outcode_map(), weeks=4, end=END)
    doc = heat_zones_geojson(result)
    _check_geojson(doc)
    features = {f["id"]: f for f in doc["features"]}
    assert set(features) == {"EC1A", "M4", "IV27", "PO30", "LL65"}
    m4 = features["M4"]["properties"]
    assert (m4["orders"], m4["units"], m4["weekly_orders"]) == (2, 5, [0, 1, 1, 0])
    assert m4["repeat_share"] == 1.0 and m4["delivery_points"] > 0
    assert m4["density_orders_per_km2_week"] == pytest.approx(0.5 / m4["area_km2"], rel=1e-3)
    assert doc["features"][0]["properties"]["rank"] == 1
    assert doc["week_starts"] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
    assert features["IV27"]["properties"]["area_km2"] > 1000


def test_h3_features_are_hexagons_of_the_resolution() -> None:
    """H3 features are the cells' hexagons at the requested resolution, with H3 areas."""
    result = heat_zones(_lines(), gb_outcode_map(), level=ZoneLevel.H3, h3_resolution=5, weeks=4, end=END)
    doc = heat_zones_geojson(result)
    _check_geojson(doc)
    assert doc["h3_resolution"] == 5
    for feature in doc["features"]:
        assert h3.get_resolution(feature["id"]) == 5
        assert len(feature["geometry"]["coordinates"][0][0]) == 7
        assert feature["properties"]["area_km2"] == pytest.approx(
            h3.cell_area(feature["id"], unit="km^2"), rel=1e-3
        )
    assert sum(f["properties"]["orders"] for f in doc["features"]) == 6
