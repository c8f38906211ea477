"""Great-circle distance, hand-checked between known places."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from microfactory.domain import GeoPoint, great_circle_km
from microfactory.domain.geo import EARTH_RADIUS_KM
from tests.domain.builders import LONDON, MANCHESTER


def test_london_to_manchester_is_about_262_km() -> None:
    """Charing Cross to Manchester Town Hall is about 262 km as the crow flies."""
    # Hand-check on a flat approximation: 1.9734° of latitude × 111.19 km = 219.4 km north;
    # 2.1148° of longitude × 111.19 km × cos(52.49°) = 143.2 km west; sqrt(219.4² + 143.2²) ≈ 262.0 km.
    assert great_circle_km(LONDON, MANCHESTER) == pytest.approx(262.0, rel=0.01)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    """Distance does not depend on direction, and a point is 0 km from itself."""
    assert great_circle_km(LONDON, MANCHESTER) == great_circle_km(MANCHESTER, LONDON)
    assert great_circle_km(LONDON, LONDON) == 0.0


def test_quarter_of_the_equator() -> None:
    """From (0, 0) to (0, 90) is a quarter of the Earth's circumference, 2πR/4."""
    distance = great_circle_km(GeoPoint(lat=0, lon=0), GeoPoint(lat=0, lon=90))
    assert distance == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)


def test_antipodes_are_half_the_circumference_apart() -> None:
    """Pole to pole is πR, about 20,015 km, with no domain error from rounding."""
    distance = great_circle_km(GeoPoint(lat=90, lon=0), GeoPoint(lat=-90, lon=0))
    assert distance == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_one_degree_of_latitude_is_about_111_km() -> None:
    """One degree of latitude along a meridian is 2πR/360 ≈ 111.2 km."""
    assert great_circle_km(GeoPoint(lat=51, lon=0), GeoPoint(lat=52, lon=0)) == pytest.approx(
        111.195, rel=1e-4
    )


@pytest.mark.parametrize(("lat", "lon"), [(90.1, 0), (-91, 0), (0, 180.5), (0, -181)])
def test_coordinates_out_of_range_are_refused(lat: float, lon: float) -> None:
    """Latitude must be within ±90 and longitude within ±180 degrees."""
    with pytest.raises(ValidationError):
        GeoPoint(lat=lat, lon=lon)
