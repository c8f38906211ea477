"""From a :class:`NetworkProblem` to a :class:`FacilityLocationProblem`: coverage, servability, costs.

1. Coverage pruning: a site–zone pair exists only when the site is available, reaches the zone within
   the delivery-time limit and makes every family the zone buys (a zone is served as a whole: each site
   serving it delivers the same share of each of its families). This sparsity is what makes a national
   network tractable.
2. Servability: zones no site can reach are reported *too far*; when the candidates within reach cannot
   make all the demand even with every site open, the part that cannot be made is reported as *not
   enough capacity* and left out (found by a greedy fill, and when that fails by a max-flow LP).
3. Costs per pair: variable cost + road km × (transport + carbon price) per unit, times the zone's
   weekly units. Money is in pence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microfactory.domain import Problem, ProblemKind, Severity
from microfactory.network.flp import FacilityLocationProblem, assign
from microfactory.network.mip import BoolArray, FloatArray, IntArray
from microfactory.network.problem import NetworkProblem, Redundancy

STAGE = "network"
NEGLIGIBLE_UNITS = 1e-9
"""Weekly demand below this (units) is treated as none: it only disturbs the solver's tolerances."""
PENCE_PER_KG_PER_GBP_PER_TONNE = 0.1
"""£1 per tonne CO2e is 100 pence per 1,000 kg."""


@dataclass(frozen=True, eq=False)
class Prepared:
    """The problem as arrays, its facility-location model, and the problems found on the way."""

    problem: NetworkProblem
    demand: FloatArray
    """(zones, families) weekly units."""
    units: FloatArray
    """(zones,) weekly units over all families."""
    road_km: FloatArray
    """(sites, zones) road km."""
    hours: FloatArray
    """(sites, zones) delivery hours."""
    capacity: FloatArray
    """(sites, families) weekly units."""
    allowed: BoolArray
    """(sites, zones) pairs within reach that make all the zone's families."""
    unit_cost: FloatArray
    """(sites, zones) pence per unit delivered (variable + transport + carbon)."""
    customers: IntArray
    """(n,) zone index of each FLP customer (zones with demand that can be served)."""
    share: FloatArray
    """(n,) share of each customer zone's demand that can be made within reach."""
    flp: FacilityLocationProblem | None
    problems: tuple[Problem, ...]

    def pair_zone(self) -> IntArray:
        """(p,) zone index of each FLP pair."""
        assert self.flp is not None
        out: IntArray = self.customers[self.flp.pair_customer]
        return out


def prepare(problem: NetworkProblem, *, seconds: float = 30.0, workers: int = 1) -> Prepared:
    """Arrays, coverage, servability and the facility-location model of ``problem``."""
    demand = problem.demand_matrix()
    demand[demand < NEGLIGIBLE_UNITS] = 0.0
    units = demand.sum(axis=1)
    capacity = problem.capacity_matrix()
    road = problem.road_km()
    hours = problem.delivery.hours(road)
    available = np.array([s.available for s in problem.sites])
    reach = (hours <= problem.delivery.max_delivery_hours + 1e-9) & available[:, None]
    lacks = (capacity <= 0).astype(np.float64) @ (demand > 0).T.astype(np.float64)
    allowed = reach & (lacks == 0)
    variable = np.array([s.variable_cost_pence_per_unit for s in problem.sites], dtype=np.float64)
    per_km = problem.transport_pence_per_unit_km + (
        problem.kg_co2e_per_unit_km * problem.carbon_price_gbp_per_tonne * PENCE_PER_KG_PER_GBP_PER_TONNE
    )
    unit_cost = variable[:, None] + road * per_km
    problems: list[Problem] = []
    wanted = units > 0
    for j in np.flatnonzero(wanted & ~allowed.any(axis=0)):
        problems.append(_unreachable(problem, int(j), reach, hours, capacity, demand, available))
    zones = np.flatnonzero(wanted & allowed.any(axis=0))
    share = _servable_share(problem, demand, capacity, allowed, zones, hours, seconds, workers)
    for j, s in zip(zones, share, strict=True):
        if s < 1 - 1e-6:
            problems.append(
                _short(problem, int(j), units[j] * (1 - s), allowed, problem.delivery.max_delivery_hours)
            )
    served = share > 1e-9
    customers, share = zones[served], share[served]
    flp = (
        _flp(problem, demand, units, capacity, allowed, unit_cost, customers, share, problems)
        if len(customers)
        else None
    )
    return Prepared(
        problem,
        demand,
        units,
        road,
        hours,
        capacity,
        allowed,
        unit_cost,
        customers,
        share,
        flp,
        tuple(problems),
    )


def _flp(
    problem: NetworkProblem,
    demand: FloatArray,
    units: FloatArray,
    capacity: FloatArray,
    allowed: BoolArray,
    unit_cost: FloatArray,
    customers: IntArray,
    share: FloatArray,
    problems: list[Problem],
) -> FacilityLocationProblem:
    sub = allowed[:, customers]
    pair_site, pair_customer = np.nonzero(sub)
    order = np.lexsort((pair_site, pair_customer))
    pair_site, pair_customer = pair_site[order], pair_customer[order]
    zone = customers[pair_customer]
    pair_cost = unit_cost[pair_site, zone] * units[zone] * share[pair_customer]
    cover = np.ones(len(customers), np.int64)
    if problem.redundancy is Redundancy.N_1:
        reachable = sub.sum(axis=0)
        cover[reachable >= 2] = 2
        for c in np.flatnonzero(reachable < 2):
            zone_index = int(customers[c])
            site = problem.sites[int(np.flatnonzero(sub[:, c])[0])].code
            problems.append(
                Problem(
                    stage=STAGE,
                    kind=ProblemKind.INFEASIBLE,
                    subject_kind="zone",
                    subject=problem.zones[zone_index].outcode,
                    reason=f"no backup within reach: only {site} can deliver within "
                    f"{problem.delivery.max_delivery_hours:g} h, so N-1 cannot hold for this zone",
                    severity=Severity.ERROR,
                    binding_constraint="coverage",
                    quantity=float(units[zone_index]),
                )
            )
    return FacilityLocationProblem(
        fixed_cost=np.array([s.fixed_cost_pence_per_week for s in problem.sites], dtype=np.float64),
        capacity=capacity,
        load=demand[customers] * share[:, None],
        pair_site=pair_site.astype(np.int64),
        pair_customer=pair_customer.astype(np.int64),
        pair_cost=pair_cost,
        forced_open=np.array([s.forced_open for s in problem.sites]),
        closed=np.array([not s.available for s in problem.sites]),
        single_sourcing=problem.single_sourcing,
        min_open=problem.min_sites,
        max_open=problem.max_sites,
        budget=None if problem.budget_pence_per_week is None else float(problem.budget_pence_per_week),
        min_cover=cover,
    )


def _unreachable(
    problem: NetworkProblem,
    j: int,
    reach: BoolArray,
    hours: FloatArray,
    capacity: FloatArray,
    demand: FloatArray,
    available: BoolArray,
) -> Problem:
    zone = problem.zones[j]
    limit = problem.delivery.max_delivery_hours
    if reach[:, j].any():
        needed = [problem.families[f] for f in np.flatnonzero(demand[j] > 0)]
        within = np.flatnonzero(reach[:, j])
        missing = sorted(
            {f for i in within for k, f in enumerate(problem.families) if f in needed and capacity[i, k] <= 0}
        )
        reason = (
            f"no site within {limit:g} h makes all of its families "
            f"(sites within reach lack {', '.join(missing)})"
        )
        binding = "capability"
    else:
        candidates = np.flatnonzero(available)
        if len(candidates):
            nearest = int(candidates[np.argmin(hours[candidates, j])])
            reason = (
                f"too far: the nearest available site, {problem.sites[nearest].code}, is "
                f"{hours[nearest, j]:.1f} h away, beyond the {limit:g} h delivery limit"
            )
        else:
            reason = "too far: no site is available"
        binding = "coverage"
    return Problem(
        stage=STAGE,
        kind=ProblemKind.UNSERVED,
        subject_kind="zone",
        subject=zone.outcode,
        reason=reason,
        severity=Severity.ERROR,
        binding_constraint=binding,
        quantity=float(demand[j].sum()),
    )


def _short(problem: NetworkProblem, j: int, lost: float, allowed: BoolArray, limit: float) -> Problem:
    sites = [problem.sites[i].code for i in np.flatnonzero(allowed[:, j])]
    listed = ", ".join(sites[:5]) + (f" and {len(sites) - 5} more" if len(sites) > 5 else "")
    return Problem(
        stage=STAGE,
        kind=ProblemKind.SHORT,
        subject_kind="zone",
        subject=problem.zones[j].outcode,
        reason=f"not enough capacity: {lost:.1f} units/week cannot be made even with every site within "
        f"{limit:g} h open ({listed})",
        severity=Severity.ERROR,
        binding_constraint="capacity",
        quantity=float(lost),
    )


def _servable_share(
    problem: NetworkProblem,
    demand: FloatArray,
    capacity: FloatArray,
    allowed: BoolArray,
    zones: IntArray,
    hours: FloatArray,
    seconds: float,
    workers: int,
) -> FloatArray:
    """Share of each zone's demand the candidates within reach can make with every site open."""
    if _greedy_fill(demand, capacity, allowed, zones, hours):
        return np.ones(len(zones))
    # Max-flow LP: every available site open, plus a "lost" site that takes what cannot be made at a
    # cost of one per unit; the flows into it are the shortfall per zone.
    sub = allowed[:, zones]
    ps, pc = np.nonzero(sub)
    m = capacity.shape[0]
    lost = m
    load = demand[zones]
    flp = FacilityLocationProblem(
        fixed_cost=np.zeros(m + 1),
        capacity=np.vstack([capacity, 2 * load.sum(axis=0) + 1]),
        load=load,
        pair_site=np.concatenate([ps, np.full(len(zones), lost)]).astype(np.int64),
        pair_customer=np.concatenate([pc, np.arange(len(zones))]).astype(np.int64),
        pair_cost=np.concatenate([np.zeros(len(ps)), load.sum(axis=1)]),
    )
    done = assign(flp, np.ones(m + 1, bool), seconds=seconds, workers=workers)
    if done is None:
        return np.zeros(len(zones))
    flows = done[1][len(ps) :]
    out: FloatArray = np.clip(1.0 - flows, 0.0, 1.0)
    return out


def _greedy_fill(
    demand: FloatArray, capacity: FloatArray, allowed: BoolArray, zones: IntArray, hours: FloatArray
) -> bool:
    """True when a greedy fill (hardest zones first, nearest site first) serves every zone in full."""
    left = capacity.copy()
    order = zones[np.argsort(allowed[:, zones].sum(axis=0), kind="stable")]
    for j in order:
        need = demand[j]
        families = need > 0
        todo = 1.0
        for i in np.flatnonzero(allowed[:, j])[np.argsort(hours[allowed[:, j], j], kind="stable")]:
            take = min(todo, float(np.min(left[i, families] / need[families])))
            if take <= 0:
                continue
            left[i, families] -= take * need[families]
            todo -= take
            if todo <= 1e-12:
                break
        if todo > 1e-9:
            return False
    return True
