"""``microfactory forecast run``: forecast the stored demand and store the forecasts."""

from __future__ import annotations

import typer


def register_forecast_run(app: typer.Typer) -> None:
    """Add ``run`` (and any other store-backed forecast commands) to the ``forecast`` group."""
