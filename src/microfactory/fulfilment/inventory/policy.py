"""Stocking rules: order-up-to and (s, S) levels for a fill rate, newsvendor quantities, a normal baseline.

All levels are in whole units and come from :class:`~.distribution.DemandDistribution` objects over the
intervals that matter for a periodic review (Silver, Pyke & Peterson 2017, ch. 6–7; Axsäter 2015, ch. 5):

- ``lead``: demand from placing an order until it arrives (the lead time ``L``);
- ``protection``: demand from placing an order until the *next* order arrives (``L + R``).

With an order-up-to level ``S`` the units short in one review cycle are
``E[(D_{L+R} − S)+] − E[(D_L − S)+]`` (Hadley & Whitin 1963), so the fill rate (share of demand served from
stock) is ``1 − that / E[D_R]`` — a fill-rate target is met through the expected shortage per cycle, not by
a quantile. An (s, S) rule (minimum order quantity, pack sizes) averages the same over the stationary
inventory position after ordering, computed exactly from the review-period demand (a Markov chain on
``s + 1 … S``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory.distribution import DemandDistribution, FloatArray

MAX_CHAIN_STATES = 400
"""(s, S) gaps above this use the uniform inventory-position approximation instead of the exact chain."""


class DemandClass(StrEnum):
    """Syntetos–Boylan–Croston demand classes (Syntetos, Boylan & Croston 2005)."""

    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"
    NONE = "none"
    """No demand in the history."""


ADI_CUT = 1.32
CV2_CUT = 0.49


def classify_demand(
    history: FloatArray | NDArray[np.int64] | list[float],
) -> tuple[DemandClass, float, float]:
    """Demand class, ADI (mean periods between demands) and CV² of non-zero sizes of a series.

    Cut-offs ADI 1.32 and CV² 0.49 (Syntetos, Boylan & Croston 2005).
    """
    values = np.asarray(history, dtype=np.float64)
    nonzero = values[values > 0]
    if len(nonzero) == 0:
        return DemandClass.NONE, math.inf, 0.0
    adi = len(values) / len(nonzero)
    cv2 = float(np.var(nonzero) / np.mean(nonzero) ** 2) if len(nonzero) > 1 else 0.0
    if adi < ADI_CUT:
        return (DemandClass.SMOOTH if cv2 < CV2_CUT else DemandClass.ERRATIC), adi, cv2
    return (DemandClass.INTERMITTENT if cv2 < CV2_CUT else DemandClass.LUMPY), adi, cv2


class PolicyKind(StrEnum):
    """How a hub × SKU is stocked."""

    ORDER_UP_TO = "order_up_to"
    """Periodic order-up-to (base stock) for a fill-rate target: intermittent spares and accessories."""
    MIN_MAX = "min_max"
    """(s, S) for a fill-rate target when a minimum order quantity or pack size forces bigger orders."""
    CYCLE_SERVICE = "cycle_service"
    """Order-up-to at a quantile of protection-interval demand (cycle service level)."""
    NEWSVENDOR = "newsvendor"
    """Perishables: today's sales from today's delivery, quantity from the critical ratio."""
    NORMAL = "normal"
    """Textbook baseline: normal approximation ``s = mu + zsigma`` over the protection interval."""


@dataclass(frozen=True)
class CycleDemand:
    """Demand over one review cycle's intervals: lead time, protection interval and review period."""

    lead: DemandDistribution
    protection: DemandDistribution
    review_mean_units: float


@dataclass(frozen=True)
class Levels:
    """Reorder point ``s`` and order-up-to level ``S`` for one review (``s < S``)."""

    reorder_point: int
    order_up_to: int
    expected_fill_rate: float


def fill_rate_curve(cycle: CycleDemand, top: int) -> FloatArray:
    """Expected fill rate of order-up-to levels ``S = 0 … top`` (Hadley–Whitin shortage per cycle)."""
    if cycle.review_mean_units <= 0:
        return np.ones(top + 1)
    short = cycle.protection.loss_curve(top) - cycle.lead.loss_curve(top)
    return np.asarray(np.clip(1.0 - np.clip(short, 0, None) / cycle.review_mean_units, 0.0, 1.0))


def _top(cycle: CycleDemand, extra: int = 0) -> int:
    return len(cycle.protection.pmf) + extra + 1


def order_up_to_for_fill_rate(cycle: CycleDemand, target: float) -> Levels:
    """Smallest order-up-to level whose expected fill rate reaches ``target`` (0 < target < 1)."""
    _check_target(target)
    curve = fill_rate_curve(cycle, _top(cycle))
    hits = np.nonzero(curve >= target - 1e-12)[0]
    level = int(hits[0]) if len(hits) else len(curve) - 1
    return Levels(level - 1, level, float(curve[level]))


def order_up_to_for_cycle_service(cycle: CycleDemand, target: float) -> Levels:
    """Order-up-to level at the ``target`` quantile of protection-interval demand (cycle service level)."""
    _check_target(target)
    level = cycle.protection.quantile(target)
    curve = fill_rate_curve(cycle, level)
    return Levels(level - 1, level, float(curve[level]))


def min_max_fill_rate(
    cycle: CycleDemand, review: DemandDistribution, reorder_point: int, order_up_to: int
) -> float:
    """Expected fill rate of (s, S): shortage averaged over the stationary position after ordering.

    The inventory position after a review is a Markov chain on ``s + 1 … S``: from ``y`` it drops by
    the review-period demand and is raised back to ``S`` when it reaches ``s`` or below.
    """
    s, big_s = reorder_point, order_up_to
    if big_s <= s:
        raise InvalidInputError.single("policy", f"order-up-to {big_s} must exceed reorder point {s}")
    if cycle.review_mean_units <= 0:
        return 1.0
    states = np.arange(s + 1, big_s + 1)
    if len(states) == 1:
        weights = np.ones(1)
    elif len(states) > MAX_CHAIN_STATES:
        weights = np.full(len(states), 1.0 / len(states))
    else:
        n = len(states)
        pmf = review.pmf
        trans = np.zeros((n, n))
        for i in range(n):
            # Demand d < i+1 keeps the position at state i - d; larger demand triggers an order up to S.
            stay = pmf[: i + 1]
            trans[i, i - np.arange(len(stay))] += stay
            trans[i, n - 1] += 1.0 - stay.sum()
        # Stationary distribution: left eigenvector of eigenvalue 1, via a least-squares solve.
        a = np.vstack([trans.T - np.eye(n), np.ones(n)])
        b = np.concatenate([np.zeros(n), [1.0]])
        weights = np.clip(np.linalg.lstsq(a, b, rcond=None)[0], 0, None)
        weights /= weights.sum()
    short = cycle.protection.loss_at(states) - cycle.lead.loss_at(states)
    return float(np.clip(1.0 - (weights @ np.clip(short, 0, None)) / cycle.review_mean_units, 0.0, 1.0))


def min_max_for_fill_rate(
    cycle: CycleDemand, review: DemandDistribution, target: float, order_quantity: int
) -> Levels:
    """Smallest reorder point ``s`` (with ``S = s + order_quantity``) reaching a fill-rate ``target``."""
    _check_target(target)
    q = max(1, int(order_quantity))
    if q == 1:
        return order_up_to_for_fill_rate(cycle, target)
    lo, hi = -q, _top(cycle)
    while lo < hi:  # the fill rate rises with s: binary search for the smallest s that reaches it
        mid = (lo + hi) // 2
        if min_max_fill_rate(cycle, review, mid, mid + q) >= target - 1e-12:
            hi = mid
        else:
            lo = mid + 1
    return Levels(lo, lo + q, min_max_fill_rate(cycle, review, lo, lo + q))


def order_quantity(mean_review_units: float, minimum_order: int = 1, pack_size: int = 1) -> int:
    """Order quantity of an (s, S) rule: at least a review period's mean, the MOQ, whole packs."""
    if minimum_order < 1 or pack_size < 1:
        raise InvalidInputError.single("policy", "minimum order and pack size must be at least 1")
    units = max(minimum_order, math.ceil(mean_review_units), 1)
    return int(math.ceil(units / pack_size) * pack_size)


def round_order(units: int, minimum_order: int = 1, pack_size: int = 1) -> int:
    """An order of at least ``units``: raised to the minimum order, then to whole packs (0 stays 0)."""
    if units <= 0:
        return 0
    units = max(units, minimum_order)
    return int(math.ceil(units / pack_size) * pack_size)


def normal_levels(cycle: CycleDemand, z: float, order_qty: int = 1) -> Levels:
    """Textbook baseline: ``s = round(mu + zsigma)`` of protection-interval demand and ``S = s + Q``.

    With ``Q = 1`` this is a normal-approximation order-up-to level ``S = ⌈mu + zsigma⌉``.
    """
    mean = cycle.protection.mean
    sd = math.sqrt(cycle.protection.variance)
    if order_qty <= 1:
        level = max(0, math.ceil(mean + z * sd - 1e-9))
        return Levels(level - 1, level, float(fill_rate_curve(cycle, level)[level]))
    s = max(-1, round(mean + z * sd))
    return Levels(s, s + order_qty, float("nan"))


def critical_ratio(margin_pence: int, waste_cost_pence: int) -> float:
    """Newsvendor critical ratio ``cu / (cu + co)``: margin lost per unit short vs cost per unit wasted."""
    if margin_pence < 0 or waste_cost_pence < 0 or margin_pence + waste_cost_pence == 0:
        raise InvalidInputError.single("newsvendor", "margin and waste cost must be ≥ 0 and not both 0")
    return margin_pence / (margin_pence + waste_cost_pence)


def newsvendor_quantity(demand: DemandDistribution, margin_pence: int, waste_cost_pence: int) -> int:
    """Units to stock for one selling day of a 24-hour product: the critical-ratio quantile of demand."""
    return demand.quantile(critical_ratio(margin_pence, waste_cost_pence))


def carry_over_level(
    demand: DemandDistribution, margin_pence: int, waste_cost_pence: int, *, days: int = 4000, seed: int
) -> int:
    """Order-up-to level for a 48-hour product whose leftovers are sold the next day first (FEFO).

    Each day the order tops sellable stock up to ``S``; yesterday's leftovers go first and whatever of
    them is unsold at the end of the day is written off. The level maximises simulated profit
    (margin × sales − waste cost × waste) over ``days`` days drawn from ``demand`` with ``seed``; it is at
    least the 24-hour newsvendor quantity (carrying over makes each extra unit cheaper to hold).
    """
    base = newsvendor_quantity(demand, margin_pence, waste_cost_pence)
    draws = np.random.default_rng(seed).choice(len(demand.pmf), size=days, p=demand.pmf)
    candidates = np.arange(base, max(base, demand.quantile(0.999)) + 1)
    carry = np.zeros(len(candidates))
    profit = np.zeros(len(candidates))
    for d in draws:
        fresh = np.maximum(candidates - carry, 0)
        old_sold = np.minimum(carry, d)
        fresh_sold = np.minimum(fresh, d - old_sold)
        waste = carry - old_sold
        profit += margin_pence * (old_sold + fresh_sold) - waste_cost_pence * waste
        carry = fresh - fresh_sold
    return int(candidates[int(np.argmax(profit))])


def z_for(level: float) -> float:
    """Standard normal quantile (the baseline's service parameter for a cycle service level)."""
    return float(stats.norm.ppf(level))


def _check_target(target: float) -> None:
    if not 0 < target < 1:
        raise InvalidInputError.single("policy", f"service target {target} must be strictly between 0 and 1")


def allocate_mean_fill_rate(
    curves: list[FloatArray], target: float, unit_costs: FloatArray | None = None
) -> tuple[NDArray[np.int64], float]:
    """Order-up-to levels of many items reaching a *mean* fill rate over them at the least stock cost.

    The multi-item (system) service approach of Sherbrooke (METRIC, 2004) and Axsäter (2015, §5.11):
    minimise ``Σ cost_i · S_i`` subject to ``mean_i fill_i(S_i) ≥ target``. The Lagrangian relaxation
    splits per item — ``S_i = argmax_S λ · fill_i(S) − cost_i · S`` — and ``λ`` is found by bisection.
    Cheap, predictable items get a high fill rate for few units and lumpy, bulky ones carry less, so the
    same mean fill rate needs less stock than one rate for every item. ``curves[i][S]`` is item ``i``'s
    expected fill rate at level ``S`` (:func:`fill_rate_curve`). Returns the levels and their expected
    mean fill rate.
    """
    _check_target(target)
    n = len(curves)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 1.0
    costs = np.ones(n) if unit_costs is None else np.asarray(unit_costs, dtype=np.float64)
    if len(costs) != n or np.any(costs <= 0):
        raise InvalidInputError.single(
            "policy", "one positive unit cost per item is needed", field="unit_costs"
        )
    ranges = [np.arange(len(c), dtype=np.float64) for c in curves]

    def pick(lam: float) -> tuple[NDArray[np.int64], float]:
        levels = np.array(
            [int(np.argmax(lam * c - k * s)) for c, k, s in zip(curves, costs, ranges, strict=True)]
        )
        fills = np.array([c[s] for c, s in zip(curves, levels, strict=True)])
        return levels.astype(np.int64), float(fills.mean())

    lo, hi = 0.0, float(np.max(costs))
    while pick(hi)[1] < target and hi < 1e12:
        hi *= 2.0
    for _ in range(50):
        mid = (lo + hi) / 2.0
        if pick(mid)[1] < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-6 * hi:
            break
    return pick(hi)
