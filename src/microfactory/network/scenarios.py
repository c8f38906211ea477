"""Scenarios: named variants of a network problem, solved and compared side by side.

A scenario is a small set of changes to a :class:`NetworkProblem`: which sites may open, which are down,
the redundancy rule, the delivery-time limit, a carbon price. Three are built in:

- ``centralised``: the central plant alone (the baseline that is always available). It serves every
  zone however far (the delivery limit is lifted to ``CENTRAL_REACH_HOURS``), so its KPIs show what
  distance and time a single plant costs rather than dropping remote zones.
- ``local``: every candidate may open (microfactories allowed), with the problem's own rules.
- ``site_down=X``: the local design without site ``X`` (it cannot open, even if it was forced open).

``compare(results)`` turns solved scenarios into table rows (one per scenario) with the figures a
planner compares: sites open, weekly cost, mean and 95th-percentile distance and time, transport kg
CO2e, share deliverable within 24 h and 48 h, and the demand lost if the largest site fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from microfactory.domain import SiteKind
from microfactory.domain.base import Code, DomainModel
from microfactory.network.problem import NetworkProblem, Redundancy
from microfactory.network.result import NetworkResult
from microfactory.network.solve import SolveLimits, solve

CENTRAL_REACH_HOURS = 168.0
"""Delivery limit of the centralised baseline: a week, so the plant serves every zone in GB."""

Row = dict[str, float | int | str]


class Scenario(DomainModel):
    """Changes applied to a problem; ``None`` keeps the problem's own value."""

    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    only_kinds: tuple[SiteKind, ...] | None = None
    """Only sites of these kinds may open (``centralised``: the central plant)."""
    sites_down: tuple[Code, ...] = ()
    """Sites that cannot open (and are no longer forced open)."""
    redundancy: Redundancy | None = None
    max_delivery_hours: float | None = Field(default=None, gt=0)
    carbon_price_gbp_per_tonne: float | None = Field(default=None, ge=0)
    max_sites: int | None = Field(default=None, ge=1)
    budget_pence_per_week: int | None = Field(default=None, ge=0)

    def apply(self, problem: NetworkProblem) -> NetworkProblem:
        """The problem with this scenario's changes.

        Raises ``KeyError`` naming a site in ``sites_down`` that the problem does not have.
        """
        codes = {s.code for s in problem.sites}
        for code in self.sites_down:
            if code not in codes:
                raise KeyError(f"scenario {self.name}: unknown site {code!r} in sites_down")
        sites = []
        for site in problem.sites:
            allowed = self.only_kinds is None or site.kind in self.only_kinds
            down = site.code in self.sites_down
            if not allowed or down:
                site = site.model_copy(update={"available": False, "forced_open": False})
            sites.append(site)
        changes: dict[str, object] = {"sites": tuple(sites), "name": self.name}
        if self.redundancy is not None:
            changes["redundancy"] = self.redundancy
        if self.max_delivery_hours is not None:
            changes["delivery"] = problem.delivery.model_copy(
                update={"max_delivery_hours": self.max_delivery_hours}
            )
        for name in ("carbon_price_gbp_per_tonne", "max_sites", "budget_pence_per_week"):
            if getattr(self, name) is not None:
                changes[name] = getattr(self, name)
        return problem.replace(**changes)


def centralised() -> Scenario:
    """The central plant alone, serving every zone however far (no redundancy)."""
    return Scenario(
        name="centralised",
        description="the central plant alone",
        only_kinds=(SiteKind.CENTRAL_PLANT,),
        redundancy=Redundancy.NONE,
        max_delivery_hours=CENTRAL_REACH_HOURS,
    )


def local() -> Scenario:
    """Every candidate may open (microfactories allowed), under the problem's rules."""
    return Scenario(name="local", description="microfactories allowed")


def site_down(code: str) -> Scenario:
    """The local design with ``code`` out of action."""
    return Scenario(name=f"site_down={code}", description=f"{code} cannot be used", sites_down=(code,))


def parse_scenario(text: str) -> Scenario:
    """A built-in scenario from its name: ``centralised``, ``local``, ``n-1`` or ``site_down=CODE``.

    Raises ``ValueError`` naming the text when it is not one of these.
    """
    key = text.strip()
    if key == "centralised":
        return centralised()
    if key == "local":
        return local()
    if key == "n-1":
        return Scenario(
            name="n-1", description="microfactories allowed, N-1 redundant", redundancy=Redundancy.N_1
        )
    if key.startswith("site_down=") and len(key) > len("site_down="):
        return site_down(key.split("=", 1)[1])
    raise ValueError(f"unknown scenario {text!r}: use centralised, local, n-1 or site_down=CODE")


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario and its solved design."""

    scenario: Scenario
    result: NetworkResult


def run_scenario(
    problem: NetworkProblem, scenario: Scenario, limits: SolveLimits | None = None, seed: int = 1
) -> ScenarioResult:
    """Apply ``scenario`` to ``problem`` and solve it."""
    return ScenarioResult(scenario, solve(scenario.apply(problem), limits, seed))


COMPARE_COLUMNS = (
    "scenario",
    "sites_open",
    "weekly_cost_pence",
    "mean_km",
    "p95_km",
    "mean_hours",
    "p95_hours",
    "transport_kg_co2e_per_week",
    "share_within_24h",
    "share_within_48h",
    "lost_if_largest_fails_units",
    "unserved_units",
    "gap_pct",
    "feasible",
)
"""Columns of :func:`compare` rows, in order."""


def compare(results: Sequence[ScenarioResult]) -> list[Row]:
    """One row per scenario with :data:`COMPARE_COLUMNS` (money in pence, distance km, time h)."""
    rows = []
    for item in results:
        kpis = item.result.kpis()
        row: Row = {"scenario": item.scenario.name}
        for column in COMPARE_COLUMNS[1:]:
            if column == "unserved_units":
                row[column] = round(
                    max(0.0, item.result.demand_units_per_week - item.result.served_units()), 2
                )
            elif column == "feasible":
                row[column] = "yes" if item.result.is_feasible() else "no"
            else:
                row[column] = kpis[column]
        rows.append(row)
    return rows
