"""ORM models for forecasts and their backtest scores.

One forecast run (``forecast_runs``) per plan run of stage ``forecast`` (scope: the brand), with the
engine version, reconciliation method and configuration. Its rows hang off the same plan run with
``ON DELETE CASCADE``, so re-running the stage for the same brand and horizon replaces everything:

- ``forecast_values``: one row per series and week (the contract's ``unique_id, ds, model, mean`` and
  quantiles ``q50 q80 q90 q95``), with the series' hierarchy ``level`` (``total``, ``family``,
  ``area``, ``family/area``), SKU family and postcode area, so readers pick series without parsing
  keys (codes may themselves contain ``/``);
- ``forecast_selection``: per series the demand class (Syntetos–Boylan), the selected model and its
  rolling-origin backtest MASE;
- ``forecast_scores``: per candidate model (and ``auto``) the backtest scores over all series.

Units are units per week; ``ds`` is the week's Monday (Europe/London calendar).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, JsonObject, LongText, ShortStr


def _plan_run_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))


class ForecastRunRow(Base):
    """One stored forecast of one brand: engine version, method, horizon and history window."""

    __tablename__ = "forecast_runs"
    __table_args__ = (
        UniqueConstraint("plan_run_id", name="uq_forecast_runs_plan_run_id"),
        Index(None, "brand", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    brand: Mapped[CodeStr]
    version: Mapped[LongText]
    reconciliation: Mapped[ShortStr]
    """``MinTrace-mint_shrink``, ``BottomUp`` (fallback) or ``none``."""
    horizon_weeks: Mapped[int]
    history_start: Mapped[date]
    """Monday of the first history week used."""
    history_end: Mapped[date]
    """Monday after the last history week used (= the first forecast week)."""
    created_at: Mapped[datetime]
    parameters: Mapped[JsonObject]


class ForecastValueRow(Base):
    """The forecast of one series for one week: the selected model's mean and its quantiles."""

    __tablename__ = "forecast_values"
    __table_args__ = (
        UniqueConstraint("plan_run_id", "unique_id", "ds", name="uq_forecast_values_key"),
        Index(None, "brand", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    brand: Mapped[CodeStr]
    level: Mapped[ShortStr]
    unique_id: Mapped[LongText]
    sku_family: Mapped[CodeStr | None]
    """The series' SKU family; ``None`` above the family level."""
    area: Mapped[CodeStr | None]
    """The series' postcode area (or ``OTHER``); ``None`` above the area level."""
    ds: Mapped[date]
    model: Mapped[LongText]
    mean: Mapped[float]
    q50: Mapped[float | None]
    q80: Mapped[float | None]
    q90: Mapped[float | None]
    q95: Mapped[float | None]


class ForecastSelectionRow(Base):
    """How one series was forecast: its demand class, the selected model and its backtest MASE."""

    __tablename__ = "forecast_selection"
    __table_args__ = (UniqueConstraint("plan_run_id", "unique_id", name="uq_forecast_selection_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    brand: Mapped[CodeStr]
    level: Mapped[ShortStr]
    unique_id: Mapped[LongText]
    sku_family: Mapped[CodeStr | None]
    area: Mapped[CodeStr | None]
    demand_class: Mapped[ShortStr]
    adi: Mapped[float | None]
    cv2: Mapped[float | None]
    model: Mapped[LongText]
    backtest_mase: Mapped[float | None]
    """``None`` when the history was too short for a rolling-origin backtest."""


class ForecastScoreRow(Base):
    """Backtest scores of one candidate model (or ``auto``, the per-series selection) over all series."""

    __tablename__ = "forecast_scores"
    __table_args__ = (UniqueConstraint("plan_run_id", "model", name="uq_forecast_scores_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    brand: Mapped[CodeStr]
    model: Mapped[LongText]
    mase: Mapped[float | None]
    rmsse: Mapped[float | None]
    bias: Mapped[float | None]
    spl90: Mapped[float | None]
    series: Mapped[int]
