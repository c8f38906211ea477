"""Shared shapes of demo demand: the day grid, seasonality, time-of-day profiles and sampling helpers.

Generators draw daily counts from a Poisson rate ``base × growth^years × month × weekday × scale`` and
then place each order at a local minute of its day. Everything is vectorised with numpy; every draw
comes from the generator's own ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

from microfactory.demo.clock import MINUTES_PER_DAY, IntArray, LocalClock
from microfactory.demo.geography import ZoneArrays

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DemandContext:
    """What every order generator needs: the clock, the history length, the zones and the scale."""

    clock: LocalClock
    history_days: int
    """Local days from the history start up to and including the day of ``as_of``."""
    as_of_minute: int
    """``as_of`` in local minutes since the history start; orders are created strictly before it."""
    scale: float
    zones: ZoneArrays

    @cached_property
    def years(self) -> FloatArray:
        """Years since the history start, per history day."""
        return np.arange(self.history_days, dtype=np.float64) / 365.25

    @cached_property
    def weekday(self) -> IntArray:
        """Weekday per history day (the history starts on a Monday, so Monday = 0)."""
        return np.arange(self.history_days, dtype=np.int64) % 7

    @cached_property
    def month(self) -> IntArray:
        """Calendar month (1–12) per history day."""
        return np.array([self.clock.day(d).month for d in range(self.history_days)], dtype=np.int64)

    def day_mask(self, days: set[date] | dict[date, str]) -> BoolArray:
        """True for each day the clock covers (history and the future beyond it) that is in ``days``."""
        return np.array([self.clock.day(d) in days for d in range(self.clock.days)], dtype=np.bool_)


def sample_minutes(rng: np.random.Generator, hourly_weights: Sequence[float], n: int) -> IntArray:
    """Minutes after local midnight for ``n`` events, following a 24-value hourly profile."""
    weights = np.asarray(hourly_weights, dtype=np.float64)
    hours = rng.choice(24, size=n, p=weights / weights.sum())
    return (hours * 60 + rng.integers(0, 60, size=n)).astype(np.int64)


def daily_counts(rng: np.random.Generator, rate: FloatArray, dispersion: float | None = None) -> IntArray:
    """Orders per day: Poisson around ``rate``, optionally gamma-mixed (negative binomial) for day noise.

    ``dispersion`` is the gamma shape; smaller means noisier days (weather, promotions).
    """
    if dispersion is not None:
        rate = rate * rng.gamma(dispersion, 1.0 / dispersion, size=rate.shape)
    return rng.poisson(rate).astype(np.int64)


def day_of_each(counts: IntArray) -> IntArray:
    """The day index of each order, given orders per day."""
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def next_open_day(days: IntArray, open_day: BoolArray) -> IntArray:
    """Move each day index forward to the first day where ``open_day`` is true (days past the end stay)."""
    out = days.copy()
    for _ in range(14):
        inside = out < len(open_day)
        blocked = np.zeros(len(out), dtype=np.bool_)
        blocked[inside] = ~open_day[out[inside]]
        if not blocked.any():
            break
        out[blocked] += 1
    return out


def round_up(minutes: IntArray, step: int) -> IntArray:
    """Round local minutes up to the next multiple of ``step``."""
    return -(-minutes // step) * step


def minute_of_day(minutes: IntArray) -> IntArray:
    """Minutes after local midnight of each local minute stamp."""
    return minutes % MINUTES_PER_DAY
