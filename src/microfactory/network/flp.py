"""Capacitated facility location over sparse site–customer pairs: the model under network design.

``FacilityLocationProblem`` is plain arrays: sites with fixed costs and multi-dimensional capacity,
customers with loads, and only the *allowed* pairs (coverage pruning happens before: a pair exists only
when the site reaches the customer in time). Both the network-design engine and the OR-Library CFLP
benchmark are solved through :func:`solve_flp`, so they share one solver path.

Formulation (Cornuéjols, Sridharan and Thizy 1991, "strong" CFLP): open ``y_i ∈ {0,1}``; share
``x_p ∈ [0,1]`` of customer ``j``'s demand served by pair ``p = (i, j)``::

    min  Σ_i f_i y_i + Σ_p c_p x_p
    s.t. Σ_{p∋j} x_p = 1                         every customer fully served
         Σ_{p∋i} L_jr x_p ≤ C_ir y_i              capacity per site and dimension
         x_p ≤ y_i                                linking (makes the LP relaxation tight)
         Σ_i C_ir y_i ≥ Σ_j L_jr                  total capacity (valid; helps cuts)
         Σ_i y_i ≥ k_r                            fewest sites whose capacity can hold the demand
         Σ_{p∋j} y_i ≥ cover_j                    open sites within reach (2 for N-1)
         min/max open, budget Σ f_i y_i ≤ B, extra cuts on y (N-1 feasibility cuts)

The per-site capacity rows alone already force ``x = 0`` at closed sites, so the linking rows only
strengthen the relaxation; on very large instances only those that the LP relaxation violates are added
(a cutting-plane loop at the root), which keeps the model valid and the bound proven.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from microfactory.network.mip import BoolArray, FloatArray, IntArray, SolveStatus, SparseModel, solve_highs

log = logging.getLogger(__name__)

LINK_ALL_LIMIT = 60_000
"""Up to this many pairs every linking row is in the model; above it they are separated lazily."""


class FlpStatus(StrEnum):
    """Outcome of a facility-location solve."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True, eq=False)
class YCut:
    """A valid inequality on the open variables: ``Σ_i coef_i y_i ≥ rhs``."""

    coef: FloatArray
    rhs: float


@dataclass(frozen=True, eq=False)
class FacilityLocationProblem:
    """Arrays of a capacitated facility-location instance (costs in any one currency unit).

    Raises ``ValueError`` naming the field when shapes or values are inconsistent.
    """

    fixed_cost: FloatArray
    """(m,) cost of opening each site."""
    capacity: FloatArray
    """(m, r) capacity per site and dimension."""
    load: FloatArray
    """(n, r) load of each customer's full demand per dimension."""
    pair_site: IntArray
    """(p,) site of each allowed pair."""
    pair_customer: IntArray
    """(p,) customer of each allowed pair."""
    pair_cost: FloatArray
    """(p,) cost of serving the customer's whole demand through the pair."""
    forced_open: BoolArray | None = None
    closed: BoolArray | None = None
    """Sites that may not open."""
    single_sourcing: bool = False
    min_open: int = 0
    max_open: int | None = None
    budget: float | None = None
    """Cap on Σ fixed cost of the open sites."""
    min_cover: IntArray | None = None
    """(n,) number of open sites each customer needs within reach (default 1)."""
    y_cuts: tuple[YCut, ...] = field(default=())

    def __post_init__(self) -> None:
        m, n, p = len(self.fixed_cost), len(self.load), len(self.pair_site)
        if self.capacity.ndim != 2 or self.capacity.shape[0] != m:
            raise ValueError(f"capacity: expected shape ({m}, r), got {self.capacity.shape}")
        if self.load.ndim != 2 or self.load.shape[1] != self.capacity.shape[1]:
            raise ValueError(f"load: expected shape ({n}, {self.capacity.shape[1]}), got {self.load.shape}")
        for name in ("pair_customer", "pair_cost"):
            if len(getattr(self, name)) != p:
                raise ValueError(
                    f"{name}: expected {p} entries like pair_site, got {len(getattr(self, name))}"
                )
        if p and (self.pair_site.min() < 0 or self.pair_site.max() >= m):
            raise ValueError("pair_site: site index out of range")
        if p and (self.pair_customer.min() < 0 or self.pair_customer.max() >= n):
            raise ValueError("pair_customer: customer index out of range")
        if np.any(self.load < 0) or np.any(self.capacity < 0) or np.any(self.fixed_cost < 0):
            raise ValueError("fixed_cost, capacity and load must be ≥ 0")
        reached = np.zeros(n, dtype=bool)
        reached[self.pair_customer] = True
        if not reached.all():
            raise ValueError(
                f"pair_customer: customer {int(np.flatnonzero(~reached)[0])} has no allowed pair"
            )
        if self.max_open is not None and self.max_open < self.min_open:
            raise ValueError(f"max_open ({self.max_open}) is below min_open ({self.min_open})")

    @property
    def num_sites(self) -> int:
        """Number of sites (m)."""
        return len(self.fixed_cost)

    @property
    def num_customers(self) -> int:
        """Number of customers (n)."""
        return len(self.load)

    def forced(self) -> BoolArray:
        """Sites that must open, as a mask."""
        return np.zeros(self.num_sites, bool) if self.forced_open is None else self.forced_open

    def blocked(self) -> BoolArray:
        """Sites that may not open, as a mask."""
        return np.zeros(self.num_sites, bool) if self.closed is None else self.closed

    def cover(self) -> IntArray:
        """Open sites required within reach of each customer."""
        return np.ones(self.num_customers, np.int64) if self.min_cover is None else self.min_cover


@dataclass(frozen=True, eq=False)
class FlpSolution:
    """A design and its flows, with the solver's proven bound."""

    status: FlpStatus
    open: BoolArray | None
    flow: FloatArray | None
    """(p,) share of the customer's demand served through each pair."""
    objective: float | None
    bound: float | None
    """Proven lower bound on the optimum (None when unknown)."""
    seconds: float
    method: str = "strong-mip"

    @property
    def gap(self) -> float | None:
        """Relative MIP gap ``(objective − bound) / |objective|`` (0 when proven optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))


def solve_flp(
    flp: FacilityLocationProblem,
    *,
    seconds: float,
    workers: int = 1,
    relative_gap: float = 1e-4,
    hint_open: BoolArray | None = None,
    seed: int = 1,
    verbose: bool = False,
) -> FlpSolution:
    """Solve ``flp`` to ``relative_gap`` within ``seconds`` (HiGHS via MathOpt).

    ``hint_open`` (a design) is completed with its cheapest assignment and given to HiGHS as a MIP start.
    Never raises for an infeasible instance: the status says so.
    """
    started = time.perf_counter()
    deadline = started + seconds
    if len(flp.pair_site) > LINK_ALL_LIMIT and not flp.single_sourcing:
        from microfactory.network.reduce import solve_large

        return solve_large(
            flp,
            deadline=deadline,
            workers=workers,
            relative_gap=relative_gap,
            hint_open=hint_open,
            seed=seed,
            verbose=verbose,
        )
    built = build_model(flp, np.arange(len(flp.pair_site)))
    hint = _hint(flp, built, hint_open, deadline, workers) if hint_open is not None else None
    out = solve_highs(
        built.model,
        seconds=deadline - time.perf_counter(),
        threads=workers,
        relative_gap=relative_gap,
        hint=hint,
        seed=seed,
        verbose=verbose,
    )
    return to_solution(flp, built, out.status, out.objective, out.bound, out.values, started)


def to_solution(
    flp: FacilityLocationProblem,
    built: FlpModel,
    status: SolveStatus,
    objective: float | None,
    bound: float | None,
    values: FloatArray | None,
    started: float,
    method: str = "strong-mip",
) -> FlpSolution:
    """Translate a solver outcome into an :class:`FlpSolution` (open mask, flows per pair, bound)."""
    elapsed = time.perf_counter() - started
    if values is None:
        return FlpSolution(FlpStatus(status.value), None, None, None, bound, elapsed, method)
    flows = np.zeros(len(flp.pair_site))
    flows[built.kept] = np.clip(values[built.x], 0.0, 1.0)
    return FlpSolution(
        FlpStatus(status.value), values[built.y] > 0.5, flows, objective, bound, elapsed, method
    )


@dataclass(frozen=True, eq=False)
class FlpModel:
    """A built model and where its parts are: variable indices and row indices."""

    model: SparseModel
    y: IntArray
    """(m,) variable index of each site's open variable."""
    x: IntArray
    """Variable index of each kept pair's share (pairs of ``kept``)."""
    kept: IntArray
    """Indices into the problem's pair list of the pairs in the model."""
    demand_rows: IntArray
    """(n,) row of each customer's ``Σ x = 1``."""
    capacity_rows: IntArray
    """(m, r) row of each site's capacity per dimension, −1 when absent."""


def build_model(
    flp: FacilityLocationProblem, links: IntArray, *, sites: BoolArray | None = None, site_rows: bool = True
) -> FlpModel:
    """The strong MIP with linking rows for the pairs ``links`` (indices into the pair list).

    ``sites`` restricts the model to a subset of sites (pairs of other sites are left out), which is
    how the large-instance path solves the problem once sites are proven closed.
    """
    m, r = flp.capacity.shape
    active = ~flp.blocked() if sites is None else sites & ~flp.blocked()
    keep = active[flp.pair_site]
    ps, pc, cost = flp.pair_site[keep], flp.pair_customer[keep], flp.pair_cost[keep]
    model = SparseModel()
    y = model.add_vars(m, cost=flp.fixed_cost, integer=True)
    y_upper = model.upper[-1]
    y_upper[~active] = 0.0
    model.lower[-1][flp.forced() & active] = 1.0
    x = model.add_vars(len(ps), cost=cost, integer=flp.single_sourcing)
    n = flp.num_customers
    demand_rows = model.add_rows(n, pc, x, 1.0, lower=1.0, upper=1.0)
    capacity_rows = np.full((m, r), -1, dtype=np.int64)
    # Capacity per site and dimension, only where some customer loads the dimension.
    for k in range(r):
        load = flp.load[pc, k]
        if not np.any(load > 0):
            continue
        used = np.zeros(m, bool)
        used[ps[load > 0]] = True
        row_of = np.cumsum(used) - 1
        sel = load > 0
        idx = np.flatnonzero(used)
        capacity_rows[idx, k] = model.add_rows(
            len(idx),
            np.concatenate([row_of[ps[sel]], row_of[idx]]),
            np.concatenate([x[sel], y[idx]]),
            np.concatenate([load[sel], -flp.capacity[idx, k]]),
            upper=0.0,
        )
    # Linking rows x_p ≤ y_i for the chosen pairs (indices into the full pair list).
    mask = np.zeros(len(flp.pair_site), bool)
    mask[links] = True
    sel = np.flatnonzero(mask[keep])
    if len(sel):
        local = np.arange(len(sel))
        model.add_rows(
            len(sel),
            np.concatenate([local, local]),
            np.concatenate([x[sel], y[ps[sel]]]),
            np.concatenate([np.ones(len(sel)), -np.ones(len(sel))]),
            upper=0.0,
        )
    if site_rows:
        _add_site_rows(flp, model, y, active, ps, pc)
    return FlpModel(model, y, x, np.flatnonzero(keep), demand_rows, capacity_rows)


def _add_site_rows(
    flp: FacilityLocationProblem,
    model: SparseModel,
    y: IntArray,
    active: BoolArray,
    ps: IntArray,
    pc: IntArray,
) -> None:
    m, r = flp.capacity.shape
    total = flp.load.sum(axis=0)
    least = int(flp.forced().sum())
    for k in range(r):
        if total[k] <= 0:
            continue
        model.add_rows(1, np.zeros(m, np.int64), y, flp.capacity[:, k], lower=total[k] * (1 - 1e-9))
        caps = np.sort(flp.capacity[active, k])[::-1]
        reach = np.searchsorted(np.cumsum(caps), total[k] * (1 - 1e-9)) + 1
        least = max(least, int(min(reach, len(caps))))
    lower = max(least, flp.min_open)
    upper = flp.max_open if flp.max_open is not None else m
    model.add_rows(1, np.zeros(m, np.int64), y, 1.0, lower=lower, upper=upper)
    if flp.budget is not None:
        model.add_rows(1, np.zeros(m, np.int64), y, flp.fixed_cost, upper=flp.budget)
    cover = flp.cover()
    if np.any(cover > 1):
        sel = cover[pc] > 1
        customers = np.unique(pc[sel])
        row_of = np.full(flp.num_customers, -1)
        row_of[customers] = np.arange(len(customers))
        model.add_rows(
            len(customers), row_of[pc[sel]], y[ps[sel]], 1.0, lower=cover[customers].astype(np.float64)
        )
    for cut in flp.y_cuts:
        nz = np.flatnonzero(cut.coef)
        model.add_rows(1, np.zeros(len(nz), np.int64), y[nz], cut.coef[nz], lower=cut.rhs)


def assign(
    flp: FacilityLocationProblem, open_sites: BoolArray, *, seconds: float, workers: int = 1
) -> tuple[float, FloatArray] | None:
    """Cheapest flows for a fixed design (a transportation LP); ``None`` when the design cannot serve all.

    Returns ``(total cost including fixed costs, flows per pair)``.
    """
    built = build_model(flp, np.zeros(0, np.int64), sites=flp.forced() | open_sites, site_rows=False)
    built.model.lower[0][:] = built.model.upper[0][:]
    out = solve_highs(built.model, seconds=seconds, threads=workers, relax=True)
    if out.values is None or out.objective is None:
        return None
    flows = np.zeros(len(flp.pair_site))
    flows[built.kept] = np.clip(out.values[built.x], 0.0, 1.0)
    return out.objective, flows


def _hint(
    flp: FacilityLocationProblem, built: FlpModel, hint_open: BoolArray, deadline: float, workers: int
) -> FloatArray | None:
    done = assign(flp, hint_open, seconds=max(1.0, 0.2 * (deadline - time.perf_counter())), workers=workers)
    if done is None or flp.single_sourcing:
        return None
    values = np.zeros(built.model.num_vars)
    values[built.y] = (flp.forced() | hint_open).astype(np.float64)
    values[built.x] = done[1][built.kept]
    return values
