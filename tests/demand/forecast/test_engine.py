"""The automatic forecast: nested selection, fallback, quantiles, scores and chunking by series."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from microfactory.demand.forecast import (
    AUTO,
    ForecastConfig,
    backtest,
    chunk_series,
    conformal_quantiles,
    forecast_auto,
    forecast_chunk,
    merge_results,
    quantile_column,
)
from microfactory.demand.forecast.engine import row_quantiles
from microfactory.demand.forecast.models import parse_model, window_forecasts
from microfactory.demand.forecast.panel import build_panel
from microfactory.plan.runner import SerialRunner

START = pd.Timestamp("2024-01-01")  # a Monday


def frame(series: dict[str, list[float]], start: pd.Timestamp = START) -> pd.DataFrame:
    """A long frame of weekly series that all start at ``start``."""
    rows = [
        {"unique_id": uid, "ds": start + pd.Timedelta(weeks=i), "y": float(v)}
        for uid, values in series.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def steady(n: int, seed: int) -> list[float]:
    """Demand around 10 every week: an average beats zero."""
    rng = np.random.default_rng(seed)
    return [float(v) for v in 10 + rng.integers(-2, 3, n)]


def rare_spikes(n: int) -> list[float]:
    """Zero except a spike every 9 weeks: zero beats an average in MASE."""
    return [30.0 if i % 9 == 4 else 0.0 for i in range(n)]


CONFIG = ForecastConfig(
    horizon=3,
    backtest_windows=2,
    inner_windows=2,
    top_k=1,
    quantiles=(0.5, 0.9),
    models=("Zero", "Median(4)"),
    season_length=4,
    class_weight=0.0,
)


def test_selection_picks_the_inner_backtest_winner() -> None:
    history = frame({"steady": steady(30, 1), "spiky": rare_spikes(30)})
    result = forecast_auto(history, CONFIG)
    chosen = dict(zip(result.selection["unique_id"], result.selection["model"], strict=True))
    assert chosen == {"steady": "Median(4)", "spiky": "Zero"}
    means = result.forecasts.groupby("unique_id")["mean"].max()
    assert means["spiky"] == 0.0
    assert means["steady"] > 5.0


def test_selection_is_the_lowest_inner_mase() -> None:
    """Scoring each candidate alone on the windows the final choice uses agrees with the choice."""
    history = frame({"steady": steady(30, 2), "spiky": rare_spikes(30)})
    result = forecast_auto(history, CONFIG)
    # The final choice ranks on the last 2 windows: a backtest whose 2 outer windows are those.
    for uid, model in zip(result.selection["unique_id"], result.selection["model"], strict=True):
        one = history[history["unique_id"] == uid]
        scores = backtest(one, CONFIG).set_index("model")["mase"]
        assert scores[model] == scores[list(CONFIG.models or ())].min()


def test_class_weight_borrows_the_class_choice() -> None:
    """Two rising series favour a short median strongly; a steady one of the same class (smooth)
    favours a long median on its own, but follows its class when the class score weighs fully."""
    rising = [10.0 + 3 * (i // 5) + (i % 2) for i in range(30)]
    steady_series = [10.0 + (i * 7 % 5) - 2 for i in range(30)]
    history = frame({"a": rising, "b": rising, "c": steady_series})
    chosen = {}
    for weight in (0.0, 1.0):
        config = ForecastConfig(
            horizon=3,
            backtest_windows=2,
            inner_windows=2,
            top_k=1,
            models=("Median(4)", "Median(26)"),
            class_weight=weight,
        )
        selection = forecast_auto(history, config).selection
        assert set(selection["demand_class"]) == {"smooth"}
        chosen[weight] = dict(zip(selection["unique_id"], selection["model"], strict=True))
    assert chosen[0.0] == {"a": "Median(4)", "b": "Median(4)", "c": "Median(26)"}
    assert chosen[1.0] == {"a": "Median(4)", "b": "Median(4)", "c": "Median(4)"}


def test_auto_of_one_candidate_scores_like_that_candidate() -> None:
    history = frame({"a": steady(40, 3), "b": steady(40, 4), "c": rare_spikes(40)})
    config = ForecastConfig(horizon=4, backtest_windows=2, inner_windows=2, models=("Median(4)",), top_k=1)
    scores = backtest(history, config).set_index("model")
    assert scores.loc[AUTO, "mase"] == pytest.approx(scores.loc["Median(4)", "mase"])
    assert scores.loc[AUTO, "series"] == 3
    assert set(scores.columns) >= {"mase", "rmsse", "bias", "spl90", "series"}


def test_short_series_get_the_fallback() -> None:
    history = frame({"long": steady(30, 5), "short": [3.0, 0.0, 4.0], "single": [5.0]})
    result = forecast_auto(history, CONFIG)
    chosen = dict(zip(result.selection["unique_id"], result.selection["model"], strict=True))
    assert chosen["short"] == chosen["single"] == "fallback:Median(13)"
    means = result.forecasts.groupby("unique_id")["mean"].apply(list)
    assert means["short"] == [3.0, 3.0, 3.0]
    assert means["single"] == [5.0, 5.0, 5.0]
    assert np.isnan(float(result.selection.set_index("unique_id")["backtest_mase"]["single"]))


def test_a_history_too_short_for_any_window_has_no_scores() -> None:
    result = forecast_auto(frame({"only": [2.0, 1.0]}), CONFIG)
    assert result.scores.empty
    assert result.forecasts["mean"].tolist() == [1.5, 1.5, 1.5]


def test_forecast_frame_dates_columns_and_quantiles() -> None:
    history = frame({"a": steady(30, 6), "b": rare_spikes(30)})
    result = forecast_auto(history, CONFIG)
    forecasts = result.forecasts
    assert list(forecasts.columns) == ["unique_id", "ds", "model", "mean", "q50", "q90"]
    first = forecasts[forecasts["unique_id"] == "a"]["ds"].tolist()
    assert first == [START + pd.Timedelta(weeks=30 + i) for i in range(3)]
    assert (forecasts[["mean", "q50", "q90"]] >= 0).all().all()
    assert (forecasts["q90"] >= forecasts["q50"]).all()
    assert set(result.selection["demand_class"]) <= {"smooth", "erratic", "intermittent", "lumpy"}
    assert result.version.startswith("auto-1 statsforecast")


def test_chunks_of_series_give_the_same_result() -> None:
    series = {"a": steady(30, 7), "b": rare_spikes(30), "c": steady(26, 8), "d": [0, 0, 5.0] * 9}
    history = frame(series)
    config = ForecastConfig(
        horizon=3,
        backtest_windows=2,
        inner_windows=2,
        top_k=2,
        models=("Zero", "Median(4)", "WindowAverage(4)"),
    )
    whole = forecast_auto(history, config)
    parts = [
        forecast_auto(history[history["unique_id"].isin(ids)], config) for ids in (["a", "b"], ["c", "d"])
    ]
    merged = merge_results(parts)
    pd.testing.assert_frame_equal(
        merged.forecasts.sort_values(["unique_id", "ds"]).reset_index(drop=True),
        whole.forecasts.sort_values(["unique_id", "ds"]).reset_index(drop=True),
    )
    left = merged.scores.set_index("model")["mase"].sort_index()
    right = whole.scores.set_index("model")["mase"].sort_index()
    pd.testing.assert_series_equal(left, right, check_exact=False, rtol=1e-9)


def test_fan_out_over_a_runner_matches_one_call() -> None:
    history = frame({"a": steady(30, 9), "b": rare_spikes(30), "c": steady(30, 10)})
    config = ForecastConfig(horizon=3, backtest_windows=2, inner_windows=2, models=("Zero", "Median(4)"))
    chunks = chunk_series(history, 2)
    assert sorted(len(c["unique_id"].unique()) for c in chunks) == [1, 2]
    tasks = [(chunk, config) for chunk in chunks]
    tasks = pickle.loads(pickle.dumps(tasks))  # what a process or Dask runner does with the items
    with SerialRunner() as runner:
        merged = merge_results(runner.map(forecast_chunk, tasks))
    whole = forecast_auto(history, config)
    key = ["unique_id", "ds"]
    pd.testing.assert_frame_equal(
        merged.forecasts.sort_values(key).reset_index(drop=True),
        whole.forecasts.sort_values(key).reset_index(drop=True),
    )
    assert pickle.loads(pickle.dumps(merged)).selection.shape == whole.selection.shape


def test_gaps_are_zero_demand_and_duplicates_are_refused() -> None:
    history = frame({"a": [1.0, 2.0, 3.0]}).drop(index=1)
    panel = build_panel(history, "W-MON")
    assert panel.values.tolist() == [[1.0, 0.0, 3.0]]
    with pytest.raises(ValueError, match="duplicate"):
        build_panel(pd.concat([history, history]), "W-MON")


def test_unknown_model_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown forecast model"):
        parse_model("Prophet", 52)
    with pytest.raises(ValueError, match="window length"):
        parse_model("Median", 52)
    assert parse_model("SeasonalNaive", 12).name == "SeasonalNaive(12)"


@settings(max_examples=60, deadline=None)
@given(
    point=arrays(np.float64, (3, 4), elements=st.floats(-5, 50, allow_nan=False)),
    residuals=arrays(np.float64, (3, 6), elements=st.one_of(st.just(np.nan), st.floats(-40, 40))),
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=5, unique=True),
)
def test_conformal_quantiles_are_non_negative_and_monotone(
    point: np.ndarray, residuals: np.ndarray, levels: list[float]
) -> None:
    history = np.abs(point[:, :1]) + np.arange(5.0)[None, :]
    out = conformal_quantiles(point, residuals, levels, history)
    ordered = [out[q] for q in sorted(levels)]
    for q in ordered:
        assert (q >= 0).all() and np.isfinite(q).all()
    for low, high in itertools.pairwise(ordered):
        assert (high >= low).all()


@settings(max_examples=40, deadline=None)
@given(values=arrays(np.float64, (4, 7), elements=st.one_of(st.just(np.nan), st.floats(-100, 100))))
def test_row_quantiles_match_numpy(values: np.ndarray) -> None:
    levels = [0.1, 0.5, 0.9]
    ours = row_quantiles(values, levels)
    for row in range(values.shape[0]):
        finite = values[row][~np.isnan(values[row])]
        if finite.size:
            assert ours[:, row] == pytest.approx(np.quantile(finite, levels))
        else:
            assert np.isnan(ours[:, row]).all()


@settings(max_examples=25, deadline=None)
@given(
    series=st.lists(
        st.lists(st.one_of(st.just(0.0), st.floats(0, 200)), min_size=1, max_size=24),
        min_size=1,
        max_size=4,
    ),
    levels=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4, unique=True),
)
def test_forecast_quantiles_are_monotone_for_any_history(
    series: list[list[float]], levels: list[float]
) -> None:
    history = frame({f"s{i}": values for i, values in enumerate(series)})
    config = ForecastConfig(
        horizon=2,
        backtest_windows=2,
        inner_windows=2,
        top_k=2,
        models=("Zero", "Median(3)", "Median(8)"),
        quantiles=tuple(sorted(levels)),
    )
    result = forecast_auto(history, config)
    columns = [quantile_column(q) for q in sorted(levels)]
    values = result.forecasts[["mean", *columns]].to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all()
    assert (np.diff(values[:, 1:], axis=1) >= 0).all()
    assert len(result.forecasts) == 2 * len(series)


def test_native_levels_of_expensive_models_give_their_quantiles() -> None:
    rng = np.random.default_rng(1)
    train = rng.poisson(5, (2, 30)).astype(np.float64)
    points, native, _seconds = window_forecasts(
        [parse_model("AutoETS(1)", 52)], train, 3, quantiles=(0.1, 0.5, 0.9)
    )
    by_q = native["AutoETS(1)"]
    assert np.allclose(by_q[0.5], points["AutoETS(1)"])
    assert (by_q[0.1] < by_q[0.5]).all() and (by_q[0.5] < by_q[0.9]).all()


def test_report_models_are_scored_but_never_selected() -> None:
    history = frame({"a": steady(30, 11), "b": steady(30, 12)})
    config = ForecastConfig(
        horizon=3,
        backtest_windows=2,
        inner_windows=2,
        models=("Zero",),
        report_models=("AutoETS(1)", "Naive"),
    )
    result = forecast_auto(history, config)
    assert set(result.scores["model"]) == {"Zero", "AutoETS(1)", "Naive", AUTO}
    assert set(result.selection["model"]) == {"Zero"}
    assert np.isfinite(
        result.scores.set_index("model").loc["AutoETS(1)", ["mase", "spl90"]].astype(float)
    ).all()
