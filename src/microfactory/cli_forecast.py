"""``microfactory forecast``: forecasts and backtests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

forecast_app = typer.Typer(help="Demand forecasts and backtests.", no_args_is_help=True)

out = Console()
err = Console(stderr=True)

from microfactory.cli_forecast_run import register_forecast_run  # noqa: E402

register_forecast_run(forecast_app)

BACKTEST_HEADERS = ("model", "MASE", "RMSSE", "bias", "SPL@0.9", "series", "seconds")


@forecast_app.command("backtest")
def forecast_backtest(
    input_csv: Annotated[
        Path, typer.Option("--input", help="Long CSV with columns unique_id, ds (YYYY-MM-DD), y.")
    ],
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=520, help="Periods ahead.")] = 8,
    windows: Annotated[int, typer.Option("--windows", min=1, max=100, help="Scored rolling origins.")] = 4,
    season_length: Annotated[
        int, typer.Option("--season-length", min=1, max=520, help="Season length in periods.")
    ] = 52,
    inner_windows: Annotated[
        int,
        typer.Option(
            "--inner-windows", min=1, max=100, help="Earlier windows the selection ranks models on."
        ),
    ] = 4,
    top_k: Annotated[
        int, typer.Option("--top-k", min=1, max=50, help="Best models combined per series.")
    ] = 5,
    models: Annotated[
        str | None,
        typer.Option(
            "--models", help="Comma-separated candidate models, e.g. 'Naive,WindowAverage(8),IMAPA'."
        ),
    ] = None,
    freq: Annotated[str, typer.Option("--freq", help="Period frequency (pandas alias).")] = "W-MON",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Backtest every candidate model and the automatic selection on rolling origins of a long CSV."""
    from microfactory.cli_output import print_json, rich_progress, table
    from microfactory.demand.forecast import DEFAULT_POOL, ForecastConfig, backtest
    from microfactory.demand.forecast.csvio import read_long_csv
    from microfactory.demand.forecast.models import parse_model
    from microfactory.errors import InvalidInputError

    names = tuple(m.strip() for m in models.split(",") if m.strip()) if models else DEFAULT_POOL
    try:
        for name in names:
            parse_model(name, season_length)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--models") from exc
    history = read_long_csv(input_csv)
    config = ForecastConfig(
        horizon=horizon,
        season_length=season_length,
        freq=freq,
        backtest_windows=windows,
        inner_windows=inner_windows,
        top_k=top_k,
        models=names,
    )
    with rich_progress(err) as progress:
        advance = progress.step("backtest: models forecast", total=None)
        try:
            scores = backtest(history, config, progress=advance)
        except ValueError as exc:
            raise InvalidInputError.single(str(input_csv), str(exc)) from exc
    scored = scores[scores["pairs"] > 0]
    if scored.empty:
        raise InvalidInputError.single(
            str(input_csv), f"no series is long enough to score one window (needs {horizon + 2} periods)"
        )
    records: list[dict[str, Any]] = [
        {
            "model": str(r["model"]),
            "mase": _num(r["mase"]),
            "rmsse": _num(r["rmsse"]),
            "bias": _num(r["bias"]),
            "spl90": _num(r["spl90"]),
            "series": int(r["series"]),
            "seconds": _num(r["seconds"]),
        }
        for r in scored.to_dict("records")
    ]
    if as_json:
        print_json(
            out,
            {
                "input": str(input_csv),
                "horizon": horizon,
                "windows": windows,
                "inner_windows": inner_windows,
                "top_k": top_k,
                "series": int(history["unique_id"].nunique()),
                "scores": records,
            },
        )
        return
    rows = [
        [r["model"], r["mase"], r["rmsse"], r["bias"], r["spl90"], r["series"], r["seconds"]] for r in records
    ]
    out.print(table(f"Backtest of {input_csv.name}: h={horizon}, {windows} origins", BACKTEST_HEADERS, rows))


def _num(value: Any) -> float | None:
    number = float(value)
    return None if number != number else round(number, 4)
