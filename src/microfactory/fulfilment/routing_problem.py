"""The routing problem: depots, deliveries and a mixed fleet, typed, validated and immutable.

Times are minutes from ``horizon_start`` (an aware UTC instant), distances km, loads kg and m³, money
integer pence. Locations are either map points (:class:`~microfactory.domain.GeoPoint`: distances are
great-circle × circuity) or plane points (:class:`PlanePoint`: Euclidean distance truncated to one
decimal, the DIMACS convention used by the Solomon benchmark). One problem uses one kind only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from microfactory.domain.base import DomainModel, UtcDatetime
from microfactory.domain.geo import GeoPoint
from microfactory.domain.plan import ProblemKind

if TYPE_CHECKING:
    from microfactory.domain import Calendar, Order, Site, Sku, VehicleType
    from microfactory.fulfilment.routing_orders import OrderRoutingOptions


class PlanePoint(DomainModel):
    """A point on an abstract plane (benchmark instances): distance is Euclidean, in km-like units."""

    x: float
    y: float


Location = GeoPoint | PlanePoint


class RoutingDepot(DomainModel):
    """A site vehicles start from and return to.

    Vehicles may leave from ``open_minutes`` until ``last_departure_minutes`` and must be back by
    ``return_by_minutes`` (``None``: no limit beyond the vehicle's shift).
    """

    code: str = Field(min_length=1)
    location: Location
    open_minutes: float = 0.0
    last_departure_minutes: float | None = None
    return_by_minutes: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RoutingDepot:
        for name in ("last_departure_minutes", "return_by_minutes"):
            value = getattr(self, name)
            if value is not None and value < self.open_minutes:
                raise ValueError(f"depot {self.code}: {name} is before open_minutes")
        return self


class Delivery(DomainModel):
    """One drop: where, how much (kg and m³), when (window), how long, and from when it is ready.

    ``ready_minutes`` is when the goods are packed at the depot (production finish + packing): the vehicle
    carrying it cannot leave before then (PyVRP release time). ``freshness_minutes`` limits the time from
    ready to delivery (food); the engine tightens the window end to ``ready + freshness``.
    ``unserved_penalty_pence`` is what leaving the delivery out costs; ``None`` makes it required.
    """

    code: str = Field(min_length=1)
    location: Location
    load_kg: float = Field(default=0.0, ge=0)
    load_m3: float = Field(default=0.0, ge=0)
    window_open_minutes: float = 0.0
    window_close_minutes: float = Field(default=24 * 60.0)
    service_minutes: float = Field(default=0.0, ge=0)
    ready_minutes: float = 0.0
    freshness_minutes: float | None = Field(default=None, gt=0)
    allowed_vehicle_types: tuple[str, ...] | None = None
    """Vehicle type codes that may carry this delivery (``None``: any)."""
    allowed_depots: tuple[str, ...] | None = None
    """Depots that may serve it, e.g. the site that makes it (``None``: any)."""
    unserved_penalty_pence: int | None = Field(default=None, ge=0)
    order_channel: str | None = None
    order_external_id: str | None = None

    @model_validator(mode="after")
    def _window(self) -> Delivery:
        if self.window_close_minutes < self.window_open_minutes:
            raise ValueError(f"delivery {self.code}: window closes before it opens")
        return self

    @property
    def latest_minutes(self) -> float:
        """Latest service start: the window end, or ``ready + freshness`` when that is earlier."""
        if self.freshness_minutes is None:
            return self.window_close_minutes
        return min(self.window_close_minutes, self.ready_minutes + self.freshness_minutes)

    @property
    def required(self) -> bool:
        """True when the delivery has no penalty for being left out: every plan must serve it."""
        return self.unserved_penalty_pence is None


class RoutingVehicleType(DomainModel):
    """``count`` identical vehicles based at ``depot``: capacity, speed, range, shift and costs.

    ``kg_co2e_per_km`` is only used to price carbon (the problem's carbon price); emission reports use
    the emissions engine. ``capacity_m3=None`` leaves volume unconstrained.
    """

    code: str = Field(min_length=1)
    depot: str = Field(min_length=1)
    count: int = Field(ge=0)
    capacity_kg: float = Field(gt=0)
    capacity_m3: float | None = Field(default=None, gt=0)
    speed_kmh: float = Field(gt=0)
    range_km: float | None = Field(default=None, gt=0)
    shift_minutes: float | None = Field(default=None, gt=0)
    fixed_cost_pence: int = Field(default=0, ge=0)
    cost_pence_per_km: float = Field(default=0.0, ge=0)
    kg_co2e_per_km: float = Field(default=0.0, ge=0)
    emission_factor_key: str | None = None
    available_from_minutes: float | None = None
    available_until_minutes: float | None = None


class RoutingProblem(DomainModel):
    """Everything one routing solve needs; build with :meth:`from_orders` or directly.

    ``carbon_price_pence_per_tonne`` adds price × kg CO2e/km of each vehicle type to its cost per km
    (0: no carbon price). ``circuity`` applies to map points only.
    """

    horizon_start: UtcDatetime
    depots: tuple[RoutingDepot, ...] = Field(min_length=1)
    deliveries: tuple[Delivery, ...] = ()
    vehicle_types: tuple[RoutingVehicleType, ...] = Field(min_length=1)
    circuity: float = Field(default=1.4, ge=1.0, le=3.0)
    carbon_price_pence_per_tonne: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> RoutingProblem:
        problems: list[str] = []
        for kind, codes in (
            ("depot", [d.code for d in self.depots]),
            ("delivery", [d.code for d in self.deliveries]),
            ("vehicle type", [v.code for v in self.vehicle_types]),
        ):
            dupes = sorted(c for c, n in Counter(codes).items() if n > 1)
            if dupes:
                problems.append(f"duplicate {kind} codes: {', '.join(dupes[:5])}")
        depots = {d.code for d in self.depots}
        types = {v.code for v in self.vehicle_types}
        for v in self.vehicle_types:
            if v.depot not in depots:
                problems.append(f"vehicle type {v.code}: unknown depot {v.depot!r}")
        for d in self.deliveries:
            unknown = set(d.allowed_depots or ()) - depots
            if unknown:
                problems.append(f"delivery {d.code}: unknown depots {sorted(unknown)}")
            unknown = set(d.allowed_vehicle_types or ()) - types
            if unknown:
                problems.append(f"delivery {d.code}: unknown vehicle types {sorted(unknown)}")
        kinds = {type(x.location) for x in self.depots} | {type(x.location) for x in self.deliveries}
        if len(kinds) > 1:
            problems.append("locations mix map points (GeoPoint) and plane points (PlanePoint)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def on_plane(self) -> bool:
        """True for abstract plane coordinates (benchmarks), False for map points."""
        return isinstance(self.depots[0].location, PlanePoint)

    def at(self, minutes: float) -> datetime:
        """The aware UTC instant ``minutes`` after the horizon start."""
        return self.horizon_start + timedelta(minutes=minutes)

    def minutes(self, when: datetime) -> float:
        """Minutes from the horizon start to an aware instant."""
        return (when - self.horizon_start).total_seconds() / 60.0

    def depot(self, code: str) -> RoutingDepot:
        """The depot with this code (``KeyError`` when there is none)."""
        for d in self.depots:
            if d.code == code:
                return d
        raise KeyError(code)

    def vehicle_type(self, code: str) -> RoutingVehicleType:
        """The vehicle type with this code (``KeyError`` when there is none)."""
        for v in self.vehicle_types:
            if v.code == code:
                return v
        raise KeyError(code)

    def replace(self, **changes: Any) -> RoutingProblem:
        """A validated copy with some fields changed (like PyVRP's ``ProblemData.replace``)."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields.update(changes)
        return RoutingProblem.model_validate(fields)

    @classmethod
    def from_orders(
        cls,
        site: Site,
        orders: Iterable[Order],
        skus: Iterable[Sku],
        vehicle_types: Iterable[VehicleType],
        day: date,
        *,
        zones: Mapping[str, GeoPoint],
        ready_times: Mapping[tuple[str, str], datetime] | None = None,
        circuity: float = 1.4,
        fleet: Mapping[str, int] | None = None,
        calendar: Calendar | None = None,
        options: OrderRoutingOptions | None = None,
    ) -> RoutingProblem:
        """One site's deliveries on one local day, from domain orders, SKUs and vehicle types.

        See :func:`microfactory.fulfilment.routing_orders.problem_from_orders` for the rules.
        """
        from microfactory.fulfilment.routing_orders import problem_from_orders

        return problem_from_orders(
            site,
            orders,
            skus,
            vehicle_types,
            day,
            zones=zones,
            ready_times=ready_times,
            circuity=circuity,
            fleet=fleet,
            calendar=calendar,
            options=options,
        )


UNSERVED_KINDS = {
    "compatibility": ProblemKind.INFEASIBLE,
    "ready_after_window": ProblemKind.INFEASIBLE,
    "freshness": ProblemKind.INFEASIBLE,
    "capacity_kg": ProblemKind.INFEASIBLE,
    "capacity_m3": ProblemKind.INFEASIBLE,
    "range": ProblemKind.INFEASIBLE,
    "shift": ProblemKind.INFEASIBLE,
    "time_window": ProblemKind.INFEASIBLE,
    "depot_hours": ProblemKind.INFEASIBLE,
    "fleet": ProblemKind.UNSERVED,
    "solver": ProblemKind.UNSERVED,
}
"""Binding constraint of an unserved delivery → problem kind (fleet shortage is not an input error)."""
