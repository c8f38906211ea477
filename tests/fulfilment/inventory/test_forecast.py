"""Lead-time demand from per-period quantile forecasts: thinning, independent sums, review cycles."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.domain import Weekday
from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory import (
    DemandDistribution,
    ForecastDemand,
    HubItem,
    HubProblem,
    ReviewDay,
    choose_policies,
    convolve,
    lead_time_distribution,
    thin,
)

LEVELS = (0.5, 0.9)


def test_one_period_follows_the_quantiles() -> None:
    """q50 = 2, q90 = 4: cdf linear 0 → 0.5 on [0, 2], so P(0) = F(0.5) = 0.125, P(1) = 0.25, P(2) = 0.225."""
    demand = lead_time_distribution(LEVELS, [[2.0, 4.0]], 1.0)
    assert demand.pmf[:3] == pytest.approx([0.125, 0.25, 0.225], abs=1e-9)
    assert demand.quantile(0.5) == 2
    assert demand.quantile(0.9) == 4


def test_binomial_thinning_by_hand() -> None:
    """Two units, each inside half the period with probability ½: 0, 1, 2 with ¼, ½, ¼."""
    assert thin(DemandDistribution.point(2), 0.5).pmf == pytest.approx([0.25, 0.5, 0.25])
    assert thin(DemandDistribution.point(3), 1.0).pmf == pytest.approx([0, 0, 0, 1])
    assert thin(DemandDistribution.point(3), 0.0).pmf == pytest.approx([1.0])
    with pytest.raises(InvalidInputError):
        thin(DemandDistribution.point(3), 1.5)


def test_large_support_is_scaled_not_thinned_exactly() -> None:
    """Beyond the exact limit every n maps to round(f·n): the mean is kept."""
    big = DemandDistribution.normal(3000.0, 100.0)
    assert thin(big, 0.25).mean == pytest.approx(750.0, rel=1e-3)


def test_convolution_of_independent_periods_by_hand() -> None:
    """Bernoulli(½) + Bernoulli(½): 0, 1, 2 with ¼, ½, ¼ (FFT or direct)."""
    coin = DemandDistribution(np.array([0.5, 0.5]))
    assert convolve(coin, coin).pmf == pytest.approx([0.25, 0.5, 0.25])


def test_two_periods_are_the_self_convolution_and_halves_are_thinned() -> None:
    """Sum of two equal independent weeks; half a week keeps half the mean."""
    one = lead_time_distribution(LEVELS, [[2.0, 4.0]], 1.0)
    two = lead_time_distribution(LEVELS, [[2.0, 4.0], [2.0, 4.0]], 2.0)
    assert two.pmf == pytest.approx(np.convolve(one.pmf, one.pmf)[: len(two.pmf)], abs=1e-12)
    assert two.mean == pytest.approx(2 * one.mean)
    half = lead_time_distribution(LEVELS, [[2.0, 4.0]], 0.5)
    assert half.mean == pytest.approx(0.5 * one.mean)


def test_interval_straddling_periods_and_beyond_the_horizon() -> None:
    """Days 3.5–10.5 of weekly forecasts take half of each week; past the horizon the last week repeats."""
    forecast = ForecastDemand(LEVELS, np.array([[2.0, 4.0], [10.0, 20.0]]), period_days=7.0)
    m0, m1 = forecast.period(0).mean, forecast.period(1).mean
    assert forecast.interval(3.5, 10.5).mean == pytest.approx(0.5 * m0 + 0.5 * m1)
    assert forecast.interval(14.0, 21.0).mean == pytest.approx(m1)
    assert forecast.horizon == 2
    assert forecast.interval(0.0, 0.0).pmf == pytest.approx([1.0])


def test_cycle_nests_lead_time_in_the_protection_interval() -> None:
    """D_{L+R} = D_L + D_R: means add and the shortage per cycle is never negative."""
    forecast = ForecastDemand((0.5, 0.8, 0.9, 0.95, 0.99), np.array([[0, 0, 1, 2, 4], [0, 1, 2, 3, 6]]))
    cycle, review = forecast.cycle(1.0, 4.0)
    assert cycle.protection.mean == pytest.approx(cycle.lead.mean + review.mean)
    assert cycle.review_mean_units == pytest.approx(review.mean)
    top = len(cycle.protection.pmf) + 1
    assert np.all(cycle.protection.loss_curve(top) - cycle.lead.loss_curve(top) >= -1e-12)
    with pytest.raises(InvalidInputError):
        forecast.cycle(2.0, 2.0)


@pytest.mark.parametrize(
    ("levels", "values"),
    [
        ((0.5, 0.9), [[4.0, 2.0]]),  # decreasing in level
        ((0.9, 0.5), [[2.0, 4.0]]),  # levels not increasing
        ((0.5, 0.9), [[2.0]]),  # wrong shape
        ((0.5, 0.9), [[-1.0, 2.0]]),  # negative
        ((0.5, 0.9), [[np.nan, 2.0]]),  # not finite
    ],
)
def test_bad_forecasts_are_refused(levels: tuple[float, ...], values: list[list[float]]) -> None:
    """Each malformed forecast raises a clear InvalidInputError."""
    with pytest.raises(InvalidInputError):
        ForecastDemand(levels, np.array(values))


@st.composite
def _forecasts(draw: st.DrawFn) -> tuple[tuple[float, ...], np.ndarray, float]:
    levels = tuple(sorted(draw(st.sets(st.sampled_from([0.5, 0.6, 0.8, 0.9, 0.95, 0.99]), min_size=1))))
    periods = draw(st.integers(1, 3))
    rows = []
    for _ in range(periods):
        steps = draw(st.lists(st.floats(0, 20), min_size=len(levels), max_size=len(levels)))
        rows.append(np.cumsum(steps))
    lead = draw(st.floats(0.1, 4.0))
    return levels, np.array(rows), lead


@settings(max_examples=40, deadline=None)
@given(_forecasts())
def test_lead_time_quantiles_are_monotone_and_non_negative(
    case: tuple[tuple[float, ...], np.ndarray, float],
) -> None:
    """Any valid forecast gives a proper pmf on units ≥ 0 with quantiles non-decreasing in level."""
    levels, values, lead = case
    demand = lead_time_distribution(levels, values, lead)
    assert np.all(demand.pmf >= 0) and demand.pmf.sum() == pytest.approx(1.0)
    qs = [demand.quantile(p) for p in np.linspace(0.01, 0.99, 25)]
    assert qs[0] >= 0 and all(a <= b for a, b in itertools.pairwise(qs))
    # Longer intervals never demand less (first-order stochastic dominance of the cdf).
    longer = lead_time_distribution(levels, values, lead + 1.0)
    assert longer.mean >= demand.mean - 1e-9


def test_hub_policies_read_the_forecast_for_durables_only() -> None:
    """A durable SKU with a forecast is planned from it (label, levels follow its size); food is not."""
    days = 84
    rng = np.random.default_rng(3)
    zero = np.zeros(days, dtype=np.int64)
    items = (
        HubItem("HANDLE", 650, 260, 0.1, None, rng.poisson(2, days).astype(np.int64), zero),
        HubItem("BAR", 375, 150, 0.12, 24.0, rng.poisson(12, days).astype(np.int64), zero),
    )
    problem = HubProblem(
        "HUB", "MF", date(2026, 5, 25), items, (ReviewDay(Weekday.TUE, 1, 3), ReviewDay(Weekday.SAT, 1, 4))
    )
    low = ForecastDemand(LEVELS, np.array([[10.0, 14.0]]), label="forecast:TSB")
    high = ForecastDemand(LEVELS, np.array([[70.0, 90.0]]), label="forecast:TSB")
    by_low = {p.sku: p for p in choose_policies(problem, seed=1, forecasts={"HANDLE": low, "BAR": low})}
    by_high = {p.sku: p for p in choose_policies(problem, seed=1, forecasts={"HANDLE": high})}
    assert by_low["HANDLE"].distribution.startswith("forecast:TSB")
    assert not by_low["BAR"].distribution.startswith("forecast")
    for (_, lo), (_, hi) in zip(by_low["HANDLE"].levels, by_high["HANDLE"].levels, strict=True):
        assert hi.order_up_to > lo.order_up_to
    plain = {p.sku: p for p in choose_policies(problem, seed=1)}
    assert plain["HANDLE"].distribution.startswith("moving-block bootstrap")


def test_comonotone_periods_add_their_quantiles() -> None:
    """Errors moving together: two weeks of q50 = 2, q90 = 4 have q50 = 4 and q90 = 8 (± one unit)."""
    forecast = ForecastDemand(LEVELS, np.array([[2.0, 4.0]]), 1.0, dependence="comonotone")
    two = forecast.interval(0.0, 2.0)
    assert abs(two.quantile(0.5) - 4) <= 1 and abs(two.quantile(0.9) - 8) <= 1
    independent = ForecastDemand(LEVELS, np.array([[2.0, 4.0]]), 1.0).interval(0.0, 2.0)
    assert two.variance > independent.variance  # the wider extreme
    cycle, _ = forecast.cycle(1.0, 2.0)
    top = len(cycle.protection.pmf) + 1
    assert np.all(cycle.protection.loss_curve(top) - cycle.lead.loss_curve(top) >= -1e-9)
