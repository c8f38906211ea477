"""Lots from production runs: which confirmed run each product lot came from.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 12:00:00+00:00

Adds ``lot_runs`` (ORM: :class:`microfactory.store.models.quality.LotRunRow`): one row per confirmed
production run, naming its lot. ``(site, run_code)`` is unique so a run is confirmed once, and
``lot_id`` is unique so a lot comes from one run. ``plan_run_id`` has no foreign key on purpose: a
re-plan replaces the schedule's rows, and the lots made from it must stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``lot_runs``."""
    op.create_table(
        "lot_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("site", sa.String(length=80), nullable=False),
        sa.Column("run_code", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_run_id", sa.Integer(), nullable=True),
        sa.Column("serves", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_runs_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_runs")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_lot_runs_lot_id")),
        sa.UniqueConstraint("site", "run_code", name=op.f("uq_lot_runs_site_run_code")),
    )


def downgrade() -> None:
    """Drop ``lot_runs``."""
    op.drop_table("lot_runs")
