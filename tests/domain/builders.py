"""Small valid domain records for tests; each builder takes overrides for the fields under test."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from microfactory.domain import (
    Brand,
    Calendar,
    Customer,
    GeoPoint,
    LabourPool,
    MasterData,
    Resource,
    ResourceType,
    RoutingStep,
    Sector,
    Shift,
    Site,
    SiteKind,
    Sku,
    SkuFamily,
    VehicleType,
    Weekday,
    Zone,
)

LONDON = GeoPoint(lat=51.5074, lon=-0.1278)
"""Charing Cross, the traditional centre of London."""
MANCHESTER = GeoPoint(lat=53.4808, lon=-2.2426)
"""Manchester Town Hall / St Peter's Square."""

T0 = datetime(2026, 1, 5, tzinfo=UTC)
"""Monday 5 January 2026, 00:00 UTC (= 00:00 in London: winter)."""


def weekday_shifts(start: time = time(6), end: time = time(14)) -> tuple[Shift, ...]:
    """One shift on each day Monday to Friday."""
    return tuple(Shift(weekday=Weekday(d), start=start, end=end) for d in range(5))


def calendar(**overrides: Any) -> Calendar:
    """A Europe/London calendar with a 06:00–14:00 shift Monday to Friday."""
    fields: dict[str, Any] = {"code": "DAY", "shifts": weekday_shifts()}
    fields.update(overrides)
    return Calendar(**fields)


def routing_step(**overrides: Any) -> RoutingStep:
    """A CNC step: 2 minutes a unit plus 10 a batch on ``cnc_nesting``."""
    fields: dict[str, Any] = {
        "sequence": 1,
        "name": "cut",
        "resource_types": ("cnc_nesting",),
        "minutes_per_unit": 2.0,
        "minutes_per_batch": 10.0,
    }
    fields.update(overrides)
    return RoutingStep(**fields)


def sku(**overrides: Any) -> Sku:
    """A worktop made by cutting then edging."""
    fields: dict[str, Any] = {
        "code": "WORKTOP-OAK",
        "family": "worktops",
        "name": "Oak worktop",
        "routing": (
            routing_step(),
            routing_step(sequence=2, name="edge", resource_types=("edgebander",), minutes_per_batch=0.0),
        ),
        "unit_mass_kg": 18.0,
        "unit_volume_m3": 0.05,
    }
    fields.update(overrides)
    return Sku(**fields)


def site(**overrides: Any) -> Site:
    """A London microfactory on the ``DAY`` calendar."""
    fields: dict[str, Any] = {
        "code": "LON-MF",
        "name": "London microfactory",
        "brand": "KIT",
        "kind": SiteKind.MICROFACTORY,
        "location": LONDON,
        "outcode": "SW1A",
        "fixed_cost_pence_per_week": 250_000,
        "calendar": "DAY",
    }
    fields.update(overrides)
    return Site(**fields)


def master_fields() -> dict[str, Any]:
    """The fields of a small, consistent :class:`MasterData` (one of everything)."""
    return {
        "brands": (Brand(code="KIT", name="Kitchen Co", sector=Sector.KITCHEN),),
        "calendars": (calendar(),),
        "resource_types": (
            ResourceType(code="cnc_nesting", name="CNC nesting router"),
            ResourceType(code="edgebander", name="Edge bander"),
        ),
        "sites": (site(),),
        "resources": (
            Resource(site="LON-MF", code="CNC1", resource_type="cnc_nesting", calendar="DAY"),
            Resource(site="LON-MF", code="EB1", resource_type="edgebander", calendar="DAY"),
        ),
        "labour_pools": (
            LabourPool(
                site="LON-MF",
                code="OPS",
                calendar="DAY",
                operators_per_shift=3,
                skills=("cnc_nesting", "edgebander"),
            ),
        ),
        "sku_families": (SkuFamily(code="worktops", brand="KIT", name="Worktops"),),
        "skus": (sku(),),
        "zones": (
            Zone(outcode="SW1A", centroid=LONDON, delivery_points=1200),
            Zone(outcode="M1", centroid=MANCHESTER, delivery_points=900),
        ),
        "customers": (Customer(code="C1", brand="KIT", outcode="M1"),),
        "vehicle_types": (
            VehicleType(
                code="EVAN",
                name="Electric van",
                capacity_kg=900,
                capacity_m3=6,
                speed_kmh=25,
                cost_pence_per_km=30,
                emission_factor_key="van_bev_class_ii",
            ),
        ),
    }


def master(**overrides: Any) -> MasterData:
    """A consistent :class:`MasterData`, with some collections replaced."""
    fields = master_fields()
    fields.update(overrides)
    return MasterData(**fields)
