"""Delivery vehicles: what a type of vehicle carries, how fast, how far and at what cost."""

from __future__ import annotations

from pydantic import Field

from microfactory.domain.base import Code, DomainModel, Name


class VehicleType(DomainModel):
    """A kind of delivery vehicle available at a site (e-cargo bike, electric van, 7.5 t rigid)."""

    code: Code
    name: Name
    capacity_kg: float = Field(gt=0)
    capacity_m3: float = Field(gt=0)
    speed_kmh: float = Field(gt=0)
    """Average door-to-door speed for planning, including urban stops."""
    cost_pence_per_km: int = Field(ge=0)
    fixed_cost_pence_per_day: int = Field(default=0, ge=0)
    emission_factor_key: str = Field(min_length=1)
    """Row id in the emission factor set (DESNZ 2025 for the shipped set)."""
    range_km: float | None = Field(default=None, gt=0)
    shift_minutes: int = Field(default=480, gt=0)
    crew: int = Field(default=1, ge=1)
    refrigerated: bool = False
