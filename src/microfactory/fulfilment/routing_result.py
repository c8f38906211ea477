"""What a routing solve returns: routes with timed stops, unserved deliveries with reasons, and KPIs.

Times are kept both as minutes from the problem's horizon start and as aware UTC datetimes. Money is
integer pence. A result explains itself: every delivery is either on a route or in ``unserved`` with
the constraint that binds, and :meth:`RoutingResult.violations` re-checks every route against the
problem independently of the solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean

from microfactory.domain.plan import DeliveryRoute, Problem, ProblemKind, RouteStop, Severity
from microfactory.fulfilment.routing_problem import UNSERVED_KINDS, RoutingProblem

STAGE = "routing"


@dataclass(frozen=True)
class ScheduledStop:
    """One delivery on a route: when the vehicle arrives, starts service and leaves."""

    sequence: int
    delivery: str
    order_channel: str | None
    order_external_id: str | None
    arrival_minutes: float
    start_minutes: float
    """Service start (the delivery time); waiting before the window opens is ``start - arrival``."""
    departure_minutes: float
    arrival: datetime
    departure: datetime
    km_from_depot: float
    """Distance the goods travel on the vehicle from the depot to this stop (km)."""
    load_kg: float
    load_m3: float
    ready_minutes: float
    on_time: bool
    """Service starts inside the delivery's promised window."""

    @property
    def lead_minutes(self) -> float:
        """Minutes from ready (packed at the depot) to delivery."""
        return self.start_minutes - self.ready_minutes

    @property
    def wait_minutes(self) -> float:
        """Minutes the vehicle waits for the window to open."""
        return self.start_minutes - self.arrival_minutes


@dataclass(frozen=True)
class PlannedRoute:
    """One vehicle's trip from its depot and back."""

    route_code: str
    vehicle_type: str
    depot: str
    start_minutes: float
    end_minutes: float
    start: datetime
    end: datetime
    distance_km: float
    load_kg: float
    load_m3: float
    cost_pence: int
    """Fixed cost + distance cost + carbon price (when the problem sets one)."""
    stops: tuple[ScheduledStop, ...]

    @property
    def duration_minutes(self) -> float:
        """Minutes from leaving the depot to returning."""
        return self.end_minutes - self.start_minutes

    def to_domain(self, day: date) -> tuple[DeliveryRoute, tuple[RouteStop, ...]]:
        """The route and its stops as plan records (stops without an order key are left out)."""
        route = DeliveryRoute(
            site=self.depot,
            route_code=self.route_code,
            day=day,
            vehicle_type=self.vehicle_type,
            distance_km=self.distance_km,
            start=self.start,
            end=self.end,
            cost_pence=self.cost_pence,
        )
        stops = tuple(
            RouteStop(
                route_code=self.route_code,
                sequence=s.sequence,
                order_channel=s.order_channel,
                order_external_id=s.order_external_id,
                arrival=s.arrival,
                departure=s.departure,
            )
            for s in self.stops
            if s.order_channel is not None and s.order_external_id is not None
        )
        return route, stops


@dataclass(frozen=True)
class UnservedDelivery:
    """A delivery no plan serves, and why."""

    delivery: str
    order_channel: str | None
    order_external_id: str | None
    binding_constraint: str
    """``compatibility``, ``ready_after_window``, ``freshness``, ``capacity_kg``, ``capacity_m3``,
    ``range``, ``shift``, ``time_window``, ``depot_hours``, ``fleet`` (the fleet is too small) or
    ``solver`` (no feasible place found within the time limit)."""
    reason: str

    def to_problem(self) -> Problem:
        """The plan's problem record for this delivery."""
        return Problem(
            stage=STAGE,
            kind=UNSERVED_KINDS.get(self.binding_constraint, ProblemKind.UNSERVED),
            subject_kind="order",
            subject=self.delivery,
            reason=self.reason,
            severity=Severity.ERROR,
            binding_constraint=self.binding_constraint,
        )


@dataclass(frozen=True)
class RoutingResult:
    """Routes, unserved deliveries and solver facts for one :class:`RoutingProblem`."""

    problem: RoutingProblem
    routes: tuple[PlannedRoute, ...]
    unserved: tuple[UnservedDelivery, ...]
    solver_feasible: bool
    """PyVRP's own verdict on the best solution (capacities, windows, shift, range)."""
    runtime_seconds: float
    iterations: int
    seed: int
    constraint_violations: tuple[str, ...] = ()
    """Filled by :func:`~microfactory.fulfilment.routing.solve` from an independent re-check."""

    def violations(self) -> tuple[str, ...]:
        """Every broken constraint, re-checked from the problem independently of the solver."""
        return self.constraint_violations

    def is_feasible(self) -> bool:
        """True when every route keeps every constraint and no required delivery is unserved."""
        required = {d.code for d in self.problem.deliveries if d.required}
        return (
            self.solver_feasible
            and not self.violations()
            and not any(u.delivery in required for u in self.unserved)
        )

    def cost(self) -> int:
        """Total route cost in pence: fixed vehicle costs, distance costs and the carbon price."""
        return sum(r.cost_pence for r in self.routes)

    def distance_km(self) -> float:
        """Total distance driven, km."""
        return sum(r.distance_km for r in self.routes)

    def stops(self) -> tuple[ScheduledStop, ...]:
        """Every served stop, route by route."""
        return tuple(s for r in self.routes for s in r.stops)

    def kpis(self) -> dict[str, float | int]:
        """Flat figures for reports: stops, vehicles, km, on-time share, lead time, unserved, cost."""
        stops = self.stops()
        total = len(self.problem.deliveries)
        on_time = sum(1 for s in stops if s.on_time)
        return {
            "deliveries": total,
            "stops": len(stops),
            "unserved": len(self.unserved),
            "vehicles_used": len(self.routes),
            "distance_km": round(self.distance_km(), 3),
            "on_time_share": on_time / total if total else 1.0,
            "mean_lead_minutes": round(fmean(s.lead_minutes for s in stops), 2) if stops else 0.0,
            "cost_pence": self.cost(),
            "solver_seconds": round(self.runtime_seconds, 3),
        }

    def problems(self) -> tuple[Problem, ...]:
        """Problem records: one per unserved delivery, plus one per broken constraint if any."""
        records = [u.to_problem() for u in self.unserved]
        records += [
            Problem(
                stage=STAGE,
                kind=ProblemKind.INFEASIBLE,
                subject_kind="route",
                subject=text.split(":", 1)[0],
                reason=text,
                severity=Severity.ERROR,
            )
            for text in self.violations()
        ]
        return tuple(records)

    def explain(self, delivery: str) -> str:
        """One line on a delivery: its route and time, or why it is not served."""
        for r in self.routes:
            for s in r.stops:
                if s.delivery == delivery:
                    return (
                        f"{delivery}: stop {s.sequence} of {r.route_code} ({r.vehicle_type} from {r.depot}), "
                        f"delivered {s.arrival.isoformat()} ({s.lead_minutes:.0f} min after ready)"
                    )
        for u in self.unserved:
            if u.delivery == delivery:
                return f"{delivery}: not served ({u.binding_constraint}): {u.reason}"
        raise KeyError(delivery)
