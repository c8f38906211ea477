"""Distances and delivery times between candidate sites and zones, vectorised with numpy.

Road distance is great-circle (haversine) distance times a circuity factor: about 1.4 in Great Britain
(Ballou, Rahardja and Sakai 2002; ISO 14083:2023 §5.4.4 calls it a *distance adjustment factor*).
Delivery time is dispatch time plus driving time at the vehicle type's average door-to-door speed,
plus an overnight rest for every full day of driving when a daily driving limit is set.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from microfactory.domain.geo import EARTH_RADIUS_KM

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    lat_a: npt.ArrayLike, lon_a: npt.ArrayLike, lat_b: npt.ArrayLike, lon_b: npt.ArrayLike
) -> FloatArray:
    """Great-circle distances in km, shape ``(len(a), len(b))``, between two sets of points in degrees.

    Uses the IUGG mean Earth radius, as :func:`microfactory.domain.great_circle_km` does, so both agree
    to floating-point precision. Raises ``ValueError`` when latitude and longitude arrays differ in shape.
    """
    la = np.radians(np.asarray(lat_a, dtype=np.float64))
    oa = np.radians(np.asarray(lon_a, dtype=np.float64))
    lb = np.radians(np.asarray(lat_b, dtype=np.float64))
    ob = np.radians(np.asarray(lon_b, dtype=np.float64))
    if la.shape != oa.shape or lb.shape != ob.shape or la.ndim != 1 or lb.ndim != 1:
        raise ValueError("latitude and longitude must be one-dimensional arrays of equal length")
    dlat = lb[None, :] - la[:, None]
    dlon = ob[None, :] - oa[:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(la)[:, None] * np.cos(lb)[None, :] * np.sin(dlon / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return out


def delivery_hours(
    road_km: npt.ArrayLike,
    *,
    speed_kmh: float,
    dispatch_hours: float = 0.0,
    driving_hours_per_day: float | None = None,
) -> FloatArray:
    """Hours from dispatch to delivery for road distances in km.

    ``dispatch_hours + road_km / speed_kmh``; when ``driving_hours_per_day`` is set, every full day of
    driving adds ``24 - driving_hours_per_day`` hours of rest (a 20 h drive at 9 h a day arrives after
    two overnight stops). Raises ``ValueError`` for a non-positive speed or daily limit.
    """
    if speed_kmh <= 0:
        raise ValueError(f"speed_kmh must be > 0, got {speed_kmh}")
    drive = np.asarray(road_km, dtype=np.float64) / speed_kmh
    hours = dispatch_hours + drive
    if driving_hours_per_day is not None:
        if not 0 < driving_hours_per_day <= 24:
            raise ValueError(f"driving_hours_per_day must be in (0, 24], got {driving_hours_per_day}")
        # A drive of exactly one day's limit needs no rest; only the time beyond it does.
        rests = np.maximum(0.0, np.ceil(drive / driving_hours_per_day - 1e-9) - 1.0)
        hours = hours + rests * (24.0 - driving_hours_per_day)
    out: FloatArray = np.asarray(hours, dtype=np.float64)
    return out
