"""Demand over a replenishment interval as a discrete distribution on whole units.

Every stocking rule in this package reads one :class:`DemandDistribution`: the probability of each
whole number of units demanded over an interval (a lead time, a review period, a day of sales). It can be
built from samples (a bootstrap of history, draws from a forecast), from quantiles (a stored forecast's
``q50 … q95`` columns), or from a parametric family (Poisson, negative binomial, normal), so the policies
do not care where the forecast came from. The key quantity for fill-rate targets is the first-order
loss function ``E[(D − x)+]`` (expected units short of a stock level ``x``; Silver, Pyke & Peterson
2017, §6.7), computed exactly on the pmf.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from microfactory.errors import InvalidInputError

FloatArray = NDArray[np.float64]
MAX_UNITS = 200_000
"""Largest demand a distribution represents; more is clipped into the last cell (and named)."""
TAIL = 1e-9
"""Probability mass a parametric distribution may leave out beyond its support's end."""


@dataclass(frozen=True)
class DemandDistribution:
    """Probability of each whole number of units ``0 … len(pmf) − 1`` demanded over an interval.

    ``source`` says where it came from (``bootstrap``, ``poisson``, ``quantiles``...), for reports.
    """

    pmf: FloatArray
    source: str = "samples"

    def __post_init__(self) -> None:
        pmf = np.asarray(self.pmf, dtype=np.float64)
        if pmf.ndim != 1 or len(pmf) == 0 or not np.all(np.isfinite(pmf)) or np.any(pmf < -1e-12):
            raise InvalidInputError.single("demand distribution", "pmf must be finite and non-negative")
        total = float(pmf.sum())
        if total <= 0:
            raise InvalidInputError.single("demand distribution", "pmf has no probability mass")
        pmf = np.clip(pmf, 0.0, None) / total
        last = len(pmf) - 1
        while last > 0 and pmf[last] == 0.0:
            last -= 1
        object.__setattr__(self, "pmf", pmf[: last + 1])

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def point(cls, units: int, source: str = "firm") -> DemandDistribution:
        """Known demand of exactly ``units`` (firm orders, subscriptions)."""
        pmf = np.zeros(max(0, int(units)) + 1)
        pmf[-1] = 1.0
        return cls(pmf, source)

    @classmethod
    def from_samples(
        cls, samples: Sequence[float] | FloatArray, source: str = "samples"
    ) -> DemandDistribution:
        """Empirical distribution of demand samples (rounded to whole units, negatives as zero)."""
        values = np.rint(np.clip(np.asarray(samples, dtype=np.float64), 0, MAX_UNITS)).astype(np.int64)
        if len(values) == 0:
            raise InvalidInputError.single("demand distribution", "no samples")
        return cls(np.bincount(values).astype(np.float64), source)

    @classmethod
    def poisson(cls, mean: float) -> DemandDistribution:
        """Poisson demand with ``mean`` units (slow movers: independent single-unit orders)."""
        if mean < 0 or not math.isfinite(mean):
            raise InvalidInputError.single("demand distribution", f"mean {mean} must be finite and ≥ 0")
        if mean == 0:
            return cls.point(0, "poisson")
        top = int(stats.poisson.isf(TAIL, mean)) + 1
        return cls(stats.poisson.pmf(np.arange(min(top, MAX_UNITS) + 1), mean), "poisson")

    @classmethod
    def negative_binomial(cls, mean: float, variance: float) -> DemandDistribution:
        """Negative binomial with ``mean`` and ``variance`` (Poisson when not over-dispersed).

        The usual two-moment fit for intermittent, lumpy demand (Syntetos & Boylan 2005; Snyder et al.
        2012): ``p = mean / variance``, ``n = mean² / (variance − mean)``.
        """
        if mean <= 0 or variance <= mean * (1 + 1e-9):
            return cls.poisson(max(mean, 0.0))
        p = mean / variance
        n = mean * mean / (variance - mean)
        top = int(stats.nbinom.isf(TAIL, n, p)) + 1
        pmf = stats.nbinom.pmf(np.arange(min(top, MAX_UNITS) + 1), n, p)
        return cls(pmf, "negative_binomial")

    @classmethod
    def normal(cls, mean: float, sd: float) -> DemandDistribution:
        """A normal ``N(mean, sd²)`` discretised to whole units, negative demand folded into zero."""
        if sd <= 0:
            return cls.point(round(max(mean, 0.0)), "normal")
        top = int(mean + 8 * sd) + 1
        edges = np.arange(min(max(top, 1), MAX_UNITS) + 2) - 0.5
        cdf = stats.norm.cdf(edges, mean, sd)
        pmf = np.diff(cdf)
        pmf[0] += cdf[0]
        return cls(pmf, "normal")

    @classmethod
    def from_quantiles(
        cls, levels: Sequence[float], values: Sequence[float], source: str = "quantiles"
    ) -> DemandDistribution:
        """A distribution through given quantiles (e.g. a forecast's q50, q80, q90, q95).

        The cdf is linear between the points and starts at 0 units at level 0. The upper tail past the
        highest quantile is exponential, its scale fitted through the upper quantiles: with ``p_a`` the
        lowest level from 0.8 up below the highest ``p_n`` (else the one before it),
        ``scale = (x_n − x_a) / ln((1 − p_a) / (1 − p_n))`` (at least half a unit). Fitting over a wide
        span matters for lumpy demand, whose top quantiles often coincide (a last-segment slope of 0
        would give no tail at all). Levels must increase within (0, 1); values must not decrease.
        """
        lv = np.asarray(levels, dtype=np.float64)
        vv = np.maximum(np.asarray(values, dtype=np.float64), 0.0)
        if len(lv) == 0 or len(lv) != len(vv) or np.any(np.diff(lv) <= 0) or lv[0] <= 0 or lv[-1] >= 1:
            raise InvalidInputError.single(
                "demand distribution", "levels must increase strictly inside (0, 1)"
            )
        if np.any(np.diff(vv) < 0):
            raise InvalidInputError.single("demand distribution", "quantile values must not decrease")
        xs = np.concatenate([[0.0], vv])
        ps = np.concatenate([[0.0], lv])
        upper = [i for i in range(1, len(ps) - 1) if ps[i] >= 0.8]
        anchor = upper[0] if upper else len(ps) - 2
        span = math.log((1 - ps[anchor]) / (1 - ps[-1]))
        scale = max((xs[-1] - xs[anchor]) / span, 0.5)
        top = int(xs[-1] + scale * math.log(1 / TAIL)) + 2
        grid = np.arange(min(top, MAX_UNITS) + 1, dtype=np.float64) + 0.5
        body = np.interp(grid, xs, ps)
        tail = 1 - (1 - ps[-1]) * np.exp(-np.maximum(grid - xs[-1], 0.0) / scale)
        cdf = np.where(grid <= xs[-1], body, tail)
        cdf = np.maximum.accumulate(np.clip(cdf, 0, 1))
        pmf = np.diff(np.concatenate([[0.0], cdf]))
        return cls(pmf, source)

    # -- moments and functionals -----------------------------------------------------------------
    @property
    def support(self) -> NDArray[np.int64]:
        """Units ``0 … len(pmf) − 1``."""
        return np.arange(len(self.pmf), dtype=np.int64)

    @property
    def mean(self) -> float:
        """Expected units."""
        return float(self.support @ self.pmf)

    @property
    def variance(self) -> float:
        """Variance of units."""
        return float(((self.support - self.mean) ** 2) @ self.pmf)

    def cdf(self, units: int) -> float:
        """P(D ≤ units)."""
        if units < 0:
            return 0.0
        return float(self.pmf[: units + 1].sum())

    def quantile(self, level: float) -> int:
        """Smallest whole ``x`` with P(D ≤ x) ≥ ``level``."""
        cum = np.cumsum(self.pmf)
        return min(int(np.searchsorted(cum, level - 1e-12)), len(cum) - 1)

    def expected_shortage(self, units: float) -> float:
        """First-order loss ``E[(D − units)+]``: expected units demanded beyond a stock of ``units``."""
        return float(np.clip(self.support - units, 0, None) @ self.pmf)

    def loss_curve(self, top: int) -> FloatArray:
        """``E[(D − x)+]`` for every ``x = 0 … top`` (vectorised, for searching levels)."""
        pmf = self.pmf
        support = self.support.astype(np.float64)
        # E[(D-x)+] = sum_{d>x} (d-x) p(d) = tail_sum_d(x) - x * tail_p(x), with tails strictly above x.
        tail_p = np.concatenate([np.cumsum(pmf[::-1])[::-1][1:], [0.0]])
        tail_d = np.concatenate([np.cumsum((support * pmf)[::-1])[::-1][1:], [0.0]])
        xs = np.arange(top + 1, dtype=np.float64)
        idx = np.minimum(np.arange(top + 1), len(pmf) - 1)
        out = tail_d[idx] - xs * tail_p[idx]
        out[np.arange(top + 1) >= len(pmf) - 1] = 0.0
        loss: FloatArray = np.clip(out, 0.0, None)
        return loss

    def loss_at(self, levels: NDArray[np.int64]) -> FloatArray:
        """``E[(D − x)+]`` at whole ``levels`` (negative levels too: ``mean − x`` there)."""
        xs = np.asarray(levels, dtype=np.int64)
        top = int(max(xs.max(initial=0), 0))
        curve = self.loss_curve(top)
        out: FloatArray = np.where(xs >= 0, curve[np.clip(xs, 0, top)], self.mean - xs)
        return out

    def plus(self, other: DemandDistribution) -> DemandDistribution:
        """Distribution of the sum of two independent demands (e.g. firm plus uncertain)."""
        return DemandDistribution(
            np.convolve(self.pmf, other.pmf)[: MAX_UNITS + 1], f"{self.source}+{other.source}"
        )

    def describe(self) -> str:
        """One line for reports: source, mean and 90 % quantile."""
        return f"{self.source} mean={self.mean:.2f} q90={self.quantile(0.9)}"


def bootstrap_sums(
    history: Sequence[float] | NDArray[np.float64] | NDArray[np.int64],
    periods: float,
    *,
    samples: int = 2000,
    seed: int,
    recent_weight_halflife: float | None = None,
    start_every: int = 1,
    start_phase: int = 0,
) -> FloatArray:
    """Samples of demand summed over ``periods`` consecutive periods, by moving-block bootstrap.

    Each sample is a block of ``ceil(periods)`` consecutive periods of ``history`` starting at a random
    period (so the autocorrelation of lumpy demand is kept); a fractional last period is thinned
    binomially (each of its units falls inside the interval with probability equal to the fraction).
    With ``recent_weight_halflife`` (periods), recent blocks are drawn more often, exponentially. With
    ``start_every=7`` and ``start_phase=k`` only blocks starting on periods ``k, k + 7, …`` are drawn
    (daily history: the demand from one weekday on, keeping the weekly pattern).

    Raises:
        InvalidInputError: ``history`` is empty or ``periods`` is not positive.
    """
    return nested_bootstrap_sums(
        history,
        (periods,),
        samples=samples,
        seed=seed,
        recent_weight_halflife=recent_weight_halflife,
        start_every=start_every,
        start_phase=start_phase,
    )[0]


def nested_bootstrap_sums(
    history: Sequence[float] | NDArray[np.float64] | NDArray[np.int64],
    periods: Sequence[float],
    *,
    samples: int = 2000,
    seed: int,
    recent_weight_halflife: float | None = None,
    start_every: int = 1,
    start_phase: int = 0,
) -> list[FloatArray]:
    """:func:`bootstrap_sums` for several interval lengths from the *same* blocks.

    Sample ``k`` of every length starts at the same period, so the lead-time demand of a sample is the
    start of its protection-interval demand: ``E[(D_{L+R} − S)+] − E[(D_L − S)+]`` is never negative.
    """
    hist = np.clip(np.asarray(history, dtype=np.float64), 0, None)
    if len(hist) == 0:
        raise InvalidInputError.single("demand history", "no periods of history to bootstrap")
    if not periods or min(periods) <= 0:
        raise InvalidInputError.single(
            "lead time", f"{list(periods)} periods: must be positive", field="periods"
        )
    rng = np.random.default_rng(seed)
    block = max(math.ceil(p - 1e-9) for p in periods)
    if block > len(hist):
        hist = np.tile(hist, math.ceil(block / len(hist)) + 1)
    allowed = np.arange(len(hist) - block + 1)
    allowed = allowed[(allowed - start_phase) % max(1, start_every) == 0]
    if len(allowed) == 0:
        allowed = np.arange(len(hist) - block + 1)
    if recent_weight_halflife:
        age = (allowed[-1] - allowed).astype(np.float64)
        w = 0.5 ** (age / recent_weight_halflife)
        first = rng.choice(allowed, size=samples, p=w / w.sum())
    else:
        first = allowed[rng.integers(0, len(allowed), size=samples)]
    window = np.lib.stride_tricks.sliding_window_view(hist, block)[first]
    out: list[FloatArray] = []
    for p in periods:
        whole = math.floor(p + 1e-9)
        frac = p - whole
        total = window[:, :whole].sum(axis=1) if whole else np.zeros(samples)
        if frac > 1e-9:
            total = total + rng.binomial(np.rint(window[:, whole]).astype(np.int64), frac)
        out.append(np.asarray(total, dtype=np.float64))
    return out
