"""Control charts across sites on constructed series: a drifting site is flagged, steady ones are not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from microfactory.quality import Observation, Rule, control_charts
from microfactory.quality.drift import c4

DAY0 = date(2026, 10, 26)


def series(
    shift_from: int | None = None, shift: float = 0.0, seed: int = 1, days: int = 28
) -> list[Observation]:
    """Three sites, four results a day of N(25, 1); site C shifted by ``shift`` from day ``shift_from``."""
    rng = np.random.default_rng(seed)
    obs = []
    for d in range(days):
        for site in ("A", "B", "C"):
            mean = 25.0 + (shift if site == "C" and shift_from is not None and d >= shift_from else 0.0)
            obs += [
                Observation(site, "gloss", DAY0 + timedelta(days=d), float(v))
                for v in rng.normal(mean, 1.0, 4)
            ]
    return obs


def test_site_drifting_from_the_network_is_flagged() -> None:
    """Site C's mean moves up one sigma from day 16: flagged by the EWMA soon after; A and B are not."""
    result = control_charts(series(shift_from=16, shift=1.0))
    assert [f.site for f in result.flags] == ["C"]
    flag = result.flags[0]
    assert flag.rule == Rule.EWMA and flag.measure == "gloss"
    assert DAY0 + timedelta(days=16) <= flag.first_period <= DAY0 + timedelta(days=22)
    assert flag.site_mean > flag.network_mean
    assert result.kpis() == {"control_charts": 3, "drift_flags": 1, "sites_drifting": 1}


def test_steady_network_rarely_raises_a_flag() -> None:
    """Same distribution everywhere: about 3 % of such networks show one false flag in 28 days."""
    assert control_charts(series(seed=1)).flags == ()
    flagged = sum(1 for seed in range(40) if control_charts(series(seed=seed)).flags)
    assert flagged <= 3


def test_one_outlier_is_not_drift() -> None:
    """A single wild subgroup signals Western Electric rule 1 on the chart but does not flag the site."""
    obs = [o for o in series(seed=2) if not (o.site == "B" and o.period == DAY0 + timedelta(days=20))]
    obs.append(Observation("B", "gloss", DAY0 + timedelta(days=20), 40.0))
    result = control_charts(obs)
    assert result.flags == ()
    chart = next(c for c in result.charts if c.site == "B")
    point = next(p for p in chart.points if p.period == DAY0 + timedelta(days=20))
    assert Rule.WE1 in point.rules and Rule.EWMA not in point.rules
    with_we1 = control_charts(obs, flag_rules=(Rule.WE1,))
    assert [(f.site, f.rule) for f in with_we1.flags] == [("B", Rule.WE1)]


def test_western_electric_rule_four_on_a_small_persistent_shift() -> None:
    """Eight consecutive means above the centre line signal rule 4 (half a sigma is enough with n = 4)."""
    result = control_charts(series(shift_from=14, shift=0.6, seed=3), flag_rules=(Rule.WE4,))
    assert "C" in {f.site for f in result.flags}


def test_centre_line_and_sigma_come_from_the_baseline() -> None:
    """Baseline = first half of the days; sigma = pooled within-subgroup standard deviation."""
    obs = [
        Observation(site, "m", DAY0 + timedelta(days=d), v)
        for d in range(4)
        for site in ("A", "B")
        for v in ((9.0, 11.0) if d < 2 else (19.0, 21.0))
    ]
    chart = control_charts(obs).charts[0]
    assert chart.centre == pytest.approx(10.0)
    assert chart.sigma == pytest.approx(np.sqrt(2.0))
    assert chart.limits(2) == pytest.approx((7.0, 13.0))


def test_c4_constant() -> None:
    """c4(2) = √(2/π) ≈ 0.7979, c4(5) ≈ 0.9400 (Montgomery, Appendix VI)."""
    assert c4(2) == pytest.approx(0.7979, abs=1e-4)
    assert c4(5) == pytest.approx(0.9400, abs=1e-4)


def test_no_chart_without_spread_and_bad_fraction_refused() -> None:
    """Identical values give no chart; a baseline fraction outside (0, 1] is refused."""
    flat = [Observation("A", "m", DAY0 + timedelta(days=d), 1.0) for d in range(10)]
    assert control_charts(flat).charts == ()
    with pytest.raises(ValueError, match="baseline_fraction"):
        control_charts(flat, baseline_fraction=0)
