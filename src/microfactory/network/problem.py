"""The network-design problem: candidate sites, zones with weekly demand, delivery and cost model.

Immutable and validated on construction (pydantic, frozen). Errors name the field, e.g.
``max_sites (2) is below min_sites (3)``. Build one by hand, or from master data and weekly demand with
:meth:`NetworkProblem.from_master`; derive variants with :meth:`NetworkProblem.replace`.

Units: money in pence (fixed costs in integer pence per week, variable costs in integer pence per unit,
transport in pence per unit-km), demand and capacity in units per week, distance in km, time in hours,
emissions in kg CO2e, carbon price in £ per tonne CO2e.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, model_validator

from microfactory.domain import GeoPoint, SiteKind
from microfactory.domain.base import Code, DomainModel
from microfactory.domain.zone import Outcode
from microfactory.network.geometry import FloatArray, delivery_hours, haversine_km

if TYPE_CHECKING:
    from microfactory.domain import MasterData, WeeklyDemand


class Redundancy(StrEnum):
    """How robust the network must be to losing a site."""

    NONE = "none"
    N_1 = "n-1"
    """For any single open site lost, every zone keeps a site within reach with capacity to serve it."""


class CandidateSite(DomainModel):
    """A site that may be opened (or must be: ``forced_open``) with its weekly costs and capacity."""

    code: Code
    kind: SiteKind = SiteKind.MICROFACTORY
    location: GeoPoint
    fixed_cost_pence_per_week: int = Field(ge=0)
    variable_cost_pence_per_unit: int = Field(default=0, ge=0)
    capacity_units_per_week: dict[Code, float] = Field(default_factory=dict)
    """Units per week per SKU family the site can make; a family not listed has no capacity."""
    forced_open: bool = False
    """Open in every design (the central plant, a site with a lease that cannot be broken)."""
    available: bool = True
    """False takes the site out of consideration (a ``site_down`` scenario)."""

    @model_validator(mode="after")
    def _consistent(self) -> CandidateSite:
        for family, units in self.capacity_units_per_week.items():
            if not np.isfinite(units) or units < 0:
                raise ValueError(f"capacity_units_per_week[{family!r}] must be a finite number ≥ 0")
        if self.forced_open and not self.available:
            raise ValueError(f"site {self.code}: forced_open and not available contradict each other")
        return self


class DemandZone(DomainModel):
    """A delivery zone (outcode) with its mean weekly demand per SKU family."""

    outcode: Outcode
    centroid: GeoPoint
    units_per_week: dict[Code, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _non_negative(self) -> DemandZone:
        for family, units in self.units_per_week.items():
            if not np.isfinite(units) or units < 0:
                raise ValueError(f"units_per_week[{family!r}] must be a finite number ≥ 0")
        return self

    @property
    def total_units(self) -> float:
        """Weekly units over all families."""
        return float(sum(self.units_per_week.values()))


class DeliveryModel(DomainModel):
    """How goods reach a zone: vehicle type, speed, circuity and the delivery-time promise."""

    vehicle_type: Code
    speed_kmh: float = Field(gt=0)
    """Average door-to-door speed of the vehicle type (``VehicleType.speed_kmh``)."""
    max_delivery_hours: float = Field(gt=0)
    """Coverage: a zone may only be served by sites that reach it within this many hours."""
    dispatch_hours: float = Field(default=0.0, ge=0)
    """Loading and dispatch time before the vehicle leaves the site."""
    driving_hours_per_day: float | None = Field(default=None, gt=0, le=24)
    """When set, each full day of driving adds an overnight rest (24 h minus this)."""
    circuity: float = Field(default=1.4, ge=1.0, le=3.0)
    """Road km over great-circle km (settings ``circuity``; about 1.4 in GB)."""

    def road_km(
        self, site_lat: FloatArray, site_lon: FloatArray, zone_lat: FloatArray, zone_lon: FloatArray
    ) -> FloatArray:
        """Road distances in km, shape ``(sites, zones)``: haversine × circuity."""
        out: FloatArray = haversine_km(site_lat, site_lon, zone_lat, zone_lon) * self.circuity
        return out

    def hours(self, road_km: FloatArray) -> FloatArray:
        """Delivery hours for road distances (see :func:`~microfactory.network.geometry.delivery_hours`)."""
        return delivery_hours(
            road_km,
            speed_kmh=self.speed_kmh,
            dispatch_hours=self.dispatch_hours,
            driving_hours_per_day=self.driving_hours_per_day,
        )


class NetworkProblem(DomainModel):
    """Which sites to open and which zones each serves, at least cost, within reach and capacity."""

    name: str = Field(default="network", min_length=1, max_length=120)
    families: tuple[Code, ...] = Field(min_length=1)
    sites: tuple[CandidateSite, ...] = Field(min_length=1)
    zones: tuple[DemandZone, ...] = ()
    delivery: DeliveryModel
    transport_pence_per_unit_km: float = Field(default=0.0, ge=0)
    kg_co2e_per_unit_km: float = Field(default=0.0, ge=0)
    carbon_price_gbp_per_tonne: float = Field(default=0.0, ge=0)
    """Added to the objective per tonne of transport CO2e (£/t; 1 £/t = 0.1 pence per kg)."""
    single_sourcing: bool = False
    """Each zone is served by exactly one site (otherwise its demand may be split)."""
    min_sites: int = Field(default=1, ge=0)
    max_sites: int | None = Field(default=None, ge=1)
    budget_pence_per_week: int | None = Field(default=None, ge=0)
    """Cap on the total weekly fixed cost of the open sites."""
    redundancy: Redundancy = Redundancy.NONE

    @model_validator(mode="after")
    def _consistent(self) -> NetworkProblem:
        if len(set(self.families)) != len(self.families):
            raise ValueError(f"families: duplicate codes in {list(self.families)}")
        known = set(self.families)
        codes = [s.code for s in self.sites]
        if len(set(codes)) != len(codes):
            raise ValueError(
                f"sites: duplicate site codes {sorted({c for c in codes if codes.count(c) > 1})}"
            )
        outcodes = [z.outcode for z in self.zones]
        if len(set(outcodes)) != len(outcodes):
            raise ValueError("zones: duplicate outcodes")
        for i, site in enumerate(self.sites):
            unknown = set(site.capacity_units_per_week) - known
            if unknown:
                raise ValueError(
                    f"sites[{i}] ({site.code}).capacity_units_per_week: unknown families {sorted(unknown)}"
                )
        for j, zone in enumerate(self.zones):
            unknown = set(zone.units_per_week) - known
            if unknown:
                raise ValueError(
                    f"zones[{j}] ({zone.outcode}).units_per_week: unknown families {sorted(unknown)}"
                )
        if self.max_sites is not None and self.max_sites < self.min_sites:
            raise ValueError(f"max_sites ({self.max_sites}) is below min_sites ({self.min_sites})")
        forced = sum(s.forced_open for s in self.sites)
        if self.max_sites is not None and forced > self.max_sites:
            raise ValueError(f"max_sites ({self.max_sites}) is below the {forced} forced-open sites")
        return self

    def replace(self, **changes: Any) -> NetworkProblem:
        """A validated copy with some fields changed (``problem.replace(max_sites=3)``)."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self)(**data)

    def site(self, code: str) -> CandidateSite:
        """The candidate site with this code; raises ``KeyError`` naming it when absent."""
        for site in self.sites:
            if site.code == code:
                return site
        raise KeyError(f"site {code!r}")

    def demand_matrix(self) -> FloatArray:
        """Weekly units, shape ``(zones, families)``."""
        out = np.zeros((len(self.zones), len(self.families)))
        index = {f: k for k, f in enumerate(self.families)}
        for j, zone in enumerate(self.zones):
            for family, units in zone.units_per_week.items():
                out[j, index[family]] = units
        return out

    def capacity_matrix(self) -> FloatArray:
        """Weekly capacity in units, shape ``(sites, families)``."""
        out = np.zeros((len(self.sites), len(self.families)))
        index = {f: k for k, f in enumerate(self.families)}
        for i, site in enumerate(self.sites):
            for family, units in site.capacity_units_per_week.items():
                out[i, index[family]] = units
        return out

    def road_km(self) -> FloatArray:
        """Road km from every site to every zone, shape ``(sites, zones)``."""
        s_lat = np.array([s.location.lat for s in self.sites])
        s_lon = np.array([s.location.lon for s in self.sites])
        z_lat = np.array([z.centroid.lat for z in self.zones])
        z_lon = np.array([z.centroid.lon for z in self.zones])
        return self.delivery.road_km(s_lat, s_lon, z_lat, z_lon)

    @classmethod
    def from_master(
        cls,
        master: MasterData,
        weekly_demand: Sequence[WeeklyDemand],
        *,
        brand: str,
        weeks: int = 13,
        as_of: date | None = None,
        vehicle_type: str | None = None,
        max_delivery_hours: float = 8.0,
        circuity: float = 1.4,
        capacity_units_per_week: Mapping[str, Mapping[str, float]] | None = None,
        extra_sites: Sequence[CandidateSite] = (),
        **options: Any,
    ) -> NetworkProblem:
        """Derive the problem of one brand from master data and weekly demand.

        See :func:`microfactory.network.build.network_problem_from_master` for every argument; this
        is the same function, kept here so the problem type is the entry point.
        """
        from microfactory.network.build import network_problem_from_master

        return network_problem_from_master(
            master,
            weekly_demand,
            brand=brand,
            weeks=weeks,
            as_of=as_of,
            vehicle_type=vehicle_type,
            max_delivery_hours=max_delivery_hours,
            circuity=circuity,
            capacity_units_per_week=capacity_units_per_week,
            extra_sites=extra_sites,
            **options,
        )
