"""Lead-time demand from a forecast: per-period quantile forecasts summed over a replenishment interval.

The forecasting engine (``microfactory.demand.forecast``) delivers, per series and future period, a
point forecast and quantiles (``q50 … q99``: the point plus the series' empirical backtest-residual
quantiles). A stocking rule needs the distribution of demand *summed* over an interval measured in days
from the release calendar (a lead time of 1 day, a protection interval of 4), while the forecast
periods are weeks. :class:`ForecastDemand` does the conversion:

1. each period's quantiles become a whole-unit distribution (:meth:`DemandDistribution.from_quantiles`:
   piecewise-linear cdf through the quantiles, exponential tail past the highest);
2. an interval ``[start, end)`` covers a fraction ``f_k`` of period ``k``; the units of that period that
   fall inside are its demand **binomially thinned** with ``f_k`` (each unit lands inside with
   probability ``f_k``: orders spread evenly over the period);
3. the pieces are **summed assuming independence across periods** (convolution). The engine's
   quantiles are marginal per period, and its residuals are pooled over the horizon, so nothing about
   their correlation is known; independence is the usual assumption of a lead-time convolution
   (Silver, Pyke & Peterson 2017, §6.7) and under-states the spread when errors persist across periods
   (the benchmark's backtest calibration of the target absorbs the rest). Periods past the forecast
   horizon reuse the last period's distribution.

For a review cycle the lead-time demand ``D_L`` and the demand ``D_R`` after it are built as independent
pieces and the protection-interval demand is their sum, so ``D_{L+R} ≥ D_L`` sample by sample and the
Hadley–Whitin shortage per cycle is never negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import signal, stats

from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory.distribution import MAX_UNITS, DemandDistribution
from microfactory.fulfilment.inventory.policy import CycleDemand

FloatArray = NDArray[np.float64]
EXACT_THINNING_UNITS = 2_000
"""Largest support thinned exactly (a binomial per unit count); larger ones are scaled (share × units)."""
Dependence = Literal["independent", "comonotone"]
FFT_ABOVE = 1_000_000
"""Convolutions of more than this many products use the FFT."""


def thin(dist: DemandDistribution, fraction: float) -> DemandDistribution:
    """Demand of a share ``fraction`` (0…1) of a period: each unit falls inside with that probability.

    ``P(K = k) = Σ_n P(D = n) · C(n, k) f^k (1 − f)^(n − k)``; exact up to
    :data:`EXACT_THINNING_UNITS` units, above that every ``n`` maps to ``round(f·n)`` (the binomial
    spread is then small next to the demand's own).
    """
    if not 0.0 <= fraction <= 1.0 + 1e-12:
        raise InvalidInputError.single(
            "lead time", f"fraction {fraction} must lie in [0, 1]", field="periods"
        )
    if fraction >= 1.0 - 1e-12:
        return dist
    if fraction <= 1e-12:
        return DemandDistribution.point(0, dist.source)
    n = len(dist.pmf)
    if n <= EXACT_THINNING_UNITS:
        units = np.arange(n)
        kernel = stats.binom.pmf(units[None, :], units[:, None], fraction)
        return DemandDistribution(np.asarray(dist.pmf @ kernel, dtype=np.float64), dist.source)
    target = np.rint(np.arange(n) * fraction).astype(np.int64)
    return DemandDistribution(np.bincount(target, weights=dist.pmf).astype(np.float64), dist.source)


def convolve(a: DemandDistribution, b: DemandDistribution, source: str | None = None) -> DemandDistribution:
    """Distribution of the sum of two independent demands (FFT for long supports)."""
    if len(a.pmf) * len(b.pmf) > FFT_ABOVE:
        pmf = np.clip(signal.fftconvolve(a.pmf, b.pmf), 0.0, None)
    else:
        pmf = np.convolve(a.pmf, b.pmf)
    return DemandDistribution(pmf[: MAX_UNITS + 1], source or a.source)


@dataclass(frozen=True, eq=False)
class ForecastDemand:
    """One series' quantile forecasts per future period, as a source of interval demand distributions.

    ``quantiles[k, j]`` is the ``levels[j]`` quantile of demand in period ``k`` (0 = the first period
    after the forecast origin); ``period_days`` is a period's length in days (7 for weekly forecasts).
    ``label`` names the source for reports (e.g. ``forecast:TSB``). ``dependence`` says how periods
    add up: ``independent`` (convolution of thinned periods) or ``comonotone`` (forecast errors move
    together: the interval's quantiles are the share-weighted sums of the periods' quantiles, the
    other extreme, wider).
    """

    levels: tuple[float, ...]
    quantiles: FloatArray
    period_days: float = 7.0
    label: str = "forecast"
    dependence: Dependence = "independent"
    _periods: tuple[DemandDistribution, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        levels = np.asarray(self.levels, dtype=np.float64)
        values = np.asarray(self.quantiles, dtype=np.float64)
        if values.ndim == 1:
            values = values[None, :]
        where = f"forecast {self.label}"
        if len(levels) == 0 or np.any(np.diff(levels) <= 0) or levels[0] <= 0 or levels[-1] >= 1:
            raise InvalidInputError.single(
                where, "levels must increase strictly inside (0, 1)", field="levels"
            )
        if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] != len(levels):
            raise InvalidInputError.single(
                where,
                f"quantiles must be periods × {len(levels)} levels, got {values.shape}",
                field="quantiles",
            )
        if not np.all(np.isfinite(values)) or np.any(values < -1e-9):
            raise InvalidInputError.single(where, "quantiles must be finite and ≥ 0", field="quantiles")
        if np.any(np.diff(values, axis=1) < -1e-9):
            bad = int(np.nonzero(np.any(np.diff(values, axis=1) < -1e-9, axis=1))[0][0])
            raise InvalidInputError.single(
                where, f"period {bad}: quantiles decrease as the level rises", field="quantiles"
            )
        if not self.period_days > 0:
            raise InvalidInputError.single(where, "period length must be positive", field="period_days")
        values = np.maximum.accumulate(np.clip(values, 0.0, None), axis=1)
        object.__setattr__(self, "quantiles", values)
        periods = tuple(
            DemandDistribution.from_quantiles(self.levels, row, source="forecast") for row in values
        )
        object.__setattr__(self, "_periods", periods)

    @property
    def horizon(self) -> int:
        """Periods forecast."""
        return len(self._periods)

    def period(self, k: int) -> DemandDistribution:
        """Demand in period ``k`` (periods past the horizon reuse the last one)."""
        return self._periods[min(max(k, 0), self.horizon - 1)]

    def interval(self, start_days: float, end_days: float) -> DemandDistribution:
        """Demand over days ``[start_days, end_days)`` from the origin (thinned periods, independent sum)."""
        if start_days < 0 or end_days < start_days:
            raise InvalidInputError.single(
                f"forecast {self.label}",
                f"interval [{start_days}, {end_days}) days is not valid",
                field="days",
            )
        a, b = start_days / self.period_days, end_days / self.period_days
        shares = [
            (k, min(min(b, k + 1) - max(a, k), 1.0)) for k in range(math.floor(a + 1e-9), math.ceil(b - 1e-9))
        ]
        shares = [(k, f) for k, f in shares if f > 1e-9]
        if self.dependence == "comonotone":
            if not shares:
                return DemandDistribution.point(0, "forecast")
            rows = [self.quantiles[min(k, self.horizon - 1)] * f for k, f in shares]
            return DemandDistribution.from_quantiles(self.levels, np.sum(rows, axis=0), source="forecast")
        total = DemandDistribution.point(0, "forecast")
        for k, f in shares:
            total = convolve(total, thin(self.period(k), f), "forecast")
        return total

    def cycle(self, lead_days: float, protection_days: float) -> tuple[CycleDemand, DemandDistribution]:
        """Lead-time and protection-interval demand of one review, and the review-period demand.

        ``D_L`` covers ``[0, lead)`` and ``D_R`` covers ``[lead, protection)``. Independent periods:
        ``D_{L+R} = D_L + D_R`` (convolution). Comonotone: ``D_{L+R}`` is the interval ``[0, protection)``
        itself (its quantiles add the pieces', so it dominates ``D_L`` level by level). Either way the
        shortage per cycle ``E[(D_{L+R} − S)+] − E[(D_L − S)+]`` is not negative.
        """
        if protection_days <= lead_days:
            raise InvalidInputError.single(
                f"forecast {self.label}",
                "protection interval must be longer than the lead time",
                field="days",
            )
        lead = self.interval(0.0, lead_days)
        review = self.interval(lead_days, protection_days)
        if self.dependence == "comonotone":
            protection = self.interval(0.0, protection_days)
        else:
            protection = convolve(lead, review, "forecast")
        return CycleDemand(lead, protection, max(protection.mean - lead.mean, 0.0)), review


def lead_time_distribution(
    levels: Sequence[float],
    quantiles: Sequence[Sequence[float]] | FloatArray,
    lead_periods: float,
    *,
    start_periods: float = 0.0,
) -> DemandDistribution:
    """Demand summed over ``lead_periods`` forecast periods from ``start_periods`` (fractions allowed).

    ``quantiles`` is periods × levels (a forecast frame's ``q…`` columns of one series in period order).
    Periods are independent, a fractional period is binomially thinned (module docstring).

    Raises:
        InvalidInputError: levels not strictly increasing in (0, 1), quantiles of the wrong shape,
            negative, non-finite or decreasing in level, or a negative interval.
    """
    forecast = ForecastDemand(tuple(float(q) for q in levels), np.asarray(quantiles, dtype=np.float64), 1.0)
    return forecast.interval(start_periods, start_periods + lead_periods)
