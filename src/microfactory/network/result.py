"""The typed result of a network design: open sites, flows, cost, KPIs, failure analysis, problems.

Money in integer pence per week, quantities in units per week, distance in road km, time in hours,
emissions in kg CO2e per week. The result never prints; ``kpis()`` is a flat dictionary for reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microfactory.domain import Problem, Severity, SiteKind
from microfactory.network.flp import FlpStatus
from microfactory.network.mip import FloatArray
from microfactory.network.problem import Redundancy
from microfactory.network.redundancy import N1Report


@dataclass(frozen=True)
class SiteResult:
    """One candidate site in the design."""

    code: str
    kind: SiteKind
    open: bool
    forced_open: bool
    fixed_cost_pence_per_week: int
    units_per_week: float
    """Demand it serves in normal operation: the demand at risk if it fails."""
    utilisation: float
    """Highest load/capacity share over its families (0 when closed)."""
    zones_served: int
    lost_if_down_units_per_week: float | None
    """Demand no other open site can take over when this site fails (``None`` when closed)."""


@dataclass(frozen=True)
class ZoneResult:
    """How one zone with demand is served."""

    outcode: str
    units_per_week: float
    served_share: float
    primary: str | None
    """The site serving the largest share."""
    backup: str | None
    """The site taking over most of the zone's demand when the primary fails (``None``: none can)."""
    road_km: float | None
    delivery_hours: float | None


@dataclass(frozen=True)
class Flow:
    """Units per week from a site to a zone."""

    site: str
    outcode: str
    units_per_week: float
    road_km: float
    delivery_hours: float


@dataclass(frozen=True)
class CostBreakdown:
    """Weekly cost of the design in pence."""

    fixed_pence: int
    variable_pence: int
    transport_pence: int
    carbon_pence: int

    @property
    def total_pence(self) -> int:
        """Fixed + variable + transport + carbon."""
        return self.fixed_pence + self.variable_pence + self.transport_pence + self.carbon_pence


@dataclass(frozen=True)
class NetworkResult:
    """A network design with its proven bound, KPIs and the problems that explain what is not met."""

    name: str
    status: FlpStatus
    redundancy: Redundancy
    sites: tuple[SiteResult, ...]
    zones: tuple[ZoneResult, ...]
    flows: tuple[Flow, ...]
    cost: CostBreakdown
    objective_pence: float | None
    """Solver objective (the same cost, unrounded); ``None`` without a design."""
    bound_pence: float | None
    """Proven lower bound on the cheapest cost (the MIP dual bound)."""
    seconds: float
    method: str
    kg_co2e_per_week: float
    demand_units_per_week: float
    problems: tuple[Problem, ...]
    n1: N1Report | None = None

    def has_design(self) -> bool:
        """True when the solver returned a design (it may still leave some demand unserved)."""
        return self.status in (FlpStatus.OPTIMAL, FlpStatus.FEASIBLE)

    def is_feasible(self) -> bool:
        """True when there is a design, all demand is served within reach and N-1 holds if asked."""
        return self.has_design() and not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def gap(self) -> float | None:
        """Relative MIP gap of the design to the proven bound (0 when optimal)."""
        if self.objective_pence is None or self.bound_pence is None:
            return None
        if self.objective_pence == 0:
            return 0.0
        return max(0.0, (self.objective_pence - self.bound_pence) / abs(self.objective_pence))

    def open_sites(self) -> tuple[str, ...]:
        """Codes of the open sites."""
        return tuple(s.code for s in self.sites if s.open)

    def served_units(self) -> float:
        """Units per week delivered."""
        return float(sum(f.units_per_week for f in self.flows))

    def explain(self, subject: str) -> tuple[Problem, ...]:
        """The problems about one zone (outcode) or site (code)."""
        return tuple(p for p in self.problems if p.subject == subject)

    def largest_site(self) -> SiteResult | None:
        """The open site serving the most units."""
        open_sites = [s for s in self.sites if s.open]
        return max(open_sites, key=lambda s: (s.units_per_week, s.code)) if open_sites else None

    def kpis(self) -> dict[str, float | int | str]:
        """Flat KPI dictionary: sites, weekly cost, distances and times, CO2e, 24/48 h shares, N-1 loss."""
        units = np.array([f.units_per_week for f in self.flows])
        km = np.array([f.road_km for f in self.flows])
        hours = np.array([f.delivery_hours for f in self.flows])
        demand = self.demand_units_per_week
        largest = self.largest_site()
        lost = largest.lost_if_down_units_per_week if largest is not None else None
        out: dict[str, float | int | str] = {
            "status": self.status.value,
            "sites_open": len(self.open_sites()),
            "weekly_cost_pence": self.cost.total_pence,
            "fixed_cost_pence": self.cost.fixed_pence,
            "variable_cost_pence": self.cost.variable_pence,
            "transport_cost_pence": self.cost.transport_pence,
            "carbon_cost_pence": self.cost.carbon_pence,
            "demand_units_per_week": round(demand, 2),
            "served_units_per_week": round(float(units.sum()), 2),
            "mean_km": round(_weighted_mean(km, units), 2),
            "p95_km": round(weighted_quantile(km, units, 0.95), 2),
            "mean_hours": round(_weighted_mean(hours, units), 2),
            "p95_hours": round(weighted_quantile(hours, units, 0.95), 2),
            "transport_kg_co2e_per_week": round(float(self.kg_co2e_per_week), 2),
            "share_within_24h": round(float(units[hours <= 24].sum()) / demand, 4) if demand else 0.0,
            "share_within_48h": round(float(units[hours <= 48].sum()) / demand, 4) if demand else 0.0,
            "largest_site": largest.code if largest is not None else "",
            "lost_if_largest_fails_units": round(lost, 2) if lost is not None else 0.0,
            "lost_if_largest_fails_share": round(lost / demand, 4) if lost is not None and demand else 0.0,
            "gap_pct": round(100 * self.gap, 4) if self.gap is not None else "",
            "bound_pence": round(self.bound_pence) if self.bound_pence is not None else "",
            "seconds": round(self.seconds, 2),
            "problems": len(self.problems),
        }
        if self.n1 is not None:
            out["n1_verified"] = int(self.n1.verified)
        return out


def _weighted_mean(values: FloatArray, weights: FloatArray) -> float:
    total = float(weights.sum())
    return float(values @ weights) / total if total > 0 else 0.0


def weighted_quantile(values: FloatArray, weights: FloatArray, q: float) -> float:
    """The ``q`` quantile of ``values`` weighted by ``weights`` (lower value at ties; 0 when empty)."""
    if len(values) == 0 or float(weights.sum()) <= 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    k = int(np.searchsorted(cumulative, q * cumulative[-1] - 1e-12))
    return float(values[order][min(k, len(values) - 1)])
