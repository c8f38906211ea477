"""Forecast benchmark: weekly product demand (UCI Online Retail II), per-series automatic selection.

Protocol (../shared/bench/README.md): horizon 8 weeks, 4 rolling origins 8 weeks apart, the last one
8 weeks before each series' end; MASE per (series, origin), scaled by the mean absolute one-step naive
error of that origin's training data, averaged over series and origins; scaled pinball loss at 0.9
from each model's 0.9 quantile (native intervals where the model has them, otherwise conformal from
its residuals on the 4 earlier windows).

``auto`` is :func:`microfactory.demand.forecast.backtest`'s nested selection: at every scored origin
each series' candidates are ranked on the ``--inner-windows`` windows *before* that origin only, and
the median of the ``--top-k`` best is the forecast. Nothing of the evaluation window is seen.

Run from the repository root::

    .venv/bin/python -m benchmarks.forecast [--input CSV] [--workers 2] [--seasonal-ets] [--all-models]

Output: CSV ``model, mase, spl90, seconds`` (one row per reference single model, then ``auto``; with
``--all-models`` also the selection pool's own members), then
``auto_mase=… best_single_model=… best_single_mase=… improvement_pct=… seconds=…`` where the best
single model is the best of the reference models (the issue's list), as the target is stated.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks.common import SHARED_BENCH, TableWriter, log, summary_line
from microfactory.demand.forecast import DEFAULT_POOL, ForecastConfig, backtest

DEFAULT_INPUT = SHARED_BENCH / "forecast" / "online_retail_weekly_public.csv"
COLUMNS = ("model", "mase", "spl90", "seconds")


def reference_models(seasonal_ets: bool, season_length: int) -> tuple[str, ...]:
    """The single models the issue lists. AutoETS searches non-seasonal models unless ``seasonal_ets``:
    a 52-period seasonal ETS search costs about 15x more CPU (about 270 s here) for a worse MASE."""
    ets = f"AutoETS({season_length})" if seasonal_ets else "AutoETS(1)"
    return (
        "Naive",
        f"SeasonalNaive({season_length})",
        "HistoricAverage",
        "WindowAverage(8)",
        ets,
        f"AutoTheta({season_length})",
        "CrostonOptimized",
        "TSB",
        "ADIDA",
        "IMAPA",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table and the summary line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument(
        "--input", "--instances", type=Path, default=DEFAULT_INPUT, help="long CSV unique_id, ds, y"
    )
    p.add_argument("--horizon", type=int, default=8)
    p.add_argument("--windows", type=int, default=4, help="scored rolling origins")
    p.add_argument("--inner-windows", type=int, default=4, help="windows before an origin used to select")
    p.add_argument("--top-k", type=int, default=5, help="candidates combined per series (median)")
    p.add_argument("--season-length", type=int, default=52)
    p.add_argument("--freq", default="W-MON")
    p.add_argument("--workers", type=int, default=2, help="processes for AutoETS/AutoTheta")
    p.add_argument("--seasonal-ets", action="store_true", help="AutoETS with the seasonal search")
    p.add_argument("--all-models", action="store_true", help="also print the pool members' rows")
    args = p.parse_args(argv)
    if not args.input.exists():
        sys.exit(f"error: {args.input}: no such file")
    started = time.perf_counter()
    history = pd.read_csv(args.input, dtype={"unique_id": str})
    reference = reference_models(args.seasonal_ets, args.season_length)
    config = ForecastConfig(
        horizon=args.horizon,
        season_length=args.season_length,
        freq=args.freq,
        quantiles=(0.5, 0.9),
        backtest_windows=args.windows,
        inner_windows=args.inner_windows,
        top_k=args.top_k,
        models=DEFAULT_POOL,
        report_models=reference,
        n_jobs=args.workers,
    )
    log(
        f"{history['unique_id'].nunique()} series, {len(history)} rows; pool {', '.join(DEFAULT_POOL)}; "
        f"load {os.getloadavg()[0]:.2f}"
    )

    def progress(done: int, total: int) -> None:
        log(f"model {done}/{total} forecast ({time.perf_counter() - started:.1f} s)")

    scores = backtest(history, config, progress=progress).set_index("model")
    writer = TableWriter(COLUMNS)
    shown = [*reference, *(m for m in scores.index if args.all_models and m not in reference and m != "auto")]
    for name in [*shown, "auto"]:
        row = scores.loc[name]
        writer.row({"model": name, "mase": row["mase"], "spl90": row["spl90"], "seconds": row["seconds"]})
    singles = scores.loc[list(reference)]
    best = str(singles["mase"].idxmin())
    best_mase = float(singles["mase"].min())
    auto_mase = float(scores["mase"].to_dict()["auto"])
    seconds = time.perf_counter() - started
    log(f"load after run {os.getloadavg()[0]:.2f}")
    summary_line(
        [
            ("auto_mase", auto_mase),
            ("best_single_model", best),
            ("best_single_mase", best_mase),
            ("improvement_pct", 100.0 * (best_mase - auto_mase) / best_mase),
            ("seconds", round(seconds, 1)),
        ]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
