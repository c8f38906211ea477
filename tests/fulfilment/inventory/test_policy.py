"""Stocking rules on hand-checked textbook cases: newsvendor, base stock, (s, S), normal baseline."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from scipy import stats

from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory import (
    CycleDemand,
    DemandClass,
    DemandDistribution,
    allocate_mean_fill_rate,
    carry_over_level,
    classify_demand,
    critical_ratio,
    fill_rate_curve,
    min_max_fill_rate,
    min_max_for_fill_rate,
    newsvendor_quantity,
    normal_levels,
    order_quantity,
    order_up_to_for_cycle_service,
    order_up_to_for_fill_rate,
    round_order,
    z_for,
)


def _poisson_cycle(rate: float, lead: int, review: int) -> CycleDemand:
    return CycleDemand(
        DemandDistribution.poisson(rate * lead),
        DemandDistribution.poisson(rate * (lead + review)),
        rate * review,
    )


def test_newsvendor_normal_textbook() -> None:
    """N(100, 20²), margin 30p, waste 10p: ratio 0.75, z = 0.6745, Q* = 113.49 → 113 whole units.

    Discretised (unit k covers [k − ½, k + ½)): P(D ≤ 113) = Φ(0.675) = 0.7502 ≥ 0.75 > P(D ≤ 112).
    """
    assert critical_ratio(30, 10) == pytest.approx(0.75)
    assert newsvendor_quantity(DemandDistribution.normal(100, 20), 30, 10) == 113


def test_newsvendor_poisson_hand_checked() -> None:
    """Poisson(4), ratio 0.5: the median 4 (P(X≤3)=0.433, P(X≤4)=0.629); ratio 0.9: 7 (P(X≤6)=0.889)."""
    demand = DemandDistribution.poisson(4.0)
    assert newsvendor_quantity(demand, 50, 50) == 4
    assert newsvendor_quantity(demand, 90, 10) == 7


def test_carry_over_stocks_at_least_the_24h_quantity() -> None:
    """A 48 h product carried one day over is stocked at or above the 24 h newsvendor level."""
    demand = DemandDistribution.poisson(10.0)
    base = newsvendor_quantity(demand, 40, 60)
    level = carry_over_level(demand, 40, 60, seed=3)
    assert level >= base
    assert level == carry_over_level(demand, 40, 60, seed=3)


def test_cycle_service_level_is_a_quantile() -> None:
    """Poisson(2) per week, L = R = 1: P(D₂ ≤ 7) = 0.949 < 0.95 ≤ P(D₂ ≤ 8) = 0.979, so S = 8."""
    levels = order_up_to_for_cycle_service(_poisson_cycle(2.0, 1, 1), 0.95)
    assert levels.order_up_to == 8
    assert levels.reorder_point == 7


def test_fill_rate_matches_hadley_whitin_by_hand() -> None:
    """Fill rate of S = 5 under Poisson(2), L = R = 1: 1 − (E[(D₂−5)+] − E[(D₁−5)+]) / 2, from scipy."""

    def loss(mean: float, s: int) -> float:
        return float(mean * stats.poisson.sf(s - 1, mean) - s * stats.poisson.sf(s, mean))

    expected = 1 - (loss(4.0, 5) - loss(2.0, 5)) / 2.0
    curve = fill_rate_curve(_poisson_cycle(2.0, 1, 1), 10)
    assert curve[5] == pytest.approx(expected, abs=1e-9)
    assert np.all(np.diff(curve) >= -1e-12)


def test_fill_rate_target_uses_expected_shortage_not_a_quantile() -> None:
    """For a 95 % fill rate the level is below the 95 % cycle-service quantile (shortage per cycle)."""
    cycle = _poisson_cycle(2.0, 1, 1)
    by_fill = order_up_to_for_fill_rate(cycle, 0.95)
    assert by_fill.expected_fill_rate >= 0.95
    assert fill_rate_curve(cycle, 20)[by_fill.order_up_to - 1] < 0.95
    assert by_fill.order_up_to < order_up_to_for_cycle_service(cycle, 0.95).order_up_to + 1


def test_min_max_with_unit_order_is_base_stock() -> None:
    """(s, S) with S = s + 1 has the base-stock fill rate."""
    cycle = _poisson_cycle(1.5, 1, 1)
    review = DemandDistribution.poisson(1.5)
    for s in range(0, 8):
        assert min_max_fill_rate(cycle, review, s, s + 1) == pytest.approx(fill_rate_curve(cycle, 10)[s + 1])


def test_min_max_meets_target_and_rises_with_s() -> None:
    """The (s, S) search meets the target; its fill rate never falls as s rises."""
    cycle = _poisson_cycle(3.0, 1, 1)
    review = DemandDistribution.poisson(3.0)
    levels = min_max_for_fill_rate(cycle, review, 0.95, 10)
    assert levels.order_up_to - levels.reorder_point == 10
    assert levels.expected_fill_rate >= 0.95
    assert min_max_fill_rate(cycle, review, levels.reorder_point - 1, levels.order_up_to - 1) < 0.95
    rates = [min_max_fill_rate(cycle, review, s, s + 10) for s in range(-5, 10)]
    assert all(b >= a - 1e-12 for a, b in pairwise(rates))


def test_order_quantity_and_rounding() -> None:
    """Orders reach the MOQ and whole packs; the (s, S) order covers a review's mean demand."""
    assert round_order(3, minimum_order=10, pack_size=4) == 12
    assert round_order(0, minimum_order=10, pack_size=4) == 0
    assert round_order(13, pack_size=5) == 15
    assert order_quantity(7.2, minimum_order=1, pack_size=5) == 10


def test_normal_baseline_textbook() -> None:
    """Mean 100, sd 20 over the protection interval, z = 1.645 (95 %): S = ⌈132.9⌉ = 133."""
    cycle = CycleDemand(DemandDistribution.normal(50, 14.142), DemandDistribution.normal(100, 20), 50.0)
    levels = normal_levels(cycle, z_for(0.95))
    assert math.isclose(z_for(0.95), 1.6449, abs_tol=1e-4)
    assert levels.order_up_to == 133


def test_allocation_reaches_mean_fill_rate_with_less_stock() -> None:
    """The system allocation meets the mean target at no more units than one rate for every item."""
    items = [_poisson_cycle(0.3, 1, 1), _poisson_cycle(5.0, 1, 1), _poisson_cycle(20.0, 1, 1)]
    curves = [fill_rate_curve(c, len(c.protection.pmf) + 1) for c in items]
    levels, mean_fill = allocate_mean_fill_rate(curves, 0.95)
    assert mean_fill >= 0.95
    assert np.mean([c[s] for c, s in zip(curves, levels, strict=True)]) == pytest.approx(mean_fill)
    per_item = [order_up_to_for_fill_rate(c, 0.95).order_up_to for c in items]
    assert levels.sum() <= sum(per_item)


def test_demand_classes() -> None:
    """Syntetos–Boylan classes: steady → smooth, sparse equal sizes → intermittent, sparse mixed → lumpy."""
    assert classify_demand([5, 6, 5, 4, 5, 6])[0] is DemandClass.SMOOTH
    assert classify_demand([0, 0, 3, 0, 0, 3, 0, 0, 3])[0] is DemandClass.INTERMITTENT
    assert classify_demand([0, 0, 1, 0, 0, 30, 0, 0, 2])[0] is DemandClass.LUMPY
    assert classify_demand([0, 0, 0])[0] is DemandClass.NONE


def test_bad_targets_are_refused() -> None:
    """Service targets outside (0, 1) name the policy."""
    with pytest.raises(InvalidInputError, match="policy"):
        order_up_to_for_fill_rate(_poisson_cycle(1.0, 1, 1), 1.0)
