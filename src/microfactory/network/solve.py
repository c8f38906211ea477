"""Network design: ``solve(problem, limits, seed)`` → :class:`NetworkResult`.

Coverage pruning and servability (``prepare``), then the strong capacitated facility-location MIP solved
by HiGHS through OR-Tools MathOpt (``flp``; very large instances go through the proven reduction in
``reduce``), with N-1 feasibility cuts when asked (``redundancy``), then a failure analysis of every
open site (backups, demand at risk and lost) and the KPIs. Never raises for an unsatisfiable problem:
the result's ``problems`` say which zones cannot be served and why.

Example::

    problem = NetworkProblem.from_master(master, weekly, brand="KITCHEN")
    result = solve(problem, SolveLimits(seconds=60, workers=2), seed=1)
    result.is_feasible(); result.kpis(); result.explain("IV27")
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from microfactory.domain import Problem, ProblemKind, Severity
from microfactory.network.flp import FlpSolution, FlpStatus, solve_flp
from microfactory.network.prepare import PENCE_PER_KG_PER_GBP_PER_TONNE, STAGE, Prepared, prepare
from microfactory.network.problem import NetworkProblem, Redundancy
from microfactory.network.redundancy import FailureOutcome, N1Report, failure_outcomes, solve_n1
from microfactory.network.result import CostBreakdown, Flow, NetworkResult, SiteResult, ZoneResult


@dataclass(frozen=True, slots=True)
class SolveLimits:
    """Wall-clock seconds, solver threads and the relative MIP gap to stop at.

    Raises:
        ValueError: ``seconds`` is not positive, ``workers`` is below 1 or ``relative_gap`` is negative.
    """

    seconds: float = 60.0
    workers: int = 2
    relative_gap: float = 1e-3

    def __post_init__(self) -> None:
        if not (isinstance(self.seconds, int | float) and math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"seconds must be a positive number, got {self.seconds!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be an integer ≥ 1, got {self.workers!r}")
        if not 0 <= self.relative_gap < 1:
            raise ValueError(f"relative_gap must be in [0, 1), got {self.relative_gap!r}")


def solve(problem: NetworkProblem, limits: SolveLimits | None = None, seed: int = 1) -> NetworkResult:
    """Design the network of ``problem`` within ``limits``.

    ``seed`` seeds HiGHS's random choices. Returns a result whose ``status`` says whether a design was
    found and proven optimal (to ``relative_gap``), and whose ``problems`` explain unserved zones,
    missing backups and infeasible limits.
    """
    lim = limits or SolveLimits()
    started = time.perf_counter()
    deadline = started + lim.seconds
    prep = prepare(problem, seconds=lim.seconds / 4, workers=lim.workers)
    problems = list(prep.problems)
    report: N1Report | None = None
    flp = prep.flp
    if flp is None:
        forced = np.array([s.forced_open for s in problem.sites])
        cost = float(sum(s.fixed_cost_pence_per_week for s in problem.sites if s.forced_open))
        sol = FlpSolution(FlpStatus.OPTIMAL, forced, np.zeros(0), cost, cost, 0.0, "trivial")
    elif problem.redundancy is Redundancy.N_1:
        sol, report = solve_n1(
            flp, deadline=deadline, workers=lim.workers, relative_gap=lim.relative_gap, seed=seed
        )
        problems += _n1_problems(prep, report)
    else:
        sol = solve_flp(
            flp,
            seconds=max(1.0, deadline - time.perf_counter()),
            workers=lim.workers,
            relative_gap=lim.relative_gap,
            seed=seed,
        )
    if sol.open is None or sol.flow is None:
        problems.append(_no_design(problem, sol))
        return _empty(prep, sol, problems, report, started)
    outcomes: list[FailureOutcome] = []
    if flp is not None:
        outcomes = failure_outcomes(
            flp, sol.open, seconds=max(2.0, deadline - time.perf_counter()), workers=lim.workers
        )
    return _assemble(prep, sol, outcomes, problems, report, started)


def _assemble(
    prep: Prepared,
    sol: FlpSolution,
    outcomes: list[FailureOutcome],
    problems: list[Problem],
    report: N1Report | None,
    started: float,
) -> NetworkResult:
    problem = prep.problem
    assert sol.open is not None and sol.flow is not None
    open_sites = sol.open | np.array([s.forced_open for s in problem.sites])
    flows: list[Flow] = []
    served = np.zeros((len(problem.sites), len(problem.families)))
    zone_share = np.zeros(len(problem.zones))
    primary: dict[int, int] = {}
    variable = transport = carbon = 0.0
    kg = 0.0
    if prep.flp is not None:
        zone = prep.pair_zone()
        units = prep.units[zone] * prep.share[prep.flp.pair_customer] * sol.flow
        best = np.full(len(problem.zones), -1.0)
        for p in np.flatnonzero(units > 1e-9):
            i, j = int(prep.flp.pair_site[p]), int(zone[p])
            km, h = float(prep.road_km[i, j]), float(prep.hours[i, j])
            flows.append(Flow(problem.sites[i].code, problem.zones[j].outcode, float(units[p]), km, h))
            served[i] += prep.demand[j] * prep.share[prep.flp.pair_customer[p]] * sol.flow[p]
            zone_share[j] += units[p] / prep.units[j]
            if units[p] > best[j]:
                best[j], primary[j] = units[p], i
            variable += units[p] * problem.sites[i].variable_cost_pence_per_unit
            transport += units[p] * km * problem.transport_pence_per_unit_km
            kg += float(units[p]) * km * problem.kg_co2e_per_unit_km
        carbon = kg * problem.carbon_price_gbp_per_tonne * PENCE_PER_KG_PER_GBP_PER_TONNE
    lost_by_site, backup = _failures(prep, outcomes, primary)
    sites = tuple(
        SiteResult(
            code=s.code,
            kind=s.kind,
            open=bool(open_sites[i]),
            forced_open=s.forced_open,
            fixed_cost_pence_per_week=s.fixed_cost_pence_per_week,
            units_per_week=float(served[i].sum()),
            utilisation=float(
                np.max(
                    np.divide(
                        served[i], prep.capacity[i], out=np.zeros_like(served[i]), where=prep.capacity[i] > 0
                    ),
                    initial=0.0,
                )
            ),
            zones_served=sum(1 for f in flows if f.site == s.code),
            lost_if_down_units_per_week=lost_by_site.get(i, 0.0) if open_sites[i] else None,
        )
        for i, s in enumerate(problem.sites)
    )
    zones = tuple(
        ZoneResult(
            outcode=z.outcode,
            units_per_week=float(prep.units[j]),
            served_share=float(min(1.0, zone_share[j])),
            primary=problem.sites[primary[j]].code if j in primary else None,
            backup=_code(problem, backup.get(j)),
            road_km=float(prep.road_km[primary[j], j]) if j in primary else None,
            delivery_hours=float(prep.hours[primary[j], j]) if j in primary else None,
        )
        for j, z in enumerate(problem.zones)
        if prep.units[j] > 0
    )
    fixed = sum(s.fixed_cost_pence_per_week for s in sites if s.open)
    return NetworkResult(
        name=problem.name,
        status=sol.status,
        redundancy=problem.redundancy,
        sites=sites,
        zones=zones,
        flows=tuple(flows),
        cost=CostBreakdown(fixed, round(variable), round(transport), round(carbon)),
        objective_pence=sol.objective,
        bound_pence=sol.bound,
        seconds=time.perf_counter() - started,
        method=sol.method,
        kg_co2e_per_week=float(kg),
        demand_units_per_week=float(prep.units.sum()),
        problems=tuple(problems),
        n1=report,
    )


def _code(problem: NetworkProblem, site: int | None) -> str | None:
    return None if site is None else problem.sites[site].code


def _failures(
    prep: Prepared, outcomes: list[FailureOutcome], primary: dict[int, int]
) -> tuple[dict[int, float], dict[int, int | None]]:
    """Units lost per failed site, and per zone the site taking over most of it when its primary fails."""
    lost: dict[int, float] = {}
    backup: dict[int, int | None] = {}
    if prep.flp is None:
        return lost, backup
    zone = prep.pair_zone()
    weights = prep.units[prep.customers] * prep.share
    by_site = {o.failed: o for o in outcomes}
    for o in outcomes:
        lost[o.failed] = float(o.lost @ weights)
    for j, i in primary.items():
        outcome = by_site.get(i)
        if outcome is None:
            continue
        pairs = np.flatnonzero((zone == j) & (outcome.flows > 1e-9))
        if len(pairs) == 0:
            backup[j] = None
            continue
        backup[j] = int(prep.flp.pair_site[pairs[np.argmax(outcome.flows[pairs])]])
    return lost, backup


def _n1_problems(prep: Prepared, report: N1Report) -> list[Problem]:
    problem = prep.problem
    out = []
    assert prep.flp is not None
    reach = np.bincount(prep.flp.pair_customer, minlength=prep.flp.num_customers)
    weights = prep.flp.load.sum(axis=1)
    for site, lost in report.unavoidable:
        # Zones only this site reaches are already reported ("no backup within reach").
        alone = (reach[prep.flp.pair_customer] == 1) & (prep.flp.pair_site == site)
        units = lost - float(weights[prep.flp.pair_customer[alone]].sum())
        if units > 1e-6 * max(1.0, float(weights.sum())):
            out.append(
                Problem(
                    stage=STAGE,
                    kind=ProblemKind.INFEASIBLE,
                    subject_kind="site",
                    subject=problem.sites[site].code,
                    reason=f"N-1 cannot hold: if {problem.sites[site].code} fails, {units:.1f} units/week "
                    "cannot be served even with every other candidate open (not enough capacity in reach)",
                    severity=Severity.ERROR,
                    binding_constraint="capacity",
                    quantity=units,
                )
            )
    for site, units in report.violations:
        out.append(
            Problem(
                stage=STAGE,
                kind=ProblemKind.INFEASIBLE,
                subject_kind="site",
                subject=problem.sites[site].code,
                reason=f"N-1 not met within the time limit: if {problem.sites[site].code} fails, "
                f"{units:.1f} units/week more than unavoidable are lost",
                severity=Severity.ERROR,
                binding_constraint="n-1",
                quantity=units,
            )
        )
    return out


def _no_design(problem: NetworkProblem, sol: FlpSolution) -> Problem:
    limits = []
    if problem.max_sites is not None:
        limits.append(f"max_sites={problem.max_sites}")
    if problem.budget_pence_per_week is not None:
        limits.append(f"budget={problem.budget_pence_per_week} pence/week")
    if problem.min_sites > 1:
        limits.append(f"min_sites={problem.min_sites}")
    if problem.redundancy is Redundancy.N_1:
        limits.append("N-1 redundancy")
    if sol.status is FlpStatus.NO_SOLUTION:
        reason = "no design found within the time limit (feasibility not decided); allow more seconds"
    else:
        named = ", ".join(limits) if limits else "capacity and coverage"
        reason = f"infeasible: no set of sites serves all demand within reach under {named}"
    return Problem(
        stage=STAGE,
        kind=ProblemKind.INFEASIBLE,
        subject_kind="network",
        subject=problem.name,
        reason=reason,
        severity=Severity.ERROR,
        binding_constraint=", ".join(limits) or None,
    )


def _empty(
    prep: Prepared, sol: FlpSolution, problems: list[Problem], report: N1Report | None, started: float
) -> NetworkResult:
    problem = prep.problem
    return NetworkResult(
        name=problem.name,
        status=sol.status,
        redundancy=problem.redundancy,
        sites=(),
        zones=(),
        flows=(),
        cost=CostBreakdown(0, 0, 0, 0),
        objective_pence=None,
        bound_pence=sol.bound,
        seconds=time.perf_counter() - started,
        method=sol.method,
        kg_co2e_per_week=0.0,
        demand_units_per_week=float(prep.units.sum()),
        problems=tuple(problems),
        n1=report,
    )
