"""Distances and delivery times."""

from __future__ import annotations

import numpy as np
import pytest

from microfactory.domain import GeoPoint, great_circle_km
from microfactory.network.geometry import delivery_hours, haversine_km


def test_haversine_matrix_agrees_with_the_domain_function() -> None:
    """The vectorised matrix gives the same km as ``great_circle_km`` pair by pair."""
    a = [GeoPoint(lat=51.5, lon=-0.12), GeoPoint(lat=53.48, lon=-2.24)]
    b = [GeoPoint(lat=55.95, lon=-3.19), GeoPoint(lat=51.45, lon=-2.59), GeoPoint(lat=51.5, lon=-0.12)]
    km = haversine_km([p.lat for p in a], [p.lon for p in a], [p.lat for p in b], [p.lon for p in b])
    assert km.shape == (2, 3)
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            assert km[i, j] == pytest.approx(great_circle_km(p, q), abs=1e-9)


def test_delivery_hours_add_dispatch_and_overnight_rests() -> None:
    """20 h of driving at 9 h a day arrives after two rests of 15 h; 9 h exactly needs none."""
    hours = delivery_hours(
        np.array([900.0, 2000.0]), speed_kmh=100, dispatch_hours=1, driving_hours_per_day=9
    )
    assert hours.tolist() == pytest.approx([1 + 9, 1 + 20 + 2 * 15])


def test_delivery_hours_refuse_a_zero_speed() -> None:
    """A non-positive speed is an error naming the argument."""
    with pytest.raises(ValueError, match="speed_kmh"):
        delivery_hours(np.array([1.0]), speed_kmh=0)
