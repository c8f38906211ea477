"""Network design: which sites to open, which zones each serves, with delivery-time coverage and N-1.

Engine shape (see ``docs/network.md``)::

    problem = NetworkProblem.from_master(master, weekly_demand, brand="KITCHEN", max_delivery_hours=8)
    result = solve(problem, SolveLimits(seconds=60, workers=2), seed=1)
    result.is_feasible(); result.kpis(); result.explain("IV27")
    rows = compare([run_scenario(problem, s) for s in (centralised(), local())])

The MIP is solved by HiGHS through OR-Tools MathOpt. The same solver path (:func:`solve_flp`) solves
the OR-Library CFLP benchmark via :func:`parse_orlib_cflp`.
"""

from microfactory.network.build import mean_weekly_units, network_problem_from_master, resource_capacity
from microfactory.network.candidates import generate_candidates
from microfactory.network.flp import FacilityLocationProblem, FlpSolution, FlpStatus, YCut, assign, solve_flp
from microfactory.network.orlib import OrlibInstance, parse_orlib_cflp
from microfactory.network.problem import CandidateSite, DeliveryModel, DemandZone, NetworkProblem, Redundancy
from microfactory.network.redundancy import N1Report
from microfactory.network.result import CostBreakdown, Flow, NetworkResult, SiteResult, ZoneResult
from microfactory.network.scenarios import (
    COMPARE_COLUMNS,
    Scenario,
    ScenarioResult,
    centralised,
    compare,
    local,
    parse_scenario,
    run_scenario,
    site_down,
)
from microfactory.network.solve import SolveLimits, solve

__all__ = [
    "COMPARE_COLUMNS",
    "CandidateSite",
    "CostBreakdown",
    "DeliveryModel",
    "DemandZone",
    "FacilityLocationProblem",
    "Flow",
    "FlpSolution",
    "FlpStatus",
    "N1Report",
    "NetworkProblem",
    "NetworkResult",
    "OrlibInstance",
    "Redundancy",
    "Scenario",
    "ScenarioResult",
    "SiteResult",
    "SolveLimits",
    "YCut",
    "ZoneResult",
    "assign",
    "centralised",
    "compare",
    "generate_candidates",
    "local",
    "mean_weekly_units",
    "network_problem_from_master",
    "parse_orlib_cflp",
    "parse_scenario",
    "resource_capacity",
    "run_scenario",
    "site_down",
    "solve",
    "solve_flp",
]
