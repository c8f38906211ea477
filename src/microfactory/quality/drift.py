"""Drift across sites: X̄, s and EWMA control charts per measurement per site, against the network.

Method (Montgomery, *Introduction to Statistical Quality Control*, 8th ed., 2019):

* Rational subgroups: the results of one measurement at one site on one production day.
* The network is the reference: the centre line μ is the mean of every site's results in the
  baseline periods (the first half of the days by default, Phase I), and sigma is the pooled
  within-subgroup standard deviation over the same data (§6.3.2, X̄ and s charts with variable
  sample size); when no subgroup has two results, the standard deviation of the individual results.
* Each site's subgroup means are standardised, z = (x̄ − μ) / (sigma/√n), and judged three ways:

  - **EWMA** (§9.2): E_t = λ·z_t + (1 − λ)·E_{t−1}, E_0 = 0, signals beyond the steady-state
    limits ±L·√(λ/(2 − λ)); λ = 0.2, L = 3.5. z is clipped to ±3 first, so one outlying lot —
    already caught by the hold rule — moves the EWMA by at most 0.6 against a limit of 1.17 and
    cannot signal on its own; only a sustained shift can (a robust EWMA, after Lucas & Crosier
    1982). L = 3.5 rather than the textbook 3 because a network runs dozens of charts at once: the
    in-control average run length is about 3,300 points (595 with L = 3), and shifts of 1 and 2
    standard errors are still signalled after about 16 and 5 points (Monte Carlo, 4,000 runs each).
  - **Western Electric run rules** on the X̄ chart (Western Electric Statistical Quality Control
    Handbook, 1956; Montgomery §5.3.6): WE1 one mean beyond 3 sigma; WE2 two of three consecutive
    beyond 2 sigma on one side; WE3 four of five beyond 1 sigma on one side; WE4 eight consecutive on
    one side of the centre line.
  - **s chart** (§6.3): a subgroup standard deviation above B6·sigma, B6 = c4 + 3√(1 − c4²).

Every signal is kept on the chart points; a site is *flagged* as drifting when a rule in
``flag_rules`` signals — by default the EWMA only. The run rules are sensitive but together have an
in-control ARL of about 92 points (Champ & Woodall 1987): with dozens of charts they raise several
false alarms a month, which is why they inform rather than flag by default. A flag is a prompt to
look, not a verdict.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Rule(StrEnum):
    """A signal rule of the control charts."""

    WE1 = "WE1"
    WE2 = "WE2"
    WE3 = "WE3"
    WE4 = "WE4"
    S = "S"
    EWMA = "EWMA"

    @property
    def text(self) -> str:
        """The rule in words."""
        return _RULE_TEXT[self]


_RULE_TEXT = {
    Rule.WE1: "Western Electric rule 1: one subgroup mean beyond 3 sigma",
    Rule.WE2: "Western Electric rule 2: two of three consecutive means beyond 2 sigma on one side",
    Rule.WE3: "Western Electric rule 3: four of five consecutive means beyond 1 sigma on one side",
    Rule.WE4: "Western Electric rule 4: eight consecutive means on one side of the centre line",
    Rule.S: "s chart: subgroup standard deviation above B6·sigma",
    Rule.EWMA: "EWMA (lambda 0.2, L 3.5) of the standardised means beyond its limits (Montgomery §9.2)",
}

ALL_RULES = tuple(Rule)
FLAG_RULES = (Rule.EWMA,)
"""The rules that flag a site by default (see the module docstring)."""
EWMA_LAMBDA = 0.2
EWMA_L = 3.5
Z_CLIP = 3.0


@dataclass(frozen=True, slots=True)
class Observation:
    """One result of a measurement: at ``site``, for production day ``period``, in the check's unit."""

    site: str
    measure: str
    period: date
    value: float


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One subgroup on a site's chart: its size, mean, standard deviation and the z of its mean."""

    period: date
    n: int
    mean: float
    sd: float | None
    z: float
    """(mean − μ) / (sigma / √n): how many standard errors the mean is from the network centre line."""
    ewma: float
    """The EWMA of the clipped z values up to this point."""
    ewma_limit: float
    """Its control limit (±) at this point."""
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class ControlChart:
    """A site's X̄ chart for one measurement against the network's centre line and sigma."""

    site: str
    measure: str
    centre: float
    sigma: float
    points: tuple[ChartPoint, ...]

    def limits(self, n: int) -> tuple[float, float]:
        """Lower and upper 3 sigma limits for a subgroup of ``n`` results."""
        half = 3.0 * self.sigma / math.sqrt(n)
        return (self.centre - half, self.centre + half)


@dataclass(frozen=True, slots=True)
class DriftFlag:
    """A site whose process for ``measure`` drifts from the network."""

    site: str
    measure: str
    rule: Rule
    """The first rule that signalled."""
    first_period: date
    signals: int
    """Subgroups with at least one signal."""
    site_mean: float
    network_mean: float
    sigma: float

    def describe(self) -> str:
        """One line for a report: site, measurement, rule, from when, and by how much."""
        shift = (self.site_mean - self.network_mean) / self.sigma if self.sigma else 0.0
        return (
            f"{self.site} {self.measure}: {self.rule.text} from {self.first_period.isoformat()} "
            f"({self.signals} signal(s); site mean {self.site_mean:.4g} vs network {self.network_mean:.4g}, "
            f"{shift:+.2f}sigma)"
        )


@dataclass(frozen=True, slots=True)
class DriftResult:
    """Every chart drawn and every site flagged."""

    charts: tuple[ControlChart, ...]
    flags: tuple[DriftFlag, ...]

    def kpis(self) -> dict[str, int]:
        """Charts drawn, flags raised, sites flagged."""
        return {
            "control_charts": len(self.charts),
            "drift_flags": len(self.flags),
            "sites_drifting": len({f.site for f in self.flags}),
        }


def c4(n: int) -> float:
    """The bias constant of the sample standard deviation for subgroups of ``n`` (n ≥ 2)."""
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2.0) - math.lgamma((n - 1) / 2.0))


def _signals(z: Sequence[float], i: int, rules: frozenset[Rule]) -> list[Rule]:
    found: list[Rule] = []
    if Rule.WE1 in rules and abs(z[i]) > 3.0:
        found.append(Rule.WE1)
    for rule, window, need, bound in ((Rule.WE2, 3, 2, 2.0), (Rule.WE3, 5, 4, 1.0)):
        if rule not in rules or i + 1 < need:
            continue
        recent = z[max(0, i - window + 1) : i + 1]
        for side in (1.0, -1.0):
            if side * z[i] > bound and sum(1 for v in recent if side * v > bound) >= need:
                found.append(rule)
                break
    if Rule.WE4 in rules and i >= 7:
        run = z[i - 7 : i + 1]
        if all(v > 0 for v in run) or all(v < 0 for v in run):
            found.append(Rule.WE4)
    return found


def _reference(
    groups: dict[tuple[str, date], list[float]], periods: Sequence[date], baseline_fraction: float
) -> tuple[float, float] | None:
    cut = periods[max(0, math.ceil(len(periods) * baseline_fraction) - 1)]
    base = [values for (_, period), values in groups.items() if period <= cut]
    flat = [v for values in base for v in values]
    if len(flat) < 2:
        return None
    multi = [values for values in base if len(values) >= 2]
    dof = sum(len(values) - 1 for values in multi)
    if dof >= 2:
        ss = sum((len(v) - 1) * statistics.variance(v) for v in multi)
        sigma = math.sqrt(ss / dof)
    else:
        sigma = statistics.stdev(flat)
    if not sigma > 0:
        return None
    return statistics.fmean(flat), sigma


def control_charts(
    observations: Iterable[Observation],
    *,
    baseline_fraction: float = 0.5,
    flag_rules: Sequence[Rule] = FLAG_RULES,
) -> DriftResult:
    """Draw X̄, s and EWMA charts per measurement per site against the network; flag drifting sites.

    ``baseline_fraction`` of the production days (earliest first) estimate the network centre line and
    sigma (Phase I); every day is then judged (Phase II). Every rule's signals are kept on the chart
    points; a site is flagged for a measurement when one of ``flag_rules`` signals. A measurement whose
    baseline has fewer than two results, or no spread at all, gets no chart. Pure and deterministic:
    the same observations give the same charts and flags, in (measure, site) order. Raises
    ``ValueError`` for a ``baseline_fraction`` outside (0, 1].
    """
    if not 0 < baseline_fraction <= 1:
        raise ValueError(f"baseline_fraction must be in (0, 1], got {baseline_fraction}")
    by_measure: dict[str, dict[tuple[str, date], list[float]]] = defaultdict(lambda: defaultdict(list))
    for obs in observations:
        if math.isfinite(obs.value):
            by_measure[obs.measure][(obs.site, obs.period)].append(obs.value)
    charts: list[ControlChart] = []
    flags: list[DriftFlag] = []
    for measure in sorted(by_measure):
        groups = by_measure[measure]
        periods = sorted({period for _, period in groups})
        reference = _reference(groups, periods, baseline_fraction)
        if reference is None:
            continue
        centre, sigma = reference
        for site in sorted({site for site, _ in groups}):
            chart = _site_chart(site, measure, groups, centre, sigma)
            charts.append(chart)
            flag = _flag(chart, frozenset(flag_rules))
            if flag is not None:
                flags.append(flag)
    return DriftResult(tuple(charts), tuple(flags))


def _site_chart(
    site: str, measure: str, groups: dict[tuple[str, date], list[float]], centre: float, sigma: float
) -> ControlChart:
    days = sorted(period for s, period in groups if s == site)
    subgroups = [groups[(site, day)] for day in days]
    z = [(statistics.fmean(v) - centre) / (sigma / math.sqrt(len(v))) for v in subgroups]
    points = []
    ewma = 0.0
    for i, (day, values) in enumerate(zip(days, subgroups, strict=True)):
        sd = statistics.stdev(values) if len(values) >= 2 else None
        found = _signals(z, i, frozenset(ALL_RULES))
        if sd is not None:
            c = c4(len(values))
            if sd > (c + 3.0 * math.sqrt(max(0.0, 1.0 - c * c))) * sigma:
                found.append(Rule.S)
        ewma = EWMA_LAMBDA * max(-Z_CLIP, min(Z_CLIP, z[i])) + (1.0 - EWMA_LAMBDA) * ewma
        limit = EWMA_L * math.sqrt(EWMA_LAMBDA / (2.0 - EWMA_LAMBDA))
        if abs(ewma) > limit:
            found.append(Rule.EWMA)
        mean = statistics.fmean(values)
        points.append(ChartPoint(day, len(values), mean, sd, z[i], ewma, limit, tuple(found)))
    return ControlChart(site, measure, centre, sigma, tuple(points))


def _flag(chart: ControlChart, rules: frozenset[Rule]) -> DriftFlag | None:
    signalling = [p for p in chart.points if rules.intersection(p.rules)]
    if not signalling:
        return None
    values = [p.mean for p in chart.points for _ in range(p.n)]
    return DriftFlag(
        site=chart.site,
        measure=chart.measure,
        rule=next(r for r in signalling[0].rules if r in rules),
        first_period=signalling[0].period,
        signals=len(signalling),
        site_mean=statistics.fmean(values),
        network_mean=chart.centre,
        sigma=chart.sigma,
    )
