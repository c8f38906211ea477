"""Geographic primitives: WGS84 points and great-circle distance."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field

from microfactory.domain.base import DomainModel

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the usual choice for haversine distances."""

Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]


class GeoPoint(DomainModel):
    """A WGS84 location in decimal degrees."""

    lat: Latitude
    lon: Longitude


def great_circle_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle (haversine) distance in km between two points.

    Road distance is this times a circuity factor (a setting; about 1.4 in Great Britain).
    """
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
