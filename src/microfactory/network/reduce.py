"""Large instances: a proven reduction before the MIP (Lagrangian fixing of sites), then the strong MIP.

On instances with many pairs the strong model's LP is the bottleneck (100 sites × 1,000 customers:
about 40 s for the root LP alone here). The reduction:

1. Subgradient steps on the Lagrangian over **all** pairs (``lagrange``), from each customer's
   cheapest pair cost: a lower bound ``LB`` valid for the full instance, and the value ``g_i`` of
   opening each site.
2. A first design: the strong MIP over the ``KERNEL_MIN`` (or more) most promising sites by ``g`` with
   all their pairs, for a quarter of the time; its cost is an upper bound ``UB``.
3. Close every site whose opening would lift the Lagrangian bound above ``UB`` (and keep open every site
   whose closing would): no solution cheaper than ``UB`` uses them, so nothing is lost.
4. Solve the strong MIP on the remaining sites with all their pairs, started from the best design.
   Its bound, capped by ``UB``, is a proven bound for the full instance.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from microfactory.network.flp import (
    FacilityLocationProblem,
    FlpSolution,
    FlpStatus,
    assign,
    build_model,
    to_solution,
)
from microfactory.network.greedy import greedy_design
from microfactory.network.lagrange import count_limits, evaluate, fixings, subgradient
from microfactory.network.mip import BoolArray, FloatArray, IntArray, solve_highs

KERNEL_MIN = 25
KERNEL_GAP = 0.01
"""The kernel MIP runs only when the Lagrangian bound is this far below the best design."""
CHUNK = 100
CHUNKS = 6
"""Subgradient iterations between Lagrangian heuristic designs, and how many rounds at most."""
"""Fewest sites in the kernel MIP that finds the first good design."""


def restrict(flp: FacilityLocationProblem, pairs: IntArray) -> FacilityLocationProblem:
    """The same instance with only the pairs ``pairs`` (indices into the pair list)."""
    return replace(
        flp,
        pair_site=flp.pair_site[pairs],
        pair_customer=flp.pair_customer[pairs],
        pair_cost=flp.pair_cost[pairs],
    )


def solve_large(
    flp: FacilityLocationProblem,
    *,
    deadline: float,
    workers: int,
    relative_gap: float,
    hint_open: BoolArray | None,
    seed: int,
    verbose: bool,
) -> FlpSolution:
    """Solve a large instance by Lagrangian site fixing and a reduced strong MIP (see module docstring)."""
    started = time.perf_counter()
    limits = count_limits(flp)
    u0 = _cheapest(flp)
    first = evaluate(flp, u0, limits)
    start = _fill(flp, first.g, greedy_design(flp, limits), limits)
    best = _best_of(flp, [start] + ([] if hint_open is None else [hint_open]), deadline, workers)
    upper = best[0] if best is not None else float(flp.fixed_cost.sum() + flp.pair_cost.sum())
    sub_deadline = min(deadline, time.perf_counter() + 0.2 * (deadline - time.perf_counter()))
    state = first
    for _ in range(CHUNKS):
        state = subgradient(flp, state.u, upper=upper, limits=limits, deadline=sub_deadline, iterations=CHUNK)
        found = _best_of(flp, [_fill(flp, state.g, state.chosen, limits)], deadline, workers)
        if found is not None and (best is None or found[0] < best[0]):
            best, upper = found, found[0]
        if time.perf_counter() >= sub_deadline or state.bound >= upper * (1 - relative_gap):
            break
    if best is None or state.bound < best[0] * (1 - KERNEL_GAP):
        kernel = _kernel(flp, state.g, limits, deadline, workers, seed)
        if kernel is not None and (best is None or kernel[0] < best[0]):
            best = kernel
            upper = kernel[0]
    close, keep_open = (
        fixings(state, flp, limits, upper) if best is not None else (np.zeros(flp.num_sites, bool),) * 2
    )
    reduced = replace(flp, closed=flp.blocked() | close, forced_open=flp.forced() | keep_open)
    method = (
        f"lagrange-reduced-mip (closed {int(close.sum())}, kept {int(keep_open.sum())} "
        f"of {flp.num_sites} sites)"
    )
    if best is not None and state.bound >= best[0] * (1 - relative_gap):
        return FlpSolution(
            FlpStatus.OPTIMAL,
            best[1],
            best[2],
            best[0],
            min(best[0], state.bound),
            time.perf_counter() - started,
            method,
        )
    full = build_model(reduced, np.arange(len(reduced.pair_site)))
    hint = None
    if best is not None:
        hint = np.zeros(full.model.num_vars)
        hint[full.y] = best[1].astype(np.float64)
        hint[full.x] = best[2][full.kept]
    out = solve_highs(
        full.model,
        seconds=max(1.0, deadline - time.perf_counter()),
        threads=workers,
        relative_gap=relative_gap,
        hint=hint,
        seed=seed,
        verbose=verbose,
    )
    sol = to_solution(reduced, full, out.status, out.objective, out.bound, out.values, started, method)
    bound = state.bound
    if out.bound is not None:
        # Every solution cheaper than UB lies in the reduced instance, so min(its bound, UB) is proven.
        bound = max(bound, min(out.bound, upper) if best is not None else out.bound)
    if best is not None and (sol.objective is None or best[0] < sol.objective):
        sol = FlpSolution(FlpStatus.FEASIBLE, best[1], best[2], best[0], None, 0.0, method)
    if sol.objective is None:
        return replace(sol, bound=bound, seconds=time.perf_counter() - started)
    bound = min(bound, sol.objective)
    proven = sol.objective - bound <= relative_gap * abs(sol.objective) + 1e-9
    status = FlpStatus.OPTIMAL if proven else FlpStatus.FEASIBLE
    return replace(sol, status=status, bound=bound, seconds=time.perf_counter() - started)


def _cheapest(flp: FacilityLocationProblem) -> FloatArray:
    u = np.full(flp.num_customers, np.inf)
    np.minimum.at(u, flp.pair_customer, flp.pair_cost)
    return u


def _fill(
    flp: FacilityLocationProblem, g: FloatArray, chosen: BoolArray, limits: tuple[int, int]
) -> BoolArray:
    """A workable design from a relaxed choice of sites: add sites until every customer has its required
    number of open sites within reach (greedy set cover by demand newly covered per fixed cost), then by
    ``g`` until capacity covers demand with 5 % to spare."""
    design = (chosen | flp.forced()) & ~flp.blocked()
    weight = flp.load.sum(axis=1)
    need_cover = flp.cover()
    while design.sum() < limits[1]:
        covered = np.bincount(flp.pair_customer, weights=design[flp.pair_site], minlength=flp.num_customers)
        short = covered < need_cover
        if not short.any():
            break
        gain = np.bincount(
            flp.pair_site, weights=(short * weight)[flp.pair_customer], minlength=flp.num_sites
        )
        gain[design | flp.blocked()] = 0.0
        if gain.max() <= 0:
            break
        design[int(np.argmax(gain / np.maximum(flp.fixed_cost, 1.0)))] = True
    need = flp.load.sum(axis=0) * 1.05
    for i in np.argsort(g, kind="stable"):
        if np.all(flp.capacity[design].sum(axis=0) >= need) or design.sum() >= limits[1]:
            break
        if not flp.blocked()[i]:
            design[i] = True
    return design


def _best_of(
    flp: FacilityLocationProblem, designs: list[BoolArray], deadline: float, workers: int
) -> tuple[float, BoolArray, FloatArray] | None:
    """The cheapest of ``designs``, each costed exactly by a transportation LP over all its pairs."""
    best: tuple[float, BoolArray, FloatArray] | None = None
    for design in designs:
        done = assign(flp, design, seconds=max(1.0, 0.05 * (deadline - time.perf_counter())), workers=workers)
        if done is not None and (best is None or done[0] < best[0]):
            best = (done[0], design | flp.forced(), done[1])
    return best


def _kernel(
    flp: FacilityLocationProblem,
    g: FloatArray,
    limits: tuple[int, int],
    deadline: float,
    workers: int,
    seed: int,
) -> tuple[float, BoolArray, FloatArray] | None:
    """A design from the strong MIP over the most promising sites by ``g`` (with all their pairs)."""
    free = np.flatnonzero(~flp.forced() & ~flp.blocked())
    size = max(KERNEL_MIN, 3 * limits[0])
    if len(free) <= size:
        return None
    keep = flp.forced() | np.isin(np.arange(flp.num_sites), free[np.argsort(g[free], kind="stable")[:size]])
    kernel = replace(flp, closed=flp.blocked() | ~keep)
    built = build_model(kernel, np.arange(len(kernel.pair_site)))
    seconds = 0.25 * (deadline - time.perf_counter())
    out = solve_highs(built.model, seconds=max(1.0, seconds), threads=workers, relative_gap=1e-4, seed=seed)
    if out.values is None or out.objective is None:
        return None
    flows = np.zeros(len(flp.pair_site))
    flows[built.kept] = np.clip(out.values[built.x], 0.0, 1.0)
    return out.objective, out.values[built.y] > 0.5, flows
