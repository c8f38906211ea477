"""``microfactory forecast``: forecasts and backtests."""

from __future__ import annotations

import typer

forecast_app = typer.Typer(help="Demand forecasts and backtests.", no_args_is_help=True)
