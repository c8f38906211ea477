"""Forecasts: forecast runs, values per series and week, series selection and model scores.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 12:00:00+00:00

From the ORM models (``microfactory.store.models.forecast``), written by hand. Every table hangs off
``plan_runs`` with ``ON DELETE CASCADE``, so re-running the forecast stage for a brand and horizon
replaces its run, values, selection and scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _plan_run_id(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    return (
        sa.Column("plan_run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f(f"fk_{table}_plan_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
    )


def upgrade() -> None:
    """Create ``forecast_runs``, ``forecast_values``, ``forecast_selection`` and ``forecast_scores``."""
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        *_plan_run_id("forecast_runs"),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("reconciliation", sa.String(length=32), nullable=False),
        sa.Column("horizon_weeks", sa.Integer(), nullable=False),
        sa.Column("history_start", sa.Date(), nullable=False),
        sa.Column("history_end", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_runs")),
        sa.UniqueConstraint("plan_run_id", name="uq_forecast_runs_plan_run_id"),
    )
    op.create_index(
        op.f("ix_forecast_runs_brand_created_at"), "forecast_runs", ["brand", "created_at"], unique=False
    )
    op.create_table(
        "forecast_values",
        sa.Column("id", sa.Integer(), nullable=False),
        *_plan_run_id("forecast_values"),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("unique_id", sa.Text(), nullable=False),
        sa.Column("sku_family", sa.String(length=80), nullable=True),
        sa.Column("area", sa.String(length=80), nullable=True),
        sa.Column("ds", sa.Date(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("mean", sa.Double(), nullable=False),
        sa.Column("q50", sa.Double(), nullable=True),
        sa.Column("q80", sa.Double(), nullable=True),
        sa.Column("q90", sa.Double(), nullable=True),
        sa.Column("q95", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_values")),
        sa.UniqueConstraint("plan_run_id", "unique_id", "ds", name="uq_forecast_values_key"),
    )
    op.create_index(
        op.f("ix_forecast_values_brand_level"), "forecast_values", ["brand", "level"], unique=False
    )
    op.create_table(
        "forecast_selection",
        sa.Column("id", sa.Integer(), nullable=False),
        *_plan_run_id("forecast_selection"),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("unique_id", sa.Text(), nullable=False),
        sa.Column("sku_family", sa.String(length=80), nullable=True),
        sa.Column("area", sa.String(length=80), nullable=True),
        sa.Column("demand_class", sa.String(length=32), nullable=False),
        sa.Column("adi", sa.Double(), nullable=True),
        sa.Column("cv2", sa.Double(), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("backtest_mase", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_selection")),
        sa.UniqueConstraint("plan_run_id", "unique_id", name="uq_forecast_selection_key"),
    )
    op.create_table(
        "forecast_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        *_plan_run_id("forecast_scores"),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("mase", sa.Double(), nullable=True),
        sa.Column("rmsse", sa.Double(), nullable=True),
        sa.Column("bias", sa.Double(), nullable=True),
        sa.Column("spl90", sa.Double(), nullable=True),
        sa.Column("series", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_scores")),
        sa.UniqueConstraint("plan_run_id", "model", name="uq_forecast_scores_key"),
    )


def downgrade() -> None:
    """Drop the forecast tables."""
    op.drop_table("forecast_scores")
    op.drop_table("forecast_selection")
    op.drop_index(op.f("ix_forecast_values_brand_level"), table_name="forecast_values")
    op.drop_table("forecast_values")
    op.drop_index(op.f("ix_forecast_runs_brand_created_at"), table_name="forecast_runs")
    op.drop_table("forecast_runs")
