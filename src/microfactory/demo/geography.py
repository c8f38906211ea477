"""Where demo demand comes from: GB outcodes weighted by size and by pull towards the brands' cities.

Demand per outcode is its delivery points times a gravity term ``sum_c w_c * exp(-d_c / scale_km)``
around each city ``c`` (Wilson's exponential distance decay), plus a small national floor for the
kitchen brand, which sells everywhere. The food brand only delivers within a ghost kitchen's radius.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microfactory.domain import GeoPoint, Zone
from microfactory.domain.geo import EARTH_RADIUS_KM

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class City:
    """A demand centre: where it is and how much it pulls (roughly its metro population, millions)."""

    code: str
    name: str
    lat: float
    lon: float
    weight: float


KITCHEN_CITIES: tuple[City, ...] = (
    City("LON", "London", 51.5074, -0.1278, 9.0),
    City("BHM", "Birmingham", 52.4862, -1.8904, 2.9),
    City("MAN", "Manchester", 53.4808, -2.2426, 2.8),
    City("LDS", "Leeds", 53.8008, -1.5491, 1.9),
    City("GLA", "Glasgow", 55.8642, -4.2518, 1.7),
    City("BRS", "Bristol", 51.4545, -2.5879, 1.1),
    City("EDI", "Edinburgh", 55.9533, -3.1883, 0.9),
    City("NCL", "Newcastle upon Tyne", 54.9783, -1.6178, 1.1),
    City("LIV", "Liverpool", 53.4084, -2.9916, 1.4),
    City("NOT", "Nottingham", 52.9548, -1.1581, 0.8),
    City("SHF", "Sheffield", 53.3811, -1.4701, 0.8),
    City("CDF", "Cardiff", 51.4816, -3.1791, 0.5),
    City("SOU", "Southampton", 50.9097, -1.4044, 0.9),
)
"""Metro areas the kitchen brand sells into; the first six host its candidate microfactories."""

KITCHEN_GRAVITY_KM = 25.0
KITCHEN_NATIONAL_FLOOR = 0.04
"""Share of pull every outcode gets regardless of distance (rural kitchens still get bought)."""


@dataclass(frozen=True)
class ZoneArrays:
    """The zones as parallel numpy arrays, for vectorised distance and weight sums."""

    outcodes: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    delivery_points: FloatArray

    @classmethod
    def of(cls, zones: Sequence[Zone]) -> ZoneArrays:
        """Arrays in the order of ``zones``."""
        return cls(
            outcodes=tuple(z.outcode for z in zones),
            lat=np.array([z.centroid.lat for z in zones], dtype=np.float64),
            lon=np.array([z.centroid.lon for z in zones], dtype=np.float64),
            delivery_points=np.array([z.delivery_points for z in zones], dtype=np.float64),
        )

    def index(self, outcode: str) -> int:
        """Position of ``outcode``; raises ``KeyError`` naming it when absent."""
        try:
            return self.outcodes.index(outcode)
        except ValueError:
            raise KeyError(f"outcode {outcode!r}") from None

    def distance_km(self, lat: float, lon: float) -> FloatArray:
        """Great-circle distance in km from every zone centroid to one point (haversine)."""
        phi1, phi2 = np.radians(self.lat), np.radians(lat)
        dphi = phi2 - phi1
        dlmb = np.radians(lon - self.lon)
        h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
        return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))), dtype=np.float64)

    def centroid(self, outcode: str) -> GeoPoint:
        """The centroid of ``outcode``."""
        i = self.index(outcode)
        return GeoPoint(lat=float(self.lat[i]), lon=float(self.lon[i]))


def kitchen_zone_weights(zones: ZoneArrays) -> FloatArray:
    """Probability per zone that a kitchen customer lives there (sums to 1)."""
    total = sum(c.weight for c in KITCHEN_CITIES)
    pull = np.full(len(zones.outcodes), KITCHEN_NATIONAL_FLOOR)
    for city in KITCHEN_CITIES:
        pull += (city.weight / total) * np.exp(-zones.distance_km(city.lat, city.lon) / KITCHEN_GRAVITY_KM)
    weights = zones.delivery_points * pull
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def local_zone_weights(zones: ZoneArrays, centre: GeoPoint, scale_km: float, radius_km: float) -> FloatArray:
    """Probability per zone for a delivery area of ``radius_km`` around ``centre`` (sums to 1)."""
    distance = zones.distance_km(centre.lat, centre.lon)
    weights = zones.delivery_points * np.exp(-distance / scale_km)
    weights[distance > radius_km] = 0.0
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def nearest_within(zones: ZoneArrays, points: Sequence[GeoPoint], radius_km: float) -> npt.NDArray[np.int64]:
    """Per zone, the index of the nearest of ``points`` within ``radius_km``, or -1 when none is."""
    distance = np.stack([zones.distance_km(p.lat, p.lon) for p in points])
    nearest: npt.NDArray[np.int64] = distance.argmin(axis=0).astype(np.int64)
    nearest[distance.min(axis=0) > radius_km] = -1
    return nearest
