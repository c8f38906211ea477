"""N-1 redundancy: designs that survive the loss of any one open site, and failure analysis of a design.

**Requirement.** For every open site ``k``, the other open sites must be able to serve every zone within
reach and capacity once ``k`` is lost (demand may be re-split freely in the failure scenario).

**Formulation** (Benders feasibility cuts, a robust "one scenario per site" model generated lazily):

- Coverage: each zone with two or more candidates within reach needs two open sites within reach,
  ``Σ_{i reaches j} y_i ≥ 2`` (added to the master model up front).
- Capacity: for a failed site ``k``, let ``loss_k(y)`` be the least demand (units/week) that the sites
  ``y`` without ``k`` cannot serve: an LP over the flows. By LP duality, with the demand-row duals
  ``u_j`` and capacity-row duals ``w_ir ≤ 0`` of that LP solved at a design ``ŷ``,
  ``loss_k(y) ≥ Σ_j u_j + Σ_i (Σ_r C_ir w_ir) y_i`` for **every** design ``y``: the dual stays feasible
  because ``y`` only appears in the right-hand sides. Sites closed in ``ŷ`` are not in that LP; giving
  them ``w_ir = −θ_i`` with ``θ_i = max_j u_j / L_j`` over the zones they reach keeps the dual feasible,
  so the cut is valid for all designs. Requiring ``loss_k(y) ≤ U_k`` (``U_k`` = the loss with every
  candidate but ``k`` open, zero when N-1 is achievable at all) gives a linear cut on ``y``.
- Loop: solve the master MIP, check each open site's failure LP, add violated cuts, re-solve with the
  previous design (greedily repaired) as a MIP start, until no cut is violated. Every cut is valid, so
  the master's bound is a proven lower bound for the N-1 problem, and the final design is verified
  scenario by scenario.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from microfactory.network.flp import (
    FacilityLocationProblem,
    FlpModel,
    FlpSolution,
    YCut,
    build_model,
    solve_flp,
)
from microfactory.network.mip import BoolArray, FloatArray, IntArray, solve_highs


@dataclass(frozen=True, eq=False)
class FailureOutcome:
    """What happens to the flows when one open site is lost."""

    failed: int
    lost: FloatArray
    """(n,) share of each customer's demand that cannot be served."""
    flows: FloatArray
    """(p,) shares re-routed over the remaining open sites."""


@dataclass(frozen=True, eq=False)
class N1Report:
    """How the N-1 loop ended."""

    verified: bool
    """True when every open site's failure was checked and holds."""
    rounds: int
    cuts: int
    violations: tuple[tuple[int, float], ...]
    """(failed site, units/week lost beyond the unavoidable) still open when the loop stopped."""
    unavoidable: tuple[tuple[int, float], ...]
    """(site, units/week) that are lost when it fails even with every candidate open."""


def _scenario(
    flp: FacilityLocationProblem,
    open_sites: BoolArray,
    failed: int,
    pair_cost: FloatArray,
    lost_cost: FloatArray,
) -> tuple[FlpModel, FacilityLocationProblem]:
    """The failure LP: open sites without ``failed``, plus a "lost" site taking what cannot be served."""
    m = flp.num_sites
    n = flp.num_customers
    lost = m
    extended = FacilityLocationProblem(
        fixed_cost=np.zeros(m + 1),
        capacity=np.vstack([flp.capacity, 2 * flp.load.sum(axis=0) + 1]),
        load=flp.load,
        pair_site=np.concatenate([flp.pair_site, np.full(n, lost)]),
        pair_customer=np.concatenate([flp.pair_customer, np.arange(n)]),
        pair_cost=np.concatenate([pair_cost, lost_cost]),
    )
    sites = np.append(open_sites & ~flp.blocked(), True)
    sites[failed] = False
    built = build_model(extended, np.zeros(0, np.int64), sites=sites, site_rows=False)
    built.model.lower[0][:] = built.model.upper[0][:]
    built.model.upper[1][:] = math.inf  # x ≤ 1 is implied; no bound duals, so the cut below is exact
    return built, extended


def failure_cut(
    flp: FacilityLocationProblem, open_sites: BoolArray, failed: int, *, seconds: float, workers: int = 1
) -> tuple[float, YCut | None]:
    """Units/week lost when ``failed`` goes down, and the feasibility cut ``loss(y) ≤ 0`` in ≥ form.

    The cut's right-hand side is set for zero loss; :func:`solve_n1` shifts it by the unavoidable loss.
    """
    weights = flp.load.sum(axis=1)
    built, _ = _scenario(flp, open_sites, failed, np.zeros(len(flp.pair_site)), weights)
    out = solve_highs(built.model, seconds=seconds, threads=workers, relax=True)
    if out.objective is None or out.duals is None:
        return math.inf, None
    m = flp.num_sites
    u = out.duals[built.demand_rows]
    rows = built.capacity_rows[:m]
    w = np.where(rows >= 0, out.duals[np.maximum(rows, 0)], 0.0)
    coef = -(flp.capacity * w).sum(axis=1)  # −a_i ≥ 0
    in_lp = open_sites & ~flp.blocked()
    in_lp[failed] = False
    ratio = np.where(weights > 0, u / np.maximum(weights, 1e-300), 0.0)
    theta = np.zeros(m)
    np.maximum.at(theta, flp.pair_site, ratio[flp.pair_customer])
    closed = ~in_lp
    coef[closed] = np.maximum(theta[closed], 0.0) * flp.capacity[closed].sum(axis=1)
    coef[failed] = 0.0
    coef[flp.blocked()] = 0.0
    return float(out.objective), YCut(coef=coef, rhs=float(u.sum()))


def solve_n1(
    flp: FacilityLocationProblem,
    *,
    deadline: float,
    workers: int = 1,
    relative_gap: float = 1e-4,
    seed: int = 1,
    max_rounds: int = 50,
) -> tuple[FlpSolution, N1Report]:
    """Cheapest design that survives any single site failure (see the module docstring)."""
    total = float(flp.load.sum())
    tol = 1e-6 * total + 1e-9
    cuts: list[YCut] = []
    unavoidable: dict[int, float] = {}
    hint: BoolArray | None = None
    all_open = ~flp.blocked()
    rounds = 0
    while True:
        rounds += 1
        left = deadline - time.perf_counter()
        sol = solve_flp(
            replace(flp, y_cuts=tuple(cuts)),
            seconds=max(1.0, left),
            workers=workers,
            relative_gap=relative_gap,
            hint_open=hint,
            seed=seed,
        )
        if sol.open is None:
            return sol, N1Report(False, rounds, len(cuts), (), tuple(unavoidable.items()))
        violations: list[tuple[int, float]] = []
        new: list[YCut] = []
        for k in np.flatnonzero(sol.open):
            seconds = max(1.0, deadline - time.perf_counter())
            loss, cut = failure_cut(flp, sol.open, int(k), seconds=seconds, workers=workers)
            if loss <= tol:
                continue
            if int(k) not in unavoidable:
                unavoidable[int(k)] = failure_cut(flp, all_open, int(k), seconds=seconds, workers=workers)[0]
            if loss <= unavoidable[int(k)] + tol or cut is None:
                continue
            violations.append((int(k), loss - unavoidable[int(k)]))
            new.append(YCut(cut.coef, cut.rhs - unavoidable[int(k)] - tol))
        out_of_time = time.perf_counter() >= deadline or rounds >= max_rounds
        if not new or out_of_time:
            report = N1Report(not new, rounds, len(cuts), tuple(violations), tuple(unavoidable.items()))
            return sol, report
        cuts.extend(new)
        hint = _repair(flp, sol.open, cuts)


def _repair(flp: FacilityLocationProblem, open_sites: BoolArray, cuts: list[YCut]) -> BoolArray:
    """Open the cheapest sites (by cut coverage per fixed cost) until every cut holds."""
    design = open_sites.copy()
    candidates = ~design & ~flp.blocked()
    while True:
        deficits = np.array([cut.rhs - float(cut.coef @ design) for cut in cuts])
        short = deficits > 1e-9
        if not short.any() or not candidates.any():
            return design
        gain = sum(np.minimum(cut.coef, d) for cut, d in zip(cuts, deficits, strict=True) if d > 1e-9)
        score = np.where(candidates, gain / np.maximum(flp.fixed_cost, 1.0), -1.0)
        best = int(np.argmax(score))
        if score[best] <= 0:
            return design
        design[best] = True
        candidates[best] = False


def failure_outcomes(
    flp: FacilityLocationProblem, open_sites: BoolArray, *, seconds: float, workers: int = 1
) -> list[FailureOutcome]:
    """For each open site, the cheapest re-routing when it fails and the demand that is then lost.

    Lost demand costs ten times the dearest delivery per unit, so the LP serves all it can first.
    """
    weights = flp.load.sum(axis=1)
    per_unit = flp.pair_cost / np.maximum(weights[flp.pair_customer], 1e-12)
    penalty = 10.0 * (float(per_unit.max()) if len(per_unit) else 1.0) + 1000.0
    outcomes = []
    sites: IntArray = np.flatnonzero(open_sites & ~flp.blocked())
    share = max(0.5, seconds / max(1, len(sites)))
    for k in sites:
        built, extended = _scenario(flp, open_sites, int(k), flp.pair_cost, penalty * weights)
        out = solve_highs(built.model, seconds=share, threads=workers, relax=True)
        flows = np.zeros(len(extended.pair_site))
        if out.values is not None:
            flows[built.kept] = np.clip(out.values[built.x], 0.0, 1.0)
        else:
            flows[len(flp.pair_site) :] = 1.0
        p = len(flp.pair_site)
        outcomes.append(FailureOutcome(int(k), flows[p:], flows[:p]))
    return outcomes
