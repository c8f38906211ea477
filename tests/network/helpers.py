"""Small network problems on a line of points, where distances can be checked by hand."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from microfactory.domain import GeoPoint, SiteKind
from microfactory.network import CandidateSite, DeliveryModel, DemandZone, NetworkProblem

BASE_LAT = 52.0
BASE_LON = -1.5
KM_PER_DEGREE_LAT = 6371.0088 * 3.141592653589793 / 180.0
"""Great-circle km per degree of latitude along a meridian (about 111.2 km)."""


def at_km(north_km: float) -> GeoPoint:
    """A point ``north_km`` due north of a fixed base in the English Midlands."""
    return GeoPoint(lat=BASE_LAT + north_km / KM_PER_DEGREE_LAT, lon=BASE_LON)


def site(
    code: str, north_km: float, *, capacity: float = 100.0, fixed: int = 1000, **extra: Any
) -> CandidateSite:
    """A candidate site on the line making family ``A``."""
    return CandidateSite(
        code=code,
        location=at_km(north_km),
        fixed_cost_pence_per_week=fixed,
        capacity_units_per_week={"A": capacity},
        **extra,
    )


def zone(outcode: str, north_km: float, units: float = 10.0) -> DemandZone:
    """A zone on the line with demand for family ``A``."""
    return DemandZone(outcode=outcode, centroid=at_km(north_km), units_per_week={"A": units})


def problem(
    sites: list[CandidateSite], zones: list[DemandZone], *, max_km: float = 1000.0, **extra: Any
) -> NetworkProblem:
    """A problem where 1 h of delivery is 100 km of road (circuity 1, 100 km/h) and 1 unit-km costs 1 p."""
    fields: dict[str, Any] = {
        "families": ("A",),
        "sites": tuple(sites),
        "zones": tuple(zones),
        "delivery": DeliveryModel(
            vehicle_type="VAN", speed_kmh=100.0, max_delivery_hours=max_km / 100.0, circuity=1.0
        ),
        "transport_pence_per_unit_km": 1.0,
        "kg_co2e_per_unit_km": 0.01,
    }
    fields.update(extra)
    return NetworkProblem(**fields)


CENTRAL = SiteKind.CENTRAL_PLANT


Line = list[tuple[str, float, float]]
"""(code, km north, capacity or demand) of sites or zones on the line."""


def _reaches(site_km: float, zone_km: float, reach_km: float) -> bool:
    return abs(site_km - zone_km) <= reach_km + 1e-9


def servable(open_sites: Line, zones: Line, *, reach_km: float) -> bool:
    """Gale's condition by brute force: every set of zones fits in the capacity of the sites reaching it."""
    for size in range(1, len(zones) + 1):
        for group in combinations(zones, size):
            demand = sum(units for _, _, units in group)
            reach = [cap for _, km, cap in open_sites if any(_reaches(km, z, reach_km) for _, z, _ in group)]
            if demand > sum(reach) + 1e-9:
                return False
    return True


def n1_holds(open_sites: Line, zones: Line, *, reach_km: float) -> bool:
    """The design serves all zones, and still does after losing any one site (brute force)."""
    if not servable(open_sites, zones, reach_km=reach_km):
        return False
    for k in range(len(open_sites)):
        rest = open_sites[:k] + open_sites[k + 1 :]
        if not servable(rest, zones, reach_km=reach_km):
            return False
    return True
