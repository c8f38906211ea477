"""Vehicle types: capacities, speeds and costs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from microfactory.domain import VehicleType


def _vehicle(**overrides: Any) -> VehicleType:
    fields: dict[str, Any] = {
        "code": "ECARGO",
        "name": "E-cargo bike",
        "capacity_kg": 150,
        "capacity_m3": 0.8,
        "speed_kmh": 15,
        "cost_pence_per_km": 5,
        "emission_factor_key": "ecargo_bike",
    }
    fields.update(overrides)
    return VehicleType(**fields)


def test_vehicle_defaults() -> None:
    """A vehicle has one crew member, an 8-hour shift, no fixed cost and unlimited range by default."""
    bike = _vehicle()
    assert (bike.crew, bike.shift_minutes, bike.fixed_cost_pence_per_day, bike.range_km) == (1, 480, 0, None)


@pytest.mark.parametrize("field", ["capacity_kg", "capacity_m3", "speed_kmh", "range_km", "shift_minutes"])
def test_sizes_and_speeds_must_be_positive(field: str) -> None:
    """Capacities, speed, range and shift length must be greater than zero."""
    with pytest.raises(ValidationError, match=field):
        _vehicle(**{field: 0})


def test_vehicle_needs_an_emission_factor() -> None:
    """Every vehicle names the emission factor row used for its CO2e."""
    with pytest.raises(ValidationError, match="emission_factor_key"):
        _vehicle(emission_factor_key="")
