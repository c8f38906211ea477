"""``microfactory forecast``: forecasts and backtests."""

from __future__ import annotations

import typer

forecast_app = typer.Typer(help="Demand forecasts and backtests.", no_args_is_help=True)

from microfactory.cli_forecast_run import register_forecast_run  # noqa: E402

register_forecast_run(forecast_app)
