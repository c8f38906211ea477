"""Demand distributions: loss function, quantiles, constructors and the block bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory import DemandDistribution, bootstrap_sums, nested_bootstrap_sums


def test_poisson_loss_function_matches_the_closed_form() -> None:
    """E[(X − s)+] for Poisson(λ) = λ·P(X ≥ s) − s·P(X ≥ s + 1)."""
    demand = DemandDistribution.poisson(3.0)
    for s in range(0, 10):
        closed = 3.0 * stats.poisson.sf(s - 1, 3.0) - s * stats.poisson.sf(s, 3.0)
        assert demand.expected_shortage(s) == pytest.approx(closed, abs=1e-8)
    curve = demand.loss_curve(9)
    assert curve == pytest.approx([demand.expected_shortage(s) for s in range(10)], abs=1e-9)


def test_loss_at_negative_levels_is_mean_minus_level() -> None:
    """Below zero stock every unit of demand is short: E[(D − x)+] = mean − x."""
    demand = DemandDistribution.poisson(2.0)
    assert demand.loss_at(np.array([-3, 0])) == pytest.approx([5.0, 2.0])


def test_samples_moments_and_quantile() -> None:
    """An empirical distribution of 0, 0, 1, 3: mean 1, P(D ≤ 0) = 0.5, median 0, q75 = 1."""
    demand = DemandDistribution.from_samples([0, 0, 1, 3])
    assert demand.mean == pytest.approx(1.0)
    assert demand.cdf(0) == pytest.approx(0.5)
    assert demand.quantile(0.5) == 0
    assert demand.quantile(0.75) == 1
    assert demand.quantile(0.99) == 3


def test_negative_binomial_keeps_the_two_moments() -> None:
    """The over-dispersed fit has the asked mean and variance; no over-dispersion falls back to Poisson."""
    demand = DemandDistribution.negative_binomial(2.0, 6.0)
    assert demand.mean == pytest.approx(2.0, abs=1e-3)
    assert demand.variance == pytest.approx(6.0, abs=1e-2)
    assert DemandDistribution.negative_binomial(2.0, 1.0).source == "poisson"


def test_from_quantiles_passes_through_them() -> None:
    """A forecast's q50, q80, q90, q95 come back as the distribution's quantiles (± one unit)."""
    demand = DemandDistribution.from_quantiles([0.5, 0.8, 0.9, 0.95], [10, 14, 17, 20])
    for level, value in [(0.5, 10), (0.8, 14), (0.9, 17), (0.95, 20)]:
        assert abs(demand.quantile(level) - value) <= 1
    with pytest.raises(InvalidInputError):
        DemandDistribution.from_quantiles([0.5, 0.4], [1, 2])


def test_sum_of_independent_demands() -> None:
    """Firm 3 units plus Poisson(1): mean 4, never below 3."""
    total = DemandDistribution.point(3).plus(DemandDistribution.poisson(1.0))
    assert total.mean == pytest.approx(4.0)
    assert total.cdf(2) == 0.0


def test_bootstrap_is_seeded_and_weekday_aligned() -> None:
    """Same seed, same samples; blocks starting on one weekday only see that weekday's demand first."""
    history = np.tile([10, 0, 0, 0, 0, 0, 0], 20)
    a = bootstrap_sums(history, 1, samples=500, seed=4, start_every=7, start_phase=0)
    b = bootstrap_sums(history, 1, samples=500, seed=4, start_every=7, start_phase=0)
    assert np.array_equal(a, b)
    assert set(a.tolist()) == {10.0}
    assert set(bootstrap_sums(history, 1, samples=200, seed=4, start_every=7, start_phase=3).tolist()) == {
        0.0
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 50), min_size=3, max_size=60),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(0, 1000),
)
def test_nested_lead_demand_never_exceeds_protection_demand(
    history: list[int], lead: int, extra: int, seed: int
) -> None:
    """Sample by sample, lead-time demand is a prefix of protection-interval demand."""
    lead_sums, protection_sums = nested_bootstrap_sums(history, (lead, lead + extra), samples=100, seed=seed)
    assert np.all(lead_sums <= protection_sums)
    assert np.all(lead_sums >= 0)
