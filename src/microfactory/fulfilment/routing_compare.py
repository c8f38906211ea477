"""Central versus local: the same deliveries served from a central plant (trunk HGV to a hub, then last
mile) or from the microfactories directly, side by side: km, kg CO2e, on-time share and lead time.

Central scenario. Goods are ready at the plant when the local problem says they are ready (the same
production finish). Each delivery rides the first trunk departure at or after its ready time (one or
more trunk trips per departure, by weight and volume), reaches the hub after the trunk drive plus
``handling_minutes`` and is then routed from the hub by the hub's fleet. Trunk trips return empty; the
empty return counts against the goods carried (ISO 14083:2023 §5.6, empty running is part of the
transport operation). Freshness keeps running from the plant ready time. Lead time is measured from
the plant ready time to delivery.

Local scenario: the local routing problem solved as it is.

Several comparisons (days, sites) add up with :func:`sum_comparisons`: km and kg CO2e are summed, the
on-time share is weighted by deliveries and the mean lead time by served deliveries, so the totals are
the figures of all the deliveries taken together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

from microfactory.emissions import (
    Boundary,
    EmissionFigure,
    FactorSet,
    Shipment,
    Trip,
    load_desnz_2025,
    trips_emissions,
    trips_from_routes,
    zero_figure,
)
from microfactory.fulfilment.distances import road_distance_matrix_km
from microfactory.fulfilment.routing import SolveLimits, solve
from microfactory.fulfilment.routing_problem import (
    Delivery,
    PlanePoint,
    RoutingDepot,
    RoutingProblem,
    RoutingVehicleType,
)
from microfactory.fulfilment.routing_result import RoutingResult


@dataclass(frozen=True)
class TrunkHaul:
    """The trunk vehicle from plant to hub and its timetable (minutes from the horizon start)."""

    vehicle_code: str = "ARTIC-HGV"
    emission_factor_key: str = "5_304_3132_4_1"
    """DESNZ 2025: HGV (all diesel), Articulated (>33t), Average laden, km."""
    capacity_kg: float = 24_000.0
    capacity_m3: float = 80.0
    speed_kmh: float = 70.0
    departures_minutes: tuple[float, ...] = (240.0,)
    """Trunk departures from the plant; default one a day at 04:00 (local midnight + 4 h)."""
    handling_minutes: float = 60.0
    """Cross-docking at the hub before the goods can leave on the last mile."""


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario's figures and the plans behind them."""

    name: str
    routing: RoutingResult
    trunk_trips: int
    trunk_km: float
    last_mile_km: float
    emissions: EmissionFigure
    on_time_share: float
    """Deliveries served inside their window, over all deliveries (unserved count as not on time)."""
    mean_lead_minutes: float
    """Mean minutes from ready at the producing site to delivery, over served deliveries."""
    unserved: int

    @property
    def km(self) -> float:
        """Trunk plus last-mile km."""
        return self.trunk_km + self.last_mile_km

    def row(self) -> dict[str, float | int | str]:
        """Flat figures for a side-by-side table."""
        return {
            "scenario": self.name,
            "km": round(self.km, 1),
            "trunk_km": round(self.trunk_km, 1),
            "last_mile_km": round(self.last_mile_km, 1),
            "kg_co2e": round(self.emissions.kg_co2e, 3),
            "on_time_share": round(self.on_time_share, 4),
            "mean_lead_minutes": round(self.mean_lead_minutes, 1),
            "unserved": self.unserved,
            "vehicles_used": len(self.routing.routes) + self.trunk_trips,
        }


@dataclass(frozen=True)
class CentralLocalComparison:
    """Both scenarios for the same deliveries, with the boundary and factor set of their emissions."""

    central: ScenarioOutcome
    local: ScenarioOutcome
    boundary: Boundary
    factor_set_id: str

    def rows(self) -> list[dict[str, float | int | str]]:
        """Central then local, one flat row each."""
        return [self.central.row(), self.local.row()]


@dataclass(frozen=True)
class ScenarioTotals:
    """One scenario's figures summed over several comparisons (days or sites)."""

    name: str
    deliveries: int
    served: int
    trunk_km: float
    last_mile_km: float
    kg_co2e: float
    on_time_share: float
    """Over all deliveries (unserved count as not on time); 1.0 without deliveries."""
    mean_lead_minutes: float
    """Over served deliveries; 0.0 when none was served."""
    trunk_trips: int = 0
    vehicles_used: int = 0
    row_ids: tuple[str, ...] = ()
    parts: int = 1
    """How many comparisons were added up."""

    @classmethod
    def of(cls, outcome: ScenarioOutcome) -> ScenarioTotals:
        """One comparison's scenario as totals."""
        deliveries = len(outcome.routing.problem.deliveries)
        return cls(
            name=outcome.name,
            deliveries=deliveries,
            served=len(outcome.routing.stops()),
            trunk_km=outcome.trunk_km,
            last_mile_km=outcome.last_mile_km,
            kg_co2e=outcome.emissions.kg_co2e,
            on_time_share=outcome.on_time_share,
            mean_lead_minutes=outcome.mean_lead_minutes,
            trunk_trips=outcome.trunk_trips,
            vehicles_used=len(outcome.routing.routes) + outcome.trunk_trips,
            row_ids=outcome.emissions.row_ids,
        )

    @property
    def km(self) -> float:
        """Trunk plus last-mile km."""
        return self.trunk_km + self.last_mile_km

    @property
    def unserved(self) -> int:
        """Deliveries not served."""
        return self.deliveries - self.served

    def __add__(self, other: ScenarioTotals) -> ScenarioTotals:
        if other.name != self.name:
            raise ValueError(f"cannot add scenario {other.name!r} to {self.name!r}")
        deliveries = self.deliveries + other.deliveries
        served = self.served + other.served
        on_time = self.on_time_share * self.deliveries + other.on_time_share * other.deliveries
        lead = self.mean_lead_minutes * self.served + other.mean_lead_minutes * other.served
        return ScenarioTotals(
            name=self.name,
            deliveries=deliveries,
            served=served,
            trunk_km=self.trunk_km + other.trunk_km,
            last_mile_km=self.last_mile_km + other.last_mile_km,
            kg_co2e=self.kg_co2e + other.kg_co2e,
            on_time_share=on_time / deliveries if deliveries else 1.0,
            mean_lead_minutes=lead / served if served else 0.0,
            trunk_trips=self.trunk_trips + other.trunk_trips,
            vehicles_used=self.vehicles_used + other.vehicles_used,
            row_ids=tuple(dict.fromkeys((*self.row_ids, *other.row_ids))),
            parts=self.parts + other.parts,
        )

    def row(self) -> dict[str, float | int | str]:
        """Flat figures for a side-by-side table (the keys of :meth:`ScenarioOutcome.row` plus counts)."""
        return {
            "scenario": self.name,
            "km": round(self.km, 1),
            "trunk_km": round(self.trunk_km, 1),
            "last_mile_km": round(self.last_mile_km, 1),
            "kg_co2e": round(self.kg_co2e, 3),
            "on_time_share": round(self.on_time_share, 4),
            "mean_lead_minutes": round(self.mean_lead_minutes, 1),
            "deliveries": self.deliveries,
            "unserved": self.unserved,
            "vehicles_used": self.vehicles_used,
            "trunk_trips": self.trunk_trips,
        }


@dataclass(frozen=True)
class CentralLocalTotals:
    """Both scenarios summed over several comparisons of the same boundary and factor set."""

    central: ScenarioTotals
    local: ScenarioTotals
    boundary: Boundary
    factor_set_id: str
    factor_year: int
    parts: int
    """How many comparisons (e.g. site-days) were added up."""

    def rows(self) -> list[dict[str, float | int | str]]:
        """Central then local, one flat row each."""
        return [self.central.row(), self.local.row()]

    @property
    def row_ids(self) -> tuple[str, ...]:
        """Emission factor rows of both scenarios, first seen first."""
        return tuple(dict.fromkeys((*self.central.row_ids, *self.local.row_ids)))


def sum_comparisons(comparisons: Sequence[CentralLocalComparison]) -> CentralLocalTotals:
    """Add up comparisons (e.g. the days of a week): km and kg CO2e summed, shares weighted.

    The on-time share is weighted by deliveries, the mean lead time by served deliveries.

    Raises:
        ValueError: No comparisons, or they differ in boundary or factor set.
    """
    if not comparisons:
        raise ValueError("no comparisons to add up")
    first = comparisons[0]
    for cmp in comparisons[1:]:
        if cmp.boundary is not first.boundary or cmp.factor_set_id != first.factor_set_id:
            raise ValueError("comparisons to add up must share boundary and factor set")
    central = ScenarioTotals.of(first.central)
    local = ScenarioTotals.of(first.local)
    for cmp in comparisons[1:]:
        central = central + ScenarioTotals.of(cmp.central)
        local = local + ScenarioTotals.of(cmp.local)
    return CentralLocalTotals(
        central=central,
        local=local,
        boundary=first.boundary,
        factor_set_id=first.factor_set_id,
        factor_year=first.central.emissions.year,
        parts=len(comparisons),
    )


def _keys(problem: RoutingProblem) -> dict[str, str]:
    keys = {v.code: v.emission_factor_key for v in problem.vehicle_types if v.emission_factor_key}
    missing = [v.code for v in problem.vehicle_types if not v.emission_factor_key]
    if missing:
        raise ValueError(f"vehicle types without emission_factor_key: {', '.join(missing)}")
    return keys


def _outcome(
    name: str,
    result: RoutingResult,
    factors: FactorSet,
    boundary: Boundary,
    origin_ready: dict[str, float],
    trunk: Sequence[Trip] = (),
) -> ScenarioOutcome:
    day = result.problem.horizon_start.date()
    trips = (*trunk, *trips_from_routes(result.routes, day, _keys(result.problem)))
    total = zero_figure(factors, boundary)
    for t in trips_emissions(trips, factors, boundary, laden=True):
        total = total + t.figure
    stops = result.stops()
    n = len(result.problem.deliveries)
    return ScenarioOutcome(
        name=name,
        routing=result,
        trunk_trips=len(trunk),
        trunk_km=sum(t.distance_km for t in trunk),
        last_mile_km=result.distance_km(),
        emissions=total,
        on_time_share=sum(1 for s in stops if s.on_time) / n if n else 1.0,
        mean_lead_minutes=fmean(s.start_minutes - origin_ready[s.delivery] for s in stops) if stops else 0.0,
        unserved=len(result.unserved),
    )


def _one_way_km(problem: RoutingProblem, a: RoutingDepot, b: RoutingDepot) -> float:
    if isinstance(a.location, PlanePoint) or isinstance(b.location, PlanePoint):
        raise ValueError("central versus local needs map locations (GeoPoint)")
    pts = [(a.location.lat, a.location.lon), (b.location.lat, b.location.lon)]
    return float(road_distance_matrix_km(pts, problem.circuity)[0, 1])


def compare_central_local(
    local: RoutingProblem,
    *,
    plant: RoutingDepot,
    hub: RoutingDepot,
    hub_fleet: Sequence[RoutingVehicleType],
    trunk: TrunkHaul | None = None,
    limits: SolveLimits | None = None,
    seed: int = 1,
    factors: FactorSet | None = None,
    boundary: Boundary = Boundary.WTW,
) -> CentralLocalComparison:
    """Serve ``local``'s deliveries from ``plant`` via ``hub`` and from the microfactories; compare.

    ``hub_fleet`` vehicle types must be based at ``hub``; every vehicle type needs an
    ``emission_factor_key``. Deliveries keep their allowed vehicle types where the hub fleet has them.

    Raises:
        ValueError: Locations are plane points, or a vehicle type has no emission factor key.
    """
    haul = trunk or TrunkHaul()
    fs = factors or load_desnz_2025()
    origin_ready = {d.code: d.ready_minutes for d in local.deliveries}
    one_way = _one_way_km(local, plant, hub)
    transit = one_way * 60.0 / haul.speed_kmh
    departures = sorted(haul.departures_minutes)
    hub_codes = {v.code for v in hub_fleet}
    moved: list[Delivery] = []
    waves: dict[float, list[Delivery]] = {}
    for d in local.deliveries:
        leave = next((t for t in departures if t >= d.ready_minutes), departures[0] + 24 * 60.0)
        waves.setdefault(leave, []).append(d)
        at_hub = leave + transit + haul.handling_minutes
        fresh = None
        if d.freshness_minutes is not None:
            fresh = max(1e-3, d.ready_minutes + d.freshness_minutes - at_hub)
        allowed = None
        if d.allowed_vehicle_types is not None:
            allowed = tuple(c for c in d.allowed_vehicle_types if c in hub_codes)
        moved.append(
            d.model_copy(
                update={
                    "ready_minutes": at_hub,
                    "freshness_minutes": fresh,
                    "allowed_vehicle_types": allowed,
                    "allowed_depots": None,
                }
            )
        )
    trunk_trips: list[Trip] = []
    for leave, wave in sorted(waves.items()):
        mass = sum(d.load_kg for d in wave)
        volume = sum(d.load_m3 for d in wave)
        count = max(1, math.ceil(mass / haul.capacity_kg - 1e-9), math.ceil(volume / haul.capacity_m3 - 1e-9))
        for k in range(count):
            # Goods are spread evenly over the wave's trucks, each truck returning empty.
            share = wave[k::count]
            trunk_trips.append(
                Trip(
                    trip_code=f"TRUNK-{round(leave)}-{k + 1}",
                    site=plant.code,
                    day=local.horizon_start.date(),
                    emission_factor_key=haul.emission_factor_key,
                    distance_km=2 * one_way,
                    shipments=tuple(Shipment(d.code, d.load_kg, one_way) for d in share),
                    capacity_kg=haul.capacity_kg,
                )
            )
    central_problem = local.replace(depots=(hub,), deliveries=tuple(moved), vehicle_types=tuple(hub_fleet))
    lim = limits or SolveLimits()
    central = _outcome("central", solve(central_problem, lim, seed), fs, boundary, origin_ready, trunk_trips)
    local_outcome = _outcome("local", solve(local, lim, seed), fs, boundary, origin_ready)
    return CentralLocalComparison(
        central=central, local=local_outcome, boundary=boundary, factor_set_id=fs.id
    )
