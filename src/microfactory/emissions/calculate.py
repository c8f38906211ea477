"""Emissions of delivery trips and their allocation to orders by tonne-km share (ISO 14083:2023 §5.6).

Two methods:

- **per km** (vehicle-level): trip kg CO2e = trip distance (including the empty return) × the vehicle
  class's per-km factor; each order gets the trip total × its share of the trip's tonne-km.
- **per tonne-km** (shipment-level default factor): each order's kg CO2e = its tonne-km × the class's
  per-tonne-km factor; the trip total is the sum.

The tonne-km of an order (ISO 14083:2023 §5.4.2, transport activity = mass × distance) is its mass in
tonnes × the distance it travels on the vehicle from the depot to its stop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from microfactory.emissions.factors import Boundary, EmissionFactor, FactorSet


class Method(StrEnum):
    """How a trip's emissions are computed."""

    PER_KM = "per_km"
    PER_TONNE_KM = "per_tonne_km"


@dataclass(frozen=True)
class EmissionFigure:
    """kg CO2e with its tonne-km and provenance: factor set id, year, source row ids and boundary."""

    kg_co2e: float
    tonne_km: float
    boundary: Boundary
    method: Method
    factor_set_id: str
    year: int
    row_ids: tuple[str, ...]

    @property
    def g_co2e_per_tonne_km(self) -> float | None:
        """Emission intensity in g CO2e per tonne-km (``None`` when no tonne-km)."""
        return 1000.0 * self.kg_co2e / self.tonne_km if self.tonne_km > 0 else None

    def __add__(self, other: EmissionFigure) -> EmissionFigure:
        """Sum of two figures of the same boundary and factor set (row ids merged, order kept)."""
        mine = (self.boundary, self.factor_set_id, self.year)
        if mine != (other.boundary, other.factor_set_id, other.year):
            raise ValueError("cannot add figures of different boundaries or factor sets")
        rows = tuple(dict.fromkeys((*self.row_ids, *other.row_ids)))
        method = self.method if self.method == other.method else Method.PER_KM
        return EmissionFigure(
            kg_co2e=self.kg_co2e + other.kg_co2e,
            tonne_km=self.tonne_km + other.tonne_km,
            boundary=self.boundary,
            method=method,
            factor_set_id=self.factor_set_id,
            year=self.year,
            row_ids=rows,
        )


def zero_figure(factors: FactorSet, boundary: Boundary, method: Method = Method.PER_KM) -> EmissionFigure:
    """An empty figure of a set and boundary (the start of a sum)."""
    return EmissionFigure(0.0, 0.0, boundary, method, factors.id, factors.year, ())


@dataclass(frozen=True)
class Shipment:
    """An order on a trip: its mass and the distance it rides on the vehicle (depot → its stop)."""

    order: str
    mass_kg: float
    distance_km: float

    @property
    def tonne_km(self) -> float:
        """Transport activity of the shipment, tonne-km."""
        return self.mass_kg / 1000.0 * self.distance_km


@dataclass(frozen=True)
class Trip:
    """One vehicle trip: which factor row, how far (whole trip) and what it carried."""

    trip_code: str
    site: str
    day: date
    emission_factor_key: str
    distance_km: float
    shipments: tuple[Shipment, ...]
    capacity_kg: float | None = None
    """Payload capacity, for load-dependent (laden) HGV factors."""

    @property
    def tonne_km(self) -> float:
        """Transport activity of the whole trip, tonne-km."""
        return sum(s.tonne_km for s in self.shipments)


@dataclass(frozen=True)
class OrderEmissions:
    """One order's share of one trip."""

    order: str
    trip_code: str
    site: str
    day: date
    figure: EmissionFigure


@dataclass(frozen=True)
class TripEmissions:
    """A trip's total and its allocation to the orders on it (allocations add up to the total)."""

    trip: Trip
    figure: EmissionFigure
    factor: EmissionFactor
    orders: tuple[OrderEmissions, ...]


def _factor(
    trip: Trip, factors: FactorSet, boundary: Boundary, method: Method, laden: bool
) -> EmissionFactor:
    if method is Method.PER_TONNE_KM:
        return factors.vehicle_factor(trip.emission_factor_key, boundary, "tonne.km")
    if laden and trip.capacity_kg and trip.distance_km > 0:
        # Mean laden share over the trip: tonne-km carried / (capacity × distance).
        share = trip.tonne_km / (trip.capacity_kg / 1000.0 * trip.distance_km)
        adjusted = factors.laden_factor(trip.emission_factor_key, boundary, share)
        if adjusted is not None:
            return adjusted
    return factors.vehicle_factor(trip.emission_factor_key, boundary, "km")


def trip_emissions(
    trip: Trip,
    factors: FactorSet,
    boundary: Boundary = Boundary.WTW,
    method: Method = Method.PER_KM,
    *,
    laden: bool = False,
) -> TripEmissions:
    """A trip's kg CO2e and each order's share of it.

    With ``method=PER_KM`` the trip total is distance × per-km factor and is allocated by tonne-km
    share (ISO 14083:2023 §5.6); when the trip carried no tonne-km (all masses zero) it is split
    equally between its orders. ``laden=True`` picks an HGV factor for the trip's actual mean load.

    Raises:
        KeyError: The factor set has no row for the trip's key (or its class lacks the unit).
    """
    factor = _factor(trip, factors, boundary, method, laden)
    rows = factor.row_ids
    total_tkm = trip.tonne_km
    n = len(trip.shipments)

    def figure(kg: float, tkm: float) -> EmissionFigure:
        return EmissionFigure(kg, tkm, boundary, method, factors.id, factors.year, rows)

    if method is Method.PER_TONNE_KM:
        parts = [s.tonne_km * factor.kg_co2e_per_unit for s in trip.shipments]
        total = sum(parts)
    else:
        total = trip.distance_km * factor.kg_co2e_per_unit
        if total_tkm > 0:
            parts = [total * s.tonne_km / total_tkm for s in trip.shipments]
        else:
            parts = [total / n for _ in trip.shipments] if n else []
    orders = tuple(
        OrderEmissions(s.order, trip.trip_code, trip.site, trip.day, figure(kg, s.tonne_km))
        for s, kg in zip(trip.shipments, parts, strict=True)
    )
    return TripEmissions(trip=trip, figure=figure(total, total_tkm), factor=factor, orders=orders)


def trips_emissions(
    trips: Iterable[Trip],
    factors: FactorSet,
    boundary: Boundary = Boundary.WTW,
    method: Method = Method.PER_KM,
    *,
    laden: bool = False,
) -> tuple[TripEmissions, ...]:
    """:func:`trip_emissions` for many trips."""
    return tuple(trip_emissions(t, factors, boundary, method, laden=laden) for t in trips)


def trips_from_routes(
    routes: Iterable[RouteLike],
    day: date,
    emission_factor_keys: Mapping[str, str],
    capacities_kg: Mapping[str, float] | None = None,
) -> tuple[Trip, ...]:
    """Trips from planned routes (anything shaped like :class:`~microfactory.fulfilment.PlannedRoute`).

    ``emission_factor_keys`` maps vehicle type code → factor row id.

    Raises:
        KeyError: A route's vehicle type has no factor key.
    """
    out = []
    for r in routes:
        key = emission_factor_keys.get(r.vehicle_type)
        if key is None:
            raise KeyError(f"no emission factor key for vehicle type {r.vehicle_type!r}")
        out.append(
            Trip(
                trip_code=r.route_code,
                site=r.depot,
                day=day,
                emission_factor_key=key,
                distance_km=r.distance_km,
                shipments=tuple(Shipment(s.delivery, s.load_kg, s.km_from_depot) for s in r.stops),
                capacity_kg=(capacities_kg or {}).get(r.vehicle_type),
            )
        )
    return tuple(out)


class StopLike(Protocol):
    """What :func:`trips_from_routes` reads from a stop."""

    @property
    def delivery(self) -> str:
        """Delivery (order) code."""

    @property
    def load_kg(self) -> float:
        """Mass delivered at the stop, kg."""

    @property
    def km_from_depot(self) -> float:
        """Distance on the vehicle from the depot to the stop, km."""


class RouteLike(Protocol):
    """What :func:`trips_from_routes` reads from a route (e.g. a fulfilment ``PlannedRoute``)."""

    @property
    def route_code(self) -> str:
        """Route code."""

    @property
    def vehicle_type(self) -> str:
        """Vehicle type code."""

    @property
    def depot(self) -> str:
        """Depot (site) code."""

    @property
    def distance_km(self) -> float:
        """Whole trip distance, km."""

    @property
    def stops(self) -> Sequence[StopLike]:
        """Stops in visiting order."""
