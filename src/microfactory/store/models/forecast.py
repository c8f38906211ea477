"""ORM models for forecasts and their backtest scores."""

from __future__ import annotations
