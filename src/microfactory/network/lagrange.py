"""Lagrangian bound for capacitated facility location, used to prove sites closed before the MIP.

Relaxing the demand rows ``Σ_p∋j x_p = 1`` with multipliers ``u_j`` splits the problem by site: site
``i`` is worth ``g_i = f_i − K_i(u)`` where ``K_i`` is the best fractional knapsack of customers with
profit ``u_j − c_ij`` and weight ``L_jr`` into capacity ``C_ir`` (Beasley 1988; Cornuéjols, Sridharan
and Thizy 1991). With several capacity dimensions we use ``min_r`` of the one-dimensional knapsacks,
an upper bound on ``K_i``, so the bound stays valid (only weaker). The sites are then chosen under the
count limits ``k_low ≤ Σ y ≤ k_high`` (forced and blocked sites fixed)::

    L(u) = Σ_j u_j + min_y Σ_i g_i y_i   ≤   optimum, for every u

Any ``u`` gives a valid lower bound; subgradient steps improve it. A site whose opening (or closing)
would push the bound above a known solution's cost is fixed: no better solution changes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from microfactory.network.flp import FacilityLocationProblem
from microfactory.network.mip import BoolArray, FloatArray


@dataclass(frozen=True, eq=False)
class LagrangeState:
    """One evaluation of the Lagrangian function."""

    bound: float
    u: FloatArray
    g: FloatArray
    """(m,) value of opening each site under ``u`` (negative: worth opening)."""
    chosen: BoolArray
    """(m,) sites open in the relaxed solution."""
    take: FloatArray
    """(p,) share of each pair taken in its site's knapsack (if the site is open)."""


def count_limits(flp: FacilityLocationProblem) -> tuple[int, int]:
    """Fewest and most sites any solution opens (capacity, forced sites, min/max open)."""
    active = ~flp.blocked()
    least = max(flp.min_open, int((flp.forced() & active).sum()))
    for k in range(flp.capacity.shape[1]):
        total = float(flp.load[:, k].sum())
        if total > 0:
            caps = np.sort(flp.capacity[active, k])[::-1]
            reach = int(np.searchsorted(np.cumsum(caps), total * (1 - 1e-9))) + 1
            least = max(least, min(reach, len(caps)))
    most = int(active.sum()) if flp.max_open is None else min(flp.max_open, int(active.sum()))
    return least, most


def evaluate(flp: FacilityLocationProblem, u: FloatArray, limits: tuple[int, int]) -> LagrangeState:
    """``L(u)`` with the site values, the relaxed choice of sites and the knapsack shares."""
    m, r = flp.capacity.shape
    profit = u[flp.pair_customer] - flp.pair_cost
    best_value = np.full(m, np.inf)
    take = np.zeros(len(profit))
    for k in range(r):
        value, share = _knapsack(flp.pair_site, profit, flp.load[flp.pair_customer, k], flp.capacity[:, k], m)
        better = value < best_value
        best_value = np.where(better, value, best_value)
        take = np.where(better[flp.pair_site], share, take)
    g = flp.fixed_cost - best_value
    chosen = choose_sites(g, flp.forced(), flp.blocked(), limits)
    bound = float(u.sum() + g[chosen].sum())
    return LagrangeState(bound, u, g, chosen, take)


def _knapsack(
    site: np.ndarray, profit: FloatArray, weight: FloatArray, capacity: FloatArray, m: int
) -> tuple[FloatArray, FloatArray]:
    """Per site, the best fractional knapsack of its pairs (vectorised over all sites at once)."""
    share = np.zeros(len(profit))
    good = profit > 0
    idx = np.flatnonzero(good)
    if len(idx) == 0:
        return np.zeros(m), share
    w, v, s = weight[idx], profit[idx], site[idx]
    ratio = np.where(w > 0, v / np.maximum(w, 1e-300), np.inf)
    order = np.lexsort((-ratio, s))
    w, v, s, idx = w[order], v[order], s[order], idx[order]
    cum = np.cumsum(w)
    first = np.ones(len(s), bool)
    first[1:] = s[1:] != s[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
    before = cum[start] - w[start]
    used_before = cum - w - before
    room = capacity[s] - used_before
    t = np.where(w > 0, np.clip(room / np.maximum(w, 1e-300), 0.0, 1.0), 1.0)
    share[idx] = t
    value: FloatArray = np.bincount(s, weights=t * v, minlength=m).astype(np.float64)
    return value, share


def choose_sites(g: FloatArray, forced: BoolArray, blocked: BoolArray, limits: tuple[int, int]) -> BoolArray:
    """Cheapest sites by ``g`` within the count limits (forced in, blocked out)."""
    least, most = limits
    chosen = forced & ~blocked
    free = np.flatnonzero(~forced & ~blocked)
    order = free[np.argsort(g[free], kind="stable")]
    need = max(0, least - int(chosen.sum()))
    room = max(0, most - int(chosen.sum()))
    wanted = max(need, int(np.sum(g[order] < 0)))
    chosen[order[: min(wanted, room)]] = True
    return chosen


def fixings(
    state: LagrangeState, flp: FacilityLocationProblem, limits: tuple[int, int], upper: float
) -> tuple[BoolArray, BoolArray]:
    """Sites proven closed and proven open in every solution cheaper than ``upper``.

    For each free site, the bound with that site flipped is computed exactly for the count-limited
    choice (flipping in may push out the dearest chosen free site, flipping out may pull in the
    cheapest unchosen one).
    """
    forced, blocked = flp.forced(), flp.blocked()
    free = ~forced & ~blocked
    g, chosen = state.g, state.chosen
    least, most = limits
    count = int(chosen.sum())
    in_free = np.flatnonzero(chosen & free)
    out_free = np.flatnonzero(~chosen & free)
    dearest_in = float(g[in_free].max()) if len(in_free) else np.inf
    cheapest_out = float(g[out_free].min()) if len(out_free) else np.inf
    close = np.zeros(len(g), bool)
    open_ = np.zeros(len(g), bool)
    slack = upper - state.bound
    for i in out_free:
        # Add i; if at the maximum, or if the dearest chosen site was only there to meet the minimum,
        # drop it.
        drop = dearest_in if (count >= most or dearest_in > 0) else 0.0
        delta = g[i] - (drop if np.isfinite(drop) else 0.0)
        if delta > slack * (1 + 1e-9) + 1e-9:
            close[i] = True
    for i in in_free:
        # Remove i; if at the minimum, or if the cheapest unchosen site is worth opening, add it.
        add = cheapest_out if (count <= least or cheapest_out < 0) else 0.0
        delta = add - g[i]  # infinite when no other site can take its place: then it must stay open
        if delta > slack * (1 + 1e-9) + 1e-9:
            open_[i] = True
    return close, open_


def subgradient(
    flp: FacilityLocationProblem,
    u0: FloatArray,
    *,
    upper: float,
    limits: tuple[int, int],
    deadline: float,
    iterations: int = 300,
) -> LagrangeState:
    """Improve ``u`` by subgradient steps (Polyak step length towards ``upper``); returns the best."""
    best = evaluate(flp, u0, limits)
    state = best
    step = 1.0
    stall = 0
    for _ in range(iterations):
        if time.perf_counter() >= deadline:
            break
        served = np.bincount(
            flp.pair_customer, weights=state.take * state.chosen[flp.pair_site], minlength=flp.num_customers
        )
        direction = 1.0 - served
        norm = float(direction @ direction)
        if norm < 1e-12:
            break
        u = state.u + step * max(upper - state.bound, 1e-6 * abs(upper)) / norm * direction
        state = evaluate(flp, u, limits)
        if state.bound > best.bound + 1e-9 * abs(best.bound):
            best, stall = state, 0
        else:
            stall += 1
            if stall >= 15:
                step, stall = step / 2, 0
                state = best
                if step < 1e-4:
                    break
    return best
