"""Reconciled forecasts are coherent; every node has quantiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microfactory.demand.forecast import ForecastConfig, HierarchySpec, forecast_hierarchy

CONFIG = ForecastConfig(
    horizon=3, backtest_windows=2, inner_windows=2, top_k=2, models=("Zero", "Median(4)", "WindowAverage(4)")
)


def bottom() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    rows = [
        {"region": region, "zone": f"{region}{z}", "ds": d, "y": float(rng.poisson(4 + z))}
        for region in ("N", "S")
        for z in range(3)
        for d in days
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("method", ["BottomUp", "MinTrace-mint_shrink"])
def test_children_sum_to_parents(method: str) -> None:
    result = forecast_hierarchy(bottom(), HierarchySpec([["region"], ["region", "zone"]], method), CONFIG)
    wide = result.forecasts.pivot(index="unique_id", columns="ds", values="mean")
    assert len(wide) == 1 + 2 + 6
    regions = [n for n in wide.index if n.count("/") == 1]
    assert np.allclose(wide.loc["total"], wide.loc[regions].sum(), atol=1e-6)
    for region in regions:
        zones = [n for n in wide.index if n.startswith(region + "/")]
        assert np.allclose(wide.loc[region], wide.loc[zones].sum(), atol=1e-6)
    assert (result.forecasts[["mean", "q50", "q80", "q90", "q95"]] >= 0).all().all()
    ordered = result.forecasts[["q50", "q80", "q90", "q95"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
    assert method in result.version


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="reconciliation method"):
        forecast_hierarchy(bottom(), HierarchySpec([["region"]], "TopDown"), CONFIG)


def test_grouped_levels_are_coherent_both_ways() -> None:
    """Family and area both below the total, family × area at the bottom (a grouped structure)."""
    rng = np.random.default_rng(4)
    days = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    history = pd.DataFrame(
        [
            {"family": f, "area": a, "ds": d, "y": float(rng.poisson(3))}
            for f in ("BOX", "TRAY")
            for a in ("M", "EC", "LS")
            for d in days
        ]
    )
    spec = HierarchySpec([["family"], ["area"], ["family", "area"]], "MinTrace-mint_shrink")
    wide = forecast_hierarchy(history, spec, CONFIG).forecasts.pivot(
        index="unique_id", columns="ds", values="mean"
    )
    bottom = [n for n in wide.index if n.count("/") == 2]
    assert len(bottom) == 6
    assert np.allclose(wide.loc["total"], wide.loc[bottom].sum(), atol=1e-6)
    for family in ("BOX", "TRAY"):
        assert np.allclose(
            wide.loc[f"total/{family}"], wide.loc[[n for n in bottom if f"/{family}/" in n]].sum(), atol=1e-6
        )
    for area in ("M", "EC", "LS"):
        assert np.allclose(
            wide.loc[f"total/{area}"],
            wide.loc[[n for n in bottom if n.endswith(f"/{area}")]].sum(),
            atol=1e-6,
        )
